"""The buttons under an answer: 📄 全文 (full clause text), 更多结果 (next clauses), 👍/👎.

Votes are stored through PlanService.record_feedback; pressing the same thumb again is not
stored twice. Buttons whose data this version does not know, or whose question the
bot no longer remembers (after a restart), say so instead of guessing.
"""

from __future__ import annotations

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import ContextTypes

from .. import callbacks
from ..state import get_state
from ..work import run_blocking, run_in
from .ask import send_answer, send_clauses

EXPIRED = "这个按钮已过期，请重新提问。"


async def full_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    state = get_state(context)
    data = callbacks.decode(query.data)
    clause_id = state.resolve_ref(data.args[0]) if data and data.args else None
    hit = await run_blocking(state.service.clause, clause_id) if clause_id else None
    if hit is None:
        await query.answer("该条款已不在库中（文件可能已被移除或替换），请重新提问。", show_alert=True)
        return
    await query.answer()
    chat = query.message.chat
    await send_clauses(
        context, chat.id, [hit], reply_to=None if chat.type == ChatType.PRIVATE else query.message.message_id
    )


async def more_results(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    state = get_state(context)
    data = callbacks.decode(query.data)
    if not data or len(data.args) != 2 or not all(a.isdigit() for a in data.args):
        await query.answer(EXPIRED, show_alert=True)
        return
    question_id, offset = int(data.args[0]), int(data.args[1])
    question = state.questions.get(question_id) or await run_blocking(state.service.question_text, question_id)
    if question is None:
        await query.answer(EXPIRED, show_alert=True)
        return
    await query.answer()
    chat = query.message.chat
    answer = await run_in(
        state.question_pool,
        state.service.ask,
        question,
        top_k=state.settings.top_k,
        offset=offset,
        user_id=query.from_user.id,
        chat_type=chat.type,
        log=False,
    )
    reply_to = None if chat.type == ChatType.PRIVATE else query.message.message_id
    await send_answer(context, chat.id, answer, offset=offset, question_id=question_id, reply_to=reply_to)


async def vote(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    state = get_state(context)
    data = callbacks.decode(query.data)
    if not data or len(data.args) != 3 or not data.args[0].isdigit() or data.args[2] not in "+-":
        await query.answer(EXPIRED, show_alert=True)
        return
    question_id = int(data.args[0])
    value = 1 if data.args[2] == "+" else -1
    key = (question_id, query.from_user.id)
    if state.votes.get(key) == value:
        await query.answer("已经记录过了，谢谢！")
        return
    state.votes[key] = value
    await run_blocking(
        state.service.record_feedback,
        question_id=question_id,
        clause_id=state.resolve_ref(data.args[1]),
        user_id=query.from_user.id,
        value=value,
    )
    await query.answer("谢谢反馈！" if value > 0 else "谢谢反馈，我们会改进这个问题的答案。")


async def unknown_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await update.callback_query.answer(EXPIRED, show_alert=True)
