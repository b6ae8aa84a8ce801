"""Lines of text as documents deliver them: paragraphs split, hard-wrapped lines joined back.

Shared by every reader (plain text, PDF text layers, OCR) so that folding is undone one way.
"""

from __future__ import annotations

import re

from index.text.normalize import norm
from index.text.numbering import match_marker


def split_paragraphs(text: str) -> list[str]:
    """One entry per line, trimmed, blank lines (spaces, NBSP, BOM, ideographic spaces) dropped."""
    lines = (line.strip().strip("\ufeff\u200b").strip() for line in text.splitlines())
    return [line for line in lines if line]


# Characters a Chinese document plausibly contains: CJK, its punctuation, full-width forms,
# ASCII, Latin-1, general punctuation, symbols (①, ℃, ≥, ■, ★, Ⅱ) and Greek.
PLAUSIBLE = re.compile(
    r"[\u4e00-\u9fff\u3000-\u303f\uff00-\uffef\u0020-\u007e\t\r\n\u00a0-\u00ff\u2000-\u206f"
    r"\u2100-\u22ff\u2460-\u27bf\u0370-\u03ff\u0400-\u04ff\u3200-\u33ff\ufe30-\ufe4f\u02c0-\u02ff]"
)


# ---------------------------------------------------------------------------------------------
# Hard-wrapped lines (PDF text, fixed-width text files)

SENTENCE_END = "。！？；：!?;:”」』）)】"


def starts_unit(line: str) -> bool:
    return match_marker(line) is not None or norm(line).lstrip().startswith(("附件", "（责任单位", "(责任单位"))


def line_width(line: str) -> int:
    """Display width: CJK and full-width characters count two, ASCII one."""
    text = line.strip()
    return sum(1 if ord(ch) < 0x2E80 else 2 for ch in text)


def fold_width(lines: list[str]) -> int | None:
    """The width lines were folded at: a cluster of (at least 3) equally long lines at the top."""
    widths = sorted(line_width(line) for line in lines if line_width(line) >= 30)
    if len(widths) < 3:
        return None
    top = widths[int(0.9 * (len(widths) - 1))]
    cluster = [w for w in widths if top - 3 <= w <= top + 3]
    if len(cluster) < 3 or len(cluster) < 0.15 * len(widths):
        return None
    return min(cluster)


def looks_hard_wrapped(lines: list[str]) -> bool:
    """Many lines share one width and stop mid-sentence: the text was folded at a fixed width."""
    if len(lines) < 10:
        return False
    fold = fold_width(lines)
    if fold is None:
        return False
    folded = [line for line in lines if line_width(line) >= fold]
    unfinished = sum(1 for line in folded if line.rstrip()[-1] not in SENTENCE_END)
    return len(folded) >= 0.25 * len(lines) and unfinished >= 0.6 * len(folded)


def join_wrapped_lines(lines: list[str], fold: int | None = None) -> list[str]:
    """Join lines folded at the page width back into paragraphs (original characters kept).

    `fold` is the width measured by the caller on the folded part of `lines` (a PDF's text
    pages, not its OCR paragraphs); by default it is measured on all of them."""
    fold = fold or fold_width(lines)
    if fold is None:
        return list(lines)
    out: list[str] = []
    joinable = False
    for line in lines:
        starts_paragraph = not (out and joinable and not starts_unit(line))
        if starts_paragraph:
            out.append(line)
        else:
            out[-1] = out[-1].rstrip() + line.strip()
        open_bracket = _unclosed(out[-1])
        # the first line of a paragraph is full two characters short: 公文 indent it by two
        full = line_width(line) >= fold - (6 if starts_paragraph else 2)
        joinable = open_bracket or (full and line.rstrip()[-1] not in SENTENCE_END)
    return out


def _unclosed(text: str) -> bool:
    normalized = norm(text)
    return normalized.count("(") > normalized.count(")")
