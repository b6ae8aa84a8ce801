"""Hostile questions, smaller than scripts/stress.py: generated queries through the core and the
bot; every message the bot would send is valid Telegram HTML (checked by our own validator,
tested here first)."""

from __future__ import annotations

import pytest

from bot.handlers.errors import APOLOGY
from scripts.reliability.bot import say
from scripts.reliability.checks import telegram_html_problems, visible_text
from scripts.reliability.inputs import CATEGORIES, EXTRA_CATEGORIES, hostile_queries
from scripts.reliability.scenarios import hostile_through_bot, hostile_through_core
from scripts.reliability.world import World
from scripts.standin.botapi import BotApiStandIn
from scripts.standin.harness import RunningBot, bot_settings
from tests.reliability_fixtures import fresh_world

pytestmark = pytest.mark.slow  # subprocesses, kills or the Bot API stand-in: `-m "not slow"` skips them


@pytest.fixture(scope="module")
def world(request: pytest.FixtureRequest) -> World:
    return fresh_world(request, "hostile")


@pytest.mark.parametrize(
    "html",
    [
        "<b>电梯</b> &amp; &lt;x&gt; &quot; &#128512; &#x1F600;",
        '<a href="https://example.org/?a=1&amp;b=2">链接</a>',
        '<span class="tg-spoiler">s</span><tg-spoiler>t</tg-spoiler>',
        '<pre><code class="language-python">x = 1</code></pre>',
        "<b><i>嵌套</i></b><blockquote expandable>引用</blockquote>",
    ],
)
def test_validator_accepts_what_telegram_accepts(html: str) -> None:
    assert telegram_html_problems(html) == []


@pytest.mark.parametrize(
    "html",
    [
        "<b>未闭合",
        "a < b",
        "a > b",
        "a & b",
        "&amp",
        "&nbsp;",
        "<p>段落</p>",
        "<br/>",
        "<b><i>交错</b></i>",
        "<a>无链接</a>",
        "<span>无类</span>",
        "<code><b>代码里的标签</b></code>",
        "<!-- 注释 -->正文",
        "   ",
        "长" * 4097,
    ],
)
def test_validator_refuses_what_telegram_refuses(html: str) -> None:
    assert telegram_html_problems(html) != []


def test_validator_counts_the_displayed_text_in_utf16_units() -> None:
    assert telegram_html_problems("&lt;" * 4096) == []  # 4096 characters once parsed
    assert telegram_html_problems("😀" * 2049) != []  # 4098 UTF-16 code units
    assert visible_text("<b>a</b>&amp;") == "a&"


def test_generated_queries_cover_every_category_deterministically() -> None:
    queries = hostile_queries(2 * len(CATEGORIES))
    assert {q.category for q in queries} == set(CATEGORIES)
    assert [q.text for q in queries] == [q.text for q in hostile_queries(2 * len(CATEGORIES))]
    assert max(len(q.text) for q in queries) == 10_000 and min(len(q.text) for q in queries) == 0


def test_hostile_queries_through_the_core_and_the_renderer(world: World) -> None:
    outcome = hostile_through_core(world, 56)
    assert outcome.problems == []
    assert outcome.tries == 56


def test_hostile_queries_through_the_bot(world: World) -> None:
    """"Answered" means: the chat got at least one sendMessage the Bot API accepted (an inline query:
    an accepted answerInlineQuery), every text in it is valid Telegram HTML, none is the apology
    for an internal error, and nothing was logged as an error."""
    outcome = hostile_through_bot(world, 48, max_length=1000)
    assert outcome.problems == []
    assert outcome.tries >= 30 and sum(outcome.answered.values()) == outcome.tries
    assert set(outcome.answered) == {"private", "group /ask", "/clause", "/agency", "/outline", "inline", "/tasks", "/targets"}


@pytest.mark.parametrize("command", ["/clause", "/outline", "/agency", "/targets", "/tasks"])
def test_long_arguments_are_answered_within_telegram_limits(world: World, command: str) -> None:
    with BotApiStandIn() as api:
        settings = bot_settings(api, world.base)
        service = world.service()
        with RunningBot(settings, service):
            text = f"{command} " + "电" * (4096 - len(command) - 1)
            mark = api.mark()
            [reply] = say(api, 501, text, timeout=20)
            refused = [c.error for c in api.calls[mark:] if not c.ok]
        service.close()
    assert refused == [] and reply.params["text"] != APOLOGY


def test_lone_surrogates_are_answered_not_raised(world: World) -> None:
    service = world.service()
    try:
        for query in hostile_queries(3, categories=EXTRA_CATEGORIES):
            service.ask(query.text, user_id=1, chat_type="private")
    finally:
        service.close()
