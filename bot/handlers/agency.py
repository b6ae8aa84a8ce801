"""/agency <单位名>: the clauses an agency leads (牵头), then those it supports (配合), paged.

Pages are edited in place with ‹ › buttons; each page groups clauses under their document's
citation so every page names the title and 文号 of what it shows.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatType
from telegram.ext import ContextTypes

from .. import callbacks, render
from ..state import BotState, get_state
from ..work import edit_text, run_blocking, send_messages

USAGE = "请输入单位名称，例如：<code>/agency 市质监局</code>"


def pager(state: BotState, name: str, offset: int, total: int) -> InlineKeyboardMarkup | None:
    size = state.options.agency_page_size
    if total <= size:
        return None
    key = state.short_ref(name)
    row = []
    if offset > 0:
        row.append(InlineKeyboardButton("‹ 上一页", callback_data=callbacks.agency_page(key, max(offset - size, 0))))
    if offset + size < total:
        row.append(InlineKeyboardButton("下一页 ›", callback_data=callbacks.agency_page(key, offset + size)))
    return InlineKeyboardMarkup([row])


async def agency(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    state = get_state(context)
    name = " ".join(context.args or [])
    if not name:
        await update.effective_message.reply_text(USAGE)
        return
    hits = await run_blocking(state.service.agency_tasks, name)
    text = render.agency_page(name, hits, 0, state.options.agency_page_size)
    reply_to = None if update.effective_chat.type == ChatType.PRIVATE else update.effective_message.message_id
    await send_messages(
        context.bot, update.effective_chat.id, [text], reply_to=reply_to, keyboard=pager(state, name, 0, len(hits))
    )


async def agency_page(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    state = get_state(context)
    data = callbacks.decode(query.data)
    name = state.resolve_ref(data.args[0]) if data and len(data.args) == 2 else None
    if name is None or not data.args[1].isdigit():
        await query.answer("按钮已过期，请重新发送 /agency 单位名", show_alert=True)
        return
    offset = int(data.args[1])
    hits = await run_blocking(state.service.agency_tasks, name)
    offset = min(offset, max(len(hits) - 1, 0))
    await query.answer()
    text = render.agency_page(name, hits, offset, state.options.agency_page_size)
    await edit_text(
        context.bot, query.message.chat.id, query.message.message_id, text, pager(state, name, offset, len(hits))
    )
