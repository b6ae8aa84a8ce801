"""bot/render.py without Telegram: escaping, bold terms, excerpts, citations, agencies, splitting."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot import render
from bot.menu import COMMANDS
from index import excerpt, format_date
from index.models import LEAD, SUPPORT, Agency, Clause, Document, Hit, ParsedDocument
from scripts.standin.botapi import parse_html

DOC = Document(
    id="d1",
    title="西安市2017年质量强市行动计划",
    doc_number="市政办发〔2017〕17号",
    issuer="西安市人民政府办公厅",
    date="2017-02-25",
    region="西安市",
    source="xian.txt",
    sha256="0" * 64,
)


def clause(
    text: str, *, path: str = "二、(五)", heading: str = "坚决维护特种设备安全", agencies: list[Agency] | None = None
) -> Clause:
    return Clause(
        id="d1:c1",
        doc_id="d1",
        number="(五)",
        path=path,
        level=2,
        kind="clause",
        heading=heading,
        text=text,
        parent_id=None,
        order=1,
        agencies=agencies if agencies is not None else [Agency("市质监局", LEAD), Agency("市住建委", SUPPORT)],
    )


def hit(text: str, terms: list[str] | None = None, document: Document = DOC, **kwargs: object) -> Hit:
    return Hit(clause(text, **kwargs), document, 0.9, 1, matched_terms=terms or [])  # type: ignore[arg-type]


def answer(hits: list[Hit], low: bool = False) -> SimpleNamespace:
    return SimpleNamespace(query="q", hits=hits, low_confidence=low, question_id=1, total=len(hits))


def test_every_dynamic_string_is_escaped() -> None:
    evil = Document(**{**DOC.__dict__, "title": "<b>标题</b> & <script>", "doc_number": "x<1>号", "region": "<i>"})
    block = render.hit_block(
        hit("开展<电梯>整治 & 排查", ["电梯"], document=evil, heading="<a href='x'>", agencies=[Agency("<局>", LEAD)]),
        1,
    )
    text = parse_html(block)  # Telegram's rules: would raise on a stray tag or entity
    assert "《<b>标题</b> & <script>》" in text and "x<1>号" in text and "<局>" in text
    assert "<a href" not in block and "<script>" not in block


def test_matched_terms_are_bold_on_escaped_text() -> None:
    html = render.highlight("a<b & 电梯安全隐患整治，电梯。", ["电梯", "安全隐患", "<b", "梯"])
    assert html == "a<b>&lt;b</b> &amp; <b>电梯</b><b>安全隐患</b>整治，<b>电梯</b>。"
    assert parse_html(html) == "a<b & 电梯安全隐患整治，电梯。"


@given(st.text(min_size=0, max_size=80), st.lists(st.text(min_size=1, max_size=4), max_size=4))
@settings(max_examples=200, deadline=None)
def test_highlight_always_valid_html_and_text_preserved(text: str, terms: list[str]) -> None:
    html = render.highlight(text, terms)
    assert parse_html(html) == text


def test_excerpt_is_verbatim_around_the_best_sentence() -> None:
    body = (
        "".join(f"第{i}句讲别的事情，内容很长很长很长很长很长很长。" for i in range(12))
        + "开展电梯安全隐患整治回头看。"
        + "后面还有一句话。" * 10
    )
    text = excerpt(body, ["电梯", "隐患"], limit=60)
    assert "开展电梯安全隐患整治回头看。" in text
    assert text.startswith("…") and text.endswith("…")
    assert text.strip("…") in body
    assert len(text.strip("…")) <= 60
    assert excerpt("短条款。", ["电梯"]) == "短条款。"


def test_citation_line_and_missing_fields() -> None:
    assert (
        render.citation(DOC)
        == "《西安市2017年质量强市行动计划》（市政办发〔2017〕17号，西安市人民政府办公厅，2017年2月25日）"
    )
    bare = Document(
        id="d2", title=None, doc_number=None, issuer=None, date=None, region=None, source="plan.txt", sha256="1"
    )
    assert render.citation(bare) == "《plan.txt》"  # missing parts are left out, never guessed


def test_agencies_marked_lead_and_support() -> None:
    line = render.agencies_line([Agency("市质监局", LEAD), Agency("市发改委", LEAD), Agency("各区县政府", SUPPORT)])
    assert parse_html(line) == "👥 牵头：市质监局、市发改委；配合：各区县政府"
    assert "未列明" in render.agencies_line([])


def test_answer_block_has_location_excerpt_agencies_and_citation() -> None:
    text = parse_html(
        render.answer_messages(answer([hit("(五)坚决维护特种设备安全。开展电梯安全隐患整治。", ["电梯"])]))[0]
    )
    assert text.splitlines() == [
        "找到以下相关条款：",
        "",
        "1. 西安市 · 二、(五) 坚决维护特种设备安全",
        "开展电梯安全隐患整治。",
        "👥 牵头：市质监局；配合：市住建委",
        "📄 《西安市2017年质量强市行动计划》（市政办发〔2017〕17号，西安市人民政府办公厅，2017年2月25日）二、(五)",
    ]


def test_low_confidence_and_empty_answers_say_so() -> None:
    assert render.answer_messages(answer([hit("x")], low=True))[0].startswith("⚠️ 没有找到直接回答")
    assert render.answer_messages(answer([]))[0].startswith("没有找到相关条款")


def test_long_answers_split_between_clauses_and_each_message_cites_what_it_shows() -> None:
    hits = [hit(f"第{i}条。" + "加强质量安全监管工作。" * 40, ["质量"]) for i in range(12)]
    messages = render.answer_messages(answer(hits), limit=1200)
    assert len(messages) > 2
    for message in messages:
        assert render.tg_len(message) <= 1200
        text = parse_html(message)
        headers = re.findall(r"^\d+\. ", text, flags=re.MULTILINE)
        assert text.count("📄 《西安市2017年质量强市行动计划》（市政办发〔2017〕17号") == len(headers) > 0
    numbers = [int(n) for m in messages for n in re.findall(r"^(\d+)\. ", parse_html(m), flags=re.MULTILINE)]
    assert numbers == list(range(1, 13))


def test_full_clause_longer_than_a_message_is_cut_and_every_part_cites() -> None:
    body = "".join(f"第{i}项措施要求开展对标达标行动，推动团体标准有序发展 & 提升<质量>。" for i in range(300))
    parts = render.clause_messages(hit(body, ["标准"]))
    assert len(parts) >= 3
    for index, part in enumerate(parts, 1):
        assert render.tg_len(part) <= render.MAX_MESSAGE
        text = parse_html(part)
        assert f"（{index}/{len(parts)}）" in text and "市政办发〔2017〕17号" in text and "《西安市" in text
    joined = "".join(parse_html(p).split("\n")[1] for p in parts)
    assert joined == body  # nothing lost or repeated at the cuts


def test_a_single_sentence_longer_than_a_message_is_hard_cut() -> None:
    body = "无标点的超长文本" * 900
    parts = render.clause_messages(hit(body))
    assert all(render.tg_len(p) <= render.MAX_MESSAGE for p in parts) and len(parts) >= 2


def test_inline_pieces() -> None:
    long = hit("(五)坚决维护特种设备安全。" + "开展电梯安全隐患整治。" * 600, ["电梯"])
    assert render.inline_title(long) == "西安市 · 二、(五) 坚决维护特种设备安全"
    assert (
        "电梯" in render.inline_description(long)
        and len(render.inline_description(long)) <= render.INLINE_DESCRIPTION_CHARS
    )
    message = render.inline_message(long)
    assert render.tg_len(message) <= render.MAX_MESSAGE
    text = parse_html(message)
    assert "节选" in text and "/clause 市政办发〔2017〕17号 二、(五)" in text and "📄 《西安市" in text


def test_lists_previews_and_stats_are_valid_html() -> None:
    infos = [SimpleNamespace(document=DOC, clause_count=21, superseded_by=None)]
    docs = parse_html(render.documents_messages(infos)[0])
    assert "市政办发〔2017〕17号 · 2017年2月25日 · 21 条" in docs
    outline = render.outline_messages(DOC, [clause("x", path="二、"), clause("y")])
    assert "目录" in parse_html(outline[0]) and "市政办发〔2017〕17号" in parse_html(outline[0])
    parsed = ParsedDocument(DOC, [clause("text")], warnings=["第 3 行：<未识别>"])
    preview = parse_html(render.preview_message(parsed, "a<b>.txt"))
    assert "a<b>.txt" in preview and "<未识别>" in preview and "牵头：市质监局" in preview
    stats = {
        "documents": 5,
        "questions": 3,
        "top_unanswered": [{"query": "<火星>", "times": 2}],
        "index": {"model": "m"},
    }
    text = parse_html(render.stats_message(stats))
    assert "文件：5" in text and "1. <火星>（2 次）" in text and "未答好的问题" in text
    assert parse_html(render.progress_text("重建索引", 5, 10, "embed")).splitlines()[1] == "▓▓▓▓▓░░░░░ 50%"


def test_long_outline_is_split_and_every_part_names_the_document() -> None:
    clauses = [clause("x", path=f"{i}.", heading="推进质量基础设施建设" * 3) for i in range(400)]
    parts = render.outline_messages(DOC, clauses)
    assert len(parts) > 1
    for part in parts:
        assert render.tg_len(part) <= render.MAX_MESSAGE
        assert "市政办发〔2017〕17号" in parse_html(part)
    assert sum(parse_html(p).count("推进质量基础设施建设推进") for p in parts) == 400


def test_help_lists_every_command() -> None:
    text = parse_html(render.help_message(COMMANDS))
    for command in COMMANDS:
        assert f"/{command.name}" in text


def test_to_plain_strips_tags_and_unescapes() -> None:
    assert render.to_plain("<b>1 &lt; 2</b> &amp; 《x》") == "1 < 2 & 《x》"


@pytest.mark.parametrize("value", ["2017-02-25", "2017年", None])
def test_format_date(value: str | None) -> None:
    expected = {"2017-02-25": "2017年2月25日", "2017年": "2017年", None: None}[value]
    assert format_date(value) == expected
