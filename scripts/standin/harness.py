"""Run the real bot (bot.app.build_application) against a BotApiStandIn, from synchronous code.

The Application gets its own event loop in a background thread, so tests and benchmarks stay
plain functions: they enqueue updates on the stand-in and wait for the calls the bot makes.
"""

from __future__ import annotations

import asyncio
import shutil
import threading
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

from bot.app import build_application, start_polling, stop_polling
from bot.state import BotOptions
from index import Settings

from .botapi import BotApiStandIn

ROOT = Path(__file__).resolve().parents[2]


def bot_settings(api: BotApiStandIn, base: Path, *, admins: frozenset[int] = frozenset(), **changes: Any) -> Settings:
    """Settings for a bot talking to the stand-in, with data and corpus under base."""
    fields: dict[str, Any] = {
        "data_dir": base / "data",
        "corpus_dir": base / "corpus",
        "embedding_model": "fake:64",
        "telegram_token": api.token,
        "telegram_base_url": api.base_url,
        "telegram_base_file_url": api.base_file_url,
        "admin_user_ids": admins,
    }
    fields.update(changes)
    return Settings(**fields)


def copy_corpus(dest: Path, extra: dict[str, str] | None = None) -> Path:
    """The bundled corpus (plus extra files name → text) copied to dest; returns dest."""
    shutil.copytree(ROOT / "corpus", dest)
    for name, text in (extra or {}).items():
        (dest / name).write_text(text, encoding="utf-8")
    return dest


class RunningBot:
    """The Application polling the stand-in from a background event-loop thread."""

    def __init__(
        self, settings: Settings, service: Any, *, options: BotOptions | None = None, poll_timeout: float = 5.0
    ) -> None:
        self.settings = settings
        self.service = service
        self.options = options
        self.poll_timeout = poll_timeout
        self.application: Any = None
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="bot-loop", daemon=True)

    def start(self) -> RunningBot:
        self._thread.start()
        self.run(self._start())
        return self

    async def _start(self) -> None:
        self.application = build_application(self.settings, self.service, options=self.options)
        await start_polling(self.application, poll_timeout=self.poll_timeout)

    def run(self, coroutine: Coroutine[Any, Any, Any], timeout: float = 30.0) -> Any:
        """Run a coroutine on the bot's loop and wait for its result."""
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout)

    def stop(self) -> None:
        if self.application is not None:
            self.run(stop_polling(self.application))
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    def __enter__(self) -> RunningBot:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
