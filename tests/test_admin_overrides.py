"""An admin supplies the citation fields a parse missed before 确认, and sees a scan's OCR progress.

Fast: reading "文号 …" lines, checking each value with the parser's own grammars, applying them.
Slow (Bot API stand-in): upload a plan without 文号 → reply "文号 …" → preview updated → 确认 →
answers cite the supplied 文号; a non-admin's reply is refused; a scanned PDF's OCR edits the one
status message that becomes the preview, which carries the OCR warning.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.access import REFUSAL
from index import FieldValueError, Settings, missing_fields, read_field_lines
from index.ingest.overrides import apply_overrides, check_field
from index.ingest.parse import parse_text
from index.service import PlanService
from scripts.standin.botapi import BotApiStandIn, Call
from scripts.standin.plans import NEW_NUMBER, NEW_TITLE, new_plan
from tests import test_bot_admin
from tests.test_bot_admin import ADMIN, OTHER, World, shown

SUPPLIED = "测政办发〔2024〕21号"
SCANNED = Path(__file__).parent / "zoo" / "pdf" / "scanned.pdf"


world = test_bot_admin.world  # the admin tests' bot fixture: this module gets a bot of its own


def plan_without_number() -> str:
    return new_plan().replace(NEW_NUMBER + "\n", "", 1)


# --------------------------------------------------------------------------------------------- core


def test_reply_lines_name_fields_in_any_of_their_labels():
    text = "文号：X政发[2023]5号\n\n日期 2023年3月5日\n发文机关  X市人民政府办公室\n地区 X市\n标题 X市质量强市行动方案"
    assert read_field_lines(text) == {"doc_number": "X政发[2023]5号", "date": "2023年3月5日",
                                      "issuer": "X市人民政府办公室", "region": "X市", "title": "X市质量强市行动方案"}


@pytest.mark.parametrize("text", ["请帮我加上文号", "文号", "", "作者 张三"])
def test_a_reply_naming_no_field_is_refused_in_chinese(text):
    with pytest.raises(FieldValueError, match="文号"):
        read_field_lines(text)


@pytest.mark.parametrize(("name", "value", "stored"), [
    ("doc_number", "测政发[2023]5号", "测政发〔2023〕5号"),
    ("doc_number", "皖政办秘（2016）76号", "皖政办秘〔2016〕76号"),
    ("date", "2023年3月5日", "2023-03-05"),
    ("date", "2023.3.5", "2023-03-05"),
    ("date", "二〇二三年三月五日", "2023-03-05"),
    ("region", "测试市", "测试市"),
    ("issuer", " 测试市人民政府办公室 ", "测试市人民政府办公室"),
])
def test_values_are_stored_in_the_parsers_own_forms(name, value, stored):
    assert check_field(name, value) == stored


@pytest.mark.parametrize(("name", "value", "message"), [
    ("doc_number", "第五号", "文号格式不对"),
    ("doc_number", "X政发[2023]5号", "文号格式不对"),  # the grammar would keep only 政发〔2023〕5号
    ("date", "2023年13月5日", "日期格式不对"),
    ("date", "下周一", "日期格式不对"),
    ("region", "城东", "地区应是完整的地名"),
    ("issuer", "ABC", "发文机关"),
])
def test_bad_values_are_refused_saying_what_is_expected(name, value, message):
    with pytest.raises(FieldValueError, match=message):
        check_field(name, value)


@given(st.text(alphabet="省市政办发", min_size=1, max_size=4), st.integers(1990, 2039), st.integers(1, 9999))
def test_any_doc_number_round_trips(prefix, year, serial):
    prefix = "测" + prefix
    assert check_field("doc_number", f"{prefix}[{year}]{serial}号") == f"{prefix}〔{year}〕{serial}号"


def test_applied_fields_replace_warnings_with_a_note_and_give_the_region():
    parsed = parse_text("一、总体要求\n（一）提升质量。开展行动。\n（二）强化保障。加强投入。")
    assert set(missing_fields(parsed)) == {"标题", "文号", "发文机关", "日期", "地区"}
    apply_overrides(parsed, {"doc_number": "测政发[2023]5号", "issuer": "测试市人民政府办公室", "date": "2023年3月5日"})
    document = parsed.document
    assert (document.doc_number, document.issuer, document.date) == ("测政发〔2023〕5号", "测试市人民政府办公室",
                                                                        "2023-03-05")
    assert document.region == "测试市"  # follows from the supplied issuer
    assert missing_fields(parsed) == ["标题"]
    assert "未找到文号" not in parsed.warnings and "未找到地区" not in parsed.warnings
    assert {"文号由管理员补充", "发文机关由管理员补充", "日期由管理员补充"} <= set(parsed.warnings)
    assert "地区由管理员补充" not in parsed.warnings


def test_preview_file_applies_and_checks_overrides(tmp_path):
    path = tmp_path / "plan.txt"
    path.write_text(plan_without_number(), encoding="utf-8")
    service = PlanService(Settings(data_dir=tmp_path / "data", corpus_dir=tmp_path / "corpus",
                                   embedding_model="fake:64"))
    assert service.preview_file(path).document.doc_number is None
    assert service.preview_file(path, overrides={"doc_number": SUPPLIED}).document.doc_number == SUPPLIED
    with pytest.raises(FieldValueError):
        service.preview_file(path, overrides={"date": "明天"})


# --------------------------------------------------------------------------------------------- bot (slow)


def upload(api: BotApiStandIn, content: bytes, name: str) -> tuple[int, Call]:
    mark = api.mark()
    api.push_message(ADMIN, chat=api.private_chat(ADMIN), document=api.add_file(content, name))
    preview = api.wait_for(
        "editMessageText", lambda c: c.params["chat_id"] == ADMIN and "文件预览" in c.params["text"], since=mark,
        timeout=120,
    )[0]
    return mark, preview


def reply(api: BotApiStandIn, user_id: int, preview: Call, text: str) -> int:
    mark = api.mark()
    api.push_message(user_id, text, chat=api.private_chat(ADMIN), reply_to=preview.result)
    return mark


@pytest.mark.slow
def test_admin_supplies_a_missing_doc_number_then_answers_cite_it(world: World) -> None:
    api = world.api
    _, preview = upload(api, plan_without_number().encode("utf-8"), "缺文号的方案.txt")
    assert "缺少文号" in shown(preview) and "（未识别）" in shown(preview)

    mark = reply(api, OTHER, preview, f"文号 {SUPPLIED}")  # someone else cannot
    refusal = api.wait_for("sendMessage", lambda c: c.params["chat_id"] == ADMIN, since=mark)[0]
    assert shown(refusal) == REFUSAL
    assert not api.calls_of("editMessageText", since=mark)

    mark = reply(api, ADMIN, preview, "日期 2024年13月1日")
    assert "日期格式不对" in shown(api.wait_for("sendMessage", lambda c: c.params["chat_id"] == ADMIN, since=mark)[0])

    mark = reply(api, ADMIN, preview, f"文号 {SUPPLIED}\n发文机关 测试市人民政府")
    updated = api.wait_for(
        "editMessageText", lambda c: c.params["message_id"] == preview.params["message_id"], since=mark
    )[0]
    text = shown(updated)
    assert SUPPLIED in text and "文号由管理员补充" in text and "缺少" not in text
    assert [b["text"] for row in updated.params["reply_markup"]["inline_keyboard"] for b in row][0].startswith("确认")
    confirm = updated.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"]

    mark = api.mark()
    api.push_callback(ADMIN, api.message(ADMIN, preview.params["message_id"]), confirm)
    done = api.wait_for(
        "editMessageText", lambda c: c.params["chat_id"] == ADMIN and c.params["text"][:1] in "✅❌", since=mark,
        timeout=120,
    )[0]
    assert shown(done).startswith("✅"), shown(done)
    stored = next(info.document for info in world.service.documents() if info.document.title == NEW_TITLE)
    assert stored.doc_number == SUPPLIED
    assert "文号由管理员补充" in world.service.store.document_warnings(stored.id)

    mark = api.mark()
    api.push_message(OTHER, "无人机物流配送地方标准由谁牵头？")
    answer = api.wait_for("sendMessage", lambda c: c.params["chat_id"] == OTHER, since=mark)[0]
    assert SUPPLIED in shown(answer) and f"《{NEW_TITLE}》" in shown(answer)


@pytest.mark.slow
def test_a_reply_to_anything_else_is_still_a_question(world: World) -> None:
    api = world.api
    mark = api.mark()
    api.push_message(ADMIN, "西安市电梯安全隐患整治有什么安排？")
    first = api.wait_for("sendMessage", lambda c: c.params["chat_id"] == ADMIN, since=mark)[0]
    mark = reply(api, ADMIN, first, "文号 西政发〔2017〕1号")
    answer = api.wait_for("sendMessage", lambda c: c.params["chat_id"] == ADMIN, since=mark)[0]
    assert "已更新上面的预览" not in shown(answer) and "没有补充" not in shown(answer)


@pytest.mark.slow
def test_scanned_upload_edits_one_progress_message_then_previews_with_the_ocr_warning(world: World) -> None:
    api = world.api
    mark, preview = upload(api, SCANNED.read_bytes(), "扫描件.pdf")
    status = api.wait_for("sendMessage", lambda c: c.params["chat_id"] == ADMIN, since=mark)[0]
    edits = [c for c in api.calls_of("editMessageText", since=mark) if c.params["chat_id"] == ADMIN]
    progress = [c for c in edits if "识别扫描页" in c.params["text"]]
    assert progress, [shown(c) for c in edits]
    assert {c.params["message_id"] for c in edits} == {status.result["message_id"]} == {preview.params["message_id"]}
    assert len([c for c in api.calls_of("sendMessage", since=mark) if c.params["chat_id"] == ADMIN]) == 1
    assert "识别自扫描件，请核对（1 页，平均置信度" in shown(preview)
