"""Reference commands: /start, /help, /docs, /outline <文件>, /clause <编号>.

/help lists every command of the menu (bot/menu.py). /docs lists the documents with 文号, date
and clause count. /outline shows a document's numbered hierarchy (without an argument: buttons
for each document). /clause 西安 二(五) shows that clause in full.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatType
from telegram.ext import ContextTypes

from index import Document

from .. import callbacks, render
from ..menu import COMMANDS
from ..state import get_state
from ..work import run_blocking, send_messages
from .ask import send_clauses

WELCOME = (
    "👋 你好！我能回答关于质量强市（强省）行动计划的问题：哪条条款、谁牵头、谁配合、出自哪份文件。\n\n"
    "直接发问题试试，例如：<i>西安市电梯安全隐患整治有什么安排？</i>\n"
    "/help 查看全部命令。"
)
INLINE_HELP = (
    "在任意聊天的输入框里输入 @{username} 加关键词（如 <i>电梯</i>）或条款编号（如 <i>西安 二(五)</i>），"
    "就能把条款连同出处直接发到那个聊天里。"
)
OUTLINE_USAGE = "请选择文件，或输入 <code>/outline 文件名或文号</code>："
CLAUSE_USAGE = (
    "请输入条款编号，例如：<code>/clause 西安 二(五)</code> 或 <code>/clause 皖政办秘〔2016〕76号 一(六)</code>"
)


def _reply_to(update: Update) -> int | None:
    """Quote the command in groups so the answer is attached to it; not needed in private chats."""
    if update.effective_chat.type == ChatType.PRIVATE:
        return None
    return update.effective_message.message_id


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    payload = context.args[0] if context.args else ""
    if payload == "inline":
        text = INLINE_HELP.format(username=render.esc(context.bot.username))
    elif payload == "help":
        text = render.help_message(COMMANDS, context.bot.username)
    else:
        text = WELCOME
    await update.effective_message.reply_text(text)


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await send_messages(
        context.bot,
        update.effective_chat.id,
        [render.help_message(COMMANDS, context.bot.username)],
        reply_to=_reply_to(update),
    )


async def docs(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    state = get_state(context)
    infos = await run_blocking(state.service.documents)
    await send_messages(
        context.bot, update.effective_chat.id, render.documents_messages(infos), reply_to=_reply_to(update)
    )


async def outline(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    state = get_state(context)
    ref = " ".join(context.args or [])
    if not ref:
        infos = await run_blocking(state.service.documents)
        buttons = [
            [
                InlineKeyboardButton(
                    _button_label(info.document), callback_data=callbacks.outline(state.short_ref(info.document.id))
                )
            ]
            for info in infos
        ]
        await send_messages(
            context.bot,
            update.effective_chat.id,
            [OUTLINE_USAGE],
            reply_to=_reply_to(update),
            keyboard=InlineKeyboardMarkup(buttons) if buttons else None,
        )
        return
    await send_outline(context, update.effective_chat.id, ref, reply_to=_reply_to(update))


async def outline_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    state = get_state(context)
    data = callbacks.decode(query.data)
    doc_id = state.resolve_ref(data.args[0]) if data and data.args else None
    if doc_id is None:
        await query.answer("按钮已过期，请重新发送 /outline", show_alert=True)
        return
    await query.answer()
    await send_outline(context, query.message.chat.id, doc_id)


async def send_outline(
    context: ContextTypes.DEFAULT_TYPE, chat_id: int, ref: str, *, reply_to: int | None = None
) -> None:
    state = get_state(context)
    document = await run_blocking(state.service.find_document, ref)
    if document is None:
        text = f"没有找到文件：{render.quote(ref)}。用 /docs 查看已收录的文件。"
        await send_messages(context.bot, chat_id, [text], reply_to=reply_to)
        return
    document, clauses = await run_blocking(state.service.outline, document.id)
    await send_messages(context.bot, chat_id, render.outline_messages(document, clauses), reply_to=reply_to)


async def clause(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    state = get_state(context)
    ref = " ".join(context.args or [])
    if not ref:
        await update.effective_message.reply_text(CLAUSE_USAGE)
        return
    hits = await run_blocking(state.service.lookup, ref)
    if not hits:
        text = f"没有找到条款：{render.quote(ref)}。\n{CLAUSE_USAGE}"
        await send_messages(context.bot, update.effective_chat.id, [text], reply_to=_reply_to(update))
        return
    await send_clauses(context, update.effective_chat.id, hits, reply_to=_reply_to(update))


def _button_label(document: Document) -> str:
    label = " ".join(part for part in (document.region, document.doc_number) if part) or render.document_title(document)
    return label[:60]
