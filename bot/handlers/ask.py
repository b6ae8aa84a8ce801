"""Questions → cited answers.

Answers any text in a private chat; in groups (where privacy mode shows the bot only commands,
replies and mentions) it answers /ask 问题, /ask@botname 问题, replies to its own messages and
messages that @mention it, and stays quiet otherwise. A question that is a clause reference
(西安 二(五), 皖政办秘〔2016〕76号 一(六)) shows that clause in full.

Each answer: the best clauses (TOP_K, 3 by default) with region · path heading, the excerpt
that answers with matched terms in bold, 牵头/配合 agencies and the citation line; buttons for
full text, more results and 👍/👎.
"""

from __future__ import annotations

import re

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, MessageEntity, Update
from telegram.constants import ChatType
from telegram.ext import ContextTypes

from index import MAX_QUERY_CHARS, AgencyReply, Answer, ClauseReply, Hit, PlanService, Reply

from .. import callbacks, render
from ..state import BotState, get_state
from ..work import run_in, send_messages, with_typing
from .agency import pager as agency_pager

USAGE = "请在 /ask 后面写上问题，例如：<code>/ask 电梯安全隐患整治由谁牵头？</code>"
MENTION_HINT = "请在 @我 后面写上问题，例如：<i>电梯安全隐患整治由谁牵头？</i>"


def clean_question(text: str | None) -> str:
    """Whitespace collapsed and cut; the service reads the question itself (PlanService.respond)."""
    return " ".join((text or "").split())[:MAX_QUERY_CHARS]


async def private_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await answer_question(update, context, update.effective_message.text)


async def ask_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    question = clean_question(" ".join(context.args or []))
    if not question:
        await update.effective_message.reply_text(USAGE)
        return
    await answer_question(update, context, question)


async def group_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A group text that reaches the bot: answer replies to the bot and @mentions of it only."""
    message = update.effective_message
    bot = context.bot
    replied = message.reply_to_message
    to_bot = replied is not None and replied.from_user is not None and replied.from_user.id == bot.id
    mention = f"@{bot.username}".lower()
    mentioned = any(text.lower() == mention for text in message.parse_entities([MessageEntity.MENTION]).values())
    if not (to_bot or mentioned):
        return
    question = clean_question(re.sub(re.escape(mention), " ", message.text or "", flags=re.IGNORECASE))
    if not question:
        await message.reply_text(MENTION_HINT)
        return
    await answer_question(update, context, question)


def respond(
    service: PlanService, question: str, *, top_k: int, user_id: int | None, chat_type: str, session: str
) -> Reply:
    return service.respond(question, top_k=top_k, user_id=user_id, chat_type=chat_type, session=session)


def session_key(chat_id: int, user_id: int | None, private: bool) -> str:
    """One conversation per private chat, and per user within a group (two colleagues asking in one
    group do not continue each other's questions)."""
    return f"tg:{chat_id}" if private or user_id is None else f"tg:{chat_id}:{user_id}"


async def answer_question(update: Update, context: ContextTypes.DEFAULT_TYPE, question: str | None) -> None:
    state = get_state(context)
    question = clean_question(question)
    chat = update.effective_chat
    message = update.effective_message
    if not question:
        return
    private = chat.type == ChatType.PRIVATE
    delay = state.options.typing_delay_private if private else state.options.typing_delay_group
    user = update.effective_user
    work = run_in(
        state.question_pool,
        respond,
        state.service,
        question,
        top_k=state.settings.top_k,
        user_id=user.id if user else None,
        chat_type=chat.type,
        session=session_key(chat.id, user.id if user else None, private),
    )
    result = await with_typing(context.bot, chat.id, delay, work)
    await send_reply(context, chat.id, result, reply_to=None if private else message.message_id)


async def send_reply(context: ContextTypes.DEFAULT_TYPE, chat_id: int, result: Reply, *, reply_to: int | None) -> None:
    """A routed reply (PlanService.respond) as Telegram messages with their buttons."""
    state = get_state(context)
    if isinstance(result, ClauseReply):
        header = render.follow_up_header(result.understood, result.direct)
        await send_clauses(context, chat_id, result.hits, reply_to=reply_to, header=header)
        return
    if isinstance(result, AgencyReply):
        size = state.options.agency_page_size
        text = render.agency_page(result.agency, result.hits, 0, size)
        keyboard = agency_pager(state, result.agency, 0, len(result.hits))
        await send_messages(context.bot, chat_id, [text], reply_to=reply_to, keyboard=keyboard)
        return
    answer = result.answer
    await send_answer(
        context,
        chat_id,
        answer,
        offset=answer.offset,
        question_id=answer.question_id,
        reply_to=reply_to,
        understood=result.understood,
    )


async def send_answer(
    context: ContextTypes.DEFAULT_TYPE,
    chat_id: int,
    answer: Answer,
    *,
    offset: int,
    question_id: int | None,
    reply_to: int | None = None,
    understood: str | None = None,
) -> None:
    state = get_state(context)
    if question_id is not None:
        state.questions[question_id] = answer.query
    keyboard = answer_keyboard(state, answer, offset=offset, question_id=question_id)
    messages = render.answer_messages(answer, offset=offset, understood=understood)
    await send_messages(context.bot, chat_id, messages, reply_to=reply_to, keyboard=keyboard)


def answer_keyboard(
    state: BotState, answer: Answer, *, offset: int, question_id: int | None
) -> InlineKeyboardMarkup | None:
    """全文 buttons for each clause shown; for several regions, one button per region to narrow to it
    and one to compare them; 👍/👎 and 更多 when the question is on record."""
    if not answer.hits:
        return None
    overview = answer.overview if not offset and not answer.low_confidence else []
    shown = [entry.hit for entry in overview] if overview else answer.hits
    full = [
        InlineKeyboardButton(f"📄 全文 {offset + i + 1}", callback_data=callbacks.full(state.short_ref(hit.clause.id)))
        for i, hit in enumerate(shown)
    ]
    rows = [full[i : i + 4] for i in range(0, len(full), 4)]
    if overview:
        question = state.short_ref(answer.query)
        narrow = [
            InlineKeyboardButton(f"只看{entry.region}"[:20], callback_data=callbacks.region(question, state.short_ref(entry.region)))
            for entry in overview
        ]
        rows += [narrow[i : i + 3] for i in range(0, len(narrow), 3)]
        rows.append([InlineKeyboardButton("⚖️ 对比各地区", callback_data=callbacks.compare(question))])
    if question_id is not None:
        top = state.short_ref(answer.hits[0].clause.id)
        row = [
            InlineKeyboardButton("👍 有用", callback_data=callbacks.feedback(question_id, top, True)),
            InlineKeyboardButton("👎 没用", callback_data=callbacks.feedback(question_id, top, False)),
        ]
        if not overview and offset + len(answer.hits) < answer.total:
            row.append(
                InlineKeyboardButton("更多结果 ›", callback_data=callbacks.more(question_id, offset + len(answer.hits)))
            )
        rows.append(row)
    return InlineKeyboardMarkup(rows)


async def send_clauses(
    context: ContextTypes.DEFAULT_TYPE, chat_id: int, hits: list[Hit], *, reply_to: int | None = None, header: str = ""
) -> None:
    """Clauses in full (a reference lookup, /clause, the 全文 button, a follow-up about the last
    answer), split on Telegram's limit; `header` (how a follow-up was read, its answer line) first."""
    texts: list[str] = [header] if header else []
    numbered = len(hits) > 1
    for number, hit in enumerate(hits, 1):
        texts.extend(render.clause_messages(hit, number=number if numbered else None))
    await send_messages(context.bot, chat_id, render.pack(texts), reply_to=reply_to)
