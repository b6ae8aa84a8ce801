"""Multi-turn conversations through the real bot and the Bot API stand-in: follow-ups in a private
chat, the answer first, per-user context in a group, /new, a restart in between, and the buttons of
a many-places answer."""

from __future__ import annotations

from typing import Any

import pytest

from bot import callbacks
from bot.state import BotOptions
from index import PlanService
from scripts.reliability.bot import button_data, press, say
from scripts.standin.botapi import BotApiStandIn, Call, parse_html
from scripts.standin.harness import RunningBot, bot_settings, copy_corpus

pytestmark = pytest.mark.slow  # the Bot API stand-in

GROUP = BotApiStandIn.group_chat(-1005550001111)


def shown(call: Call) -> str:
    return parse_html(call.params["text"])


@pytest.fixture(scope="module")
def chat(tmp_path_factory: pytest.TempPathFactory) -> Any:
    base = tmp_path_factory.mktemp("bot-chat")
    copy_corpus(base / "corpus")
    with BotApiStandIn() as api:
        settings = bot_settings(api, base)
        service = PlanService(settings)
        service.ensure_index()
        bot = RunningBot(settings, service, options=BotOptions(typing_delay_group=0.0)).start()
        try:
            yield api
        finally:
            bot.stop()
            service.close()


def test_follow_ups_in_a_private_chat(chat: Any) -> None:
    api = chat
    [first] = say(api, 3001, "西安电梯安全有什么安排？")
    assert "二、(五)" in shown(first) and "按上文理解为" not in shown(first)
    [who] = say(api, 3001, "谁牵头？")
    text = shown(who)
    assert text.startswith("🔎 按上文理解为：西安") and "💡 牵头：" in text and "市质监局" in text
    assert "📄 《西安市2017年质量强市行动计划》" in text  # the clause, cited, follows the answer line
    [swap] = say(api, 3001, "那太原呢？")
    text = shown(swap)
    assert text.startswith("🔎 按上文理解为：太原") and "太原市" in text
    [new] = say(api, 3001, "/new")
    assert "换个话题" in shown(new)
    [fresh] = say(api, 3001, "谁牵头？")
    assert "按上文理解为" not in shown(fresh)


def test_group_context_is_per_user(chat: Any) -> None:
    api = chat
    [mine] = say(api, 3101, "/ask 七台河产品质量监督抽查合格率目标是多少？", chat=GROUP)
    assert "💡" in shown(mine) and "98%" in shown(mine)
    [theirs] = say(api, 3102, "/ask 谁牵头？", chat=GROUP)
    assert "按上文理解为" not in shown(theirs)  # another user: no context of mine
    [again] = say(api, 3101, "/ask 那克州呢？", chat=GROUP)
    assert shown(again).startswith("🔎 按上文理解为：克州")


def test_context_survives_a_restart(tmp_path) -> None:
    copy_corpus(tmp_path / "corpus")
    with BotApiStandIn() as api:
        settings = bot_settings(api, tmp_path)
        for turn, (question, expected) in enumerate([("西安电梯安全有什么安排？", "二、(五)"), ("谁牵头？", "市质监局")]):
            service = PlanService(settings)  # a new process each turn: only the store remembers
            service.ensure_index()
            bot = RunningBot(settings, service, options=BotOptions(typing_delay_group=0.0)).start()
            try:
                [reply] = say(api, 3201, question)
            finally:
                bot.stop()
                service.close()
            assert expected in shown(reply)
            assert shown(reply).startswith("🔎 按上文理解为：西安") == (turn == 1)


def test_many_places_buttons_narrow_and_compare(chat: Any) -> None:
    api = chat
    [answer] = say(api, 3301, "产品质量监督抽查合格率目标是多少？")
    text = shown(answer)
    assert "个地区的文件有相关条款" in text
    narrow = button_data(answer, "只看")
    compare = button_data(answer, "⚖️")
    assert narrow and compare and callbacks.decode(compare).action == callbacks.COMPARE
    mark = api.mark()
    press(api, 3301, answer.result, compare)
    [table] = api.wait_for("sendMessage", lambda c: c.params["chat_id"] == 3301, since=mark)
    assert "各地区对比" in shown(table) and shown(table).count("《") >= 2
    mark = api.mark()
    press(api, 3301, answer.result, narrow)
    [narrowed] = api.wait_for("sendMessage", lambda c: c.params["chat_id"] == 3301, since=mark)
    assert "个地区的文件有相关条款" not in shown(narrowed) and "📄 《" in shown(narrowed)
