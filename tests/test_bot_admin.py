"""Admin paths end to end through the Bot API stand-in: upload → preview → 确认 → answered from the
new plan while others keep being answered; 取消; /reindex and /remove with progress; /stats;
non-admins refused on every path, replayed button data included; admin features off without
ADMIN_USER_IDS."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import pytest

from bot import callbacks
from bot.access import ADMIN_OFF, REFUSAL
from bot.state import BotOptions, get_state
from index.service import PlanService
from scripts.standin.botapi import BotApiStandIn, Call, parse_html
from scripts.standin.harness import RunningBot, bot_settings, copy_corpus
from scripts.standin.plans import NEW_NUMBER, NEW_TITLE, new_plan

pytestmark = pytest.mark.slow  # subprocesses, kills or the Bot API stand-in: `-m "not slow"` skips them

ADMIN = 700001
OTHER = 700002


@dataclass
class World:
    api: BotApiStandIn
    bot: RunningBot
    service: PlanService


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Any:
    base = tmp_path_factory.mktemp("bot-admin")
    copy_corpus(base / "corpus")
    with BotApiStandIn() as api:
        settings = bot_settings(api, base, admins=frozenset({ADMIN}))
        service = PlanService(settings)
        service.ensure_index()
        bot = RunningBot(settings, service, options=BotOptions(progress_interval=0.0)).start()
        try:
            yield World(api, bot, service)
        finally:
            bot.stop()
            service.close()


def shown(call: Call) -> str:
    return parse_html(call.params["text"])


def say(api: BotApiStandIn, user_id: int, text: str) -> Call:
    mark = api.mark()
    api.push_message(user_id, text)
    return api.wait_for("sendMessage", lambda c: c.params["chat_id"] == user_id, since=mark)[0]


def send_file(api: BotApiStandIn, user_id: int, content: bytes, name: str) -> int:
    mark = api.mark()
    api.push_message(user_id, chat=api.private_chat(user_id), document=api.add_file(content, name))
    return mark


def preview_of(api: BotApiStandIn, user_id: int, since: int) -> Call:
    """The edit that turns the "downloading" message into the preview with its two buttons."""
    return api.wait_for(
        "editMessageText", lambda c: c.params["chat_id"] == user_id and "文件预览" in c.params["text"], since=since
    )[0]


def keyboard(call: Call) -> list[dict]:
    return [b for row in call.params["reply_markup"]["inline_keyboard"] for b in row]


def press(api: BotApiStandIn, user_id: int, call: Call, data: str) -> int:
    mark = api.mark()
    api.push_callback(user_id, call.result, data)
    return mark


def final_progress(api: BotApiStandIn, chat_id: int, since: int) -> Call:
    return api.wait_for(
        "editMessageText", lambda c: c.params["chat_id"] == chat_id and c.params["text"][:1] in "✅❌", since=since
    )[0]


def test_upload_preview_confirm_then_answered_without_blocking_others(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    api, service = world.api, world.service
    mark = send_file(api, ADMIN, new_plan().encode("utf-8"), "测试市_2024_低空经济.txt")
    api.wait_for("getFile", since=mark)
    preview = preview_of(api, ADMIN, mark)
    text = shown(preview)
    for expected in (
        NEW_TITLE,
        NEW_NUMBER,
        "测试市人民政府",
        "2024年6月18日",
        "可检索 3 条",
        "示例条款",
        "牵头：市工信局",
    ):
        assert expected in text
    first, second = keyboard(preview)
    assert first["text"].startswith("确认") and second["text"].startswith("取消")

    # Hold the indexing in its worker thread until another user's question has been answered.
    gate = threading.Event()
    real_add = service.add_file

    def gated_add(*args: Any, **kwargs: Any) -> Any:
        assert gate.wait(20)
        return real_add(*args, **kwargs)

    monkeypatch.setattr(service, "add_file", gated_add)
    mark = press(api, ADMIN, preview, first["callback_data"])
    api.wait_for("answerCallbackQuery", since=mark)
    api.wait_for("sendMessage", lambda c: c.params["chat_id"] == ADMIN and "加入" in c.params["text"], since=mark)
    meanwhile = say(api, OTHER, "西安市电梯安全隐患整治有什么安排？")
    assert "市政办发〔2017〕17号" in shown(meanwhile)
    gate.set()

    done = final_progress(api, ADMIN, mark)
    assert shown(done).startswith("✅ 已加入") and NEW_TITLE in shown(done)
    answer = say(api, OTHER, "无人机物流配送地方标准由谁牵头？")
    assert NEW_NUMBER in shown(answer) and f"《{NEW_TITLE}》" in shown(answer)
    assert any(info.document.doc_number == NEW_NUMBER for info in service.documents())
    assert not any(get_state(world.bot.application).settings.uploads_dir.iterdir())  # upload folder cleaned


def test_upload_cancel_adds_nothing(world: World) -> None:
    api = world.api
    before = len(world.service.documents())
    mark = send_file(api, ADMIN, new_plan().replace("9号", "19号").encode("utf-8"), "另一个方案.txt")
    preview = preview_of(api, ADMIN, mark)
    mark = press(api, ADMIN, preview, keyboard(preview)[1]["callback_data"])
    reply = api.wait_for("sendMessage", lambda c: c.params["chat_id"] == ADMIN, since=mark)[0]
    assert "已取消" in shown(reply)
    assert len(world.service.documents()) == before
    mark = press(api, ADMIN, preview, keyboard(preview)[0]["callback_data"])  # a late 确认 does nothing
    assert "已处理或已过期" in api.wait_for("answerCallbackQuery", since=mark)[0].params["text"]


def test_unsupported_or_unreadable_files_are_explained(world: World) -> None:
    api = world.api
    mark = send_file(api, ADMIN, b"PK\x03\x04 not really", "表格.numbers")
    reply = api.wait_for("sendMessage", lambda c: c.params["chat_id"] == ADMIN, since=mark)[0]
    assert "不支持的文件格式" in shown(reply)
    mark = send_file(api, ADMIN, b"", "empty.txt")
    failed = api.wait_for("editMessageText", lambda c: c.params["chat_id"] == ADMIN, since=mark)[0]
    assert shown(failed).startswith("❌ 无法加入 empty.txt")


def test_non_admin_is_refused_on_every_admin_path(world: World) -> None:
    api = world.api
    mark = send_file(api, OTHER, new_plan().encode("utf-8"), "plan.txt")
    refusal = api.wait_for("sendMessage", lambda c: c.params["chat_id"] == OTHER, since=mark)[0]
    assert shown(refusal) == REFUSAL
    assert not api.calls_of("getFile", since=mark)
    for command in ("/reindex", "/remove 西安", "/stats"):
        assert shown(say(api, OTHER, command)) == REFUSAL

    # Replaying the admin's button data: refused, and the admin's pending upload is untouched.
    mark = send_file(api, ADMIN, new_plan().replace("9号", "29号").encode("utf-8"), "plan2.txt")
    preview = preview_of(api, ADMIN, mark)
    for data in (keyboard(preview)[0]["callback_data"], callbacks.remove(True, "anything")):
        mark = press(api, OTHER, preview, data)
        alert = api.wait_for("answerCallbackQuery", since=mark)[0]
        assert alert.params["text"] == REFUSAL and alert.params["show_alert"] is True
    mark = press(api, ADMIN, preview, keyboard(preview)[1]["callback_data"])
    assert "已取消" in shown(api.wait_for("sendMessage", lambda c: c.params["chat_id"] == ADMIN, since=mark)[0])


def test_reindex_edits_progress_into_one_message(world: World) -> None:
    api = world.api
    mark = api.mark()
    api.push_message(ADMIN, "/reindex")
    start = api.wait_for("sendMessage", lambda c: c.params["chat_id"] == ADMIN, since=mark)[0]
    assert "重建索引" in shown(start)
    done = final_progress(api, ADMIN, mark)
    assert shown(done).startswith("✅ 索引")
    edits = api.calls_of("editMessageText", since=mark)
    assert {e.params["message_id"] for e in edits} == {start.result["message_id"]}
    assert len(edits) >= 2  # progress, then the outcome


def test_remove_asks_then_removes(world: World) -> None:
    api, service = world.api, world.service
    confirm = say(api, ADMIN, "/remove 七台河")
    assert "七政办规〔2018〕1号" in shown(confirm)
    buttons = keyboard(confirm)
    assert buttons[0]["text"].startswith("确认") and buttons[1]["text"].startswith("取消")
    mark = press(api, ADMIN, confirm, buttons[0]["callback_data"])
    done = final_progress(api, ADMIN, mark)
    assert shown(done).startswith("✅ 已移除") and "七政办规〔2018〕1号" in shown(done)
    assert "七政办规〔2018〕1号" not in shown(say(api, ADMIN, "/docs"))
    assert not (service.settings.corpus_dir / "七台河市_2018_质量强市活动实施方案.txt").exists()
    assert "没有找到文件" in shown(say(api, ADMIN, "/remove 不存在的文件"))


def test_stats_for_admin(world: World) -> None:
    say(world.api, OTHER, "火星移民计划")  # a low-confidence question
    text = shown(say(world.api, ADMIN, "/stats"))
    assert "统计" in text and "提问：" in text and "未答好的问题" in text and "火星移民计划" in text


def test_admin_features_off_without_admin_ids(world: World, tmp_path: Any) -> None:
    with BotApiStandIn() as api:
        settings = bot_settings(api, tmp_path, admins=frozenset(), data_dir=world.service.settings.data_dir)
        with RunningBot(settings, world.service):
            assert shown(say(api, ADMIN, "/stats")) == ADMIN_OFF
            mark = send_file(api, ADMIN, b"x", "plan.txt")
            assert shown(api.wait_for("sendMessage", since=mark)[0]) == ADMIN_OFF
