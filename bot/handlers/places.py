"""Many places, one question: the buttons under an answer whose clauses come from several regions.

"只看X" asks the question again about region X alone (as if the official had named it); "⚖️ 对比各地区"
lines the regions up in one compact message: region, clause path, the figure or duty, citation.
"""

from __future__ import annotations

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import BaseHandler, CallbackQueryHandler, ContextTypes

from index import Answer

from .. import callbacks, render
from ..state import get_state
from ..work import run_in, send_messages
from .ask import send_reply, session_key

EXPIRED = "按钮已过期，请重新提问"


async def narrow(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    state = get_state(context)
    data = callbacks.decode(query.data)
    refs = data.args if data is not None and len(data.args) == 2 else ()
    question, region = (state.resolve_ref(ref) for ref in refs) if refs else (None, None)
    if not question or not region:
        await query.answer(EXPIRED, show_alert=True)
        return
    await query.answer(f"只看{region}")
    chat = query.message.chat
    private = chat.type == ChatType.PRIVATE
    reply = await run_in(
        state.question_pool,
        state.service.respond,
        f"{region} {question}",
        top_k=state.settings.top_k,
        user_id=query.from_user.id,
        chat_type=chat.type,
        session=session_key(chat.id, query.from_user.id, private),
    )
    await send_reply(context, chat.id, reply, reply_to=None if private else query.message.message_id)


async def compare(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    state = get_state(context)
    data = callbacks.decode(query.data)
    question = state.resolve_ref(data.args[0]) if data is not None and len(data.args) == 1 else None
    if not question:
        await query.answer(EXPIRED, show_alert=True)
        return
    await query.answer("正在对比…")
    chat = query.message.chat
    answer: Answer = await run_in(
        state.question_pool, state.service.ask, question, top_k=state.settings.top_k, chat_type=chat.type, log=False
    )
    rows = answer.comparison()
    messages = render.comparison_message(question, rows) if rows else ["这些条款只来自一个地区，无需对比。"]
    reply_to = None if chat.type == ChatType.PRIVATE else query.message.message_id
    await send_messages(context.bot, chat.id, messages, reply_to=reply_to)


def handlers() -> list[BaseHandler]:
    """The 只看X and 对比 buttons of a many-places answer."""
    return [
        CallbackQueryHandler(narrow, pattern=f"^{callbacks.VERSION}:{callbacks.REGION}:"),
        CallbackQueryHandler(compare, pattern=f"^{callbacks.VERSION}:{callbacks.COMPARE}:"),
    ]
