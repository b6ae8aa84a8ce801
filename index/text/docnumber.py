"""The one grammar of 文号 (document numbers): 市政办发〔2017〕17号, 皖政办秘[2016]76号, 并政发(2023)5号.

Documents write the brackets in half a dozen ways and questions often leave them out; everything
that reads, compares or displays a 文号 goes through `DocNumber` (display form: 〔〕).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from index.text.normalize import norm

_PATTERN = re.compile(
    r"(?P<prefix>[\u4e00-\u9fff]{1,10}?)\s*(?P<open>[〔\[（(［【])?\s*(?P<year>(?:19|20)\d{2})\s*"
    r"(?P<close>[〕\]）)］】])?\s*(?:第\s*)?(?P<serial>\d{1,5})\s*号"
)
# Words that run into a 文号 in prose ("…的通知皖政办秘〔2016〕76号"): never part of the issuer's abbreviation.
_RUN_IN_WORDS = ("通知", "意见", "方案", "计划", "决定", "文号", "字号", "号", "的", "于", "通过", "会议", "公布", "发布", "批准")
_GENERIC = frozenset({"省", "市", "州", "县", "区", "自治区", "自治州", "国务院", "中共", "中央"})


@dataclass(frozen=True)
class DocNumber:
    prefix: str  # the issuing body's abbreviation and series: 市政办发
    year: int
    serial: int

    def __str__(self) -> str:
        return f"{self.prefix}〔{self.year}〕{self.serial}号"

    @property
    def key(self) -> tuple[str, int, int]:
        return self.prefix, self.year, self.serial

    def same_as(self, other: DocNumber) -> bool:
        """The same 文号 when one prefix may carry words written before it ("请问皖政办秘")."""
        return (self.year, self.serial) == (other.year, other.serial) and (
            self.prefix.endswith(other.prefix) or other.prefix.endswith(self.prefix)
        )

    @property
    def place_abbreviation(self) -> str | None:
        """The issuing place's abbreviation at its head: 并政发 → 并, 皖政办秘 → 皖."""
        match = re.match(r"^([\u4e00-\u9fff]{1,3}?)[政办]", self.prefix)
        abbreviation = match.group(1) if match else None
        return abbreviation if abbreviation and abbreviation not in _GENERIC else None


def iter_doc_numbers(text: str, *, brackets: bool = False) -> Iterator[tuple[DocNumber, int, int]]:
    """Every 文号 in `text` with its span; `brackets` requires the year in brackets (as documents
    write them), otherwise they may be left out (as questions do)."""
    normalized = norm(text or "")
    for match in _PATTERN.finditer(normalized):
        if brackets and not (match.group("open") and match.group("close")):
            continue
        prefix = _strip_run_in(match.group("prefix"))
        if prefix:
            number = DocNumber(prefix, int(match.group("year")), int(match.group("serial")))
            yield number, match.start(), match.end()


def strip_doc_numbers(text: str, *, brackets: bool = True) -> str:
    """`text` (normalised) with every 文号 taken out: what is left beside them on a line."""
    normalized = norm(text or "")
    out, last = [], 0
    for _, start, end in iter_doc_numbers(normalized, brackets=brackets):
        out.append(normalized[last:start])
        last = end
    return "".join(out) + normalized[last:]


def parse_doc_number(text: str | None) -> DocNumber | None:
    """The first 文号 in `text` (brackets optional), or None."""
    return next((number for number, _, _ in iter_doc_numbers(text or "")), None)


def _strip_run_in(prefix: str) -> str:
    cut = 0
    for word in _RUN_IN_WORDS:
        at = prefix.rfind(word)
        if at >= 0:
            cut = max(cut, at + len(word))
    return prefix[cut:]
