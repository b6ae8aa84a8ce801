"""/new: start afresh. A message is otherwise read against the previous question of the same chat
(of the same user within a group) for 30 minutes (index/features/conversation.py)."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import BaseHandler, CommandHandler, ContextTypes

from ..state import get_state
from ..work import run_blocking
from .ask import session_key

COMMAND = "new"


async def new_conversation(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    state = get_state(context)
    chat, user = update.effective_chat, update.effective_user
    private = chat.type == ChatType.PRIVATE
    await run_blocking(state.service.forget, session_key(chat.id, user.id if user else None, private))
    await update.effective_message.reply_text("好的，换个话题。接下来的问题不再接着上一个问题理解。")


def handlers() -> list[BaseHandler]:
    """The /new command."""
    return [CommandHandler(COMMAND, new_conversation)]
