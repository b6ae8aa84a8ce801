"""Inline mode: ``@botname 电梯`` in any chat lists matching clauses to send into that chat.

Up to 10 InlineQueryResultArticles — title "region · path heading", description the excerpt,
the sent message the clause with its agencies and citation. A clause reference (西安 二(五),
皖政办秘〔2016〕76号 一(六)) finds that clause. An empty query shows a short hint. Inline queries
arrive on every keystroke, so they are searched without being logged as questions.
"""

from __future__ import annotations

import hashlib

from telegram import InlineQueryResultArticle, InlineQueryResultsButton, InputTextMessageContent, Update
from telegram.constants import ParseMode
from telegram.ext import ContextTypes

from index import Hit, PlanService

from .. import render
from ..state import get_state
from ..work import run_in

EMPTY_HINT = "输入关键词或条款编号，如：电梯、西安 二(五)"
NOTHING_FOUND = "没有找到相关条款，换个关键词试试"


def inline_hits(service: PlanService, query: str, limit: int) -> list[Hit]:
    hits = service.lookup(query)
    if hits:
        return hits[:limit]
    return service.ask(query, top_k=limit, chat_type="inline", log=False).hits


def result_id(hit: Hit) -> str:
    """Unique, ≤ 64 bytes (Telegram's limit for result ids)."""
    clause_id = hit.clause.id
    if len(clause_id.encode()) <= 64:
        return clause_id
    return hashlib.blake2b(clause_id.encode(), digest_size=16).hexdigest()


def article(hit: Hit) -> InlineQueryResultArticle:
    return InlineQueryResultArticle(
        id=result_id(hit),
        title=render.inline_title(hit),
        description=render.inline_description(hit),
        input_message_content=InputTextMessageContent(render.inline_message(hit), parse_mode=ParseMode.HTML),
    )


async def inline_query(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    state = get_state(context)
    query = update.inline_query
    text = " ".join(query.query.split())
    if not text:
        await query.answer(
            [], button=InlineQueryResultsButton(text=EMPTY_HINT, start_parameter="inline"), cache_time=300
        )
        return
    hits = await run_in(state.question_pool, inline_hits, state.service, text, state.options.inline_results)
    unique = {result_id(hit): hit for hit in hits}
    results = [article(hit) for hit in unique.values()]
    button = None if results else InlineQueryResultsButton(text=NOTHING_FOUND, start_parameter="help")
    await query.answer(results, cache_time=state.options.inline_cache_time, button=button)
