"""The one error handler: log the failure (the token is redacted by bot.redact) and tell the user.

Typed errors of the core (QualityPlanError) carry a Chinese message the user can act on and are
shown as they are; anything else is logged with its traceback and answered with a short apology.
Network trouble while polling has no user to tell and is only logged.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import NetworkError, TelegramError
from telegram.ext import ContextTypes

from index import QualityPlanError

from .. import render

logger = logging.getLogger(__name__)

APOLOGY = "抱歉，处理时出了点问题，请稍后再试。"


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    error = context.error
    if isinstance(error, QualityPlanError):
        logger.warning("%s: %s", type(error).__name__, error)
        text = f"⚠️ {render.quote(error, 500)}"
    elif isinstance(error, NetworkError) and not isinstance(update, Update):
        logger.warning("network problem: %s", error)
        return
    else:
        logger.error("error while handling an update", exc_info=error)
        text = APOLOGY
    if not isinstance(update, Update):
        return
    if update.callback_query is not None:
        try:
            await update.callback_query.answer(render.to_plain(text)[:200], show_alert=True)
            return
        except TelegramError:  # already answered (the failure came later): fall back to a message
            pass
    if update.effective_chat is None:
        return
    try:
        await context.bot.send_message(chat_id=update.effective_chat.id, text=text)
    except TelegramError as notify_error:  # the chat may be gone
        logger.warning("could not tell the user about the error: %s", notify_error)
