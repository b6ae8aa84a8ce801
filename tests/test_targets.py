"""Quantified targets: the shapes plans use, deadlines, the seeds' 合格率, scripts/targets.py, /targets."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.handlers.targets import targets_messages
from index import PlanService, Settings
from index.features.charts import targets_chart
from index.features.targets import (
    APPROX,
    EQ,
    GE,
    KIND_CHANGE,
    KIND_COUNT,
    collect_targets,
    comparison_rows,
    extract_targets,
    filter_targets,
    title_year,
)
from index.models import LEAD, Agency, Clause, Document
from index.store.corpus import sync_corpus
from index.store.database import Store
from tests.conftest import CORPUS_DIR, ROOT

DOC = Document("doc1", "某市2019年质量工作要点", "某政办发〔2019〕1号", "某市人民政府办公室", "2019-03-01", "某市", "a.txt", "0")


def clause(text: str, agencies: list[Agency] | None = None) -> Clause:
    return Clause("doc1:c1", "doc1", "(一)", "一、(一)", 2, "clause", "", text, None, 0, agencies or [])


def read(text: str, document: Document = DOC) -> list[tuple]:
    return [
        (t.indicator, t.value, t.unit, t.comparator, t.year)
        for t in extract_targets(clause(text), document)
    ]


def test_indicator_comparator_value_and_deadline() -> None:
    found = read("到2020年，森林覆盖率达到48.75%，有害生物成灾率控制在2.7‰以下，无公害防治率达到85%以上。")
    assert found == [
        ("森林覆盖率", 48.75, "%", EQ, 2020),
        ("有害生物成灾率", 2.7, "‰", "<=", 2020),
        ("无公害防治率", 85.0, "%", GE, 2020),
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("产品质量监督抽查合格率不低于95%。", ("产品质量监督抽查合格率", 95.0, "%", GE)),
        ("重大事故发生率不超过0.5%。", ("重大事故发生率", 0.5, "%", "<=")),
        ("公共服务质量满意度达到82分以上。", ("公共服务质量满意度", 82.0, "分", GE)),
        ("制造业质量竞争力指数达到80。", ("制造业质量竞争力指数", 80.0, "", EQ)),
        ("顾客满意度稳定在75以上。", ("顾客满意度", 75.0, "", GE)),
        ("计量器具受检率保持在90%左右。", ("计量器具受检率", 90.0, "%", APPROX)),
        ("全市环境空气质量细颗粒物(PM2.5)年均浓度达到52微克/标立米。",
         ("环境空气质量细颗粒物(PM2.5)年均浓度", 52.0, "微克/标立米", EQ)),
        ("农业标准化生产普及率超过95%。", ("农业标准化生产普及率", 95.0, "%", GE)),
        ("重点产品质量合格率≥96%。", ("重点产品质量合格率", 96.0, "%", GE)),
        ("检验检测机构营业收入年均增长10%以上。", ("检验检测机构营业收入年均", 10.0, "%", GE)),
        ("PM2.5浓度下降至35微克/立方米。", ("PM2.5浓度", 35.0, "微克/立方米", "<=")),
        ("建成省级质检中心10～15个。", ("建成省级质检中心", 10.0, "个", APPROX)),
    ],
)
def test_comparator_words(text: str, expected: tuple) -> None:
    assert read(text)[0][:4] == expected


def test_counts_lists_and_ranges() -> None:
    found = read("年度内新增安徽省政府质量奖企业5家、安徽名牌170个、省优“黄山杯”90项。培育2-3个省级名牌服务企业。")
    assert [(i, v, u) for i, v, u, _, _ in found] == [
        ("新增安徽省政府质量奖企业", 5.0, "家"),
        ("新增安徽名牌", 170.0, "个"),
        ("新增省优“黄山杯”", 90.0, "项"),
        ("培育省级名牌服务企业", 2.0, "个"),
    ]
    ranged = extract_targets(clause("培育2-3个省级名牌服务企业。"), DOC)[0]
    assert (ranged.value, ranged.value_max, ranged.comparator, ranged.kind) == (2.0, 3.0, APPROX, KIND_COUNT)
    assert found[0][4] == 2019  # 年度内: the plan's year


def test_respectively_pairs_indicators_with_values() -> None:
    found = read("县、乡公路优良路率分别达到65%和55%，造林成活率和保存率分别提高到85%和80%以上。")
    assert [(i, v, c) for i, v, _, c, _ in found] == [
        ("县公路优良路率", 65.0, EQ),
        ("乡公路优良路率", 55.0, EQ),
        ("造林成活率", 85.0, GE),
        ("造林保存率", 80.0, GE),
    ]


def test_changes_and_list_continuations() -> None:
    targets = extract_targets(clause("食品抽检合格率要在上年度的基础上提高2个百分点。畜禽进点屠宰率：乡镇达到95%、县级100%。"), DOC)
    assert (targets[0].indicator, targets[0].value, targets[0].unit, targets[0].kind) == (
        "食品抽检合格率", 2.0, "个百分点", KIND_CHANGE)
    assert [t.indicator for t in targets[1:]] == ["畜禽进点屠宰率(乡镇)", "畜禽进点屠宰率(县级)"]


@pytest.mark.parametrize(
    "text",
    [
        "深入开展“3·15”国际消费者权益保护日活动。",
        "畅通12315投诉举报热线。",
        "推广应用ISO9000、卓越绩效等先进质量管理方法。",
        "利用5G、人工智能等新一代信息技术。",
        "完成第三届政府质量奖评选，召开第2次联席会议。",
        "开展2016年全省“质量月”活动。",
        "推动签署《质量发展人才培养合作备忘录》的6所院校持续开展教育。",
        "(辖区3家以上获证企业)",
        "完善96333特种设备安全运行监控中心建设。",
        "强化“1+1+N”责任。",
    ],
)
def test_numbers_that_are_not_targets(text: str) -> None:
    assert read(text) == []


@pytest.mark.parametrize(
    ("text", "year", "deadline"),
    [
        ("到2025年，制造业产品质量合格率稳定在94%以上。", 2025, "到2025年"),
        ("2020年，全州工业产品监督抽查合格率达到92%以上。", 2020, "2020年"),
        ("“十四五”期间，服务质量满意度达到85分以上。", 2025, "“十四五”期间"),
        ("2025年底前，建成质量基础设施集成服务基地10个。", 2025, "2025年底前"),
        ("工业产品监督抽查合格率达到92%以上。", 2019, None),  # only the title's year
    ],
)
def test_deadlines(text: str, year: int, deadline: str | None) -> None:
    target = extract_targets(clause(text), DOC)[0]
    assert (target.year, target.deadline) == (year, deadline)
    assert target.year_source == ("title" if deadline is None else "text")


def test_a_task_deadline_does_not_outlive_its_sentence() -> None:
    text = "到2020年，产品出厂合格率达到100%。2018年底前，开展宣贯活动。培育中国驰名商标10个。"
    assert [t.year for t in extract_targets(clause(text), DOC)] == [2020, 2020]


def test_title_year_takes_the_end_of_a_range() -> None:
    def titled(title: str) -> Document:
        return Document("d", title, None, None, None, None, "d.txt", "0")

    assert title_year(titled("七台河市质量强市(2017年—2020年)活动实施方案")) == 2020
    assert title_year(titled("西安市2017年质量强市行动计划")) == 2017
    assert title_year(titled("关于实施质量强州战略的意见")) is None
    assert title_year(titled("浙江省质量强省建设“十四五”规划")) == 2025


def test_targets_carry_owner_and_citation() -> None:
    agencies = [Agency("市市场监管局", LEAD), Agency("市统计局", "support")]
    target = extract_targets(clause("产品质量监督抽查合格率达到98%以上。", agencies), DOC)[0]
    assert target.agencies == ["市市场监管局", "市统计局"]
    assert target.citation == "《某市2019年质量工作要点》（某政办发〔2019〕1号，某市人民政府办公室，2019年3月1日）一、(一)"
    assert (target.clause_id, target.path, target.doc_id, target.region) == ("doc1:c1", "一、(一)", "doc1", "某市")
    assert target.value_text == "98%以上" and target.comparator_text == "达到…以上"


@pytest.fixture(scope="module")
def seed_store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    store = Store(tmp_path_factory.mktemp("targets") / "store.db")
    assert sync_corpus(CORPUS_DIR, store).skipped == []
    yield store
    store.close()


def by_region(targets, region: str, indicator: str):
    return next(t for t in targets if t.region == region and t.indicator == indicator)


def test_seed_pass_rate_targets(seed_store: Store) -> None:
    targets = collect_targets(seed_store, "合格率")
    assert all("合格率" in t.indicator for t in targets)
    qitaihe = by_region(targets, "七台河市", "产品质量监督抽查合格率")
    assert (qitaihe.value, qitaihe.unit, qitaihe.comparator, qitaihe.year) == (98.0, "%", GE, 2020)
    assert qitaihe.path == "二、(一)1." and "七政办规〔2018〕1号" in qitaihe.citation
    assert qitaihe.agencies == ["市市场监管局"]
    assert by_region(targets, "七台河市", "主要农产品质量安全抽检合格率").year == 2020  # from 二、工作目标
    taiyuan = by_region(targets, "太原市", "食品安全抽检合格率")
    assert (taiyuan.value, taiyuan.comparator, taiyuan.year, taiyuan.deadline) == (98.5, GE, 2025, "到2025年")
    assert by_region(targets, "太原市", "制造业产品质量合格率").value == 94.0
    assert by_region(targets, "克州", "工业产品监督抽查合格率").year == 2020
    xian = by_region(targets, "西安市", "制造业产品质量合格率")
    assert (xian.value, xian.year, xian.year_source) == (92.0, 2017, "title")
    assert {t.region for t in targets} == {"七台河市", "太原市", "克州", "西安市"}  # 安徽 sets no 合格率


def test_seed_other_targets(seed_store: Store) -> None:
    targets = collect_targets(seed_store)
    values = {(t.region, t.indicator): (t.value, t.unit) for t in targets}
    assert values[("七台河市", "环境空气质量细颗粒物(PM2.5)年均浓度")] == (52.0, "微克/标立米")
    assert values[("七台河市", "森林覆盖率")] == (48.75, "%")
    assert values[("七台河市", "有害生物成灾率")] == (2.7, "‰")
    assert values[("安徽省", "新增安徽名牌")] == (170.0, "个")
    assert values[("西安市", "制修订或立项国家标准")] == (30.0, "项")
    assert values[("太原市", "公共服务质量满意度")] == (82.0, "分")
    assert not any(t.value == 2.5 for t in targets)


def test_comparison_rows_and_filter(seed_store: Store) -> None:
    targets = collect_targets(seed_store)
    assert filter_targets(targets, None) == targets
    rows = comparison_rows(filter_targets(targets, "满意度"), superseded={targets[0].doc_id})
    assert rows and all("满意度" in r["指标"] for r in rows)
    assert list(rows[0]) == ["指标", "地区", "目标", "原文", "年份", "时限", "责任单位", "出处"]


def test_chart_is_a_png(seed_store: Store) -> None:
    png = targets_chart(collect_targets(seed_store, "合格率"), title="合格率")
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 5000


def test_bot_targets_rendering(tmp_path: Path) -> None:
    service = PlanService(Settings(data_dir=tmp_path / "data", corpus_dir=CORPUS_DIR, embedding_model="fake:32"))
    report = service.targets("合格率")
    rows, targets = report.rows, report.targets
    messages = targets_messages("合格率", rows)
    assert len(targets) == len(rows) > 10
    assert "产品质量监督抽查合格率" in "".join(messages) and "≥ 98%" in "".join(messages)
    assert all(len(m) <= 4096 for m in messages)


def run_script(*args: str, data_dir: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATA_DIR": str(data_dir), "CORPUS_DIR": str(CORPUS_DIR)}
    return subprocess.run([sys.executable, "scripts/targets.py", *args], cwd=ROOT, env=env, capture_output=True, timeout=120)


def test_targets_script_json(tmp_path: Path) -> None:
    result = run_script("合格率", "--json", data_dir=tmp_path)
    assert result.returncode == 0, result.stderr.decode()
    items = json.loads(result.stdout.decode("utf-8"))
    item = next(i for i in items if i["indicator"] == "产品质量监督抽查合格率")
    assert (item["value"], item["unit"], item["comparator"], item["year"]) == (98.0, "%", ">=", 2020)
    assert "七政办规〔2018〕1号" in item["citation"] and "二、(一)1." in item["citation"]
    assert all({"value", "unit", "comparator", "year", "citation", "value_text"} <= set(i) for i in items)
    assert not (tmp_path / "index").exists()  # an empty DATA_DIR: documents parsed into the store, nothing embedded


def test_targets_script_table_and_errors(tmp_path: Path) -> None:
    result = run_script("满意度", data_dir=tmp_path)
    assert result.returncode == 0
    assert result.stdout.decode("utf-8").startswith("| 指标 | 地区 | 目标 |")
    missing = run_script("--doc", "不存在的地方", data_dir=tmp_path)
    assert missing.returncode == 2
    assert b"Traceback" not in missing.stderr and "库中找不到这个文件" in missing.stderr.decode("utf-8")
