"""A conversation, not a search box: follow-ups read against the previous question, the answer
first, honest negatives, many places, everyday vocabulary — in the core (fake embedder)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from index import ClauseReply, PlanService, SearchReply
from index.features.answers import AMOUNT, WHEN, WHO, YES_NO, question_kind
from index.features.conversation import (
    DETAIL,
    FULL_TEXT,
    MORE,
    NEW,
    PLACE,
    SESSION_SECONDS,
    SIBLING,
    YEAR,
    Turn,
    understand,
    understood_line,
)
from index.text.vocabulary import default_vocabulary

XIAN = Turn("西安 电梯安全有什么安排", places=["西安"], clause_ids=["c1"], next_offset=3)


@pytest.mark.parametrize(
    ("text", "places", "years", "kind", "question"),
    [
        ("那太原呢？", ["太原"], [], PLACE, "太原 电梯安全有什么安排"),
        ("太原市的呢", ["太原市"], [], PLACE, "太原市 电梯安全有什么安排"),
        ("北京呢", ["北京"], [], PLACE, "北京 电梯安全有什么安排"),
        ("2023年的呢？", [], [2023], YEAR, "西安 2023年 电梯安全有什么安排"),
        ("谁牵头？", [], [], DETAIL, XIAN.question),
        ("配合单位有哪些？", [], [], DETAIL, XIAN.question),
        ("具体哪个部门负责？", [], [], DETAIL, XIAN.question),
        ("什么时候完成？", [], [], DETAIL, XIAN.question),
        ("目标是多少？", [], [], DETAIL, XIAN.question),
        ("这条的全文", [], [], FULL_TEXT, XIAN.question),
        ("更多", [], [], MORE, XIAN.question),
        ("还有吗？", [], [], MORE, XIAN.question),
        ("那质量提升工程呢？", [], [], SIBLING, "西安 质量提升工程"),
        ("太原那边呢", ["太原"], [], PLACE, "太原 电梯安全有什么安排"),
        ("换成太原怎么样", ["太原"], [], PLACE, "太原 电梯安全有什么安排"),
        ("还有别的地方吗", [], [], PLACE, "电梯安全有什么安排"),
        ("谁来管？", [], [], DETAIL, XIAN.question),
        ("由哪些部门负责？", [], [], DETAIL, XIAN.question),
        ("应该归哪个单位管", [], [], DETAIL, XIAN.question),
        ("要达到多少", [], [], DETAIL, XIAN.question),
        ("哪年完成", [], [], DETAIL, XIAN.question),
        ("全文发我", [], [], FULL_TEXT, XIAN.question),
        ("太原的首席质量官制度怎么推行？", ["太原"], [], NEW, "太原的首席质量官制度怎么推行？"),
        ("食品安全抽检合格率是多少", [], [], NEW, "食品安全抽检合格率是多少"),
    ],
)
def test_follow_ups_are_read_against_the_previous_turn(text, places, years, kind, question) -> None:
    understanding = understand(text, XIAN, places=places, years=years)
    assert (understanding.kind, understanding.question) == (kind, question)
    line = understood_line(understanding)
    assert (line is None) == (kind == NEW)
    if line:
        assert line.startswith("按上文理解为：")


def test_without_a_previous_turn_everything_is_new() -> None:
    for text in ("那太原呢？", "谁牵头？", "更多", "这条的全文"):
        assert understand(text, None).kind == NEW


def test_detail_follow_ups_say_what_they_ask() -> None:
    assert understand("谁牵头？", XIAN).asks == WHO
    assert understand("什么时候完成？", XIAN).asks == WHEN
    assert understand("目标是多少？", XIAN).asks == AMOUNT


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("电梯安全由谁负责？", WHO),
        ("哪个部门牵头品牌建设", WHO),
        ("合格率目标是多少", AMOUNT),
        ("要建几个检验检测中心", AMOUNT),
        ("什么时候完成标准化改革", WHEN),
        ("有没有质量奖", YES_NO),
        ("电梯安全有什么安排", None),
    ],
)
def test_question_kinds(text: str, kind: str | None) -> None:
    assert question_kind(text) == kind


@given(st.text(max_size=40))
def test_understanding_never_fails_and_new_keeps_the_text(text: str) -> None:
    understanding = understand(text, XIAN)
    assert understanding.kind in (NEW, PLACE, YEAR, SIBLING, DETAIL, FULL_TEXT, MORE)
    if understanding.kind == NEW:
        assert understanding.question == text


def test_vocabulary_rewrites_only_what_the_corpus_does_not_say() -> None:
    vocabulary = default_vocabulary()
    rewrite = vocabulary.rewrite("市监局打假有什么安排", known=lambda word: False)
    assert "市场监管局" in rewrite.text and "打击假冒伪劣" in rewrite.text
    assert vocabulary.rewrite("市发改委牵头哪些", known=lambda word: word == "发改委").text == "市发改委牵头哪些"
    traditional = vocabulary.rewrite("電梯安全由誰牽頭", known=lambda word: True)
    assert traditional.text == "电梯安全由谁牵头" and "繁→简" in traditional.notes
    assert vocabulary.rewrite("羊城的电梯", known=lambda word: False).text.startswith("广州")
    assert vocabulary.rewrite("标准话工作", known=lambda word: False).text.startswith("标准化")


# -- through PlanService ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def service(seed_service: PlanService) -> PlanService:
    return seed_service


def test_a_conversation_in_the_service(service: PlanService) -> None:
    first = service.respond("西安电梯安全有什么安排？", session="s1", log=False, now=1000.0)
    assert isinstance(first, SearchReply) and first.understood is None
    top = first.answer.hits[0]
    assert top.document.region == "西安市" and top.clause.path == "二、(五)"
    who = service.respond("谁牵头？", session="s1", log=False, now=1010.0)
    assert isinstance(who, ClauseReply) and who.hits[0].clause.id == top.clause.id
    assert who.direct is not None and "市质监局" in who.direct.text and who.direct.text.startswith("牵头：")
    assert who.understood.startswith("按上文理解为：西安")
    other = service.respond("那太原呢？", session="s1", log=False, now=1020.0)
    assert isinstance(other, SearchReply) and other.understood_as.startswith("太原")
    assert all(h.document.region == "太原市" for h in other.answer.hits)
    more = service.respond("还有吗", session="s1", log=False, now=1030.0)
    assert isinstance(more, SearchReply) and more.answer.hits
    assert {h.clause.id for h in more.answer.hits}.isdisjoint(h.clause.id for h in other.answer.hits)
    # another session, and the same one after 30 minutes of silence, start afresh
    assert service.respond("谁牵头？", session="s2", log=False, now=1040.0).understood is None
    late = service.respond("谁牵头？", session="s1", log=False, now=1030.0 + SESSION_SECONDS + 1)
    assert late.understood is None


def test_context_survives_a_restart_and_new_forgets_it(service: PlanService) -> None:
    service.respond("七台河产品质量监督抽查合格率目标是多少？", session="r1", log=False, now=5000.0)
    again = PlanService(service.settings)
    try:
        reply = again.respond("那太原呢？", session="r1", log=False, now=5010.0)
        assert reply.understood_as.startswith("太原")
        again.forget("r1")
        assert again.respond("那太原呢？", session="r1", log=False, now=5020.0).understood is None
    finally:
        again.close()


def test_the_answer_first_in_the_documents_words(service: PlanService) -> None:
    answer = service.ask("七台河到2020年产品质量监督抽查合格率要达到多少？", log=False)
    assert answer.direct is not None and "98%" in answer.direct.text
    assert answer.direct.text in answer.direct.hit.clause.text  # a sentence of the clause, verbatim
    who = service.ask("西安电梯安全隐患整治由谁牵头？", log=False)
    assert who.direct is not None and "市质监局" in who.direct.text
    open_question = service.ask("西安电梯安全有什么安排？", log=False)
    assert open_question.direct is None


def test_honest_negatives(service: PlanService) -> None:
    place = service.ask("北京的电梯安全怎么管？", log=False)
    assert place.notice == "库中没有北京的文件" and place.direct is None
    topic = service.ask("今天天气怎么样", log=False)
    assert topic.low_confidence and topic.notice and topic.notice.startswith("库中没有关于")


def test_a_question_naming_no_place_shows_the_best_clause_of_each_region(service: PlanService) -> None:
    answer = service.ask("产品质量监督抽查合格率目标是多少？", log=False)
    regions = [entry.region for entry in answer.overview]
    assert len(regions) >= 2 and len(set(regions)) == len(regions)
    rows = answer.comparison()
    assert [row["地区"] for row in rows] == regions and all(row["出处"].startswith("《") for row in rows)
    assert service.ask("七台河产品质量监督抽查合格率目标是多少？", log=False).overview == []


def test_ask_json_lines_carry_the_conversation(service: PlanService, tmp_path: Path) -> None:
    reply = service.respond("西安电梯安全有什么安排？", session="j1", log=False, now=9000.0)
    data = reply.to_json()
    assert data["understood_as"] == "西安电梯安全有什么安排？" and data["answer"] is None
    follow = service.respond("谁牵头？", session="j1", log=False, now=9001.0).to_json()
    assert follow["understood_as"].startswith("西安") and "市质监局" in follow["answer"]
