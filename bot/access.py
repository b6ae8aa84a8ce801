"""Who may do what: the one place the admin check lives.

Every admin path — file upload, /reindex, /remove, /stats and the 确认/取消 buttons (whose
callback data anyone could replay) — is wrapped in `admin_only`, which re-checks the user on
every update and refuses politely otherwise.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.ext import ContextTypes

from .state import get_state

logger = logging.getLogger(__name__)

REFUSAL = "抱歉，这个功能只对管理员开放。如需添加或管理文件，请联系管理员。"
ADMIN_OFF = "管理功能未开启（未设置 ADMIN_USER_IDS）。"

Handler = Callable[[Update, ContextTypes.DEFAULT_TYPE], Awaitable[Any]]


async def refuse(update: Update, text: str = REFUSAL) -> None:
    """Tell the user, in the way the update allows, that this is not for them."""
    if update.callback_query is not None:
        await update.callback_query.answer(text, show_alert=True)
    elif update.effective_message is not None:
        await update.effective_message.reply_text(text)


def admin_only(handler: Handler) -> Handler:
    """Run handler only for users listed in ADMIN_USER_IDS; refuse everyone else."""

    @functools.wraps(handler)
    async def checked(update: Update, context: ContextTypes.DEFAULT_TYPE) -> Any:
        state = get_state(context)
        user = update.effective_user
        if not state.settings.admin_user_ids:
            await refuse(update, ADMIN_OFF)
            return None
        if user is None or not state.is_admin(user.id):
            logger.info("refused admin action %s for user %s", handler.__name__, user.id if user else None)
            await refuse(update)
            return None
        return await handler(update, context)

    return checked
