"""What the bot keeps between updates, stored in ``application.bot_data`` (never a module global).

The PlanService and the settings are handed in by whoever builds the application; the rest is
small bounded memory: question texts behind "more results" buttons, short keys for values too
long for callback data, uploads waiting for an admin's 确认, the lock that queues index jobs, and
the thread pool that answers questions.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections import OrderedDict
from concurrent.futures import Executor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from telegram.ext import Application, CallbackContext

from index import Settings

if TYPE_CHECKING:
    from index import PlanService

STATE_KEY = "plan_bot"
MAX_UPLOAD_BYTES = 20 * 1024 * 1024  # the Bot API's getFile download limit
SHORT_REF_BYTES = 24

K = TypeVar("K")
V = TypeVar("V")


@dataclass(frozen=True)
class BotOptions:
    """Tuning knobs; the defaults are what production uses."""

    # Typing indicator: at once in private chats; in groups only when an answer is slow, so a
    # busy group does not see "typing…" flicker before every quick answer.
    typing_delay_private: float = 0.0
    typing_delay_group: float = 0.5
    progress_interval: float = 1.0  # seconds between edits of a progress message
    inline_results: int = 10
    inline_cache_time: int = 30
    agency_page_size: int = 8
    max_upload_bytes: int = MAX_UPLOAD_BYTES
    concurrent_updates: int = 64
    # Bot API requests in flight at once, and connections (the rest wait in the rate limiter):
    # answers are paced at ~30/s anyway, and every pooled connection costs the event loop a socket
    # check per request. 4 vs 16: a 50-question burst's p95 ~40 ms lower (scripts/bench_bot.py).
    connection_pool_size: int = 4
    pool_timeout: float = 10.0
    rate_limit_retries: int = 3
    overall_max_rate: float = 30.0  # Telegram: ~30 messages/second overall
    group_max_rate: float = 20.0  # Telegram: 20 messages/minute per group
    upload_ttl: float = 24 * 3600.0


class LruDict(OrderedDict, Generic[K, V]):
    """A dict that forgets its oldest entries beyond maxsize."""

    def __init__(self, maxsize: int) -> None:
        super().__init__()
        self.maxsize = maxsize

    def __setitem__(self, key: Any, value: Any) -> None:
        super().__setitem__(key, value)
        self.move_to_end(key)
        while len(self) > self.maxsize:
            self.popitem(last=False)


@dataclass
class PendingUpload:
    """A downloaded, previewed file waiting for an admin's 确认 or 取消."""

    token: str
    path: Path
    file_name: str
    user_id: int
    chat_id: int
    created: float = field(default_factory=time.monotonic)
    preview_id: int | None = None  # the preview message an admin replies to with missing fields
    fields: dict[str, str] = field(default_factory=dict)  # fields the admin supplied ("doc_number": …)


@dataclass
class PendingRemoval:
    token: str
    doc_id: str
    title: str
    user_id: int


@dataclass
class BotState:
    settings: Settings
    service: PlanService
    options: BotOptions = field(default_factory=BotOptions)
    questions: LruDict[int, str] = field(default_factory=lambda: LruDict(5000))
    refs: LruDict[str, str] = field(default_factory=lambda: LruDict(20000))
    votes: LruDict[tuple[int, int], int] = field(default_factory=lambda: LruDict(20000))
    uploads: dict[str, PendingUpload] = field(default_factory=dict)
    removals: dict[str, PendingRemoval] = field(default_factory=dict)
    index_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    # Threads for questions (answers, inline queries, more results); None: the loop's default
    # executor. build_application gives the bot its own pool of Settings.ask_threads (see there).
    question_pool: Executor | None = None

    def short_ref(self, value: str) -> str:
        """A form of value that fits callback data, readable back by `resolve_ref`.

        Values that fit are used as they are; clause ids ("doc:clause", whose ":" is the
        separator of callback data) become "!doc.clause", which survives restarts; anything longer
        becomes a "~" key remembered in memory.
        """
        if not value or value[0] in "~!":
            pass
        elif ":" not in value and len(value.encode()) <= SHORT_REF_BYTES:
            return value
        elif "." not in value and len(value.encode()) < SHORT_REF_BYTES:
            return "!" + value.replace(":", ".")
        key = "~" + hashlib.blake2b(value.encode("utf-8"), digest_size=6).hexdigest()
        self.refs[key] = value
        return key

    def resolve_ref(self, ref: str) -> str | None:
        """The value behind a `short_ref` (None when a "~" key was forgotten, e.g. after a restart)."""
        if ref.startswith("~"):
            return self.refs.get(ref)
        if ref.startswith("!"):
            return ref[1:].replace(".", ":")
        return ref

    def is_admin(self, user_id: int | None) -> bool:
        return user_id is not None and user_id in self.settings.admin_user_ids


def get_state(holder: CallbackContext | Application) -> BotState:
    """The BotState of a handler's context or of the application itself."""
    return holder.bot_data[STATE_KEY]
