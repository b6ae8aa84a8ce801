"""Passages: what gets embedded and what BM25 sees for each retrievable clause.

A clause alone ("(五)坚决维护特种设备安全。……") does not say which city or plan it belongs
to, so questions that name a city ("西安电梯安全……") match every city's elevator clause equally.
A contextual passage puts the region, the document title and the headings of the enclosing
units before the clause text. Long clauses are cut into overlapping windows (at sentence ends
where possible); every window maps back to its one clause.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from index.models import Clause, Document
from index.text.citation import body_text

# e5-small reads at most 512 tokens; Chinese is about one token per character, and the
# context line takes up to ~80, so windows stay well inside the limit.
WINDOW_CHARS = 380
WINDOW_OVERLAP = 80

_SENTENCE_END = re.compile(r"(?<=[。；;！!？?\n])")


@dataclass(frozen=True)
class Passage:
    """One embeddable text; `clause_id` is the clause it stands for, `window` its position in it."""

    clause_id: str
    doc_id: str
    text: str
    window: int = 0


def ancestors(clause: Clause, by_id: dict[str, Clause]) -> list[Clause]:
    """Enclosing units of a clause, outermost first."""
    chain: list[Clause] = []
    seen = {clause.id}
    parent_id = clause.parent_id
    while parent_id and parent_id in by_id and parent_id not in seen:
        parent = by_id[parent_id]
        chain.append(parent)
        seen.add(parent_id)
        parent_id = parent.parent_id
    chain.reverse()
    return chain


def context_line(document: Document, clause: Clause, by_id: dict[str, Clause]) -> str:
    """ "region｜title｜section heading｜clause heading": where the clause stands."""
    parts: list[str] = []
    if document.region:
        parts.append(document.region)
    title = document.title or document.source
    if title and title != document.region:
        parts.append(title)
    for unit in [*ancestors(clause, by_id), clause]:
        heading = (unit.heading or "").strip()
        if heading and heading not in parts:
            parts.append(heading)
    return "｜".join(parts)


def split_windows(text: str, size: int = WINDOW_CHARS, overlap: int = WINDOW_OVERLAP) -> list[str]:
    """Cut text into windows of at most ~size characters, overlapping by ~overlap, at sentence ends."""
    text = text.strip()
    if len(text) <= size:
        return [text]
    sentences = [s for s in _SENTENCE_END.split(text) if s]
    pieces: list[str] = []
    for sentence in sentences:  # a sentence longer than a window is cut hard
        while len(sentence) > size:
            pieces.append(sentence[:size])
            sentence = sentence[size - overlap :]
        pieces.append(sentence)
    windows: list[str] = []
    current: list[str] = []
    length = 0
    for piece in pieces:
        if current and length + len(piece) > size:
            windows.append("".join(current).strip())
            carried: list[str] = []
            carried_len = 0
            for previous in reversed(current):
                if carried_len + len(previous) > overlap:
                    break
                carried.insert(0, previous)
                carried_len += len(previous)
            current, length = carried, carried_len
        current.append(piece)
        length += len(piece)
    if current:
        tail = "".join(current).strip()
        if tail and (not windows or not windows[-1].endswith(tail)):
            windows.append(tail)
    return [w for w in windows if w]


def contextual_passages(
    document: Document, clauses: Sequence[Clause], *, size: int = WINDOW_CHARS, overlap: int = WINDOW_OVERLAP
) -> list[Passage]:
    """Passages of one document's retrievable clauses, each prefixed by its context line."""
    by_id = {c.id: c for c in clauses}
    out: list[Passage] = []
    for clause in clauses:
        if not clause.retrievable:
            continue
        context = context_line(document, clause, by_id)
        for i, window in enumerate(split_windows(body_text(clause), size, overlap)):
            out.append(Passage(clause.id, clause.doc_id, f"{context}\n{window}", i))
    return out


def plain_passages(
    clauses: Iterable[Clause], *, size: int = WINDOW_CHARS, overlap: int = WINDOW_OVERLAP
) -> list[Passage]:
    """Passages of the clause text alone, no context: the naive baseline."""
    out: list[Passage] = []
    for clause in clauses:
        if not clause.retrievable:
            continue
        for i, window in enumerate(split_windows(clause.text, size, overlap)):
            out.append(Passage(clause.id, clause.doc_id, window, i))
    return out
