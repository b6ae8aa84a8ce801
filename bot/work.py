"""Running the core's blocking calls without stalling anyone else, and showing that work happens.

Search, parsing and indexing are plain blocking functions; the bot runs them in threads
(`asyncio.to_thread`; questions `run_in` the bot's own question pool) so the event loop keeps
serving every other chat. Long jobs report progress from their worker thread; `ProgressMessage`
turns those reports into throttled edits of one message on the loop's side.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import Executor
from typing import Any, TypeVar

from telegram import InlineKeyboardMarkup, Message, ReplyParameters
from telegram.constants import ChatAction
from telegram.error import BadRequest, TelegramError

from . import render

logger = logging.getLogger(__name__)

T = TypeVar("T")
TYPING_REFRESH = 4.5  # Telegram shows a chat action for about 5 seconds


async def run_blocking(func: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
    return await asyncio.to_thread(func, *args, **kwargs)


async def run_in(pool: Executor | None, func: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
    """Run func in one of pool's threads (the loop's default executor when None), as `asyncio.to_thread`
    does: with the caller's context variables."""
    call = functools.partial(contextvars.copy_context().run, func, *args, **kwargs)
    return await asyncio.get_running_loop().run_in_executor(pool, call)


async def with_typing(bot: Any, chat_id: int, delay: float, work: Awaitable[T]) -> T:
    """Await work (e.g. `run_in(...)`); show "typing…" in the chat if it takes longer than delay seconds."""
    task = asyncio.ensure_future(work)
    if delay > 0:
        await asyncio.wait({task}, timeout=delay)
    while not task.done():
        try:
            await bot.send_chat_action(chat_id=chat_id, action=ChatAction.TYPING)
        except TelegramError as error:  # cosmetic: never fail an answer for it
            logger.debug("chat action failed: %s", error)
        await asyncio.wait({task}, timeout=TYPING_REFRESH)
    return task.result()


async def send_messages(
    bot: Any,
    chat_id: int,
    texts: Sequence[str],
    *,
    reply_to: int | None = None,
    keyboard: InlineKeyboardMarkup | None = None,
) -> list[Message]:
    """Send texts in order (HTML); the first replies to reply_to, the last carries the keyboard."""
    sent = []
    for index, text in enumerate(texts):
        reply = ReplyParameters(reply_to, allow_sending_without_reply=True) if reply_to and index == 0 else None
        markup = keyboard if index == len(texts) - 1 else None
        sent.append(await bot.send_message(chat_id=chat_id, text=text, reply_parameters=reply, reply_markup=markup))
    return sent


async def edit_text(
    bot: Any, chat_id: int, message_id: int, text: str, keyboard: InlineKeyboardMarkup | None = None
) -> None:
    """Edit a message, ignoring Telegram's "message is not modified"."""
    try:
        await bot.edit_message_text(chat_id=chat_id, message_id=message_id, text=text, reply_markup=keyboard)
    except BadRequest as error:
        if "not modified" not in str(error).lower():
            raise


class ProgressMessage:
    """One message showing a background job's progress, edited at most every `interval` seconds.

    `report` is safe to call from the worker thread (it is the core's ``progress(done, total,
    stage)`` callable); `finish` runs on the loop and always wins over late progress edits.
    """

    def __init__(self, bot: Any, chat_id: int, message_id: int, title: str, *, interval: float) -> None:
        self.bot = bot
        self.chat_id = chat_id
        self.message_id = message_id
        self.title = title
        self.interval = interval
        self._loop = asyncio.get_running_loop()
        self._last = 0.0
        self._pending: Any = None
        self._closed = False

    @classmethod
    async def send(
        cls, bot: Any, chat_id: int, title: str, *, interval: float, reply_to: int | None = None
    ) -> ProgressMessage:
        [message] = await send_messages(bot, chat_id, [render.progress_text(title, 0, 0, "排队中")], reply_to=reply_to)
        return cls(bot, chat_id, message.message_id, title, interval=interval)

    def report(self, done: int, total: int, stage: str) -> None:
        now = time.monotonic()
        if self._closed or now - self._last < self.interval or (self._pending is not None and not self._pending.done()):
            return
        self._last = now
        text = render.progress_text(self.title, done, total, stage)
        self._pending = asyncio.run_coroutine_threadsafe(self._edit(text), self._loop)

    async def update(self, stage: str) -> None:
        await self._edit(render.progress_text(self.title, 0, 0, stage))

    async def finish(self, text: str, keyboard: InlineKeyboardMarkup | None = None) -> None:
        self._closed = True
        if self._pending is not None:
            with contextlib.suppress(Exception):
                await asyncio.wrap_future(self._pending)
        await edit_text(self.bot, self.chat_id, self.message_id, text, keyboard)

    async def _edit(self, text: str) -> None:
        try:
            await edit_text(self.bot, self.chat_id, self.message_id, text)
        except TelegramError as error:  # progress is cosmetic; the final edit reports the outcome
            logger.debug("progress edit failed: %s", error)
