"""Following an agency's work: the weekly digest and the notice of a newly confirmed plan.

When (`Schedule`): DIGEST_SCHEDULE, default "MON 09:00 Asia/Shanghai". A *period* is one
scheduled time; the current period is the latest scheduled time not after now, so a bot that
was down on Monday morning sends that Monday's digest when it comes back (once: see below).

What (`agency_digest`, `notice_rows`): for each agency a chat follows, the clauses due in the next
DIGEST_DAYS days, the overdue ones still open (features/deadlines.py, 逾期), and the documents an
admin confirmed since the previous period that name the agency, with those clauses. Old names
resolve through the one agency matcher (task rows: `index.text.agencies.agency_role`).

To whom, once: the store queues one delivery per chat and period (`Store.plan_period`, one
transaction, never twice) and one per chat and confirmed document (`Store.record_confirmation`);
the sender records each message part as sent before the next goes out (`Store.delivery_progress`),
so a restart resumes where it stopped. Only a part in flight when the process died can go out
twice (Telegram has no idempotency key): at most one message per request in flight.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from index.errors import QualityPlanError
from index.features.deadlines import DIGEST_DAYS, WINDOW_OVERDUE, DueItem, due_items, parse_window
from index.features.tasks import TaskRow, agency_task_rows
from index.models import Clause, Document

DEFAULT_SCHEDULE = "MON 09:00 Asia/Shanghai"
SCHEDULE_OFF = "off"
NOTICE_CLAUSES = 10  # clauses listed per agency in a notice or a digest's new-document part
_WEEKDAYS = {"MON": 0, "TUE": 1, "WED": 2, "THU": 3, "FRI": 4, "SAT": 5, "SUN": 6}
_SCHEDULE = re.compile(r"^\s*(?P<day>[A-Za-z]{3})\s+(?P<h>\d{1,2}):(?P<m>\d{2})(?:\s+(?P<zone>\S+))?\s*$")

Corpus = Sequence[tuple[Document, Sequence[Clause]]]


@dataclass(frozen=True)
class Schedule:
    """A weekly time in a time zone: MON 09:00 Asia/Shanghai."""

    weekday: int  # Monday = 0
    at: time
    zone: ZoneInfo

    @classmethod
    def parse(cls, text: str | None) -> Schedule | None:
        """"MON 09:00 Asia/Shanghai" (zone optional, default Asia/Shanghai); "off" → None."""
        text = (text or DEFAULT_SCHEDULE).strip()
        if text.lower() == SCHEDULE_OFF:
            return None
        match = _SCHEDULE.match(text)
        hint = f"DIGEST_SCHEDULE 应写成“{DEFAULT_SCHEDULE}”（星期 MON…SUN、时:分、时区）或 off：{text}"
        if not match or match.group("day").upper() not in _WEEKDAYS:
            raise QualityPlanError(hint)
        hour, minute = int(match.group("h")), int(match.group("m"))
        if hour > 23 or minute > 59:
            raise QualityPlanError(hint)
        try:
            zone = ZoneInfo(match.group("zone") or "Asia/Shanghai")
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise QualityPlanError(hint) from error
        return cls(_WEEKDAYS[match.group("day").upper()], time(hour, minute), zone)

    def period_at(self, now: datetime) -> datetime:
        """The latest scheduled time not after `now` (aware, in the schedule's zone)."""
        local = now.astimezone(self.zone)
        day = local.date() - timedelta(days=(local.weekday() - self.weekday) % 7)
        candidate = datetime.combine(day, self.at, self.zone)
        if candidate > local:
            candidate = datetime.combine(day - timedelta(days=7), self.at, self.zone)
        return candidate

    def next_after(self, now: datetime) -> datetime:
        """The first scheduled time after `now`."""
        current = self.period_at(now)
        return datetime.combine(current.date() + timedelta(days=7), self.at, self.zone)


def period_key(period: datetime) -> str:
    """How a period is stored: its UTC time, ISO to the second (as the store's timestamps)."""
    return period.astimezone(UTC).isoformat(timespec="seconds")


def period_from_key(key: str, schedule: Schedule | None) -> datetime:
    moment = datetime.fromisoformat(key)
    return moment.astimezone(schedule.zone) if schedule else moment


DIGEST, NOTICE = "digest", "notice"
SENT, PENDING, PAUSED, FAILED = "sent", "pending", "paused", "failed"


@dataclass(frozen=True)
class Delivery:
    """One queued digest or notice for one chat, and how much of it was sent."""

    id: int
    key: str  # digest:<period>:<chat> | notice:<doc>:<chat>
    kind: str  # DIGEST | NOTICE
    chat_id: int
    period: str | None
    doc_id: str | None
    parts_sent: int
    attempts: int


@dataclass
class AgencyDigest:
    """One agency's part of a digest."""

    agency: str
    due: list[DueItem] = field(default_factory=list)
    overdue: list[DueItem] = field(default_factory=list)
    new_documents: list[tuple[Document, list[TaskRow]]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.due or self.overdue or self.new_documents)


@dataclass
class Digest:
    """What one chat gets for one period."""

    period: datetime  # local time of the schedule
    sections: list[AgencyDigest]


@dataclass
class Notice:
    """A newly confirmed document naming the agencies a chat follows."""

    document: Document
    sections: list[tuple[str, list[TaskRow]]]  # (agency, its clauses there: lead first)


def agency_digest(agency: str, corpus: Corpus, confirmed: Iterable[str], today: date) -> AgencyDigest:
    """Due in the next DIGEST_DAYS days, overdue and still open, and new documents naming the agency."""
    rows = agency_task_rows(agency, corpus)
    upcoming = parse_window(f"{DIGEST_DAYS}天", today)
    overdue = parse_window(WINDOW_OVERDUE, today)
    wanted = set(confirmed)
    new_documents = []
    for document, _ in corpus:
        if document.id in wanted:
            named = [r for r in rows if r.document.id == document.id]
            if named:
                new_documents.append((document, named))
    return AgencyDigest(agency, due_items(rows, upcoming, today), due_items(rows, overdue, today), new_documents)


def notice_rows(agency: str, document: Document, clauses: Sequence[Clause]) -> list[TaskRow]:
    """The clauses of one document that name the agency (lead first, then support)."""
    return agency_task_rows(agency, [(document, clauses)])


def chats_to_notify(
    document: Document, clauses: Sequence[Clause], subscriptions: Iterable[tuple[int, str, str]]
) -> list[int]:
    """Chats following an agency the document names (each agency matched once)."""
    named: dict[str, bool] = {}
    chats = []
    for chat_id, agency, _ in subscriptions:
        if agency not in named:
            named[agency] = bool(notice_rows(agency, document, clauses))
        if named[agency] and chat_id not in chats:
            chats.append(chat_id)
    return chats
