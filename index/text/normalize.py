"""Text normalisation used for matching only; the text shown to users stays as written.

`norm` maps character for character (the result has the same length as its input), so a span
found in the normalised text cuts the same span out of the original.
"""

from __future__ import annotations

import re

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

_CN_DIGITS = {"零": 0, "〇": 0, "○": 0, "Ｏ": 0, "О": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4,
              "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}
CN_NUMERAL_CHARS = "零〇○一二两三四五六七八九十百千"

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


def cn_to_int(numeral: str) -> int | None:
    """Value of a Chinese or Arabic numeral ("十二" → 12, "一百零三" → 103, "12" → 12); None if not one."""
    numeral = numeral.strip()
    if not numeral:
        return None
    if numeral.isdigit():
        return int(norm(numeral))
    if any(ch not in _CN_DIGITS and ch not in _CN_UNITS for ch in numeral):
        return None
    if all(ch in _CN_DIGITS for ch in numeral) and len(numeral) > 1:
        # digit-by-digit form used in years: 二〇一七
        return int("".join(str(_CN_DIGITS[ch]) for ch in numeral))
    total, current = 0, 0
    for ch in numeral:
        if ch in _CN_DIGITS:
            current = _CN_DIGITS[ch]
        else:
            unit = _CN_UNITS[ch]
            total += (current or 1) * unit
            current = 0
    return total + current


# ---------------------------------------------------------------------------------------------
# Numbering markers at the start of a line. "（一）" = "(一)" = "( 一 )"; "１．" = "1." = "1、".

STYLE_RANK = {
    # outermost first; used when a style appears that is not on the current stack
    "bufen": 0,  # 第一部分
    "chapter": 1,  # 第一章
    "part": 2,  # 第一节
    "article": 3,  # 第一条
    "section": 4,  # 一、
    "clause": 5,  # (一)
    "item": 6,  # 1.  1、
    "sub_item": 7,  # 1.1
    "paren_item": 8,  # (1)  ⑴
    "half_item": 9,  # 1)
    "circled": 10,  # ①
}
# A number followed by one of these is a quantity ("1.5万元", "2.7‰"), never numbering.
_UNIT_AFTER = "万亿千百元%％‰倍米吨个家项件年月日亩里平方户人次名所座台套辆天小"

_CN = "一二三四五六七八九十百零〇两"
_MARKERS = [
    ("bufen", re.compile(rf"^\s*第\s*([{_CN}\d]{{1,4}})\s*部分\s*[、.:：]?\s*")),
    ("chapter", re.compile(rf"^\s*第\s*([{_CN}\d]{{1,4}})\s*章(?!程)\s*[、.:：]?\s*")),
    ("part", re.compile(rf"^\s*第\s*([{_CN}\d]{{1,4}})\s*节\s*[、.:：]?\s*")),
    ("article", re.compile(rf"^\s*第\s*([{_CN}\d]{{1,4}})\s*条(?![例件款目])\s*[、.:：]?\s*")),
    ("section", re.compile(rf"^\s*([{_CN}]{{1,4}})\s*[、.](?!\d)\s*")),
    ("clause", re.compile(rf"^\s*\(\s*([{_CN}]{{1,4}})\s*\)\s*[、.]?\s*")),
    ("paren_item", re.compile(r"^\s*\(\s*(\d{1,2})\s*\)\s*[、.]?\s*")),
    ("paren_item", re.compile(r"^\s*([⑴-⒇])\s*")),
    ("item", re.compile(r"^\s*(\d{1,2})\s*[.、](?!\d)\s*")),
    ("sub_item", re.compile(rf"^\s*(\d{{1,2}}\.\d{{1,2}})(?![\d.{_UNIT_AFTER}])\s*[、]?\s*")),
    ("half_item", re.compile(r"^\s*(\d{1,2})\s*\)(?=\s*\S)\s*")),
    ("circled", re.compile(r"^\s*([①-⑳])\s*")),
]


class Marker:
    """A numbering marker found at the start of a line."""

    __slots__ = ("style", "value", "number", "end")

    def __init__(self, style: str, value: int, number: str, end: int) -> None:
        self.style = style
        self.value = value  # numeric value: 一 → 1, (十二) → 12, ③ → 3
        self.number = number  # normalised form for display and paths: "二、", "(五)", "1.", "第四条"
        self.end = end  # index in the line where the text after the marker starts

    def __repr__(self) -> str:
        return f"Marker({self.style}, {self.value}, {self.number!r})"


def match_marker(line: str) -> Marker | None:
    """The numbering marker a line starts with, or None. Works on raw or normalised text."""
    text = norm(line)
    for style, pattern in _MARKERS:
        match = pattern.match(text)
        if not match:
            continue
        token = match.group(1)
        if style == "sub_item":
            value = int(token.split(".")[1])
        elif "⑴" <= token <= "⒇":
            value = ord(token) - ord("⑴") + 1
        elif "①" <= token <= "⑳":
            value = ord(token) - ord("①") + 1
        else:
            value = cn_to_int(token)
        if value is None or value <= 0:
            continue
        if style in ("section", "clause") and not _canonical_cn(token, value):
            continue
        number = _number_text(style, token, value)
        return Marker(style, value, number, match.end())
    return None


def _canonical_cn(token: str, value: int) -> bool:
    """"十二" and "二十" are numerals; "二二" or "十十" at a line start are not numbering."""
    return value < 1000 and (len(token) == 1 or any(ch in "十百" for ch in token))


_NUMBER_FORMATS = {
    "bufen": "第{token}部分",
    "chapter": "第{token}章",
    "part": "第{token}节",
    "article": "第{token}条",
    "section": "{token}、",
    "clause": "({token})",
    "paren_item": "({value})",
    "half_item": "{value})",
    "circled": "{token}",
    "sub_item": "{token}",
}


def _number_text(style: str, token: str, value: int) -> str:
    return _NUMBER_FORMATS.get(style, "{value}.").format(token=token.replace(" ", ""), value=value)
