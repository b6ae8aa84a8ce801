"""Versions: which stored plan superseded which (文号 family, or same issuer and title)."""

from pathlib import Path

import pytest

from index.ingest.parse import parse_text
from index.models import Document
from index.service import PlanService
from index.settings import Settings
from index.store.corpus import sync_corpus
from index.store.database import Store
from index.store.versions import (
    apply_versions,
    detect_versions,
    doc_number_family,
    latest_version,
    title_key,
    version_note,
)
from tests.conftest import CORPUS_DIR


def doc(doc_id: str, title: str, number: str | None, issuer: str | None, date: str | None, region: str | None) -> Document:
    return Document(doc_id, title, number, issuer, date, region, f"{doc_id}.txt", doc_id * 4)


XIAN_2016 = doc("x16", "西安市2016年质量强市行动计划", "市政办发〔2016〕12号", "西安市人民政府办公厅", "2016-03-01", "西安市")
XIAN_2017 = doc("x17", "西安市2017年质量强市行动计划", "市政办发〔2017〕17号", "西安市人民政府办公厅", "2017-02-25", "西安市")
XIAN_2018 = doc("x18", "西安市2018年质量强市行动计划", "市政办发〔2018〕9号", "西安市人民政府办公厅", "2018-02-10", "西安市")


def test_doc_number_family() -> None:
    assert doc_number_family("市政办发〔2017〕17号") == ("市政办发", 2017, 17)
    assert doc_number_family("皖政办秘[2016]76号") == ("皖政办秘", 2016, 76)
    assert doc_number_family("克政发〔2017〕95号〔2017〕号") == ("克政发", 2017, 95)
    assert doc_number_family("无文号") is None and doc_number_family(None) is None


def test_title_key_drops_years_places_and_boilerplate() -> None:
    assert title_key(XIAN_2017) == title_key(XIAN_2018) == "质量强市行动计划"


def test_annual_plans_form_a_chain() -> None:
    links = detect_versions([XIAN_2018, XIAN_2016, XIAN_2017])
    assert links["x16"].superseded_by == "x17" and links["x16"].supersedes is None
    assert links["x17"].supersedes == "x16" and links["x17"].superseded_by == "x18"
    assert links["x18"].supersedes == "x17" and links["x18"].superseded_by is None
    assert "市政办发" in links["x18"].reason
    assert latest_version("x16", links) == "x18"


def test_what_is_not_a_new_version() -> None:
    other_city = doc("sh", "上海市2018年质量强市行动计划", "市政办发〔2018〕3号", "上海市人民政府办公厅", "2018-01-01", "上海市")
    other_title = doc("xz", "西安市电梯安全管理办法", "市政办发〔2018〕20号", "西安市人民政府办公厅", "2018-05-01", "西安市")
    older = doc("x15", "西安市2015年质量强市行动计划", "市政办发〔2015〕5号", "西安市人民政府办公厅", "2015-01-01", "西安市")
    assert detect_versions([XIAN_2017, other_city, other_title]) == {}
    # an older plan does not supersede a newer one, whatever the order given
    links = detect_versions([XIAN_2017, older])
    assert links["x17"].supersedes == "x15" and links["x15"].superseded_by == "x17"


def test_same_issuer_and_title_without_doc_numbers() -> None:
    first = doc("a1", "关于实施质量强州战略的意见", None, "克州人民政府", "2017-12-06", "克州")
    second = doc("a2", "关于实施质量强州战略的意见", None, "克州人民政府", "2021-06-01", "克州")
    other = doc("a3", "关于实施质量强州战略的意见", None, "阿克苏地区行署", "2022-01-01", "阿克苏地区")
    links = detect_versions([first, second, other])
    assert links["a1"].superseded_by == "a2" and "a3" not in links


def test_seeds_are_not_versions_of_each_other(tmp_path: Path) -> None:
    with Store(tmp_path / "store.db") as store:
        sync_corpus(CORPUS_DIR, store)
        assert len(store.documents()) == 5
        assert detect_versions(store.documents()) == {}


def test_version_note() -> None:
    docs = {d.id: d for d in (XIAN_2016, XIAN_2017, XIAN_2018)}
    links = detect_versions(list(docs.values()))
    note = version_note(XIAN_2016, links, docs)
    assert note == "注意：此条出自旧版本，已被《西安市2018年质量强市行动计划》（市政办发〔2018〕9号，西安市人民政府办公厅，2018年2月10日）取代。"
    assert version_note(XIAN_2018, links, docs).startswith("此文件取代了《西安市2017年质量强市行动计划》")
    assert version_note(doc("z", "无关", None, None, None, None), links, docs) is None


def test_apply_versions_records_supersedes_in_the_store(tmp_path: Path) -> None:
    text = next(CORPUS_DIR.glob("西安市*.txt")).read_text(encoding="utf-8")
    newer = text.replace("2017", "2018").replace("市政办发〔2018〕17号", "市政办发〔2018〕8号")
    with Store(tmp_path / "store.db") as store:
        store.add_document(parse_text(text, "xian2017.txt"))
        store.add_document(parse_text(newer, "xian2018.txt"))
        links = apply_versions(store)
        by_date = {d.date[:4]: d for d in store.documents()}
        assert by_date["2018"].supersedes == by_date["2017"].id
        assert links[by_date["2017"].id].superseded_by == by_date["2018"].id
        assert apply_versions(store) == links  # idempotent


def test_reports_read_the_corpus_before_anything_is_indexed(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", corpus_dir=CORPUS_DIR, embedding_model="fake:32")
    service = PlanService(settings)
    table = service.task_table("市质监局", "西安")
    assert table.rows and table.notes and str(CORPUS_DIR) in table.notes[0]
    assert all(row.document.region == "西安市" for row in table.rows)
    assert any("现市场监管局" in lead for row in table.rows for lead in row.leads)
    again = service.task_table("市质监局", "西安")
    assert again.notes == [] and len(again.rows) == len(table.rows)  # the store holds them now


@pytest.mark.parametrize("missing", [None, ""])
def test_documents_without_dates_are_never_newer(missing: str | None) -> None:
    undated = doc("u", "西安市2019年质量强市行动计划", None, "西安市人民政府办公厅", missing, "西安市")
    links = detect_versions([XIAN_2017, undated])
    assert "u" not in links or links["u"].supersedes is None
