"""What is due when: an agency's task rows within a window of dates, and a calendar (.ics) of them.

Windows (`parse_window`): 本月, 本季度, YYYY-MM, 逾期 (due in the last OVERDUE_DAYS days and not
done by now: nothing records completion, so a deadline counts as open for that long), N天 (the
next N days, as the weekly digest uses with 30) and 全部 (every dated deadline). A dated clause is
due on its date; a recurring one (每年/每季度/每月) on each occurrence within its plan's years; an
ongoing one (长期坚持) has no date and is never "due".
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from index.errors import ExportError
from index.features.tasks import TaskRow, task_text
from index.models import DUE_DATE, DUE_MONTHLY, DUE_QUARTERLY, DUE_YEARLY, LEAD, Deadline
from index.text.citation import citation
from index.text.deadlines import deadline_label

WINDOW_MONTH, WINDOW_QUARTER, WINDOW_OVERDUE, WINDOW_ALL = "本月", "本季度", "逾期", "全部"
WINDOWS_HINT = "本月、本季度、YYYY-MM（如 2025-06）、逾期、N天（如 30天）、全部"
OVERDUE_DAYS = 365
DIGEST_DAYS = 30
_MONTH = re.compile(r"^(20\d{2})[-./年](\d{1,2})月?$")
_DAYS = re.compile(r"^(\d{1,3})\s*天$")
_FAR_PAST, _FAR_FUTURE = date(1900, 1, 1), date(2999, 12, 31)


@dataclass(frozen=True)
class Window:
    """A range of due dates, both ends included."""

    label: str  # as the user wrote it, or its canonical word
    start: date
    end: date
    overdue: bool = False


@dataclass
class DueItem:
    """A task row and the date it falls due within the window."""

    row: TaskRow
    due: date
    overdue: bool

    def to_json(self) -> dict[str, object]:
        data = self.row.to_json()
        data["due"] = self.due.isoformat()
        data["overdue"] = self.overdue
        data["citation"] = citation(self.row.document, self.row.clause.path)
        return data


def is_window(word: str) -> bool:
    try:
        parse_window(word, date(2000, 1, 1))
    except ExportError:
        return False
    return True


def parse_window(text: str | None, today: date) -> Window:
    """本月 (default) | 本季度 | YYYY-MM | 逾期 | N天 | 全部, relative to `today`."""
    word = (text or WINDOW_MONTH).strip()
    if word in (WINDOW_MONTH, "当月"):
        return Window(WINDOW_MONTH, today.replace(day=1), _month_end(today.year, today.month))
    if word in (WINDOW_QUARTER, "当季"):
        first = 3 * ((today.month - 1) // 3) + 1
        return Window(WINDOW_QUARTER, date(today.year, first, 1), _month_end(today.year, first + 2))
    if word in (WINDOW_OVERDUE, "已逾期", "过期"):
        return Window(WINDOW_OVERDUE, today - timedelta(days=OVERDUE_DAYS), today - timedelta(days=1), overdue=True)
    if word in (WINDOW_ALL, "所有"):
        return Window(WINDOW_ALL, _FAR_PAST, _FAR_FUTURE)
    days = _DAYS.match(word)
    if days and int(days.group(1)) > 0:
        return Window(word, today, today + timedelta(days=int(days.group(1))))
    month = _MONTH.match(word)
    if month and 1 <= int(month.group(2)) <= 12:
        year, number = int(month.group(1)), int(month.group(2))
        return Window(f"{year}-{number:02d}", date(year, number, 1), _month_end(year, number))
    raise ExportError(f"看不懂的时间范围：{word}（可用 {WINDOWS_HINT}）")


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def occurrences(deadline: Deadline, start: date, end: date) -> list[date]:
    """The dates within [start, end] a deadline falls due on."""
    if deadline.kind == DUE_DATE:
        due = date.fromisoformat(deadline.due) if deadline.due else None
        return [due] if due and start <= due <= end else []
    if deadline.kind not in (DUE_YEARLY, DUE_QUARTERLY, DUE_MONTHLY):
        return []
    first = max(start, date.fromisoformat(deadline.start) if deadline.start else start)
    last = min(end, date.fromisoformat(deadline.due) if deadline.due else end)
    if first > last or (last - first).days > 366 * 3:
        # An open-ended window (全部) lists a recurring clause once: its next occurrence.
        last = min(last, first + timedelta(days=366))
    out = []
    year, month = first.year, first.month
    while date(year, month, 1) <= last:
        due = _recurring_day(deadline, year, month)
        if due is not None and first <= due <= last:
            out.append(due)
        month += 1
        if month > 12:
            year, month = year + 1, 1
    return out


def _recurring_day(deadline: Deadline, year: int, month: int) -> date | None:
    if deadline.kind == DUE_MONTHLY:
        return _month_end(year, month)
    if deadline.kind == DUE_QUARTERLY:
        return _month_end(year, month) if month % 3 == 0 else None
    wanted, day = (int(part) for part in (deadline.month_day or "12-31").split("-"))
    return date(year, month, min(day, calendar.monthrange(year, month)[1])) if month == wanted else None


def due_items(rows: Iterable[TaskRow], window: Window, today: date) -> list[DueItem]:
    """Rows due within the window (each at its first date in it): lead first, then support, each by date."""
    items = []
    for row in rows:
        if row.deadline is None:
            continue
        if window.overdue and row.deadline.kind != DUE_DATE:
            continue  # a recurring duty comes round again: it is listed when next due, not as overdue
        dates = occurrences(row.deadline, window.start, window.end)
        if dates:
            items.append(DueItem(row, dates[0], dates[0] < today))
    items.sort(key=lambda item: (item.row.role not in (None, LEAD), item.due, item.row.number))
    return items


def render_ics(items: Sequence[DueItem], *, subject: str, now: datetime | None = None) -> bytes:
    """An iCalendar file: one all-day event per clause on its due date (a recurring clause: one event
    with its RRULE), the citation and clause path in the description."""
    from icalendar import Calendar, Event

    stamp = now or datetime.now(UTC)
    calendar_ = Calendar()
    calendar_.add("prodid", "-//Quality Plan Bot//质量规划问答机器人//ZH")
    calendar_.add("version", "2.0")
    calendar_.add("calscale", "GREGORIAN")
    calendar_.add("x-wr-calname", f"{subject} 任务时限")
    for item in items:
        row = item.row
        deadline = row.deadline
        assert deadline is not None
        event = Event()
        event.add("uid", f"{row.clause.id}@quality-plan-bot")
        event.add("dtstamp", stamp)
        event.add("dtstart", item.due)
        event.add("dtend", item.due + timedelta(days=1))
        role = "牵头" if row.role == LEAD else "配合" if row.role else ""
        heading = row.clause.heading or task_text(row.clause)[:30]
        event.add("summary", f"{'【' + role + '】' if role else ''}{row.clause.path} {heading}"[:120])
        cite = citation(row.document, row.clause.path)
        event.add(
            "description",
            f"时限：{deadline_label(deadline)}\n条款：{row.clause.path}\n出处：{cite}\n\n{row.task}",
        )
        rule = _rrule(deadline)
        if rule:
            event.add("rrule", rule)
        calendar_.add_component(event)
    return calendar_.to_ical()


def _rrule(deadline: Deadline) -> dict[str, object] | None:
    frequency = {DUE_YEARLY: ("YEARLY", 1), DUE_QUARTERLY: ("MONTHLY", 3), DUE_MONTHLY: ("MONTHLY", 1)}.get(deadline.kind)
    if frequency is None:
        return None
    rule: dict[str, object] = {"freq": frequency[0], "interval": frequency[1]}
    if deadline.kind != DUE_YEARLY:
        rule["bymonthday"] = -1  # each month's (quarter's) last day
    if deadline.due:
        rule["until"] = date.fromisoformat(deadline.due)
    return rule
