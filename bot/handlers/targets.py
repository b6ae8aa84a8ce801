"""/targets <指标词> [图]: a quantified target compared across plans, as a list or a chart.

    /targets 合格率        every 合格率 target: place, year, value, owner, citation; a 📊 button
    /targets 合格率 图     the same as a bar chart (PNG)

Register with `handlers()` (a CommandHandler and the chart button's CallbackQueryHandler).
"""

from __future__ import annotations

from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatType
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, ContextTypes

from index import QualityPlanError, Target, TargetReport, cjk_font, targets_chart

from .. import callbacks, render
from ..state import get_state
from ..work import run_blocking, send_messages

COMMAND = "targets"
CHART = "tgc"  # callback action: v1:tgc:<keyword key>
CHART_WORDS = {"图", "图表", "chart", "png"}
USAGE = "请输入指标中的词，例如：<code>/targets 合格率</code>；加“图”得到对比图：<code>/targets 合格率 图</code>"


def targets_messages(keyword: str, rows: Sequence[dict[str, str]]) -> list[str]:
    """HTML messages listing rows, grouped by indicator."""
    header = f"<b>{render.quote(keyword)}</b>：各文件的量化目标（{len(rows)} 项）"
    blocks = []
    for row in rows:
        when = row["时限"] or (f"{row['年份']}年" if row["年份"] else "")
        line = f"• <b>{render.esc(row['地区'] or '—')}</b> {render.esc(row['指标'])}：<b>{render.esc(row['目标'])}</b>"
        if when:
            line += f"（{render.esc(when)}）"
        if row["责任单位"]:
            line += f"\n  责任单位：{render.esc(row['责任单位'])}"
        line += f"\n  <i>{render.esc(row['出处'])}</i>"
        blocks.append(line)
    return render.pack(blocks, header=header)


def chart_keyboard(key: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton("📊 发送对比图", callback_data=callbacks.encode(CHART, key))]])


async def send_chart(context: ContextTypes.DEFAULT_TYPE, chat_id: int, keyword: str, targets: Sequence[Target]) -> None:
    png = await run_blocking(targets_chart, list(targets), title=keyword)
    caption = f"{keyword}：目标对比（{len(targets)} 项）"
    if await run_blocking(cjk_font) is None:
        caption += "\n（服务器未安装中文字体，图中汉字可能显示为方框）"
    await context.bot.send_photo(chat_id=chat_id, photo=png, caption=caption)


async def targets_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    state = get_state(context)
    words = list(context.args or [])
    want_chart = bool(words) and words[-1].lower() in CHART_WORDS
    if want_chart:
        words = words[:-1]
    keyword = " ".join(words).strip()
    message = update.effective_message
    if not keyword:
        await message.reply_text(USAGE)
        return
    try:
        report: TargetReport = await run_blocking(state.service.targets, keyword)
    except QualityPlanError as error:
        await message.reply_text(render.quote(error, 300))
        return
    rows, targets = report.rows, report.targets
    if not targets:
        await message.reply_text(f"没有找到含“{render.quote(keyword)}”的量化目标。")
        return
    chat_id = update.effective_chat.id
    if want_chart:
        await send_chart(context, chat_id, keyword, targets)
        return
    reply_to = None if update.effective_chat.type == ChatType.PRIVATE else message.message_id
    keyboard = chart_keyboard(state.short_ref(keyword))
    await send_messages(context.bot, chat_id, targets_messages(keyword, rows), reply_to=reply_to, keyboard=keyboard)


async def chart_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    state = get_state(context)
    data = callbacks.decode(query.data)
    keyword = state.resolve_ref(data.args[0]) if data and len(data.args) == 1 else None
    if not keyword:
        await query.answer("按钮已过期，请重新发送 /targets 指标词", show_alert=True)
        return
    await query.answer("正在生成图表…")
    try:
        targets = (await run_blocking(state.service.targets, keyword)).targets
    except QualityPlanError as error:
        await context.bot.send_message(chat_id=query.message.chat.id, text=render.quote(error, 300))
        return
    if not targets:
        await context.bot.send_message(chat_id=query.message.chat.id, text="这些目标已不在库中。")
        return
    await send_chart(context, query.message.chat.id, keyword, targets)


def handlers() -> list[BaseHandler]:
    """The /targets command and its chart button."""
    return [
        CommandHandler(COMMAND, targets_command),
        CallbackQueryHandler(chart_button, pattern=f"^{callbacks.VERSION}:{CHART}:"),
    ]
