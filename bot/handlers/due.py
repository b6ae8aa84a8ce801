"""/due [单位] [本月|本季度|YYYY-MM|逾期|N天|全部] [ics]: what an agency must deliver, and by when.

    /due 市场监管局            its clauses due this month (lead first, then support), each cited
    /due 市场监管局 逾期        due in the last year and not yet past… (see index/features/deadlines.py)
    /due 本季度                 without an agency: the agencies this chat subscribed to
    /due 市场监管局 全部 ics     an .ics calendar of its dated deadlines

The same table as `scripts/tasks.py AGENCY --due WINDOW` (both call `PlanService.due`).
"""

from __future__ import annotations

import re

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler, ContextTypes

from index import WINDOWS_HINT, DueReport, QualityPlanError, is_window

from .. import render
from ..digest import due_blocks
from ..state import get_state
from ..work import run_blocking, send_messages

COMMAND = "due"
ICS = "ics"
LIST_LIMIT = 20
USAGE = (
    "用法：<code>/due 单位 [时间]</code>，时间可写 " + WINDOWS_HINT + "；加 <code>ics</code> 导出日历。"
    "订阅了单位（/subscribe）的聊天可省略单位。"
)


def parse_args(words: list[str]) -> tuple[str | None, str | None, bool]:
    """(agency, window, ics) from the command's words, in any order after the agency."""
    ics = False
    window = None
    rest = []
    for word in words:
        if word.lower() == ICS:
            ics = True
        elif window is None and is_window(word):
            window = word
        else:
            rest.append(word)
    return (" ".join(rest) or None), window, ics


def report_messages(report: DueReport) -> list[str]:
    window = report.window
    span = "" if window.label == "全部" else f"，{window.start.isoformat()} 至 {window.end.isoformat()}"
    header = f"⏰ <b>{render.quote(report.agency, 40)}</b> 到期条款（{render.esc(window.label)}{span}）：共 {len(report.items)} 条"
    if not report.items:
        return [header + "\n没有在这个时间范围内到期的条款。可以试试 <code>/due 单位 全部</code>。"]
    return render.pack(due_blocks(report.items, LIST_LIMIT), header=header, separator="\n\n")


def ics_name(agency: str) -> str:
    safe = re.sub(r'[\\/:*?"<>|\s]+', "_", agency).strip("_")[:40] or "due"
    return f"任务时限_{safe}.ics"


async def due_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    state = get_state(context)
    message = update.effective_message
    chat_id = update.effective_chat.id
    agency, window, ics = parse_args(list(context.args or []))
    agencies = [agency] if agency else await run_blocking(state.service.subscriptions, chat_id)
    if not agencies:
        await message.reply_text("这个聊天还没有订阅单位。" + USAGE)
        return
    for name in agencies:
        try:
            report: DueReport = await run_blocking(state.service.due, name, window)
        except QualityPlanError as error:
            await message.reply_text(render.quote(error, 300))
            return
        if ics:
            dated = await run_blocking(report.ics)
            await context.bot.send_document(
                chat_id=chat_id, document=dated, filename=ics_name(name),
                caption=f"{name} 任务时限日历（{report.window.label}，{len(report.items)} 条）",
            )  # fmt: skip
        else:
            await send_messages(context.bot, chat_id, report_messages(report))


def handlers() -> list[BaseHandler]:
    """The /due command."""
    return [CommandHandler(COMMAND, due_command)]
