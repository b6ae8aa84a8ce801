"""Task tables: who does what per agency (old names resolved, level-aware), per document; writers."""

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.handlers.tasks_export import file_name, parse_args, summary_messages
from index import PlanService, Settings
from index.errors import DocumentRefError, ExportError
from index.features.tasks import (
    HEADER,
    agency_task_rows,
    document_task_rows,
    render_csv,
    render_markdown,
    render_tasks,
    render_xlsx,
    task_text,
)
from index.models import LEAD, SUPPORT
from index.store.corpus import sync_corpus
from index.store.database import Store
from index.store.resolver import resolve_document
from tests.conftest import CORPUS_DIR, ROOT


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    store = Store(tmp_path_factory.mktemp("tasks") / "store.db")
    sync_corpus(CORPUS_DIR, store)
    yield store
    store.close()


def corpus(store: Store, ref: str | None = None):
    docs = store.documents()
    chosen = [resolve_document(docs, ref)] if ref else docs
    return [(d, store.clauses(d.id)) for d in chosen]


def named(store: Store, ref: str, name: str) -> dict[str, str]:
    """path → role of every unit of a document naming `name` as written."""
    ((doc, clauses),) = corpus(store, ref)
    return {c.path: a.role for c in clauses for a in c.agencies if a.name == name}


def test_taiyuan_market_regulator_lists_every_clause_it_is_named_in(store: Store) -> None:
    rows = agency_task_rows("市市场监管局", corpus(store, "太原"))
    expected = named(store, "太原", "市市场监管局")
    assert len(expected) >= 20
    assert {r.clause.path: r.role for r in rows} == expected
    assert all(r.role == LEAD and "市市场监管局" in r.leads for r in rows)  # 责任单位：A、B → all lead
    assert [r.number for r in rows] == list(range(1, len(rows) + 1))
    orders = [r.clause.order for r in rows]
    assert orders == sorted(orders)
    first = rows[0]
    assert first.clause.path == "二、(三)"
    assert first.task.startswith("强化农产品食品药品质量安全：加大农业投入品")
    assert "责任单位" not in first.task
    assert first.leads == ["市农业农村局", "市卫健委", "市市场监管局"]


def test_old_quality_bureau_clauses_come_up_under_the_current_name(store: Store) -> None:
    xian = agency_task_rows("市场监管局", corpus(store, "西安"))
    quality = named(store, "西安", "市质监局")
    assert quality and set(quality) <= {r.clause.path for r in xian}
    row = next(r for r in xian if r.clause.path == "二、(五)")
    assert "市质监局（现市场监管局）" in row.leads and row.matched == ["市质监局"]
    anhui = agency_task_rows("省市场监管局", corpus(store, "安徽"))
    assert set(named(store, "安徽", "省质监局")) <= {r.clause.path for r in anhui}
    assert any("省质监局（现市场监管局）" in r.leads for r in anhui)
    # level-aware: the province's regulator is not the city's
    everywhere = agency_task_rows("省市场监管局", corpus(store))
    assert {r.document.region for r in everywhere} == {"安徽省"}
    cities = agency_task_rows("市市场监管局", corpus(store))
    assert "安徽省" not in {r.document.region for r in cities}
    assert {"西安市", "太原市", "七台河市"} <= {r.document.region for r in cities}


def test_leads_come_before_supports(store: Store) -> None:
    rows = agency_task_rows("省质量工作领导小组其他成员单位", corpus(store))
    assert rows and all(r.role == SUPPORT for r in rows)
    assert all("省质量工作领导小组其他成员单位" in r.supports for r in rows)
    mixed = agency_task_rows("质监局", corpus(store))
    roles = [r.role for r in mixed]
    assert roles == sorted(roles, key=lambda role: role != LEAD)


def test_targets_and_deadlines_in_rows(store: Store) -> None:
    rows = agency_task_rows("市市场监管局", corpus(store, "七台河"))
    item = next(r for r in rows if r.clause.path == "二、(一)1.")
    cell = item.cells()[6]
    assert "产品质量监督抽查合格率 ≥ 98%（到2020年）" in cell
    assert "时限：2018年底前" in cell


def test_whole_document_table(store: Store) -> None:
    ((doc, clauses),) = corpus(store, "西安")
    rows = document_task_rows(doc, clauses)
    paths = [r.clause.path for r in rows]
    assert len(paths) == 21 and paths[0] == "一、(一)" and paths[-1] == "六、(二十一)"
    assert all(r.role is None for r in rows)
    assert rows[0].leads == [] and "各区县政府" in rows[2].leads


def test_writers(store: Store) -> None:
    rows = agency_task_rows("市市场监管局", corpus(store, "太原"))
    workbook = load_workbook(io.BytesIO(render_xlsx(rows)))
    sheet = workbook.active
    assert [c.value for c in sheet[1]] == list(HEADER)
    assert all(c.font.bold for c in sheet[1])
    assert sheet.max_row == len(rows) + 1 and sheet["C2"].value == "二、(三)" and sheet["A2"].value == 1
    assert sheet["D2"].alignment.wrap_text and sheet.column_dimensions["D"].width >= 40
    data = render_csv(rows)
    assert data.startswith(b"\xef\xbb\xbf")
    parsed = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert parsed[0] == list(HEADER) and len(parsed) == len(rows) + 1
    markdown = render_markdown(rows, title="任务分解表")
    assert "| 序号 | 文件 | 条款 | 任务 | 牵头单位 | 配合单位 | 目标与时限 |" in markdown
    assert render_tasks(rows, "md").decode("utf-8").count("\n") == len(rows) + 2
    with pytest.raises(ExportError):
        render_tasks(rows, "pdf")


def test_document_references(store: Store) -> None:
    docs = store.documents()
    assert resolve_document(docs, "市政办发〔2017〕17号").region == "西安市"
    assert resolve_document(docs, "克州").region == "克州"
    assert resolve_document(docs, "质量安徽").region == "安徽省"
    with pytest.raises(DocumentRefError, match="找不到"):
        resolve_document(docs, "上海")


def test_task_text_drops_number_and_responsibility(store: Store) -> None:
    ((doc, clauses),) = corpus(store, "安徽")
    unit = next(c for c in clauses if c.path == "一、(六)")
    text = task_text(unit)
    assert text.startswith("开展创建“全国质量强市示范城市”") and "协助" not in text and not text.startswith("(六)")


def test_bot_export_helpers(tmp_path: Path) -> None:
    assert parse_args(["市市场监管局", "太原", "XLSX"]) == ("市市场监管局", "太原", "xlsx")
    assert parse_args(["市场监管局"]) == ("市场监管局", None, None)
    service = PlanService(Settings(data_dir=tmp_path / "data", corpus_dir=CORPUS_DIR, embedding_model="fake:32"))
    table = service.task_table("市市场监管局", "太原")
    rows = table.rows
    assert rows and table.subject == "市市场监管局" and table.document.region == "太原市"
    whole = service.task_table("七台河", None)  # names no agency: the whole document
    assert whole.rows and whole.rows[0].role is None and whole.document.region == "七台河市"
    assert service.task_table("不存在的单位", None).rows == []
    messages = summary_messages("市市场监管局", rows)
    assert "共 " in messages[0] and all(len(m) <= 4096 for m in messages)
    assert file_name("市市场监管局 / 太原", "xlsx") == "任务分解表_市市场监管局_太原.xlsx"


def run_script(*args: str, data_dir: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATA_DIR": str(data_dir), "CORPUS_DIR": str(CORPUS_DIR)}
    return subprocess.run([sys.executable, "scripts/tasks.py", *args], cwd=ROOT, env=env, capture_output=True, timeout=120)


def test_tasks_script(tmp_path: Path) -> None:
    result = run_script("市市场监管局", "--doc", "太原", data_dir=tmp_path)
    assert result.returncode == 0, result.stderr.decode()
    lines = result.stdout.decode("utf-8").splitlines()
    assert lines[2] == "| 序号 | 文件 | 条款 | 任务 | 牵头单位 | 配合单位 | 目标与时限 | 完成时限 |"
    assert lines[4].startswith("| 1 | 全面推进质量强市建设实施方案（并政发〔2023〕18号） | 二、(三) |")
    out = tmp_path / "t.xlsx"
    result = run_script("--doc", "西安", "--format", "xlsx", "-o", str(out), data_dir=tmp_path)
    assert result.returncode == 0 and load_workbook(out).active.max_row == 22
    refused = run_script("市场监管局", "--format", "xlsx", data_dir=tmp_path)
    assert refused.returncode == 2 and b"Traceback" not in refused.stderr and len(refused.stderr.splitlines()) == 1
    nothing = run_script("不存在的单位", data_dir=tmp_path)
    assert nothing.returncode == 1 and b"Traceback" not in nothing.stderr
