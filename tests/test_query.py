"""Reading questions: regions and their abbreviations, 文号, years, agencies, clause references."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from index.search.question import QueryReader, agency_task_subject, document_years
from index.text.docnumber import parse_doc_number
from index.text.normalize import MAX_QUERY_CHARS, clean_question
from index.text.numbering import cn_to_int, path_units, question_reference
from index.text.places import region_aliases
from tests.handmade import all_documents


def _reader() -> tuple[QueryReader, list, dict[str, str]]:
    docs = all_documents()
    clauses = [c for p in docs for c in p.clauses if c.retrievable]
    mentions = [(a.name, a.canonical, a.role, row) for row, c in enumerate(clauses) for a in c.agencies]
    reader = QueryReader(
        [p.document for p in docs], [c.doc_id for c in clauses], [c.path for c in clauses], mentions
    )
    ids = {p.document.region: p.document.id for p in docs}
    return reader, clauses, ids


READER, CLAUSES, DOC = _reader()


def test_clean_question_truncates_and_drops_control_characters() -> None:
    assert clean_question("西安\u200b电梯\x00安全\n\t？") == "西安电梯安全 ?"
    assert len(clean_question("质" * 10_000)) == MAX_QUERY_CHARS
    assert clean_question(None) == ""  # type: ignore[arg-type]


def test_chinese_numbers() -> None:
    assert [cn_to_int(x) for x in ("四", "十", "十五", "二十三", "一百零二", "12", "几")] == [4, 10, 15, 23, 102, 12, None]


def test_path_units_full_and_halfwidth_alike() -> None:
    assert path_units("二、(一)1.") == (("sec", 2), ("cl", 1), ("item", 1))
    assert path_units("二、（五）") == path_units("二、(五)") == (("sec", 2), ("cl", 5))
    assert path_units("第二章第四条") == (("chap", 2), ("art", 4))


def test_question_references() -> None:
    assert question_reference("西安 二(五)") == (("sec", 2), ("cl", 5))
    assert question_reference(clean_question("二、（五）讲了什么")) == (("sec", 2), ("cl", 5))
    assert question_reference("一(六)") == (("sec", 1), ("cl", 6))
    assert question_reference("第四条") == (("art", 4),)
    assert question_reference("(十二)") == (("cl", 12),)
    assert question_reference("二(一)1.") == (("sec", 2), ("cl", 1), ("item", 1))
    for text in ("PM2.5年均浓度", "2017年计划", "第几条", "质量强市"):
        assert question_reference(text) is None


def test_region_aliases_generic_rules_and_abbreviations() -> None:
    assert {"西安市", "西安"} <= region_aliases("西安市")
    assert {"安徽", "皖"} <= region_aliases("安徽省")
    assert {"太原", "并"} <= region_aliases("太原市")
    assert {"七台河"} <= region_aliases("七台河市")
    assert {"克州", "克孜勒苏"} <= region_aliases("克孜勒苏柯尔克孜自治州")
    assert {"克州", "克孜勒苏"} <= region_aliases("克州")
    assert region_aliases("市") == set()


def test_doc_number_abbreviation_and_years() -> None:
    assert parse_doc_number("并政发〔2023〕18号").place_abbreviation == "并"
    assert parse_doc_number("皖政办秘〔2016〕76号").place_abbreviation == "皖"
    assert parse_doc_number("市政办发〔2017〕17号").place_abbreviation is None
    doc = all_documents()[0].document
    doc.title = "七台河市质量强市(2017年—2020年)活动实施方案"
    doc.date = "2018-01-02"
    assert document_years(doc) == {2017, 2018, 2019, 2020}


def test_region_restricts_to_its_documents() -> None:
    assert READER.read("西安市电梯安全隐患整治有什么安排？").doc_ids == [DOC["西安市"]]
    assert READER.read("皖 名牌").doc_ids == [DOC["安徽省"]]
    assert READER.read("安徽要新增多少个名牌").doc_ids == [DOC["安徽省"]]
    both = READER.read("西安和太原的电梯").doc_ids
    assert sorted(both) == sorted([DOC["西安市"], DOC["太原市"]])


def test_ambiguous_one_character_abbreviation_needs_doc_number_context() -> None:
    assert READER.read("并政发 电梯安全").doc_ids == [DOC["太原市"]]
    assert READER.read("电梯并且安全").doc_ids == []


def test_doc_number_names_its_document() -> None:
    reading = READER.read("请问皖政办秘〔2016〕76号里的单一窗口")
    assert reading.doc_ids == [DOC["安徽省"]]
    assert reading.doc_numbers
    assert READER.read("并政发[2023]18号").doc_ids == [DOC["太原市"]]


def test_years_boost_documents_that_cover_them() -> None:
    reading = READER.read("2016年要新增多少名牌")
    assert reading.years == [2016] and reading.year_doc_ids == [DOC["安徽省"]]


def test_agency_names_select_the_clauses_they_own() -> None:
    reading = READER.read("市旅游局在西安负责哪些工作")
    assert reading.agencies == ["市旅游局"]
    rows = set(reading.agency_rows.tolist())
    assert rows and all(any(a.name == "市旅游局" for a in CLAUSES[r].agencies) for r in rows)
    short = READER.read("质监局负责什么")
    owners = {CLAUSES[r].doc_id for r in short.agency_rows.tolist()}
    assert owners == {DOC["西安市"], DOC["安徽省"]}
    lead = [w for r, w in zip(short.agency_rows, short.agency_weights, strict=True) if r >= 0]
    assert max(lead) == 1.0 and isinstance(short.agency_weights, np.ndarray)


def test_agency_containing_a_place_does_not_filter_by_that_place() -> None:
    reading = READER.read("合肥海关负责什么")
    assert reading.agencies == ["合肥海关"] and not reading.unknown_places


def test_clause_reference_with_and_without_region() -> None:
    reading = READER.read("西安 二(五)")
    assert [CLAUSES[r].path for r in reading.reference_rows] == ["二、(五)"]
    assert CLAUSES[reading.reference_rows[0]].doc_id == DOC["西安市"]
    anywhere = READER.read("（五）")
    assert len(anywhere.reference_rows) == 3  # one (五) in each document
    assert READER.read("西安 二(九)").reference_rows == []


def test_unknown_place_is_reported_unless_a_document_matches() -> None:
    assert READER.read("北京的电梯安全").unknown_places == ["北京"]
    assert READER.read("北京和西安的电梯安全").unknown_places == []
    assert READER.read("山西的电梯").soft_doc_ids == [DOC["太原市"]]


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_reading_never_raises(text: str) -> None:
    reading = READER.read(text)
    assert len(reading.text) <= MAX_QUERY_CHARS


def test_hostile_inputs() -> None:
    for text in ("", "   ", "？？！！", "😀😀", "\u200b\u200d", '"', "*", "OR 1=1 --", "NEAR(", "x" * 10_000):
        reading = READER.read(text)
        assert reading.doc_ids == [] and reading.reference_rows == []
    assert READER.read("？？").empty and READER.read("😀").empty


def test_province_abbreviation_boosts_its_cities_documents() -> None:
    reading = READER.read("陕 电梯安全")
    assert reading.soft_doc_ids == [DOC["西安市"]] and reading.doc_ids == []


@pytest.mark.parametrize(
    ("question", "subject"),
    [
        ("市市场监管局牵头哪些任务？", "市市场监管局"),
        ("省质监局负责什么工作", "省质监局"),
        ("住建局配合哪些事项", "住建局"),
        ("市旅游局在西安的质量强市行动中负责哪些工作？", None),
        ("西安电梯安全有什么安排？", None),
        ("财政部门要做什么", None),
    ],
)
def test_agency_task_subject(question: str, subject: str | None) -> None:
    assert agency_task_subject(question) == subject


def test_clause_references_in_the_words_officials_use() -> None:
    from index.text.numbering import question_references

    assert question_references("西安第二部分第五项")[0] == (("sec", 2), ("cl", 5))
    assert question_references("第二大项（五）")[0] == (("sec", 2), ("cl", 5))
    assert question_references("二之五")[0] == (("sec", 2), ("cl", 5))
    assert question_references("第四部分第十五条")[0] == (("sec", 4), ("cl", 15))
    assert question_references("第五条") == [(("art", 5),), (("cl", 5),)]
    assert question_references("PM2.5年均浓度") == [] and question_references("质量强市") == []


def test_ordinal_references_find_the_clause() -> None:
    reading = READER.read("西安 第二部分第五项")
    assert reading.reference == "二、(五)" and reading.reference_rows
    assert all(CLAUSES[row].path == "二、(五)" for row in reading.reference_rows)
