"""/subscribe 单位, /unsubscribe [单位], /subscriptions: which agencies a chat follows.

A subscribed chat gets the weekly digest (bot/digest.py) and a notice when an admin confirms a plan
naming the agency. In private chats anyone may subscribe; in groups only the group's admins
(asked from Telegram with getChatMember), so one member cannot fill a group with reminders.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import TelegramError
from telegram.ext import BaseHandler, CommandHandler, ContextTypes

from index import QualityPlanError

from .. import render
from ..state import get_state
from ..work import run_blocking

logger = logging.getLogger(__name__)

GROUP_ADMINS_ONLY = "在群里，只有群管理员可以订阅或取消订阅。"
USAGE = "用法：<code>/subscribe 市场监管局</code>（每周一 09:00 推送到期提醒，新文件涉及该单位时即时通知）"
_ADMIN_STATUSES = {ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR}


async def may_manage(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """Private chats: yes. Groups: only the group's admins (Telegram says who they are)."""
    chat, user = update.effective_chat, update.effective_user
    if chat.type == ChatType.PRIVATE:
        return True
    if user is None:
        return False
    try:
        member = await context.bot.get_chat_member(chat_id=chat.id, user_id=user.id)
    except TelegramError as error:
        logger.warning("getChatMember failed in chat %s: %s", chat.id, error)
        return False
    return member.status in _ADMIN_STATUSES


async def subscribe(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    state = get_state(context)
    message = update.effective_message
    agency = " ".join(context.args or [])
    if not agency:
        await message.reply_text(USAGE)
        return
    if not await may_manage(update, context):
        await message.reply_text(GROUP_ADMINS_ONLY)
        return
    chat = update.effective_chat
    try:
        new, named = await run_blocking(state.service.subscribe, chat.id, agency, chat.type)
    except QualityPlanError as error:
        await message.reply_text(render.quote(error, 300))
        return
    name = render.quote(agency, 40)
    found = f"目前库中有 {named} 条条款涉及该单位。" if named else "目前库中还没有条款写到这个单位（新文件涉及它时会通知）。"
    first = f"✅ 已订阅「{name}」：每周一 09:00 推送到期和逾期条款，新文件涉及它时即时通知。" if new else f"已经订阅过「{name}」。"
    await message.reply_text(f"{first}\n{found}\n用 /due 查看到期条款，/unsubscribe {name} 取消。")


async def unsubscribe(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    state = get_state(context)
    message = update.effective_message
    if not await may_manage(update, context):
        await message.reply_text(GROUP_ADMINS_ONLY)
        return
    agency = " ".join(context.args or []) or None
    removed = await run_blocking(state.service.unsubscribe, update.effective_chat.id, agency)
    if not removed:
        await message.reply_text("没有这个订阅。用 /subscriptions 查看本聊天的订阅。")
        return
    what = f"「{render.quote(agency, 40)}」" if agency else f"全部 {removed} 个单位"
    await message.reply_text(f"已取消订阅{what}。")


async def subscriptions(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    state = get_state(context)
    chat_id = update.effective_chat.id
    agencies = await run_blocking(state.service.subscriptions, chat_id)
    if not agencies:
        await update.effective_message.reply_text("这个聊天还没有订阅单位。" + USAGE)
        return
    lines = [f"📌 本聊天订阅了 {len(agencies)} 个单位："] + [f"• {render.esc(a)}" for a in agencies]
    paused = await run_blocking(state.service.chat_paused, chat_id)
    if paused:
        lines.append(f"⚠️ 推送已暂停（{render.esc(paused)}），重新 /subscribe 即恢复。")
    await update.effective_message.reply_text("\n".join(lines))


def handlers() -> list[BaseHandler]:
    """/subscribe, /unsubscribe, /subscriptions."""
    return [
        CommandHandler("subscribe", subscribe),
        CommandHandler("unsubscribe", unsubscribe),
        CommandHandler("subscriptions", subscriptions),
    ]
