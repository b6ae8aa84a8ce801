"""Text normalisation used for matching only; the text shown to users stays as written.

`norm` maps character for character (the result has the same length as its input), so a span
found in the normalised text cuts the same span out of the original.
"""

from __future__ import annotations

import re
import unicodedata

# Full-width ASCII (！ … ～) to half-width, and every kind of space to a plain space: one char each.
_WIDTH_TABLE = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_WIDTH_TABLE.update(
    {
        0x3000: 0x20,  # ideographic space
        0x00A0: 0x20,  # no-break space
        0xFEFF: 0x20,  # BOM / zero-width no-break space
        0x200B: 0x20,
        0x200C: 0x20,
        0x200D: 0x20,
        0x2060: 0x20,
        0x0009: 0x20,
        0x000B: 0x20,
        0x000C: 0x20,
    }
)
_WIDTH_TABLE.update({code: 0x20 for code in range(0x2000, 0x200B)})

_SPACE_RUN = re.compile(r"\s+")
_CJK = r"\u3400-\u9fff\uf900-\ufaff"
_SPACE_BETWEEN_CJK = re.compile(rf"(?<=[{_CJK}\u3000-\u303f\uff00-\uffef）)])\s+(?=[{_CJK}\u3000-\u303f\uff00-\uffef（(])")


def norm(text: str) -> str:
    """Half-width, single-kind spaces; same length as `text` (for matching, never for display)."""
    return text.translate(_WIDTH_TABLE)


def squash(text: str) -> str:
    """`norm`, then trimmed, runs of spaces collapsed and spaces between CJK characters removed."""
    text = _SPACE_RUN.sub(" ", norm(text)).strip()
    return _SPACE_BETWEEN_CJK.sub("", text)


_INVISIBLE = re.compile(
    r"[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202f\u2060-\u206f\ufeff]"
)
MAX_QUERY_CHARS = 500  # longer questions are cut: no plan question needs more, and cost stays bounded


def normalize_text(text: str) -> str:
    """NFKC, lower case, invisible/control characters removed: the form questions and documents are
    compared and tokenised in."""
    return _INVISIBLE.sub("", unicodedata.normalize("NFKC", text)).lower()


def clean_question(question: str | None) -> str:
    """A question as every edge and the searcher read it: `normalize_text`, other control characters
    turned into spaces, whitespace collapsed, cut to MAX_QUERY_CHARS."""
    text = normalize_text(question or "")
    text = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in text)
    return " ".join(text.split())[:MAX_QUERY_CHARS]
