"""The one deadline grammar: when a clause is due, as plans write it.

    2018年底前 / 2018年前 / 到2018年 / 2018年末        → 2018-12-31
    2025年6月底前 / 2025年6月30日前 / 二〇一八年六月底前 → 2025-06-30, 2018-06-30
    2018年6月至2019年12月 / 2018—2020年               → a range (start … end)
    2019年上半年 / 2019年第三季度                       → 2019-06-30, 2019-09-30
    “十三五”期间 / “十四五”末                           → 2020-12-31, 2025-12-31
    年度内 / 年内 / 当年                                → the plan's year (its title), 12-31
    6月底前 (no year)                                   → the plan's year, 06-30
    每年 / 每年6月底前 / 每季度 / 每月                   → recurring (yearly on 12-31 or 06-30, …)
    长期坚持 / 持续推进 / 常态化开展                     → ongoing (no date)

A clause's deadline (`clause_deadline`) is, in order: what its 完成时限 says (a task-table row),
the earliest date its own text gives, a recurring or ongoing word, the horizon of an enclosing
unit (二、主要目标 … 到2020年 → its items), the plan's horizon: from its title (质量强市(2017年—2020年)
→ 2020-12-31), else the first horizon its text sets (到2025年，…). Words inside 《》〈〉 are a
title, never a deadline. Targets (features/targets.py) read
the same grammar for their 到2020年-style horizons (`Horizon`, `scan`).
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date

from index.models import (
    DUE_DATE,
    DUE_MONTHLY,
    DUE_ONGOING,
    DUE_QUARTERLY,
    DUE_YEARLY,
    Clause,
    Deadline,
    Document,
)
from index.text.normalize import norm
from index.text.numbering import cn_to_int

PLAN_PERIODS = {"十一五": 2010, "十二五": 2015, "十三五": 2020, "十四五": 2025, "十五五": 2030}
YEAR_WORDS = ("年度内", "年内", "本年度", "当年")
SOURCE_TEXT, SOURCE_ROW, SOURCE_PARENT, SOURCE_PLAN = "text", "row", "parent", "plan"

_Y = r"(?:20\d{2}|二[〇○零][〇○零一二三四五六七八九]{2})"
_M = r"(?:1[0-2]|0?[1-9]|十[一二]?|[一二三四五六七八九])"
_D = r"(?:3[01]|[12]\d|0?[1-9]|三十一?|二?十[一二三四五六七八九]?|[一二三四五六七八九])"
_BEFORE = r"(?:前|以前|之前)"
_BY = r"(?:到|至|截至|截止到|截止|在|于)"
_DASH = r"(?:-|—|–|~|至|到)+"
_GRAMMAR = re.compile(
    rf"(?P<range>(?P<ry1>{_Y})\s*年?\s*(?:(?P<rm1>{_M})\s*月)?\s*{_DASH}\s*"
    rf"(?:(?P<ry2>{_Y})\s*年\s*(?:(?P<rm2>{_M})\s*月)?|(?P<rm3>{_M})\s*月)(?:底|末)?\s*{_BEFORE}?)"
    rf"|(?P<mdate>(?P<mby>{_BY}\s*)?(?P<my>{_Y})\s*年\s*(?P<mm>{_M})\s*月\s*(?P<mtail>(?P<md>{_D})\s*[日号]|底|末)?"
    rf"\s*(?P<mbefore>{_BEFORE})?)"
    rf"|(?P<part>(?P<py>{_Y})\s*年\s*(?:(?P<half>上半年|下半年|年中)|第?(?P<q>[一二三四1-4])季度末?)\s*{_BEFORE}?)"
    rf"|(?P<by>{_BY}\s*(?P<y1>{_Y})\s*年(?:底|末|年底)?{_BEFORE}?)"
    rf"|(?P<before>(?P<y2>{_Y})\s*年(?:底|末)?{_BEFORE})"
    rf"|(?P<end>(?P<y3>{_Y})\s*年(?:底|末))"
    rf"|(?P<lead>(?:^|(?<=[。;\n]))\s*(?P<y4>{_Y})\s*年(?=[,:]))"
    r"|(?P<plan>[\"“]?(?P<period>十一五|十二五|十三五|十四五|十五五)[\"”]?(?:期间|末|时期|期末))"
    rf"|(?P<every>每一?年度?(?:(?P<em>{_M})\s*月\s*(?:(?P<ed>{_D})\s*[日号]|底|末)?\s*{_BEFORE}?)?|每个?季度末?|每个?月)"
    r"|(?P<year>年度内|年内|本年度|当年)"
    rf"|(?P<monly>(?<![年\d])(?P<om>{_M})\s*月\s*(?:(?P<od>{_D})\s*[日号]|底|末)?\s*{_BEFORE})"
    r"|(?P<ongoing>长期坚持|持续推进|持续开展|长期开展|常态化开展|常态化推进|长期执行)"
)
_ROW = re.compile(r"(?:完成时限|完成时间|时限要求|时间节点|时限)\s*[:为]\s*(?P<cell>[^);。\n]{1,30})")
_ROW_ONGOING = re.compile(r"^\s*(?:长期|持续|常态化|常年)")
_TITLE_RANGE = re.compile(r"(20\d{2})\s*年?\s*(?:-|—|–|~|至|到)+\s*(20\d{2})\s*年?")
_TITLE_YEAR = re.compile(r"(20\d{2})\s*年")
_BOOK_TITLE = re.compile(r"《[^《》]*》|〈[^〈〉]*〉|<[^<>]*>")


@dataclass(frozen=True)
class Horizon:
    """A year a text sets for what it says (targets' deadlines): 到2020年 → 2020."""

    year: int | None
    text: str | None
    source: str
    horizon: bool = True  # 到2020年 / 2020年， / “十三五”期间 set the horizon of what follows; 2018年底前 only its sentence


@dataclass(frozen=True)
class Mention:
    """One deadline expression found in a text, with its span."""

    start: int
    end: int
    text: str
    kind: str  # DUE_* (a year word without a known year: DUE_DATE with due None)
    due: date | None = None
    first: date | None = None  # a range's first day
    month_day: str | None = None  # recurring: MM-DD
    year: int | None = None
    horizon: bool = False


def _number(text: str | None) -> int | None:
    return cn_to_int(text) if text else None


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _day(year: int, month: int, day: int | None) -> date:
    last = calendar.monthrange(year, month)[1]
    return date(year, month, min(day, last)) if day else date(year, month, last)


def _valid(month: int | None, day: int | None = None) -> bool:
    return (month is None or 1 <= month <= 12) and (day is None or 1 <= day <= 31)


def _title_mask(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in _BOOK_TITLE.finditer(text)]


def scan(text: str, fallback_year: int | None = None) -> list[Mention]:
    """Every deadline expression in `text` (already `norm`ed), in order; none inside 《》.
    `fallback_year` (the plan's year) dates 年内 and 6月底前."""
    titles = _title_mask(text)
    found = []
    for match in _GRAMMAR.finditer(text):
        if any(start <= match.start() < end for start, end in titles):
            continue
        mention = _mention(match, fallback_year)
        if mention is not None:
            found.append(mention)
    return found


def _mention(m: re.Match[str], fallback: int | None) -> Mention | None:  # noqa: C901 - one branch per form
    span = (m.start(), m.end(), m.group(0).strip())
    if m.group("range"):
        y1, y2 = _number(m.group("ry1")), _number(m.group("ry2"))
        m1, m2 = _number(m.group("rm1")), _number(m.group("rm2") or m.group("rm3"))
        end_year = y2 or y1
        if not (y1 and end_year and _valid(m1) and _valid(m2)) or end_year < y1:
            return None
        due = _month_end(end_year, m2) if m2 else date(end_year, 12, 31)
        return Mention(*span, DUE_DATE, due, date(y1, m1 or 1, 1), year=end_year)
    if m.group("mdate"):
        year, month, day = _number(m.group("my")), _number(m.group("mm")), _number(m.group("md"))
        tail = m.group("mtail") or ""
        if not (m.group("mby") or m.group("mbefore") or tail in ("底", "末")) or not (year and _valid(month, day)):
            return None  # 2018年6月，…: when something happened, not a deadline
        assert month is not None
        return Mention(*span, DUE_DATE, _day(year, month, day), year=year)
    if m.group("part"):
        year = _number(m.group("py"))
        assert year is not None
        half, quarter = m.group("half"), _number(m.group("q"))
        month = 12 if half == "下半年" else 6 if half else 3 * (quarter or 4)
        return Mention(*span, DUE_DATE, _month_end(year, month), year=year)
    for group, name in (("by", "y1"), ("before", "y2"), ("end", "y3"), ("lead", "y4")):
        if m.group(group):
            year = _number(m.group(name))
            assert year is not None
            return Mention(*span, DUE_DATE, date(year, 12, 31), year=year, horizon=group in ("by", "lead"))
    if m.group("plan"):
        year = PLAN_PERIODS[m.group("period")]
        return Mention(*span, DUE_DATE, date(year, 12, 31), year=year, horizon=True)
    if m.group("every"):
        words = m.group("every")
        if "季度" in words:
            return Mention(*span, DUE_QUARTERLY)
        if "年" not in words:
            return Mention(*span, DUE_MONTHLY)
        month, day = _number(m.group("em")), _number(m.group("ed"))
        if not _valid(month, day):
            return None
        month_day = f"{month:02d}-{_day(2001, month, day).day:02d}" if month else "12-31"  # 2001: no leap day
        return Mention(*span, DUE_YEARLY, month_day=month_day)
    if m.group("year"):
        return Mention(*span, DUE_DATE, date(fallback, 12, 31) if fallback else None, year=fallback)
    if m.group("monly"):
        month, day = _number(m.group("om")), _number(m.group("od"))
        if not (fallback and month and _valid(month, day)):
            return None
        return Mention(*span, DUE_DATE, _day(fallback, month, day), year=fallback)
    return Mention(*span, DUE_ONGOING)


# -- targets' horizons -----------------------------------------------------------------------


def horizon_of(mention: Mention) -> Horizon:
    return Horizon(mention.year, mention.text, SOURCE_TEXT, mention.horizon)


def horizons(text: str, fallback_year: int | None = None) -> Iterator[tuple[int, int, Horizon]]:
    """(start, end, Horizon) of every dated expression in `text` (already `norm`ed)."""
    for mention in scan(text, fallback_year):
        if mention.kind == DUE_DATE:
            yield mention.start, mention.end, horizon_of(mention)


def find_deadline(text: str, fallback_year: int | None = None) -> Horizon | None:
    """The first horizon written in `text` (到2020年, 2020年，, “十三五”期间), or None."""
    for _, _, found in horizons(norm(text), fallback_year):
        if found.horizon:
            return found
    return None


def strip_deadlines(text: str) -> str:
    """`text` without its dated expressions (an indicator's name never includes its deadline)."""
    spans = list(horizons(text))
    for start, end, _ in reversed(spans):
        text = text[:start] + text[end:]
    return text


def deadline_words(text: str) -> list[str]:
    """Every deadline expression of `text` as written, once each (task tables' 时限 words)."""
    normed = norm(text)
    out: list[str] = []
    for mention in scan(normed):
        words = text[mention.start : mention.end].strip()
        if words not in out:
            out.append(words)
    return out


def title_year(document: Document) -> int | None:
    """The year a plan's title sets: the end of a range (2017年—2020年) or its single year."""
    title = norm(document.title or "")
    ranges = _TITLE_RANGE.findall(title)
    if ranges:
        return int(ranges[-1][1])
    years = _TITLE_YEAR.findall(title)
    if years:
        return int(years[-1])
    periods = [year for name, year in PLAN_PERIODS.items() if name in title]
    return periods[-1] if periods else None


# -- a clause's deadline -----------------------------------------------------------------------


def plan_deadline(document: Document) -> Deadline | None:
    """The plan's own horizon, from its title: 质量强市(2017年—2020年) → 2017-01-01 … 2020-12-31."""
    title = norm(document.title or "")
    ranges = list(_TITLE_RANGE.finditer(title))
    if ranges:
        first, last = int(ranges[-1].group(1)), int(ranges[-1].group(2))
        return Deadline(DUE_DATE, ranges[-1].group(0), f"{last}-12-31", f"{first}-01-01", source=SOURCE_PLAN)
    year = title_year(document)
    if year is None:
        return None
    words = next((f"“{name}”" for name, y in PLAN_PERIODS.items() if y == year and name in title), f"{year}年")
    return Deadline(DUE_DATE, words, f"{year}-12-31", source=SOURCE_PLAN)


def _as_deadline(mention: Mention, source: str, plan: Deadline | None) -> Deadline:
    if mention.kind == DUE_DATE:
        assert mention.due is not None
        first = mention.first.isoformat() if mention.first else None
        return Deadline(DUE_DATE, mention.text, mention.due.isoformat(), first, source=source)
    if mention.kind == DUE_ONGOING:
        return Deadline(DUE_ONGOING, mention.text, source=source)
    # Recurring: until the plan's horizon, from its first year.
    until = plan.due if plan else None
    return Deadline(mention.kind, mention.text, until, plan.start if plan else None, mention.month_day, source)


def clause_deadline(
    own_text: str, *, fallback_year: int | None = None, inherited: Horizon | None = None, plan: Deadline | None = None
) -> Deadline | None:
    """The deadline of one unit from its own text (without its children's), else the horizon of an
    enclosing unit, else the plan's."""
    text = re.sub(r"\s+", "", norm(own_text))
    row = _ROW.search(text)
    if row is not None:
        cell = row.group("cell")
        found = [m for m in scan(cell, fallback_year) if m.kind != DUE_DATE or m.due is not None]
        if found:
            return _as_deadline(found[0], SOURCE_ROW, plan)
        if _ROW_ONGOING.match(cell):
            return Deadline(DUE_ONGOING, cell.strip(), source=SOURCE_ROW)
    mentions = scan(text, fallback_year)
    dated = [m for m in mentions if m.kind == DUE_DATE and m.due is not None]
    if dated:
        return _as_deadline(min(dated, key=lambda m: m.due or date.max), SOURCE_TEXT, plan)
    for kind in (DUE_YEARLY, DUE_QUARTERLY, DUE_MONTHLY, DUE_ONGOING):
        chosen = next((m for m in mentions if m.kind == kind), None)
        if chosen is not None:
            return _as_deadline(chosen, SOURCE_TEXT, plan)
    if inherited is not None and inherited.year is not None and inherited.text:
        return Deadline(DUE_DATE, inherited.text, f"{inherited.year}-12-31", source=SOURCE_PARENT)
    return plan


def own_texts(clauses: Sequence[Clause]) -> dict[str, str]:
    """Each unit's text without the text of its child units (a parent's text contains theirs)."""
    children: dict[str, list[Clause]] = {}
    for clause in clauses:
        if clause.parent_id:
            children.setdefault(clause.parent_id, []).append(clause)
    out = {}
    for clause in clauses:
        text = clause.text
        for child in sorted(children.get(clause.id, []), key=lambda c: c.order):
            at = text.find(child.text) if child.text else -1
            if at >= 0:
                text = text[:at] + text[at + len(child.text) :]
            else:
                probe = (child.heading or child.text)[:12]
                cut = text.find(probe) if probe else -1
                if cut >= 0:
                    text = text[:cut]
        out[clause.id] = text
    return out


def inherited_horizons(clauses: Sequence[Clause], own: dict[str, str], fallback_year: int | None) -> dict[str, Horizon | None]:
    """For each unit, the nearest enclosing unit's horizon (二、主要目标 … 到2020年 → its items)."""
    by_id = {c.id: c for c in clauses}
    found = {c.id: find_deadline(own[c.id], fallback_year) for c in clauses}
    out: dict[str, Horizon | None] = {}
    for clause in clauses:
        parent = by_id.get(clause.parent_id or "")
        horizon = None
        while parent is not None and horizon is None:
            horizon = found.get(parent.id)
            parent = by_id.get(parent.parent_id or "")
        out[clause.id] = horizon
    return out


def document_deadlines(document: Document, clauses: Sequence[Clause]) -> dict[str, Deadline]:
    """Every unit's deadline (units with none are left out)."""
    ordered = sorted(clauses, key=lambda c: c.order)
    own = own_texts(ordered)
    fallback = title_year(document)
    plan = plan_deadline(document) or _first_horizon(ordered, own)
    inherited = inherited_horizons(ordered, own, fallback)
    out = {}
    for clause in ordered:
        found = clause_deadline(own[clause.id], fallback_year=fallback, inherited=inherited[clause.id], plan=plan)
        if found is not None:
            out[clause.id] = found
    return out


def _first_horizon(clauses: Sequence[Clause], own: dict[str, str]) -> Deadline | None:
    """A plan without a year in its title: the first horizon its text sets (到2025年，…)."""
    for clause in clauses:
        found = find_deadline(own[clause.id])
        if found is not None and found.year is not None and found.text:
            return Deadline(DUE_DATE, found.text, f"{found.year}-12-31", source=SOURCE_PLAN)
    return None


def deadline_label(deadline: Deadline) -> str:
    """How a deadline is shown: 2018年底前 · 每年 · 长期坚持 · 2017年—2020年（全文期限）."""
    return deadline.text + ("（全文期限）" if deadline.source == SOURCE_PLAN else "")
