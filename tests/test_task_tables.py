"""Task-division tables (任务分工表): in a .docx, as .xlsx/.xls alone, attached to their plan afterwards.

Fixtures: tests/zoo/tables/ (written by tests/zoo/make_tables.py), each with its expected parse beside it.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from index.errors import CorruptFileError, UnsupportedFormatError
from index.ingest.parse import parse_file
from index.ingest.read import FORMATS, read_document
from index.ingest.task_table import (
    DEADLINE,
    DETAIL,
    LEAD_COLUMN,
    NOTE,
    NUMBER,
    SUPPORT_COLUMN,
    TASK,
    TaskRow,
    apply_task_tables,
    column_role,
    find_task_tables,
    match_rows,
    plan_title_of,
    read_task_table,
)
from index.models import LEAD, Clause
from index.service import PlanService
from index.settings import Settings
from index.store.attachments import ATTACHED
from index.store.corpus import sync_corpus
from index.store.database import Store
from tests.handmade import shared_jieba
from tests.parse_fixtures import write_docx

ZOO = Path(__file__).parent / "zoo" / "tables"
FIXTURES = sorted(p for p in ZOO.iterdir() if p.suffix in (".docx", ".xlsx", ".xls"))
_DEADLINE = re.compile(r"完成时限：([^；）]+)）$")


def agency_summary(clauses: list[Clause]) -> dict:
    return {
        c.path: {"lead": [a.name for a in c.agencies if a.role == LEAD],
                 "support": [a.name for a in c.agencies if a.role != LEAD]}
        for c in clauses if c.agencies
    }


def summary(parsed) -> dict:
    """The parse in the shape of the expected .json files."""
    document = parsed.document
    agencies = agency_summary(parsed.clauses)
    deadlines = {}
    for clause in parsed.clauses:
        found = _DEADLINE.search(clause.text.split("\n")[-1])
        if found and clause.retrievable:
            deadlines[clause.path] = found.group(1)
    return {"title": document.title, "doc_number": document.doc_number, "region": document.region,
            "table_only": parsed.table_only, "clauses": len(parsed.clauses), "agencies": agencies,
            "deadlines": deadlines}


def test_zoo_is_complete() -> None:
    names = {p.name for p in FIXTURES}
    assert {"plan_with_table.docx", "task_table.xlsx", "task_table_other_words.xls",
            "plan_unnumbered_rows.docx"} <= names
    for path in FIXTURES:
        assert path.with_suffix(".json").exists(), path.name


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.name)
def test_fixture_parses_as_expected(path: Path) -> None:
    expected = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    assert summary(parse_file(path)) == expected


# -- reading ------------------------------------------------------------------------------------


def test_spreadsheets_are_accepted_formats() -> None:
    assert FORMATS[".xlsx"] == "xlsx" and FORMATS[".xls"] == "xls"


def test_docx_table_rows_repeat_merged_cells() -> None:
    raw = read_document(ZOO / "plan_with_table.docx")
    (grid,) = raw.tables
    assert grid[0] == ["序号", "重点任务", "责任单位", "责任单位", "完成时限"]
    assert grid[1] == ["序号", "重点任务", "牵头单位", "配合单位", "完成时限"]
    # 牵头单位 merged over 一（二） and 二（一）; 完成时限 merged over the first three rows
    assert [row[2] for row in grid[2:4]] == ["市市场监管局", "市市场监管局"]
    assert [row[4] for row in grid[2:5]] == ["2025年底前"] * 3
    assert grid[7][3] == "市委宣传部\n市商务局"


def test_xls_and_xlsx_tables_repeat_merged_cells() -> None:
    xlsx = read_document(ZOO / "task_table.xlsx")
    assert xlsx.format == "xlsx" and xlsx.tables[0][0] == ["附件：江城市质量强市三年行动实施方案重点任务分工表"] * 5
    assert [row[2] for row in xlsx.tables[0][8:11]] == ["市发改委"] * 3
    xls = read_document(ZOO / "task_table_other_words.xls")
    assert xls.format == "xls"
    assert xls.tables[0][1] == ["序号", "工作任务", "责任单位", "协办单位", "时间节点"]
    assert xls.tables[0][2][0] == "1"  # a number cell reads as written, not "1.0"
    assert [row[2] for row in xls.tables[0][6:9]] == ["市市场监管局"] * 3
    assert xls.paragraphs[0].startswith("河州市质量提升行动方案任务分工表")


def test_broken_spreadsheets_raise_typed_errors(tmp_path: Path) -> None:
    fake = tmp_path / "table.xlsx"
    fake.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(CorruptFileError):
        read_document(fake)
    text = tmp_path / "table.xls"
    text.write_text("序号,任务\n", encoding="utf-8")
    with pytest.raises(UnsupportedFormatError, match="xls"):
        read_document(text)


# -- the header classifier ----------------------------------------------------------------------

HEADERS = {
    "序号": NUMBER, "编号": NUMBER, "对应条款": NUMBER,
    "重点任务": TASK, "工作任务": TASK, "主要任务": TASK, "工作事项": TASK,
    "具体措施": DETAIL, "工作措施": DETAIL, "工作内容": DETAIL, "任务分解": DETAIL,
    "牵头单位": LEAD_COLUMN, "牵头部门": LEAD_COLUMN, "责任单位": LEAD_COLUMN, "主责单位": LEAD_COLUMN,
    "配合单位": SUPPORT_COLUMN, "协办单位": SUPPORT_COLUMN, "参与单位": SUPPORT_COLUMN,
    "完成时限": DEADLINE, "时间节点": DEADLINE, "时间安排": DEADLINE, "完成时间": DEADLINE,
    "备注": NOTE,
}


@pytest.mark.parametrize(("header", "role"), HEADERS.items())
def test_header_words(header: str, role: str) -> None:
    assert column_role(header) == role


def test_two_row_headers_and_traditional_characters() -> None:
    assert column_role("责任单位 牵头单位") == LEAD_COLUMN
    assert column_role("责任单位 配合单位") == SUPPORT_COLUMN
    assert column_role("牽頭單位") == LEAD_COLUMN
    assert column_role("市市场监管局牵头负责开展产品质量提升行动") is None  # content, not a header


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(sorted(HEADERS)), st.lists(st.sampled_from([" ", "\u3000", "\n", "\t"]), max_size=3),
       st.integers(min_value=0, max_value=4))
def test_header_role_ignores_spacing(header: str, spaces: list[str], at: int) -> None:
    position = min(at, len(header))
    spaced = header[:position] + "".join(spaces) + header[position:]
    assert column_role(spaced) == HEADERS[header]


def test_a_table_without_owners_is_not_a_task_table(tmp_path: Path) -> None:
    grid = [["指标", "2020年", "2025年"], ["产品质量合格率", "93%", "95%"]]
    assert read_task_table(grid) is None
    path = write_docx(tmp_path / "plan.docx", ["一、目标", "（一）主要指标。见下表。"], table=grid,
                      after_table=["（二）保障措施。加强组织领导，落实工作责任。"])
    parsed = parse_file(path)
    assert not parsed.table_only
    assert "产品质量合格率" in parsed.clauses[1].text  # an ordinary table stays body text


# -- rows → clauses -----------------------------------------------------------------------------


def _clause(path: str, heading: str, order: int, parent: str | None = None) -> Clause:
    return Clause(id=f"d:{order}", doc_id="d", number=path, path=path, level=1, kind="clause", heading=heading,
                  text=f"{heading}。开展{heading}相关工作。", parent_id=parent, order=order)


PLAN = [
    _clause("一、", "总体要求", 0), _clause("一、(一)", "指导思想", 1, "d:0"), _clause("一、(二)", "主要目标", 2, "d:0"),
    _clause("二、", "重点任务", 3), _clause("二、(一)", "提升产品质量", 4, "d:3"),
    _clause("二、(二)", "提升工程质量", 5, "d:3"), _clause("二、(三)", "提升服务质量", 6, "d:3"),
    _clause("二、(四)", "夯实质量基础", 7, "d:3"), _clause("二、(五)", "强化品牌建设", 8, "d:3"),
]


@pytest.mark.parametrize(("number", "task", "path"), [
    ("二(五)", "", "二、(五)"),
    ("二、（五）", "", "二、(五)"),
    ("（五）", "", "二、(五)"),
    ("5", "品牌建设", "二、(五)"),
    ("", "强化品牌", "二、(五)"),
    ("一（二）", "", "一、(二)"),
    ("（二）", "提升工程质量", "二、(二)"),  # two (二): the text decides
])
def test_row_matches_clause_by_number_or_text(number: str, task: str, path: str) -> None:
    (index,) = match_rows([TaskRow(line=1, number=number, task=task)], PLAN)
    assert index is not None and PLAN[index].path == path


def test_row_without_number_or_shared_text_matches_nothing() -> None:
    assert match_rows([TaskRow(line=1, number="", task="完全无关的内容")], PLAN) == [None]
    assert match_rows([TaskRow(line=1, number="7", task="")], PLAN) == [None]  # a bare count needs text too


@settings(max_examples=40, deadline=None)
@given(st.permutations(range(4, 9)))
def test_rows_in_any_order_find_their_clauses_by_heading(order: list[int]) -> None:
    rows = [TaskRow(line=i + 1, number="", task=PLAN[k].heading) for i, k in enumerate(order)]
    assert match_rows(rows, PLAN) == list(order)


def test_body_agencies_are_kept_and_table_agencies_added_once() -> None:
    parsed = parse_file(ZOO / "plan_with_table.docx")
    engineering = next(c for c in parsed.clauses if c.path == "二、(二)")
    assert [(a.name, a.role) for a in engineering.agencies] == [("市住建局", "lead"), ("市交通运输局", "support")]
    assert engineering.text.count("（市住建局负责）") == 1
    # the parent's text holds the child's closing line too (own texts stay consistent)
    section = next(c for c in parsed.clauses if c.path == "二、")
    assert engineering.text in section.text


def test_applying_a_table_twice_changes_nothing() -> None:
    raw = read_document(ZOO / "plan_with_table.docx")
    tables = find_task_tables(raw)
    once = parse_file(ZOO / "plan_with_table.docx").clauses
    twice, warnings = apply_task_tables(once, tables)
    assert warnings == []
    assert [(c.text, [(a.name, a.role) for a in c.agencies]) for c in twice] == [
        (c.text, [(a.name, a.role) for a in c.agencies]) for c in once
    ]


def test_caption_names_the_plan() -> None:
    assert plan_title_of("附件：江城市质量强市三年行动实施方案重点任务分工表") == "江城市质量强市三年行动实施方案"
    assert plan_title_of("《河州市质量提升行动方案》任务分工表") == "河州市质量提升行动方案"
    assert plan_title_of("江城市质量强市三年行动实施方案") is None


def test_table_alone_takes_its_caption_as_title() -> None:
    parsed = parse_file(ZOO / "task_table_other_words.xls")
    assert parsed.table_only
    assert parsed.document.title == "河州市质量提升行动方案任务分工表"
    assert parsed.document.doc_number == "河政发〔2022〕5号"
    first = parsed.clauses[0]
    assert first.heading == "实施制造业质量提升工程" and first.retrievable


# -- attaching to a stored plan -----------------------------------------------------------------


def make_service(root: Path) -> PlanService:
    settings = Settings(data_dir=root / "data", corpus_dir=root / "corpus", embedding_model="fake:32")
    settings.corpus_dir.mkdir(parents=True)
    return PlanService(settings, jieba_base=shared_jieba())


def owners(store: Store, doc_id: str) -> dict[str, list[tuple[str, str]]]:
    return {c.path: [(a.name, a.role) for a in c.agencies] for c in store.clauses(doc_id) if c.agencies}


def test_table_sent_after_its_plan_gives_the_plan_its_owners(tmp_path: Path) -> None:
    service = make_service(tmp_path)
    try:
        service.ensure_index()
        plan = service.add_file(ZOO / "plan_a.docx").document
        assert owners(service.store, plan.id) == {"二、(二)": [("市住建局", "lead")]}
        result = service.add_file(ZOO / "task_table.xlsx")
        assert result.status == ATTACHED and "分工表" in result.message
        attached = result.document
        assert attached.sha256 == plan.sha256 and attached.id != plan.id  # re-read by the index build
        assert [d.id for d in service.store.documents()] == [attached.id]  # the table is no document of its own
        expected = json.loads((ZOO / "plan_with_table.json").read_text(encoding="utf-8"))
        assert summary_of_store(service.store, attached.id) == expected["agencies"]
        assert sorted(p.name for p in service.settings.corpus_dir.iterdir()) == ["plan_a.docx", "task_table.xlsx"]
        brand = next(c for c in service.store.clauses(attached.id) if c.path == "二、(五)")
        assert brand.deadline is not None and brand.deadline.due == "2024-06-30"  # read from the row's 完成时限
        hits = service.agency_tasks("市统计局")
        assert [h.clause.path for h in hits] == ["一、(二)"] and hits[0].document.id == attached.id
        # sending it again, a plain re-index and a full one keep the plan as it is
        assert service.add_file(ZOO / "task_table.xlsx").document.id == attached.id
        assert service.reindex().status == "unchanged"
        service.reindex(full=True)
        (document,) = service.store.documents()
        assert document.id == attached.id
        assert summary_of_store(service.store, document.id) == expected["agencies"]
    finally:
        service.close()


def summary_of_store(store: Store, doc_id: str) -> dict:
    return agency_summary(store.clauses(doc_id))


def test_table_found_by_doc_number_in_corpus_sync(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(ZOO / "task_table_other_words.xls", corpus / "a_table.xls")  # sorts before its plan
    shutil.copy(ZOO / "plan_b.docx", corpus / "plan_b.docx")
    with Store(tmp_path / "store.db") as store:
        report = sync_corpus(corpus, store)
        assert not report.skipped
        (plan,) = store.documents()
        assert plan.title == "河州市质量提升行动方案"
        found = owners(store, plan.id)
        assert found["一、(三)"] == [("市农业农村局", "lead"), ("市市场监管局", "support")]
        assert found["二、(七)"] == [("市市场监管局", "lead"), ("市工信局", "support")]
        assert len(found) == 8
        again = sync_corpus(corpus, store)
        assert not again.changed and [d.id for d in store.documents()] == [plan.id]


def test_table_without_its_plan_is_a_document_of_its_own(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(ZOO / "task_table.xlsx", corpus / "task_table.xlsx")
    with Store(tmp_path / "store.db") as store:
        sync_corpus(corpus, store)
        (document,) = store.documents()
        assert document.title == "江城市质量强市三年行动实施方案重点任务分工表"
        assert len(store.clauses(document.id)) == 9


def test_docx_that_is_only_the_table(tmp_path: Path) -> None:
    grid = [["序号", "工作任务", "责任单位", "完成时限"],
            ["1", "开展质量提升行动", "市市场监管局牵头，市工信局配合", "2024年底前"],
            ["2", "加强标准化建设", "市市场监管局", "持续推进"]]
    path = write_docx(tmp_path / "分工表.docx", ["附件2", "湖滨市质量工作任务分工表"], table=grid)
    parsed = parse_file(path)
    assert parsed.table_only and parsed.document.title == "湖滨市质量工作任务分工表"
    assert parsed.document.region == "湖滨市"
    assert [(c.path, c.heading) for c in parsed.clauses] == [("1.", "开展质量提升行动"), ("2.", "加强标准化建设")]
    assert agency_summary(parsed.clauses)["1."] == {"lead": ["市市场监管局"], "support": ["市工信局"]}
