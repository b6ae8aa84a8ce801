"""/tasks <单位> [文件] [xlsx|csv|md]: an agency's task table (任务分解表), sent as a file on request.

    /tasks 市场监管局              a short list and buttons 导出 XLSX / 导出 CSV
    /tasks 市市场监管局 太原 xlsx   the table of 太原's plan as an Excel file
    /tasks 太原 xlsx                the whole document's task table (when 太原 names no agency)

`export_keyboard(state, name)` gives the same export buttons for other replies (e.g. /agency).
Register with `handlers()` (a CommandHandler and the export button's CallbackQueryHandler).
"""

from __future__ import annotations

import re

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatType
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, ContextTypes

from index import LEAD, TASK_FORMATS, QualityPlanError, TaskRow, TaskTable, render_tasks

from .. import callbacks, render
from ..state import BotState, get_state
from ..work import run_blocking, send_messages

COMMAND = "tasks"
EXPORT = "tkx"  # callback action: v1:tkx:<agency key>:<format>[:<document id prefix>]
LIST_LIMIT = 15
WHOLE_DOCUMENT = "@"  # agency key of a whole document's table
USAGE = (
    "请输入单位名，例如：<code>/tasks 市场监管局</code>；"
    "加文件和格式：<code>/tasks 市市场监管局 太原 xlsx</code>；整份文件：<code>/tasks 太原 xlsx</code>"
)
MIME = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv",
    "md": "text/markdown",
}


def file_name(subject: str, fmt: str) -> str:
    safe = re.sub(r'[\\/:*?"<>|\s]+', "_", subject).strip("_")[:40] or "tasks"
    return f"任务分解表_{safe}.{fmt}"


def summary_messages(subject: str, rows: list[TaskRow]) -> list[str]:
    header = f"🗂 <b>{render.quote(subject, 80)}</b> 任务分解表：共 {len(rows)} 条"
    blocks = []
    for row in rows[:LIST_LIMIT]:
        role = "" if row.role is None else ("（牵头）" if row.role == LEAD else "（配合）")
        heading = row.clause.heading or row.task[:30]
        blocks.append(
            f"{row.number}. {render.esc(row.clause.path)} {render.esc(heading)}{role}\n"
            f"   <i>{render.esc(row.document.title or row.document.source)}</i>"
        )
    if len(rows) > LIST_LIMIT:
        blocks.append(f"……其余 {len(rows) - LIST_LIMIT} 条见导出文件。")
    return render.pack(blocks, header=header, separator="\n")


def export_keyboard(state: BotState, name: str | None, doc_id: str | None = None) -> InlineKeyboardMarkup:
    """导出 XLSX / 导出 CSV buttons for an agency (optionally within one document), or with no
    agency for a whole document's table."""
    key = state.short_ref(name) if name else WHOLE_DOCUMENT
    extra = [doc_id[:12]] if doc_id else []
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("导出 XLSX", callback_data=callbacks.encode(EXPORT, key, "xlsx", *extra)),
                InlineKeyboardButton("导出 CSV", callback_data=callbacks.encode(EXPORT, key, "csv", *extra)),
            ]
        ]
    )


async def send_table(
    context: ContextTypes.DEFAULT_TYPE, chat_id: int, subject: str, rows: list[TaskRow], fmt: str
) -> None:
    data = await run_blocking(render_tasks, rows, fmt, title=f"任务分解表 — {subject}")
    await context.bot.send_document(
        chat_id=chat_id,
        document=data,
        filename=file_name(subject, fmt),
        caption=f"{subject} 任务分解表（{len(rows)} 条）",
    )


def parse_args(words: list[str]) -> tuple[str | None, str | None, str | None]:
    """(agency, document reference, format) from the command's words."""
    fmt = None
    if words and words[-1].lower() in TASK_FORMATS:
        fmt = words.pop().lower()
    agency = words[0] if words else None
    doc_ref = " ".join(words[1:]) or None
    return agency, doc_ref, fmt


async def tasks_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    state = get_state(context)
    message = update.effective_message
    agency, doc_ref, fmt = parse_args(list(context.args or []))
    if not agency:
        await message.reply_text(USAGE)
        return
    try:
        table: TaskTable = await run_blocking(state.service.task_table, agency, doc_ref)
    except QualityPlanError as error:
        await message.reply_text(render.quote(error, 300))
        return
    rows, subject, document = table.rows, table.subject, table.document
    if not rows:
        await message.reply_text(
            f"没有找到「{render.quote(agency)}」负责的条款。可以换个写法，例如“市场监管局”或“质监局”。"
        )
        return
    chat_id = update.effective_chat.id
    if fmt:
        await send_table(context, chat_id, subject, rows, fmt)
        return
    reply_to = None if update.effective_chat.type == ChatType.PRIVATE else message.message_id
    whole_document = rows[0].role is None
    keyboard = export_keyboard(state, None if whole_document else agency, document.id if document else None)
    await send_messages(context.bot, chat_id, summary_messages(subject, rows), reply_to=reply_to, keyboard=keyboard)


async def export_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    state = get_state(context)
    data = callbacks.decode(query.data)
    valid = data is not None and len(data.args) in (2, 3)
    key = data.args[0] if valid else ""
    name = None if key == WHOLE_DOCUMENT else state.resolve_ref(key) if valid else None
    fmt = data.args[1] if valid else None
    doc_ref = data.args[2] if valid and len(data.args) == 3 else None
    whole_document = key == WHOLE_DOCUMENT
    if fmt not in TASK_FORMATS or (not whole_document and not name) or (whole_document and not doc_ref):
        await query.answer("按钮已过期，请重新发送 /tasks 单位名", show_alert=True)
        return
    await query.answer("正在生成文件…")
    try:
        table: TaskTable = await run_blocking(state.service.task_table, name, doc_ref)
    except QualityPlanError as error:
        await context.bot.send_message(chat_id=query.message.chat.id, text=render.quote(error, 300))
        return
    rows, subject = table.rows, table.subject
    if not rows:
        await context.bot.send_message(chat_id=query.message.chat.id, text="这些条款已不在库中。")
        return
    await send_table(context, query.message.chat.id, subject, rows, fmt)


def handlers() -> list[BaseHandler]:
    """The /tasks command and its export buttons."""
    return [
        CommandHandler(COMMAND, tasks_command),
        CallbackQueryHandler(export_button, pattern=f"^{callbacks.VERSION}:{EXPORT}:"),
    ]
