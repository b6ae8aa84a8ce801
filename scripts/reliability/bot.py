"""Talking to the bot through the Bot API stand-in, for the reliability scenarios: sending messages,
pressing buttons, uploading files, and reading the bot's admin entry points off its handlers."""

from __future__ import annotations

import inspect
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler

from bot.access import admin_only
from scripts.standin.botapi import BotApiStandIn, Call

TIMEOUT = 60.0  # generous: the box may be busy; a healthy bot answers in well under a second


def say(
    api: BotApiStandIn, user_id: int, text: str, *, chat: dict | None = None, count: int = 1, timeout: float = TIMEOUT
) -> list[Call]:
    chat_id = (chat or api.private_chat(user_id))["id"]
    mark = api.mark()
    api.push_message(user_id, text, chat=chat)
    return api.wait_for(
        "sendMessage", lambda c: c.params["chat_id"] == chat_id, since=mark, count=count, timeout=timeout
    )


def press(api: BotApiStandIn, user_id: int, message: dict, data: str, *, timeout: float = TIMEOUT) -> Call:
    """Press a button with this data on a message the bot sent; returns the answerCallbackQuery."""
    mark = api.mark()
    api.push_callback(user_id, message, data)
    [answer] = api.wait_for("answerCallbackQuery", since=mark, timeout=timeout)
    return answer


def buttons(call: Call) -> list[dict]:
    markup = call.params.get("reply_markup") or {}
    return [button for row in markup.get("inline_keyboard", []) for button in row]


def button_data(call: Call, text_prefix: str) -> str | None:
    return next((b["callback_data"] for b in buttons(call) if b["text"].startswith(text_prefix)), None)


def upload(api: BotApiStandIn, user_id: int, name: str, content: bytes, *, timeout: float = TIMEOUT) -> Call:
    """Send a file in a private chat; returns the bot's final word on it (a refusal or the preview)."""
    mark = api.mark()
    api.push_message(user_id, document=api.add_file(content, name))
    [first] = api.wait_for("sendMessage", lambda c: c.params["chat_id"] == user_id, since=mark, timeout=timeout)
    if not first.params["text"].startswith("📥"):
        return first
    status = first.result["message_id"]
    [final] = api.wait_for(
        "editMessageText",
        lambda c: c.params.get("message_id") == status and not c.params["text"].startswith("📥"),
        since=mark,
        timeout=timeout,
    )
    return final


def job_result(api: BotApiStandIn, chat_id: int, since: int, *, timeout: float = TIMEOUT) -> Call:
    """The final edit (✅ or ❌) of the progress message of an index job started after the mark."""
    [progress] = api.wait_for(
        "sendMessage",
        lambda c: c.params["chat_id"] == chat_id and "⏳" in c.params["text"],
        since=since,
        timeout=timeout,
    )
    message_id = progress.result["message_id"]
    [final] = api.wait_for(
        "editMessageText",
        lambda c: c.params.get("message_id") == message_id and c.params["text"].startswith(("✅", "❌")),
        since=since,
        timeout=timeout,
    )
    return final


def wait_until(predicate: Callable[[], bool], timeout: float = TIMEOUT, interval: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


# -- the admin entry points, read off the Application ------------------------------------------


async def _probe(update: Any, context: Any) -> None:
    """Wrapped once to learn what `admin_only` wrappers look like."""


_ADMIN_CODE = admin_only(_probe).__code__


def is_admin_only(callback: Any) -> bool:
    """Does this handler callback go through bot.access.admin_only (at any depth of wrapping)?"""
    seen = 0
    while callback is not None and seen < 10:
        if getattr(callback, "__code__", None) is _ADMIN_CODE:
            return True
        callback = getattr(callback, "__wrapped__", None)
        seen += 1
    return False


@dataclass(frozen=True)
class EntryPoint:
    kind: str  # "command" | "upload" | "button"
    name: str  # the command, the handler's function name, or the callback data prefix
    callback: str  # module.function of the real handler

    def __str__(self) -> str:
        return f"{self.kind} {self.name} ({self.callback})"


def _callback_name(callback: Any) -> str:
    inner = inspect.unwrap(callback)
    return f"{inner.__module__}.{inner.__qualname__}"


def entry_points(application: Application) -> tuple[list[EntryPoint], list[EntryPoint]]:
    """(admin-only entry points, all other entry points) of every registered handler."""
    admin: list[EntryPoint] = []
    other: list[EntryPoint] = []
    for group in application.handlers.values():
        for handler in group:
            target = admin if is_admin_only(handler.callback) else other
            name = _callback_name(handler.callback)
            if isinstance(handler, CommandHandler):
                target += [EntryPoint("command", command, name) for command in sorted(handler.commands)]
            elif isinstance(handler, CallbackQueryHandler):
                pattern = handler.pattern.pattern if isinstance(handler.pattern, re.Pattern) else str(handler.pattern)
                target.append(EntryPoint("button", pattern.lstrip("^") if handler.pattern else "*", name))
            elif isinstance(handler, MessageHandler):
                target.append(EntryPoint("upload" if "Document" in repr(handler.filters) else "message", name, name))
            else:
                target.append(EntryPoint(type(handler).__name__, name, name))
    return admin, other
