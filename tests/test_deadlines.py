"""Deadlines per clause (index/text/deadlines.py): varied fixtures and the seeds; windows, /due and
scripts/tasks.py --due agreeing; the .ics read by icalendar and by a strict RFC 5545 line parser;
the deadline in answers (hit_block, Hit JSON) and in task tables (完成时限)."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot import render
from index import Hit, PlanService, Settings
from index.errors import ExportError
from index.features.deadlines import due_items, occurrences, parse_window, render_ics
from index.features.tasks import HEADER, agency_task_rows
from index.models import DUE_DATE, DUE_MONTHLY, DUE_ONGOING, DUE_QUARTERLY, DUE_YEARLY, LEAD, Clause, Deadline, Document
from index.text.deadlines import clause_deadline, document_deadlines, find_deadline, plan_deadline, scan
from index.text.normalize import norm
from tests.conftest import CORPUS_DIR

PLAN_2020 = Deadline(DUE_DATE, "2017年—2020年", "2020-12-31", "2017-01-01", source="plan")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2018年底前，完成全市质量信用体系建设。", (DUE_DATE, "2018年底前", "2018-12-31", None)),
        ("力争2025年6月底前建成检验检测平台。", (DUE_DATE, "2025年6月底前", "2025-06-30", None)),
        ("于2019年3月15日前报送自查报告。", (DUE_DATE, "于2019年3月15日前", "2019-03-15", None)),
        ("二〇一八年六月底前完成摸底。", (DUE_DATE, "二〇一八年六月底前", "2018-06-30", None)),
        ("2024年2月底前完成。", (DUE_DATE, "2024年2月底前", "2024-02-29", None)),  # leap year
        ("2018年6月至2019年12月开展专项整治。", (DUE_DATE, "2018年6月至2019年12月", "2019-12-31", "2018-06-01")),
        ("2018—2020年，每年培育名牌产品5个。", (DUE_DATE, "2018—2020年", "2020-12-31", "2018-01-01")),
        ("2019年上半年完成标准制定。", (DUE_DATE, "2019年上半年", "2019-06-30", None)),
        ("2019年第三季度前完成验收。", (DUE_DATE, "2019年第三季度前", "2019-09-30", None)),
        ("“十三五”期间，建成质量强市。", (DUE_DATE, "“十三五”期间", "2020-12-31", None)),
        ("到2020年，全市产品质量明显提升。", (DUE_DATE, "到2020年", "2020-12-31", None)),
        ("年内完成全部任务。", (DUE_DATE, "年内", "2017-12-31", None)),  # the plan's year
        ("9月底前完成质量月活动。", (DUE_DATE, "9月底前", "2017-09-30", None)),
        ("首先2020年底前完成A，2018年底前完成B。", (DUE_DATE, "2018年底前", "2018-12-31", None)),  # the earliest
        ("（责任单位：市质监局；完成时限：2019年底前）开展抽查，到2020年全覆盖。", (DUE_DATE, "2019年底前", "2019-12-31", None)),
    ],
)
def test_dated_deadlines(text: str, expected: tuple) -> None:
    found = clause_deadline(text, fallback_year=2017)
    assert found is not None
    assert (found.kind, found.text, found.due, found.start) == expected


@pytest.mark.parametrize(
    ("text", "kind", "month_day"),
    [
        ("各单位每年按规划定期报送质量工作情况。", DUE_YEARLY, "12-31"),
        ("每年6月底前报送上年度质量分析报告。", DUE_YEARLY, "06-30"),
        ("每季度末将任务完成情况报送市质量办。", DUE_QUARTERLY, None),
        ("每月通报抽查结果。", DUE_MONTHLY, None),
    ],
)
def test_recurring_deadlines_run_until_the_plan_ends(text: str, kind: str, month_day: str | None) -> None:
    found = clause_deadline(text, plan=PLAN_2020)
    assert found is not None
    assert (found.kind, found.month_day, found.due, found.start) == (kind, month_day, "2020-12-31", "2017-01-01")


@pytest.mark.parametrize("text", ["长期坚持质量第一。", "持续推进“锦绣太原”品牌建设。", "常态化开展质量教育。", "（完成时限：长期）加强监管。"])
def test_ongoing_deadlines(text: str) -> None:
    found = clause_deadline(text, plan=PLAN_2020)
    assert found is not None and found.kind == DUE_ONGOING and found.due is None


def test_a_clause_without_its_own_takes_the_parent_then_the_plan() -> None:
    parent = find_deadline("二、主要目标。到2020年，质量总体水平显著提升。")
    assert clause_deadline("培育名牌产品。", inherited=parent, plan=PLAN_2020) == Deadline(
        DUE_DATE, "到2020年", "2020-12-31", source="parent"
    )
    assert clause_deadline("培育名牌产品。", plan=PLAN_2020) == PLAN_2020
    assert clause_deadline("培育名牌产品。") is None


@pytest.mark.parametrize(
    "text",
    [
        "贯彻《质量发展纲要(2011-2020年)》。",
        "落实〈计量发展规划(2013-2020年)〉实施方案。",
        "2018年6月，市政府印发了实施意见。",  # when something happened
        "2017年至今成效明显。",
        "开展第2次联席会议。",
    ],
)
def test_names_and_past_dates_are_not_deadlines(text: str) -> None:
    assert clause_deadline(text) is None


def titled(title: str) -> Document:
    return Document("d", title, None, None, None, None, "d.txt", "0")


def test_plan_horizon_from_the_title() -> None:
    assert plan_deadline(titled("七台河市质量强市(2017年—2020年)活动实施方案")) == Deadline(
        DUE_DATE, "2017年—2020年", "2020-12-31", "2017-01-01", source="plan"
    )
    assert plan_deadline(titled("西安市2017年质量强市行动计划")).due == "2017-12-31"
    assert plan_deadline(titled("浙江省质量强省建设“十四五”规划")).due == "2025-12-31"
    assert plan_deadline(titled("关于实施质量强州战略的意见")) is None


def test_a_plan_without_a_year_in_its_title_takes_its_first_horizon() -> None:
    doc = titled("全面推进质量强市建设实施方案")
    clauses = [
        Clause("a", "d", "一、", "一、", 1, "section", "总体要求", "一、总体要求\n到2025年，质量整体水平进一步提升。", None, 0),
        Clause("b", "d", "二、", "二、", 1, "section", "任务", "二、任务\n加强标准化工作。", None, 1),
    ]
    found = document_deadlines(doc, clauses)
    assert found["b"] == Deadline(DUE_DATE, "到2025年", "2025-12-31", source="plan")


@given(st.integers(2000, 2099), st.integers(1, 12))
def test_any_year_and_month_end(year: int, month: int) -> None:
    [mention] = scan(norm(f"{year}年{month}月底前完成"))
    assert mention.due is not None and (mention.due.year, mention.due.month) == (year, month)
    assert (mention.due.replace(day=28) - mention.due).days <= 0


@given(st.text(max_size=80))
def test_scan_never_fails(text: str) -> None:
    for mention in scan(norm(text), 2020):
        assert 0 <= mention.start <= mention.end <= len(text)


# -- the seeds ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> PlanService:
    base = tmp_path_factory.mktemp("deadlines")
    service = PlanService(Settings(data_dir=base / "data", corpus_dir=CORPUS_DIR, embedding_model="fake:64"))
    yield service
    service.close()


def stored(service: PlanService, title_word: str) -> dict[str, Clause]:
    view, _ = service._report_view()
    document = next(d for d in view.documents() if title_word in (d.title or ""))
    return {c.path: c for c in view.clauses(document.id)}


def test_seed_deadlines_are_stored(service: PlanService) -> None:
    qth = stored(service, "七台河")
    assert qth["二、(一)1."].deadline == Deadline(DUE_DATE, "2018年底前", "2018-12-31", source="text")
    assert qth["二、(一)3."].deadline == Deadline(DUE_DATE, "到2020年", "2020-12-31", source="parent")
    assert qth["三、(四)"].deadline.kind == DUE_YEARLY
    assert qth["一、"].deadline.source == "plan" and qth["一、"].deadline.due == "2020-12-31"
    xian = stored(service, "西安")
    assert xian["六、(二十一)"].deadline.kind == DUE_QUARTERLY
    assert xian["四、(十四)"].deadline.kind == DUE_ONGOING
    assert xian["一、(一)"].deadline == Deadline(DUE_DATE, "2017年", "2017-12-31", source="plan")
    taiyuan = stored(service, "全面推进")
    assert taiyuan["四、(十一)"].deadline == Deadline(DUE_ONGOING, "持续推进", source="text")
    assert taiyuan["二、(三)"].deadline == Deadline(DUE_DATE, "到2025年", "2025-12-31", source="plan")
    kz = stored(service, "质量强州")
    assert kz["六、(十九)"].deadline.source == "plan"  # 〈计量发展规划(2013-2020年)〉 is a title


def test_deadline_in_answers_and_json(service: PlanService) -> None:
    view, _ = service._report_view()
    qth = stored(service, "七台河")
    clause = qth["二、(一)1."]
    hit = Hit(clause, view.document(clause.doc_id), 1.0, 1)
    assert "⏰ 时限：2018年底前" in render.hit_block(hit)
    assert hit.to_json()["deadline"] == {
        "kind": "date", "text": "2018年底前", "due": "2018-12-31", "start": None, "month_day": None, "source": "text",
    }  # fmt: skip
    plain = Hit(Clause("x", clause.doc_id, "1.", "1.", 1, "item", "", "无时限", None, 0), hit.document, 1.0, 1)
    assert "⏰" not in render.hit_block(plain) and plain.to_json()["deadline"] is None


def test_task_tables_have_a_deadline_column(service: PlanService) -> None:
    assert HEADER[-1] == "完成时限"
    table = service.task_table("市场监管局", "七台河")
    row = next(r for r in table.rows if r.clause.path == "二、(一)1.")
    assert row.cells()[-1] == "2018年底前" and row.to_json()["deadline"]["due"] == "2018-12-31"


# -- windows, /due, tasks.py --due, ics --------------------------------------------------------


def test_windows() -> None:
    today = date(2020, 5, 20)
    assert (parse_window("本月", today).start, parse_window("本月", today).end) == (date(2020, 5, 1), date(2020, 5, 31))
    assert parse_window("本季度", today).end == date(2020, 6, 30)
    assert parse_window("2020-12", today).start == date(2020, 12, 1)
    assert parse_window("逾期", today).end == date(2020, 5, 19)
    assert parse_window("30天", today).end == date(2020, 6, 19)
    with pytest.raises(ExportError):
        parse_window("明年", today)


def test_recurring_occurrences() -> None:
    yearly = Deadline(DUE_YEARLY, "每年6月底前", "2020-12-31", "2017-01-01", "06-30")
    assert occurrences(yearly, date(2018, 1, 1), date(2021, 12, 31)) == [date(2018, 6, 30), date(2019, 6, 30), date(2020, 6, 30)]
    quarterly = Deadline(DUE_QUARTERLY, "每季度末", "2017-12-31", "2017-01-01")
    assert occurrences(quarterly, date(2017, 5, 1), date(2017, 12, 31)) == [date(2017, 6, 30), date(2017, 9, 30), date(2017, 12, 31)]


def test_due_lists_lead_first_then_by_date(service: PlanService) -> None:
    report = service.due("市场监管局", "全部", today=date(2020, 1, 1))
    roles = [item.row.role for item in report.items]
    assert roles == sorted(roles, key=lambda role: role != LEAD) and len(report.items) > 10
    leads = [item.due for item in report.items if item.row.role == LEAD]
    assert leads == sorted(leads)
    overdue = service.due("市场监管局", "逾期", today=date(2019, 1, 10))
    assert [i.row.clause.path for i in overdue.items if i.row.document.title.startswith("七台河")] == ["二、(一)1."]
    assert all(i.overdue for i in overdue.items)


def test_scripts_tasks_due_agrees_with_due(service: PlanService, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    from scripts import tasks as script

    monkeypatch.setenv("DATA_DIR", str(service.settings.data_dir))
    monkeypatch.setenv("CORPUS_DIR", str(CORPUS_DIR))
    monkeypatch.setenv("EMBEDDING_MODEL", "fake:64")
    window = "2020-12"
    assert script.main(["市场监管局", "--due", window]) == 0
    out = capsys.readouterr().out
    paths = [line.split(" | ")[2] for line in out.splitlines() if re.match(r"^\| \d+ \|", line)]
    report = service.due("市场监管局", window)
    assert paths == [item.row.clause.path for item in report.items] and paths


def unfold(data: bytes) -> list[str]:
    """A strict RFC 5545 reading: CRLF line ends, ≤ 75 octets a line, folds begin with one space."""
    assert data.endswith(b"\r\n") and b"\n" not in data.replace(b"\r\n", b"")
    lines: list[str] = []
    for raw in data.split(b"\r\n")[:-1]:
        assert len(raw) <= 75, raw
        text = raw.decode("utf-8")
        if text.startswith((" ", "\t")):
            lines[-1] += text[1:]
        else:
            lines.append(text)
    return lines


def strict_events(data: bytes) -> list[dict[str, str]]:
    events: list[dict[str, str]] = []
    stack: list[str] = []
    for line in unfold(data):
        name, _, value = line.partition(":")
        assert re.fullmatch(r"[A-Z-]+(;[A-Z-]+=[^;:]+)*", name), line
        key = name.split(";")[0]
        if key == "BEGIN":
            stack.append(value)
            if value == "VEVENT":
                events.append({})
        elif key == "END":
            assert stack.pop() == value
        elif stack and stack[-1] == "VEVENT":
            events[-1][key] = value
    assert not stack
    return events


def test_ics_parses_with_icalendar_and_a_strict_parser(service: PlanService) -> None:
    import icalendar

    report = service.due("市场监管局", "全部", today=date(2020, 1, 1))
    data = render_ics(report.items, subject="市场监管局", now=datetime(2020, 1, 1, 8, 0))
    calendar = icalendar.Calendar.from_ical(data)
    events = list(calendar.walk("VEVENT"))
    assert len(events) == len(report.items) == len({str(e["UID"]) for e in events})
    first = events[0]
    assert first.decoded("DTSTART") == report.items[0].due
    assert "出处：《" in str(first["DESCRIPTION"]) and report.items[0].row.clause.path in str(first["DESCRIPTION"])
    strict = strict_events(data)
    assert len(strict) == len(report.items)
    for event in strict:
        assert {"UID", "DTSTAMP", "DTSTART", "SUMMARY", "DESCRIPTION"} <= set(event)
        assert re.fullmatch(r"\d{8}", event["DTSTART"])
    item = report.items[0]
    item.row.deadline = Deadline(DUE_QUARTERLY, "每季度末", "2020-12-31", "2017-01-01")
    [event] = icalendar.Calendar.from_ical(render_ics([item], subject="x")).walk("VEVENT")
    assert event["RRULE"]["FREQ"] == ["MONTHLY"] and event["RRULE"]["INTERVAL"] == [3]
    assert event["RRULE"]["BYMONTHDAY"] == [-1] and len(strict_events(render_ics([item], subject="x"))) == 1


def test_tasks_script_writes_ics(service: PlanService, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from scripts import tasks as script

    monkeypatch.setenv("DATA_DIR", str(service.settings.data_dir))
    monkeypatch.setenv("CORPUS_DIR", str(CORPUS_DIR))
    out = tmp_path / "due.ics"
    assert script.main(["市场监管局", "--format", "ics", "-o", str(out)]) == 0
    assert len(strict_events(out.read_bytes())) == len(service.due("市场监管局", "全部").items)


def test_due_items_skip_ongoing_and_undated(service: PlanService) -> None:
    rows = agency_task_rows("市场监管局", [(d, service.store.clauses(d.id)) for d in service.store.documents()])
    items = due_items(rows, parse_window("全部", date(2020, 1, 1)), date(2020, 1, 1))
    assert all(item.row.deadline.kind != DUE_ONGOING for item in items)
