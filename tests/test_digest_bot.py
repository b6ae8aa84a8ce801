"""Subscriptions, notices and weekly digests end to end through the Bot API stand-in: subscribe →
admin confirms a plan naming the agency → notice with the clauses; a digest at a simulated Monday
09:00 lists due and overdue clauses with citations; a restart sends nothing twice and loses
nothing; blocked (403) and gone (400) chats are paused while the run goes on; a 429 is waited out;
groups need an admin (getChatMember); 1 000 subscribers in one run; /due and its .ics."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.digest import get_sender
from bot.state import BotOptions
from index.features.digest import Schedule
from index.service import PlanService
from scripts.standin.botapi import ApiError, BotApiStandIn, Call, parse_html
from scripts.standin.harness import RunningBot, bot_settings, copy_corpus

pytestmark = pytest.mark.slow  # the Bot API stand-in

ADMIN = 810001
FOLLOWER = 810002
MEMBER = 810003
GROUP = BotApiStandIn.group_chat(-1008100000001)
MONDAY = Schedule.parse("MON 09:00 Asia/Shanghai").next_after(datetime.now(UTC))  # the next real Monday 09:00
PLAN_TITLE = "测试市2024年质量工作要点"
PLAN_NUMBER = "测政办发〔2024〕15号"


def plan_text() -> str:
    """A plan naming 市场监管局 (and its old name 质监局), one clause due within 30 days of MONDAY,
    one overdue 20 days before it."""
    soon, late = MONDAY.date() + timedelta(days=10), MONDAY.date() - timedelta(days=20)
    return f"""{PLAN_NUMBER}
测试市人民政府办公室关于印发{PLAN_TITLE}的通知
各区人民政府,市政府各部门:
现将《{PLAN_TITLE}》印发给你们,请认真组织实施。
测试市人民政府办公室
2024年1月8日
{PLAN_TITLE}
一、强化质量监管
(一)开展电梯安全专项检查。{soon.year}年{soon.month}月{soon.day}日前完成全市在用电梯隐患排查。(市市场监管局牵头,市住建局配合)
(二)推进计量惠民。{late.year}年{late.month}月{late.day}日前完成集贸市场计量器具检定。(市质监局负责)
(三)加强工程质量管理。开展建筑工程质量巡查。(市住建局牵头,市市场监管局配合)
"""


class StandIn(BotApiStandIn):
    """The stand-in plus getChatMember (group admins per chat) and chats that blocked the bot or are gone."""

    def __init__(self) -> None:
        super().__init__()
        self.group_admins: dict[int, set[int]] = {}
        self.blocked: set[int] = set()
        self.gone: set[int] = set()

    def _api_getChatMember(self, params: dict[str, Any], files: dict) -> dict[str, Any]:
        user = self.user(params["user_id"])
        if params["user_id"] not in self.group_admins.get(params["chat_id"], set()):
            return {"status": "member", "user": user}
        rights = ("can_be_edited", "is_anonymous", "can_manage_chat", "can_delete_messages", "can_manage_video_chats",
                  "can_restrict_members", "can_promote_members", "can_change_info", "can_invite_users",
                  "can_post_stories", "can_edit_stories", "can_delete_stories")  # fmt: skip
        return {"status": "administrator", "user": user, **dict.fromkeys(rights, False)}

    def _api_sendMessage(self, params: dict[str, Any], files: dict) -> dict[str, Any]:
        if params["chat_id"] in self.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        if params["chat_id"] in self.gone:
            raise ApiError(400, "Bad Request: chat not found")
        return super()._api_sendMessage(params, files)


@dataclass
class World:
    api: StandIn
    bot: RunningBot
    service: PlanService
    settings: Any
    options: BotOptions


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Any:
    base = tmp_path_factory.mktemp("digest-bot")
    copy_corpus(base / "corpus")
    with StandIn() as api:
        settings = bot_settings(api, base, admins=frozenset({ADMIN}))
        service = PlanService(settings)
        service.ensure_index()
        # The limiter's overall rate is a test knob here: Telegram's own 30 msg/s would make 1 000 digests ≥ 33 s.
        options = BotOptions(progress_interval=0.0, overall_max_rate=2000.0, connection_pool_size=8)
        bot = RunningBot(settings, service, options=options).start()
        state = World(api, bot, service, settings, options)
        try:
            yield state
        finally:
            state.bot.stop()
            service.close()


def shown(call: Call) -> str:
    return parse_html(call.params["text"])


def say(api: BotApiStandIn, user_id: int, text: str, *, chat: dict | None = None) -> Call:
    chat_id = (chat or api.private_chat(user_id))["id"]
    mark = api.mark()
    api.push_message(user_id, text, chat=chat)
    return api.wait_for("sendMessage", lambda c: c.params["chat_id"] == chat_id, since=mark, timeout=30)[0]


def at_monday(world: World, moment: datetime) -> None:
    sender = get_sender(world.bot.application)
    assert sender is not None
    sender.clock = lambda: moment
    sender.wake()


def digests_to(api: BotApiStandIn, chat_id: int, since: int = 0) -> list[Call]:
    return [c for c in api.sent_to(chat_id, since=since) if "每周提醒" in c.params["text"]]


def test_subscribe_notice_digest_restart(world: World) -> None:
    api, service = world.api, world.service
    assert "已订阅" in shown(say(api, FOLLOWER, "/subscribe 市场监管局"))
    assert "市场监管局" in shown(say(api, FOLLOWER, "/subscriptions"))
    # Groups: a member is refused, the group's admin (asked through getChatMember) may subscribe.
    assert "群管理员" in shown(say(api, MEMBER, "/subscribe 市场监管局", chat=GROUP))
    api.group_admins[GROUP["id"]] = {ADMIN}
    assert "已订阅" in shown(say(api, ADMIN, "/subscribe 市场监管局", chat=GROUP))
    assert api.calls_of("getChatMember")

    # The admin uploads and confirms a plan naming 市场监管局 (and 市质监局, its old name).
    mark = api.mark()
    api.push_message(ADMIN, document=api.add_file(plan_text().encode("utf-8"), "测试市_2024_质量工作要点.txt"))
    [preview] = api.wait_for("editMessageText", lambda c: "文件预览" in c.params["text"], since=mark, timeout=60)
    confirm = preview.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    mark = api.mark()
    api.push_callback(ADMIN, preview.result, confirm)
    [notice] = api.wait_for("sendMessage", lambda c: c.params["chat_id"] == FOLLOWER and "新文件" in c.params["text"],
                            since=mark, timeout=60)  # fmt: skip
    text = shown(notice)
    assert PLAN_TITLE in text and "一、(一)" in text and "一、(二)" in text and "一、(三)" in text
    assert api.wait_for("sendMessage", lambda c: c.params["chat_id"] == GROUP["id"] and "新文件" in c.params["text"],
                        since=mark, timeout=30)  # fmt: skip

    # Monday 09:00: the digest lists the due and the overdue clause, with citations, and the new plan.
    mark = api.mark()
    at_monday(world, MONDAY + timedelta(seconds=5))
    [digest] = api.wait_for("sendMessage", lambda c: c.params["chat_id"] == FOLLOWER and "每周提醒" in c.params["text"],
                            since=mark, timeout=30)  # fmt: skip
    text = shown(digest)
    assert "未来 30 天到期" in text and "已逾期" in text and f"《{PLAN_TITLE}》（{PLAN_NUMBER}" in text
    due_part, overdue_part = text.split("已逾期", 1)[0], text.split("已逾期", 1)[1]
    assert "一、(一) 开展电梯安全专项检查" in due_part and "一、(二) 推进计量惠民" in overdue_part
    assert "新文件《" in text
    api.wait_for("sendMessage", lambda c: c.params["chat_id"] == GROUP["id"] and "每周提醒" in c.params["text"],
                 since=mark, timeout=30)  # fmt: skip

    # Restart: nothing is sent twice for the same Monday ...
    world.bot.stop()
    # ... and a digest queued while the bot was down (the next Monday) is not lost.
    next_monday = MONDAY + timedelta(days=7, seconds=5)
    service.plan_digest(next_monday)
    world.bot = RunningBot(world.settings, service, options=world.options).start()
    mark = api.mark()
    at_monday(world, MONDAY + timedelta(seconds=30))
    time.sleep(1.5)
    assert len(digests_to(api, FOLLOWER)) == 2  # the first Monday's, and the queued one sent at start-up
    at_monday(world, next_monday + timedelta(seconds=30))
    time.sleep(1.5)
    assert len(digests_to(api, FOLLOWER)) == 2 and len(digests_to(api, GROUP["id"])) == 2
    assert service.delivery_counts().get("pending", 0) == 0


def test_due_command_and_ics(world: World) -> None:
    api = world.api
    text = shown(say(api, FOLLOWER, "/due 市场监管局 全部"))
    assert "到期条款（全部" in text and "📄 《" in text
    own = shown(say(api, FOLLOWER, "/due 逾期"))  # the chat's subscription
    assert "市场监管局" in own
    mark = api.mark()
    api.push_message(FOLLOWER, "/due 市场监管局 全部 ics")
    [sent] = api.wait_for("sendDocument", lambda c: c.params["chat_id"] == FOLLOWER, since=mark, timeout=30)
    name, data = next(iter(sent.files.values()))
    assert name.endswith(".ics") and data.startswith(b"BEGIN:VCALENDAR")
    import icalendar

    events = list(icalendar.Calendar.from_ical(data).walk("VEVENT"))
    assert len(events) == len(world.service.due("市场监管局", "全部").items)


def test_blocked_and_gone_chats_are_paused_and_the_run_goes_on(world: World) -> None:
    api, service = world.api, world.service
    blocked, gone, fine = 820001, 820002, 820003
    api.blocked.add(blocked)
    api.gone.add(gone)
    for chat in (blocked, gone, fine):
        service.subscribe(chat, "市场监管局", "private")
    moment = MONDAY + timedelta(days=14, seconds=5)
    api.fail_next("sendMessage", 1, code=429, retry_after=1)  # waited out by AIORateLimiter, then sent
    mark = api.mark()
    at_monday(world, moment)
    api.wait_for("sendMessage", lambda c: c.params["chat_id"] == fine and "每周提醒" in c.params["text"],
                 since=mark, timeout=30)  # fmt: skip
    assert [c for c in api.calls_of("sendMessage", since=mark, ok=False) if "Too Many" in (c.error or "")]
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not (service.chat_paused(blocked) and service.chat_paused(gone)):
        time.sleep(0.1)
    assert "403" in service.chat_paused(blocked) and "400" in service.chat_paused(gone)
    tries = len([c for c in api.calls_of("sendMessage", ok=False) if c.params["chat_id"] in (blocked, gone)])
    at_monday(world, moment + timedelta(seconds=30))
    time.sleep(1.0)
    assert len([c for c in api.calls_of("sendMessage", ok=False) if c.params["chat_id"] in (blocked, gone)]) == tries


def test_a_thousand_subscribers_in_one_run(world: World) -> None:
    api, service = world.api, world.service
    chats = list(range(900_000, 901_000))
    for chat in chats:
        service.store.subscribe(chat, "市场监管局", "private")
    moment = MONDAY + timedelta(days=21, seconds=5)
    mark = api.mark()
    started = time.perf_counter()
    at_monday(world, moment)
    wanted = set(chats)
    api.wait_for("sendMessage", lambda c: c.params["chat_id"] in wanted, since=mark, count=len(chats), timeout=300)
    elapsed = time.perf_counter() - started
    per_chat: dict[int, int] = {}
    for call in api.calls_of("sendMessage", since=mark):
        if call.params["chat_id"] in wanted:
            per_chat[call.params["chat_id"]] = per_chat.get(call.params["chat_id"], 0) + 1
    assert set(per_chat) == wanted and set(per_chat.values()) == {1}
    assert not [c for c in api.calls_of("sendMessage", since=mark, ok=False) if c.params["chat_id"] in wanted]
    print(f"\n1000 subscribers: {elapsed:.1f} s")
