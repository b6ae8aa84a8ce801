"""The bot end to end: the real Application polling a local Bot API stand-in, the real PlanService
(FakeEmbedder, bundled corpus plus one very long plan). Private Q&A with its buttons, groups,
inline mode, the reference commands, a 429 honoured, a long clause split, errors and logs."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

import pytest

from bot import callbacks
from bot.app import registered_commands
from bot.handlers.errors import APOLOGY
from bot.menu import COMMANDS
from bot.redact import LOGGERS
from bot.state import BotOptions
from index.service import PlanService
from scripts.standin.botapi import MAX_CALLBACK_DATA, BotApiStandIn, Call, parse_html, utf16_len
from scripts.standin.harness import RunningBot, bot_settings, copy_corpus
from scripts.standin.plans import LONG_NUMBER, LONG_TITLE, long_plan

pytestmark = pytest.mark.slow  # subprocesses, kills or the Bot API stand-in: `-m "not slow"` skips them

ADMIN = 900001
XIAN_TITLE = "《西安市2017年质量强市行动计划》"
XIAN_NUMBER = "市政办发〔2017〕17号"
GROUP = BotApiStandIn.group_chat(-1009876543210)


@dataclass
class World:
    api: BotApiStandIn
    bot: RunningBot
    service: PlanService


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Any:
    base = tmp_path_factory.mktemp("bot-e2e")
    copy_corpus(base / "corpus", {"测试市_2024_长篇行动计划.txt": long_plan()})
    with BotApiStandIn() as api:
        settings = bot_settings(api, base, admins=frozenset({ADMIN}))
        service = PlanService(settings)
        service.ensure_index()
        bot = RunningBot(settings, service, options=BotOptions(typing_delay_group=0.0)).start()
        try:
            yield World(api, bot, service)
        finally:
            bot.stop()
            service.close()


def shown(call: Call) -> str:
    """The text a user sees (HTML parsed, as Telegram would)."""
    return parse_html(call.params["text"])


def say(
    api: BotApiStandIn,
    user_id: int,
    text: str,
    *,
    chat: dict | None = None,
    reply_to: dict | None = None,
    count: int = 1,
) -> list[Call]:
    """Send a message as a user and wait for the bot's first `count` messages to that chat."""
    chat_id = (chat or api.private_chat(user_id))["id"]
    mark = api.mark()
    api.push_message(user_id, text, chat=chat, reply_to=reply_to)
    return api.wait_for("sendMessage", lambda c: c.params["chat_id"] == chat_id, since=mark, count=count)


def press(api: BotApiStandIn, user_id: int, call: Call, data: str) -> int:
    """Press an inline button with this data on the message the bot sent in `call`; returns a mark."""
    mark = api.mark()
    api.push_callback(user_id, call.result, data)
    return mark


def buttons(call: Call) -> list[dict]:
    markup = call.params.get("reply_markup") or {}
    return [button for row in markup.get("inline_keyboard", []) for button in row]


def button(call: Call, text_prefix: str) -> str:
    return next(b["callback_data"] for b in buttons(call) if b["text"].startswith(text_prefix))


def test_menu_is_set_at_startup_and_help_lists_every_registered_command(world: World) -> None:
    default = world.api.commands['{"type": "default"}']
    assert [c["command"] for c in default] == [c.name for c in COMMANDS if not c.admin]
    admin_menu = world.api.commands[f'{{"chat_id": {ADMIN}, "type": "chat"}}']
    assert {c["command"] for c in admin_menu} == {c.name for c in COMMANDS}

    [reply] = say(world.api, 100, "/help")
    registered = registered_commands(world.bot.application)
    assert registered == {c.name for c in COMMANDS}
    for name in registered:
        assert f"/{name}" in shown(reply)


def test_private_question_gets_cited_clauses_with_typing_and_buttons(world: World) -> None:
    api = world.api
    mark = api.mark()
    [answer] = say(api, 101, "西安市电梯安全隐患整治有什么安排？")
    typing = api.calls_of("sendChatAction", since=mark)
    assert typing and typing[0].params == {"chat_id": 101, "action": "typing"}
    assert typing[0].at < answer.at

    html = answer.params["text"]
    text = shown(answer)
    assert answer.params["parse_mode"] == "HTML"
    assert "<b>电梯</b>" in html  # matched terms in bold
    assert "二、(五) 坚决维护特种设备安全" in text  # path and heading
    assert "西安市 · " in text  # region
    assert XIAN_TITLE in text and XIAN_NUMBER in text and "西安市人民政府办公厅" in text
    assert "牵头：" in text and "市质监局" in text
    for block in re.split(r"\n\n(?=\d+\. )", text)[1:]:  # every clause shown cites its document
        assert "📄 《" in block and "〔" in block
    data = [b["callback_data"] for b in buttons(answer)]
    assert all(len(d.encode()) <= MAX_CALLBACK_DATA for d in data)
    assert any(d.startswith("v1:full:") for d in data) and any(d.startswith("v1:more:") for d in data)


def test_answer_buttons_full_text_more_results_and_feedback(world: World) -> None:
    api = world.api
    [answer] = say(api, 102, "西安市电梯安全隐患整治有什么安排？")

    mark = press(api, 102, answer, button(answer, "📄 全文 1"))
    [full] = api.wait_for("sendMessage", lambda c: c.params["chat_id"] == 102, since=mark)
    assert "96333特种设备安全运行监控中心" in shown(full) and XIAN_NUMBER in shown(full)
    api.wait_for("answerCallbackQuery", since=mark)

    mark = press(api, 102, answer, button(answer, "更多结果"))
    [more] = api.wait_for("sendMessage", lambda c: c.params["chat_id"] == 102, since=mark)
    assert "第 4–6 条" in shown(more)
    assert shown(more).count("📄 《") == 3

    before = world.service.stats()["feedback_up"]
    mark = press(api, 102, answer, button(answer, "👍"))
    [ack] = api.wait_for("answerCallbackQuery", since=mark)
    assert "谢谢" in ack.params["text"]
    assert world.service.stats()["feedback_up"] == before + 1
    mark = press(api, 102, answer, button(answer, "👍"))  # the same vote again is not stored twice
    api.wait_for("answerCallbackQuery", since=mark)
    assert world.service.stats()["feedback_up"] == before + 1


def test_every_answer_message_names_title_and_number_of_each_clause(world: World) -> None:
    for number, question in enumerate(
        ["七台河质量强市的目标是什么", "安徽省品牌建设由哪个部门牵头", "太原市标准化工作"]
    ):
        answer = world.service.ask(question, top_k=3, log=False)
        messages = say(world.api, 110 + number, question)
        text = "\n".join(shown(m) for m in messages)
        for hit in answer.hits:
            assert f"《{hit.document.title}》" in text and hit.document.doc_number in text
        for message in messages:
            headers = len(re.findall(r"^\d+\. ", shown(message), flags=re.MULTILINE))
            assert shown(message).count("📄 《") == headers


def test_low_confidence_is_said_plainly_with_the_nearest_clauses(world: World) -> None:
    [answer] = say(world.api, 120, "今天天气怎么样")
    text = shown(answer)
    assert text.startswith("⚠️ 库中没有关于“") and "天气" in text.splitlines()[0]  # what is missing, said first
    assert "以下是最接近的条款" in text and "📄 《" in text


def test_clause_reference_in_private_chat_shows_that_clause(world: World) -> None:
    [reply] = say(world.api, 121, "西安 二(五)")
    assert "二、(五) 坚决维护特种设备安全" in shown(reply) and XIAN_NUMBER in shown(reply)


def test_group_answers_ask_command_with_and_without_botname(world: World) -> None:
    api = world.api
    for number, text in enumerate(["/ask 电梯安全隐患整治", f"/ask@{api.username} 电梯安全隐患整治"]):
        mark = api.mark()
        update_id, question = api.push_message(130 + number, text, chat=GROUP)
        [reply] = api.wait_for("sendMessage", lambda c: c.params["chat_id"] == GROUP["id"], since=mark)
        assert reply.params["reply_parameters"]["message_id"] == question["message_id"]
        assert XIAN_NUMBER in shown(reply)
    [usage] = say(api, 132, "/ask", chat=GROUP)
    assert "请在 /ask 后面写上问题" in shown(usage)


def test_group_answers_replies_and_mentions_and_ignores_other_chatter(world: World) -> None:
    api = world.api
    [first] = say(api, 140, "/ask 电梯安全", chat=GROUP)
    mark = api.mark()
    api.push_message(141, "大家中午吃什么？", chat=GROUP)
    api.push_message(141, "/ask@some_other_bot 电梯", chat=GROUP)
    _, chatter = api.push_message(141, "这个电梯的事我回头问问", chat=GROUP)
    [reply] = say(api, 142, "那特种设备呢？", chat=GROUP, reply_to=first.result)
    assert reply.params["reply_parameters"]["message_id"] != chatter["message_id"]
    [mention] = say(api, 143, f"@{api.username} 消费品安全谁负责", chat=GROUP)
    assert "📄 《" in shown(mention)
    answered = {c.params["reply_parameters"]["message_id"] for c in api.sent_to(GROUP["id"], since=mark)}
    assert chatter["message_id"] not in answered
    assert len(api.sent_to(GROUP["id"], since=mark)) == 2  # the reply and the mention, nothing else


def test_inline_query_lists_articles_and_finds_references(world: World) -> None:
    api = world.api

    def inline(query: str) -> Call:
        mark = api.mark()
        api.push_inline_query(150, query)
        return api.wait_for("answerInlineQuery", since=mark)[0]

    results = inline("电梯").params["results"]
    assert 1 <= len(results) <= 10
    for result in results:
        assert result["type"] == "article" and " · " in result["title"] and result["description"]
        content = result["input_message_content"]
        assert content["parse_mode"] == "HTML"
        text = parse_html(content["message_text"])
        assert "📄 《" in text and "〔" in text
    first = inline("西安 二(五)").params["results"][0]
    assert first["title"] == "西安市 · 二、(五) 坚决维护特种设备安全"
    anhui = inline("皖政办秘〔2016〕76号 一(六)").params["results"][0]
    assert "一、(六)" in anhui["title"] and "皖政办秘〔2016〕76号" in parse_html(
        anhui["input_message_content"]["message_text"]
    )

    empty = inline("   ")
    assert empty.params["results"] == [] and "关键词" in empty.params["button"]["text"]


def test_docs_outline_agency_and_clause_commands(world: World) -> None:
    api = world.api
    [docs] = say(api, 160, "/docs")
    for info in world.service.documents():
        assert info.document.doc_number in shown(docs) and f"{info.clause_count} 条" in shown(docs)

    [outline] = say(api, 160, "/outline 西安")
    assert XIAN_NUMBER in shown(outline) and "(五) 坚决维护特种设备安全" in shown(outline)
    [picker] = say(api, 160, "/outline")
    mark = press(api, 160, picker, buttons(picker)[0]["callback_data"])
    [picked] = api.wait_for("sendMessage", lambda c: c.params["chat_id"] == 160, since=mark)
    assert "目录" in shown(picked)

    [agency] = say(api, 160, "/agency 市质监局")
    text = shown(agency)
    tasks = world.service.agency_tasks("市质监局")
    assert text.startswith("🏛 市质监局 负责的条款") and f"共 {len(tasks)} 条" in text
    assert "牵头" in text and tasks[0].document.doc_number in text and tasks[0].clause.path in text
    mark = press(api, 160, agency, button(agency, "下一页"))
    [page] = api.wait_for("editMessageText", since=mark)
    assert page.params["message_id"] == agency.result["message_id"] and "第 9–16 条" in shown(page)

    [clause] = say(api, 160, "/clause 皖政办秘〔2016〕76号 一(六)")
    assert "皖政办秘〔2016〕76号" in shown(clause) and "一、(六)" in shown(clause)
    [missing] = say(api, 160, "/clause 不存在 九(九)")
    assert "没有找到条款" in shown(missing)


def test_long_clause_is_split_into_messages_that_each_cite_the_document(world: World) -> None:
    messages = say(world.api, 170, f"/clause {LONG_NUMBER} 一(一)", count=2)
    assert len(messages) >= 2
    for part, message in enumerate(messages, 1):
        text = shown(message)
        assert utf16_len(text) <= 4096 and len(message.params["text"]) <= 4096
        assert f"《{LONG_TITLE}》" in text and LONG_NUMBER in text
        assert f"（{part}/" in text
    joined = "".join(shown(m) for m in messages)
    assert all(f"第{i}项措施" in joined for i in (1, 45, 89))


def test_rate_limit_429_is_waited_out_then_sent(world: World) -> None:
    api = world.api
    api.fail_next("sendMessage", 1, retry_after=1)
    mark = api.mark()
    [answer] = say(api, 180, "西安市电梯安全隐患整治有什么安排？")
    failed = [c for c in api.calls_of("sendMessage", since=mark, ok=False)]
    assert len(failed) == 1 and "Too Many Requests" in failed[0].error
    assert answer.at - failed[0].at >= 1.0  # retry_after honoured
    assert XIAN_NUMBER in shown(answer)


def test_unexpected_error_is_logged_without_token_and_user_told(
    world: World, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.redact import install_token_filter

    api = world.api
    token_filter = install_token_filter(api.token)
    try:
        caplog.set_level(logging.INFO)
        logging.getLogger("httpx").setLevel(logging.INFO)

        def broken(*args: Any, **kwargs: Any) -> Any:
            raise RuntimeError(f"search failed at {api.base_url}{api.token}/sendMessage")

        monkeypatch.setattr(world.service, "ask", broken)
        [reply] = say(api, 190, "会出错的问题")
        assert shown(reply) == APOLOGY
        assert "error while handling an update" in caplog.text
        assert "HTTP Request" in caplog.text  # httpx logged request URLs …
        assert api.token not in caplog.text  # … with the token redacted
        assert api.token.split(":")[1] not in caplog.text
    finally:
        logging.getLogger("httpx").setLevel(logging.WARNING)
        for logger in [logging.getLogger(), *map(logging.getLogger, LOGGERS)]:
            logger.removeFilter(token_filter)
            for handler in logger.handlers:
                handler.removeFilter(token_filter)


def test_stale_or_foreign_buttons_are_answered_as_expired(world: World) -> None:
    api = world.api
    [answer] = say(api, 195, "/help")
    for data in ("v0:full:x", "garbage", callbacks.more(999999, 3)):
        mark = press(api, 195, answer, data)
        [ack] = api.wait_for("answerCallbackQuery", since=mark)
        assert "过期" in ack.params["text"]


def test_feature_commands_are_wired_and_files_are_sent(world: World) -> None:
    api = world.api
    [tasks] = say(api, 200, "/tasks 市质监局")
    assert "任务分解表" in shown(tasks)
    mark = press(api, 200, tasks, button(tasks, "导出 XLSX"))
    [document] = api.wait_for("sendDocument", since=mark)
    name, content = document.files["document"]
    assert name.endswith(".xlsx") and content.startswith(b"PK")
    [targets] = say(api, 200, "/targets 合格率")
    assert shown(targets) and shown(targets) != APOLOGY
