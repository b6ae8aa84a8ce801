"""Wiring: build the python-telegram-bot Application around a PlanService, start and stop it.

`build_application(settings, service)` points the bot at the configured Bot API
(TELEGRAM_BASE_URL / TELEGRAM_BASE_FILE_URL: Telegram's by default, a self-hosted server or the
tests' stand-in otherwise), rate-limits with AIORateLimiter (which also waits out 429
RetryAfter and retries; chat actions are exempt, see `RateLimiter`), sends HTML by default, processes updates concurrently (each handler
runs blocking work in threads) and registers every handler. The PlanService lives in bot_data.

`on_startup` sets the command menu (admins get the admin commands in their chats) and warns
when no admin is configured; `on_shutdown` lets the question threads go. `start_polling`/`stop_polling`
run the same lifecycle as `Application.run_polling` for callers that own the event loop (tests,
benchmarks).
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from telegram import BotCommand, BotCommandScopeChat, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError, TimedOut
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    Defaults,
    InlineQueryHandler,
    MessageHandler,
    filters,
)

from index import PlanService, Settings

from . import callbacks, digest
from .handlers import (
    admin,
    agency,
    ask,
    commands,
    conversation,
    due,
    errors,
    feedback,
    inline,
    places,
    subscriptions,
    targets,
    tasks_export,
)
from .menu import COMMANDS, user_commands
from .redact import install_token_filter
from .state import STATE_KEY, BotOptions, BotState, get_state

logger = logging.getLogger(__name__)

# Feature modules that bring their own handlers (command + buttons) through handlers().
FEATURE_MODULES = (tasks_export, targets, due, subscriptions, conversation, places)

COMMAND_CALLBACKS = {
    "start": commands.start,
    "help": commands.help_command,
    "ask": ask.ask_command,
    "docs": commands.docs,
    "outline": commands.outline,
    "agency": agency.agency,
    "clause": commands.clause,
    "reindex": admin.reindex,
    "remove": admin.remove,
    "stats": admin.stats,
}


class RateLimiter(AIORateLimiter):
    """AIORateLimiter (Telegram's flood limits, RetryAfter waited out and retried) for everything
    except chat actions: "typing…" is cosmetic and is not a message, so it must never hold an
    answer back in the queue during a burst. A 429 on a chat action is simply ignored (bot.work).

    It also lets at most `in_flight` requests (chat actions included) into the HTTP client at once;
    the others wait here, in order, for at most `slot_timeout` seconds (then TimedOut, as for
    httpx's pool timeout). Why: httpcore rescans every queued request against every pooled
    connection whenever a request starts or ends, so a burst of answers queued inside the pool
    costs the event loop time quadratic in the burst (measured: ~0.15 s of a 50-question burst).
    """

    UNTHROTTLED = frozenset({"sendChatAction"})

    def __init__(self, *, in_flight: int, slot_timeout: float, **limits: Any) -> None:
        super().__init__(**limits)
        self.in_flight = in_flight
        self._slots = asyncio.Semaphore(in_flight)
        self._slot_timeout = slot_timeout

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Any]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Any:
        in_slot = functools.partial(self._in_slot, callback)
        if endpoint in self.UNTHROTTLED:
            return await in_slot(*args, **kwargs)
        return await super().process_request(in_slot, args, kwargs, endpoint, data, rate_limit_args)

    async def _in_slot(self, callback: Callable[..., Coroutine[Any, Any, Any]], *args: Any, **kwargs: Any) -> Any:
        """Run one HTTP request once a slot is free (the rate limits have been applied already)."""
        try:
            async with asyncio.timeout(self._slot_timeout):
                await self._slots.acquire()
        except TimeoutError as error:
            raise TimedOut(f"Bot API 请求排队超过 {self._slot_timeout:g} 秒，未发送") from error
        try:
            return await callback(*args, **kwargs)
        finally:
            self._slots.release()


class MissingTokenError(ValueError):
    """No TELEGRAM_BOT_TOKEN: the bot cannot talk to Telegram."""


def build_application(settings: Settings, service: PlanService, *, options: BotOptions | None = None) -> Application:
    if not settings.telegram_token:
        raise MissingTokenError("缺少 TELEGRAM_BOT_TOKEN")
    options = options or BotOptions()
    install_token_filter(settings.telegram_token)  # whoever set up logging, the token stays out of it
    application = (
        ApplicationBuilder()
        .token(settings.telegram_token)
        .base_url(settings.telegram_base_url)
        .base_file_url(settings.telegram_base_file_url)
        .rate_limiter(
            RateLimiter(
                overall_max_rate=options.overall_max_rate,
                group_max_rate=options.group_max_rate,
                max_retries=options.rate_limit_retries,
                in_flight=options.connection_pool_size,
                slot_timeout=options.pool_timeout,
            )
        )
        .defaults(Defaults(parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True)))
        .concurrent_updates(options.concurrent_updates)
        # The rate limiter lets as many requests in flight as there are connections, so requests
        # never queue inside httpcore's pool (see RateLimiter).
        .connection_pool_size(options.connection_pool_size)
        .pool_timeout(options.pool_timeout)
        .post_init(on_startup)
        .post_shutdown(on_shutdown)
        .build()
    )
    # Questions get their own threads, more than the default executor's min(32, cores + 4): when many
    # users ask at once, their query embeddings share forward passes (index/batching.py), and a pass
    # can only hold the questions whose threads are already waiting for it. 16 (one full pass) vs 6:
    # a 50-question burst's p95 ~90 ms lower (scripts/bench_bot.py); more threads only add
    # contention for the GIL with the event loop.
    question_pool = ThreadPoolExecutor(max_workers=settings.ask_threads, thread_name_prefix="question")
    application.bot_data[STATE_KEY] = BotState(
        settings=settings, service=service, options=options, question_pool=question_pool
    )
    register_handlers(application)
    return application


def register_handlers(application: Application) -> None:
    for name, callback in COMMAND_CALLBACKS.items():
        application.add_handler(CommandHandler(name, callback))
    for module in FEATURE_MODULES:
        for handler in module.handlers():
            application.add_handler(handler)

    private_text = filters.ChatType.PRIVATE & filters.TEXT & ~filters.COMMAND
    group_text = filters.ChatType.GROUPS & filters.TEXT & ~filters.COMMAND & (filters.REPLY | filters.Entity("mention"))
    # Earlier group: an admin's reply to an upload preview supplies fields and goes no further.
    application.add_handler(MessageHandler(private_text & filters.REPLY, admin.preview_reply), group=-1)
    application.add_handler(MessageHandler(private_text, ask.private_message))
    application.add_handler(MessageHandler(group_text, ask.group_message))
    application.add_handler(MessageHandler(filters.ChatType.PRIVATE & filters.Document.ALL, admin.upload))
    application.add_handler(InlineQueryHandler(inline.inline_query))

    buttons = {
        callbacks.FULL: feedback.full_text,
        callbacks.MORE: feedback.more_results,
        callbacks.FEEDBACK: feedback.vote,
        callbacks.AGENCY: agency.agency_page,
        callbacks.OUTLINE: commands.outline_button,
        callbacks.UPLOAD: admin.upload_button,
        callbacks.REMOVE: admin.remove_button,
    }
    for action, callback in buttons.items():
        application.add_handler(CallbackQueryHandler(callback, pattern=f"^{callbacks.VERSION}:{action}:"))
    application.add_handler(CallbackQueryHandler(feedback.unknown_button))  # last: stale or foreign data
    application.add_error_handler(errors.on_error)

    mismatch = registered_commands(application) ^ {c.name for c in COMMANDS}
    if mismatch:
        raise RuntimeError(f"bot/menu.py and the registered command handlers disagree about: {sorted(mismatch)}")


def registered_commands(application: Application) -> set[str]:
    return {
        name
        for group in application.handlers.values()
        for handler in group
        if isinstance(handler, CommandHandler)
        for name in handler.commands
    }


async def on_startup(application: Application) -> None:
    """Set the command menus; warn when admin features are off."""
    state = get_state(application)
    bot = application.bot
    await bot.set_my_commands([BotCommand(c.name, c.description) for c in user_commands()])
    admin_menu = [BotCommand(c.name, c.description) for c in COMMANDS]
    for admin_id in sorted(state.settings.admin_user_ids):
        try:
            await bot.set_my_commands(admin_menu, scope=BotCommandScopeChat(admin_id))
        except TelegramError as error:  # the admin has not opened a chat with the bot yet
            logger.warning("could not set the admin menu for user %s: %s", admin_id, error)
    if not state.settings.admin_user_ids:
        logger.warning("ADMIN_USER_IDS is empty: admin features (upload, /reindex, /remove, /stats) are off")
    digest.start(application)  # weekly digests and plan notices to subscribers (bot/digest.py)
    logger.info("bot @%s ready", bot.username)


async def on_shutdown(application: Application) -> None:
    """Let the question threads end (they finish what they run; nothing new is queued by then)."""
    await digest.stop(application)
    pool = get_state(application).question_pool
    if pool is not None:
        pool.shutdown(wait=False)


async def start_polling(application: Application, *, poll_timeout: float = 10.0) -> None:
    """initialize → on_startup → start → long polling, as run_polling does, on the caller's loop."""
    await application.initialize()
    await on_startup(application)
    await application.start()
    await application.updater.start_polling(timeout=poll_timeout, allowed_updates=Update.ALL_TYPES)


async def stop_polling(application: Application) -> None:
    if application.updater.running:
        await application.updater.stop()
    if application.running:
        await application.stop()
    await application.shutdown()
    await on_shutdown(application)
