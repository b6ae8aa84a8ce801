"""Sends what the core queued for subscribers: the weekly digest and confirmed-plan notices.

Answers "what reaches a subscriber, and when": every Monday 09:00 Asia/Shanghai (DIGEST_SCHEDULE)
the period's digests are queued in the store (`PlanService.plan_digest`, once per period), and
notices are queued when an admin confirms a plan naming a followed agency (`PlanService.add_file`).
`DigestSender` wakes at the next scheduled time or every `poll` seconds, whichever is first, and
sends what is pending, recording each message part as sent before the next one goes out, so a
restart (or kill -9) resumes without sending anything twice or losing anything (only a part in
flight at the moment of the crash can repeat: Telegram has no idempotency key).

Failures: a chat that blocked the bot (403) or no longer exists (400 chat not found) is paused —
subscribing again resumes it — and the run goes on; 429 is waited out by the application's
AIORateLimiter; other errors are retried on later wake-ups with backoff, MAX_ATTEMPTS times.

Why a small asyncio loop and not PTB's JobQueue: the schedule is one weekly time computed with
zoneinfo, the progress that matters lives in the store (a missed Monday is caught up from there
after downtime, which a JobQueue run time would not know), the clock can be injected in tests, and
it needs no APScheduler dependency.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError
from telegram.ext import Application

from index import LEAD, Delivery, Digest, DueItem, Notice, deadline_label

from . import render
from .state import get_state
from .work import run_blocking

logger = logging.getLogger(__name__)

SENDER_KEY = "digest_sender"
POLL_SECONDS = 2.0  # how soon a notice about a confirmed plan goes out
CONCURRENT_CHATS = 8  # chats served at once (the rate limiter paces the messages)
MAX_ATTEMPTS = 8  # with backoff 2, 4 … 256 s: about 8 minutes of trying
MAX_PENDING = 100_000
LIST_LIMIT = 10  # clauses per list in one agency's part
GONE_CHAT = ("chat not found", "user is deactivated", "bot was kicked", "group chat was deactivated")


def utc_now() -> datetime:
    return datetime.now(UTC)


# -- rendering -----------------------------------------------------------------------------------


def _item_block(item: DueItem) -> str:
    row = item.row
    role = "【牵头】" if row.role == LEAD else "【配合】" if row.role else ""
    heading = row.clause.heading or row.task[:30]
    deadline = row.deadline
    label = f"（{render.esc(deadline_label(deadline))}）" if deadline else ""
    late = " ⚠️ 已逾期" if item.overdue else ""
    return (
        f"{role}{render.esc(row.clause.path)} {render.esc(heading)}\n"
        f"   ⏰ {item.due.isoformat()}{label}{late}\n"
        f"   📄 {render.citation(row.document, row.clause.path)}"
    )


def due_blocks(items: list[DueItem], limit: int = LIST_LIMIT) -> list[str]:
    blocks = [f"{i}. {_item_block(item)}" for i, item in enumerate(items[:limit], 1)]
    if len(items) > limit:
        blocks.append(f"……其余 {len(items) - limit} 条：/due 单位 全部 查看，或导出 ics。")
    return blocks


def _rows_blocks(rows: list[Any], limit: int = LIST_LIMIT) -> list[str]:
    blocks = []
    for row in rows[:limit]:
        role = "【牵头】" if row.role == LEAD else "【配合】"
        due = f"\n   ⏰ {render.esc(deadline_label(row.deadline))}" if row.deadline else ""
        blocks.append(
            f"• {role}{render.esc(row.clause.path)} {render.esc(row.clause.heading or row.task[:30])}{due}\n"
            f"   📄 {render.citation(row.document, row.clause.path)}"
        )
    if len(rows) > limit:
        blocks.append(f"……共 {len(rows)} 条，/tasks 单位名 可导出全部。")
    return blocks


def digest_messages(digest: Digest) -> list[str]:
    header = f"📬 <b>每周提醒</b>（{digest.period.strftime('%Y-%m-%d %H:%M')}）"
    blocks = []
    for section in digest.sections:
        name = render.esc(section.agency)
        if section.empty:
            blocks.append(f"<b>{name}</b>：未来 30 天没有到期条款，也没有逾期或新文件。")
            continue
        if section.due:
            blocks.append(f"<b>{name}</b> · 未来 30 天到期 {len(section.due)} 条")
            blocks.extend(due_blocks(section.due))
        if section.overdue:
            blocks.append(f"<b>{name}</b> · 已逾期 {len(section.overdue)} 条")
            blocks.extend(due_blocks(section.overdue))
        for document, rows in section.new_documents:
            blocks.append(f"<b>{name}</b> · 新文件《{render.esc(document.title or document.source)}》涉及 {len(rows)} 条")
            blocks.extend(_rows_blocks(rows))
    return render.pack(blocks, header=header, separator="\n\n")


def notice_messages(notice: Notice) -> list[str]:
    document = notice.document
    header = f"🆕 新文件已收录：<b>{render.esc(document.title or document.source)}</b>\n{render.citation(document)}"
    blocks = []
    for agency, rows in notice.sections:
        blocks.append(f"<b>{render.esc(agency)}</b> 涉及 {len(rows)} 条：")
        blocks.extend(_rows_blocks(rows))
    return render.pack(blocks, header=header, separator="\n\n")


# -- sending -------------------------------------------------------------------------------------


class DigestSender:
    """The loop that plans each period's digests and sends every pending delivery."""

    def __init__(self, application: Application, *, clock: Callable[[], datetime] = utc_now,
                 poll: float = POLL_SECONDS) -> None:  # fmt: skip
        self.application = application
        self.clock = clock
        self.poll = poll
        self.sent_messages = 0
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._running = asyncio.Lock()
        self._retry_at: dict[int, float] = {}  # delivery id → when to try again (monotonic), after a failure

    @property
    def service(self) -> Any:
        return get_state(self.application).service

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._loop(), name="digest-sender")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def wake(self) -> None:
        """Run now (a test moved the clock, or something was queued)."""
        self._wake.set()

    async def _loop(self) -> None:
        while True:
            try:
                await self.run_once()
            except Exception:  # the loop must outlive one bad run; the next wake-up retries
                logger.exception("digest run failed")
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self._sleep_seconds())

    def _sleep_seconds(self) -> float:
        schedule = self.service.schedule
        if schedule is None:
            return self.poll
        until_next = (schedule.next_after(self.clock()) - self.clock()).total_seconds()
        return max(0.05, min(self.poll, until_next))

    async def run_once(self) -> int:
        """Plan the current period (once) and send everything pending; returns messages sent."""
        async with self._running:
            await run_blocking(self.service.plan_digest, self.clock())
            cache: dict[Any, Any] = {}
            now = time.monotonic()
            pending = await run_blocking(self.service.pending_deliveries, MAX_PENDING)
            ready = [d for d in pending if self._retry_at.get(d.id, 0.0) <= now]
            slots = asyncio.Semaphore(CONCURRENT_CHATS)

            async def one(delivery: Delivery) -> int:
                async with slots:
                    return await self._deliver(delivery, cache)

            return sum(await asyncio.gather(*(one(d) for d in ready)))

    async def _deliver(self, delivery: Delivery, cache: dict[Any, Any]) -> int:
        service = self.service
        content = await run_blocking(service.delivery_content, delivery, cache)
        if content is None:
            await run_blocking(service.delivery_progress, delivery, parts_sent=delivery.parts_sent, state="sent")
            return 0
        messages = digest_messages(content) if isinstance(content, Digest) else notice_messages(content)
        sent = 0
        for index in range(delivery.parts_sent, len(messages)):
            try:
                await self.application.bot.send_message(chat_id=delivery.chat_id, text=messages[index])
            except Forbidden as error:
                await run_blocking(service.pause_chat, delivery.chat_id, f"403 {error.message}")
                return sent
            except BadRequest as error:
                if any(words in error.message.lower() for words in GONE_CHAT):
                    await run_blocking(service.pause_chat, delivery.chat_id, f"400 {error.message}")
                    return sent
                return sent + await self._failed(delivery, index, error)
            except (RetryAfter, TelegramError) as error:
                return sent + await self._failed(delivery, index, error)
            sent += 1
            self.sent_messages += 1
            done = index + 1 == len(messages)
            await run_blocking(
                service.delivery_progress, delivery, parts_sent=index + 1, state="sent" if done else "pending"
            )
        return sent

    async def _failed(self, delivery: Delivery, index: int, error: Exception) -> int:
        state = "failed" if delivery.attempts + 1 >= MAX_ATTEMPTS else "pending"
        self._retry_at[delivery.id] = time.monotonic() + min(300.0, 2.0 ** (delivery.attempts + 1))
        logger.warning("delivery %s to chat %s failed (%s): %s", delivery.key, delivery.chat_id, state, error)
        await run_blocking(
            self.service.delivery_progress, delivery, parts_sent=index, state=state, error=str(error)[:200],
            failed_attempt=True,
        )
        return 0


def start(application: Application) -> DigestSender:
    """Start the sender on the running loop (at bot start-up); one per application."""
    sender = application.bot_data.get(SENDER_KEY)
    if sender is None:
        sender = application.bot_data[SENDER_KEY] = DigestSender(application)
    sender.start()
    return sender


async def stop(application: Application) -> None:
    sender = application.bot_data.get(SENDER_KEY)
    if sender is not None:
        await sender.stop()


def get_sender(application: Application) -> DigestSender | None:
    return application.bot_data.get(SENDER_KEY)
