"""The one grammar of numbers in plan documents: numerals, clause numbers and clause paths.

The parser reads numbering markers at the start of lines (`match_marker`); the question reader
reads clause references inside questions (`question_reference`); clause paths stored with each
clause ("二、(一)1.") are split into comparable units (`path_units`). All three are built from the
same unit table below, so a numbering style the parser learns is also understood in questions.
"""

from __future__ import annotations

import re
import unicodedata

from index.text.normalize import norm

_CN_DIGITS = {"零": 0, "〇": 0, "○": 0, "Ｏ": 0, "О": 0, "O": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4,
              "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}  # fmt: skip
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}
CN_NUMERAL_CHARS = "零〇○一二两三四五六七八九十百千"
_CN_WRITE = "零一二三四五六七八九"


def cn_to_int(numeral: str) -> int | None:
    """Value of a Chinese or Arabic numeral ("十二" → 12, "一百零三" → 103, "二〇一七" → 2017,
    "12" → 12); None if it is not one."""
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
            total += (current or 1) * _CN_UNITS[ch]
            current = 0
    return total + current


def int_to_cn(value: int) -> str:
    """1–9999 as a Chinese numeral the way documents number their parts: 10 → 十, 21 → 二十一,
    105 → 一百零五; other values as Arabic digits."""
    if not 0 < value < 10000:
        return str(value)
    out: list[str] = []
    zero = False
    for unit, name in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = value // unit % 10
        if digit:
            if zero:
                out.append("零")
            out.append(("" if digit == 1 and unit == 10 and value < 20 else _CN_WRITE[digit]) + name)
            zero = False
        elif out:
            zero = True
    return "".join(out)


# ---------------------------------------------------------------------------------------------
# Numbering units. "（一）" = "(一)" = "( 一 )"; "１．" = "1." = "1、".

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
# The unit a style is compared as in clause paths and references (one level each).
PATH_KIND = {
    "bufen": "bufen", "chapter": "chap", "part": "part", "article": "art", "section": "sec", "clause": "cl",
    "item": "item", "sub_item": "item", "paren_item": "item", "half_item": "item", "circled": "item",
}  # fmt: skip
# A number followed by one of these is a quantity ("1.5万元", "2.7‰"), never numbering.
_UNIT_AFTER = "万亿千百元%％‰倍米吨个家项件年月日亩里平方户人次名所座台套辆天小"

_CN = "一二三四五六七八九十百零〇两"
_CN_NUMBER = rf"[{_CN}]{{1,4}}"
_ANY_NUMBER = rf"[{_CN}\d]{{1,4}}"
# The numbered units: (style, the number, what follows it). Line markers and question references
# are both composed from these.
_UNITS = (
    ("bufen", rf"第\s*({_ANY_NUMBER})\s*部分", r"\s*[、.:：]?\s*"),
    ("chapter", rf"第\s*({_ANY_NUMBER})\s*章(?!程)", r"\s*[、.:：]?\s*"),
    ("part", rf"第\s*({_ANY_NUMBER})\s*节", r"\s*[、.:：]?\s*"),
    ("article", rf"第\s*({_ANY_NUMBER})\s*条(?![例件款目])", r"\s*[、.:：]?\s*"),
    ("section", rf"({_CN_NUMBER})\s*(?:、|\.(?!\d))", r"\s*"),
    ("clause", rf"\(\s*({_CN_NUMBER})\s*\)", r"\s*[、.]?\s*"),
    ("paren_item", r"\(\s*(\d{1,2})\s*\)", r"\s*[、.]?\s*"),
    ("paren_item", r"([⑴-⒇])", r"\s*"),
    ("item", r"(\d{1,2})\s*[.、](?!\d)", r"\s*"),
    ("sub_item", rf"(\d{{1,2}}\.\d{{1,2}})(?![\d.{_UNIT_AFTER}])", r"\s*[、]?\s*"),
    ("half_item", r"(\d{1,2})\s*\)(?=\s*\S)", r"\s*"),
    ("circled", r"([①-⑳])", r"\s*"),
)
_MARKERS = [(style, re.compile(rf"^\s*{number}{after}")) for style, number, after in _UNITS]


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


def _token_value(style: str, token: str) -> int | None:
    if style == "sub_item":
        return int(token.split(".")[1])
    if "⑴" <= token <= "⒇":
        return ord(token) - ord("⑴") + 1
    if "①" <= token <= "⑳":
        return ord(token) - ord("①") + 1
    return cn_to_int(token)


def match_marker(line: str) -> Marker | None:
    """The numbering marker a line starts with, or None. Works on raw or normalised text."""
    text = norm(line)
    for style, pattern in _MARKERS:
        match = pattern.match(text)
        if not match:
            continue
        token = match.group(1)
        value = _token_value(style, token)
        if value is None or value <= 0:
            continue
        if style in ("section", "clause") and not _canonical_cn(token, value):
            continue
        number = _NUMBER_FORMATS.get(style, "{value}.").format(token=token.replace(" ", ""), value=value)
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

Unit = tuple[str, int]


def path_units(path: str) -> tuple[Unit, ...]:
    """A clause path as comparable units: "二、(一)1." → (("sec", 2), ("cl", 1), ("item", 1)).

    A path is the markers of a clause and its parents written one after another, so it is read
    with the same markers, one after the other."""
    text = unicodedata.normalize("NFKC", path or "").replace(" ", "")
    units: list[Unit] = []
    while text:
        marker = match_marker(text)
        if marker is None or marker.end == 0:
            break
        units.append((PATH_KIND[marker.style], marker.value))
        text = text[marker.end :]
    return tuple(units)


# A clause reference inside a question is looser than a line marker: "二(五)" without 、, "二 (五)",
# "第二章第四条", and an item number right after the clause ("二(一)1").
_QUESTION_REF = re.compile(
    rf"(?:第\s*(?P<chap>{_ANY_NUMBER})\s*章\s*)?第\s*(?P<art>{_ANY_NUMBER})\s*条"
    rf"|(?:(?<![{_CN}])(?P<sec>{_CN_NUMBER})\s*[、,.]?\s*)?\(\s*(?P<cl>{_CN_NUMBER})\s*\)"
    rf"(?:\s*(?P<item>\d{{1,2}})(?=[.、\s]|$))?"
)


def question_reference(text: str) -> tuple[Unit, ...] | None:
    """The clause reference a (cleaned) question names, as path units, or None."""
    match = _QUESTION_REF.search(norm(text))
    if not match:
        return None
    units: list[Unit] = []
    for kind in ("chap", "art", "sec", "cl", "item"):
        raw = match.group(kind)
        if raw:
            value = cn_to_int(raw)
            if value is None or value <= 0:
                return None
            units.append((kind, value))
    return tuple(units) or None


# Ordinal words officials use for parts and items: 第二部分第五项, 第二大项(五), 第二部分第5条, 第三方面.
_ORDINAL_REF = re.compile(
    rf"第\s*(?P<outer>{_ANY_NUMBER})\s*(?:部分|大项|大点|大条|方面|板块)\s*(?:的|之)?\s*"
    rf"(?:第\s*(?P<inner>{_ANY_NUMBER})\s*(?:项|条|点|小项|小点|款|个)|\(\s*(?P<paren>{_CN_NUMBER})\s*\))?"
    rf"|(?<![{_CN}\d])(?P<sec>{_CN_NUMBER})\s*之\s*(?P<cl>{_CN_NUMBER})(?![{_CN}])"
)


def question_references(text: str) -> list[tuple[Unit, ...]]:
    """Every way to read the clause reference a question names, the most specific first: "二(五)" →
    [二、(五)]; "第二部分第五项" → [二、(五), 第二章第五条]; "第五条" → [第五条, (五)]."""
    out: list[tuple[Unit, ...]] = []
    literal = question_reference(text)
    if literal:
        out.append(literal)
        if literal[-1][0] == "art":  # plans numbered 一、(一) are asked about as "第五条" too
            out.append(tuple(("cl" if kind == "art" else "sec", value) for kind, value in literal))
    match = _ORDINAL_REF.search(norm(text))
    if match:
        outer = cn_to_int(match.group("outer") or match.group("sec") or "")
        inner = cn_to_int(match.group("inner") or match.group("paren") or match.group("cl") or "")
        if outer:
            plan = (("sec", outer),) + ((("cl", inner),) if inner else ())
            regulation = (("chap", outer),) + ((("art", inner),) if inner else ())
            out += [units for units in (plan, regulation) if units not in out]
    return sorted(out, key=len, reverse=True)  # the more units a reading names, the surer it is


def unit_text(unit: Unit) -> str:
    """A unit written back as documents write it: ("sec", 2) → 二、, ("cl", 5) → (五), ("art", 4) → 第四条."""
    kind, value = unit
    number = int_to_cn(value)
    return {
        "bufen": f"第{number}部分",
        "chap": f"第{number}章",
        "part": f"第{number}节",
        "art": f"第{number}条",
        "sec": f"{number}、",
        "cl": f"({number})",
    }.get(kind, f"{value}.")
