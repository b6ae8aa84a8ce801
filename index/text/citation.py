"""How a clause is quoted and cited: the one citation format and the one excerpt rule.

Every reply cites its source the same way — in the bot, the console, `scripts/ask.py` (human and
JSON), task tables, target lists and version notes:

    《title》（文号，issuer，2017年2月25日）二、(五)

Parts a document does not state are left out, never guessed. Excerpts are verbatim text (cuts
marked with …), so an excerpt never says what the clause does not.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from index.models import Clause, Document

EXCERPT_CHARS = 180
_SENTENCE_END = re.compile(r"(?<=[。；;！？!?])")


def format_date(value: str | None) -> str | None:
    """ISO yyyy-mm-dd as 2017年2月25日 (as the documents write it); anything else unchanged."""
    if not value:
        return None
    match = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", value)
    if not match:
        return value
    year, month, day = match.groups()
    return f"{year}年{int(month)}月{int(day)}日"


def document_title(document: Document) -> str:
    """The title, or the file name when the document states none."""
    return document.title or document.source


def citation(document: Document, path: str | None = None) -> str:
    """《title》（文号，issuer，date）path — plain text (edges escape it for their medium)."""
    details = [part for part in (document.doc_number, document.issuer, format_date(document.date)) if part]
    text = f"《{document_title(document)}》" + (f"（{'，'.join(details)}）" if details else "")
    return f"{text}{path}" if path else text


def body_text(clause: Clause) -> str:
    """The clause text without a repeat of its heading line (the context line already has it)."""
    text = clause.text.strip()
    heading = (clause.heading or "").strip()
    if heading:
        for lead in (f"{clause.number}{heading}", heading):
            if text.startswith(lead):
                rest = text[len(lead) :].lstrip("。．.：:，, \n")
                return rest or text
    return text


def sentences(text: str) -> list[str]:
    """Sentences and paragraph ends, keeping their punctuation; joining them gives the text back."""
    parts: list[str] = []
    for line in text.splitlines(keepends=True):
        parts.extend(piece for piece in _SENTENCE_END.split(line) if piece)
    return parts


def excerpt(text: str, terms: Sequence[str], limit: int = EXCERPT_CHARS) -> str:
    """The part of a clause that answers: the sentence richest in matched terms and its neighbours.

    Verbatim text only (cuts are marked with …), so an excerpt never says what the clause does not.
    """
    text = text.strip()
    if len(text) <= limit:
        return text
    parts = sentences(text)
    wanted = [t.lower() for t in terms if t and len(t.strip()) >= 2]

    def score(sentence: str) -> int:
        low = sentence.lower()
        return sum(len(t) for t in wanted if t in low)

    scores = [score(s) for s in parts]
    best = max(range(len(parts)), key=lambda i: (scores[i], -i)) if wanted and max(scores) > 0 else 0
    if len(parts[best]) > limit:
        sentence = parts[best]
        low = sentence.lower()
        hits = [low.find(t) for t in wanted if t in low]
        start = max(0, min(hits) - limit // 4) if hits else 0
        end = start + limit
        before = "…" if start > 0 or best > 0 else ""
        after = "…" if end < len(sentence) or best < len(parts) - 1 else ""
        return before + sentence[start:end].strip() + after
    first = last = best
    size = len(parts[best])
    while True:
        grew = False
        if last + 1 < len(parts) and size + len(parts[last + 1]) <= limit:
            last += 1
            size += len(parts[last])
            grew = True
        if first > 0 and size + len(parts[first - 1]) <= limit:
            first -= 1
            size += len(parts[first])
            grew = True
        if not grew:
            break
    chosen = "".join(parts[first : last + 1]).strip()
    return ("…" if first > 0 else "") + chosen + ("…" if last < len(parts) - 1 else "")
