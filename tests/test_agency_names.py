"""Agency names across time: canonical current names, level-aware matching, the data file."""

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from index.errors import AgencyDataError
from index.ingest.parse import parse_file
from index.models import Agency, Document
from index.text.agencies import (
    AgencyTable,
    agency_matches,
    agency_query_names,
    annotate_canonical,
    canonical_name,
    default_table,
    display_name,
    document_level,
)
from tests.conftest import CORPUS_DIR


@pytest.mark.parametrize(
    ("name", "level", "canonical"),
    [
        # 2018 reform, seeds
        ("市质监局", "市", "市市场监管局"),
        ("省质监局", "省", "省市场监管局"),
        ("市工商局", "市", "市市场监管局"),
        ("省食品药品监管局", "省", "省市场监管局"),
        ("市食品药监局", "市", "市市场监管局"),
        ("市环保局", "市", "市生态环境局"),
        ("市农林委", "市", "市农业农村局"),
        ("省农委", "省", "省农业农村厅"),
        ("市建委", "市", "市住建局"),
        ("省卫生计生委", "省", "省卫健委"),
        ("卫计委", "市", "市卫健委"),  # bare name in a 市 plan
        ("市外侨旅游局", "市", "市文旅局"),
        ("安徽保监局", "省", "安徽金融监管局"),  # 保监局 → 银保监局 (2018) → 金融监管局 (2023)
        ("安徽银监局", "省", "安徽金融监管局"),
        ("安徽出入境检验检疫局", "省", "合肥海关"),
        ("保监会", "市", "金融监管总局"),
        ("省地税局", "省", "省税务局"),
        ("省新闻出版广电局", "省", "省广电局"),
        ("市工信委", "市", "市工信局"),
        # abbreviations and full names of current bodies
        ("市市场监管局", "市", "市市场监管局"),
        ("市市场监督管理局", "市", "市市场监管局"),
        ("市发改委", "市", "市发展改革委"),
        ("省发展和改革委员会", "省", "省发展改革委"),
        ("交通局", "市", "市交通运输局"),
        ("财政部门", "市", "市财政局"),
        ("市场监管部门", "市", "市市场监管局"),
        ("宣传部门", "市", "市委宣传部"),
        # unseen names, other levels
        ("县环保局", "县", "县生态环境局"),
        ("自治区质量技术监督局", "省", "自治区市场监管局"),
        ("州工商行政管理局", "州", "州市场监管局"),
        ("区卫生局", "区", "区卫健委"),  # 卫生局 → 卫计委 (2013) → 卫健委 (2018)
        ("盟安监局", "盟", "盟应急管理局"),
        ("江苏出入境检验检疫局", "省", "南京海关"),
        ("浙江保监局", "省", "浙江金融监管局"),
        ("国家质检总局", None, "国家市场监管总局"),
        ("环境保护部", None, "生态环境部"),
        ("西安市质监局", "市", "西安市市场监管局"),
        ("新疆维吾尔自治区质监局", "省", "新疆维吾尔自治区市场监管局"),
        ("省政府金融办", "省", "省地方金融管理局"),
        ("市住房和城乡建设局", "市", "市住建局"),
        ("县市场监督管理局", "县", "县市场监管局"),
        ("市文化广电和旅游局", "市", "市文旅局"),
        ("省药品监督管理局", "省", "省药监局"),
        ("市粮食局", "市", "市粮食和物资储备局"),
        ("市国土资源局", "市", "市自然资源局"),
    ],
)
def test_canonical_names(name: str, level: str | None, canonical: str) -> None:
    assert canonical_name(name, level_word=level) == canonical


@pytest.mark.parametrize(
    "name",
    ["各区县政府", "开发区管委会", "质量强市工作推进委员会各成员单位", "省质量工作领导小组其他成员单位", "通信管理办",
     "中级法院", "团市委", "食品药品、烟草等部门", ""],
)
def test_unknown_names_get_no_canonical(name: str) -> None:
    assert canonical_name(name, level_word="市") is None


def test_display_shows_the_current_name_of_renamed_bodies_only() -> None:
    assert display_name(Agency("市质监局", "lead", "市市场监管局")) == "市质监局（现市场监管局）"
    assert display_name(Agency("安徽保监局", "lead", "安徽金融监管局")) == "安徽保监局（现安徽金融监管局）"
    assert display_name(Agency("市发改委", "lead", "市发展改革委")) == "市发改委"  # an abbreviation, not a rename
    assert display_name(Agency("市市场监管局", "lead", "市市场监管局")) == "市市场监管局"
    assert display_name(Agency("通信管理办", "lead", None)) == "通信管理办"


def test_query_names_cover_old_names_and_keep_the_level() -> None:
    bare = agency_query_names("市场监管局")
    assert {"市质监局", "省质监局", "市工商局", "市食品药监局", "省食品药品监管局", "市场监管部门", "市市场监管局"} <= bare
    provincial = agency_query_names("省市场监管局")
    assert {"省质监局", "省工商局", "省市场监管局"} <= provincial
    assert "市质监局" not in provincial
    # a question about the old body also finds its successor, not the bodies merged beside it
    old = agency_query_names("市质监局")
    assert "市市场监管局" in old and "市工商局" not in old
    assert agency_query_names("通信管理办") == {"通信管理办"}


def test_matching_is_level_and_place_aware() -> None:
    assert agency_matches("市场监管局", Agency("市质监局", "lead", "市市场监管局"))
    assert agency_matches("市场监管局", Agency("省质监局", "lead", "省市场监管局"))
    assert agency_matches("省市场监管局", Agency("省质监局", "lead", "省市场监管局"))
    assert not agency_matches("省市场监管局", Agency("市质监局", "lead", "市市场监管局"))
    assert agency_matches("市市场监管局", Agency("市场监管部门", "lead", "市市场监管局"))
    assert agency_matches("安徽省市场监管局", Agency("省质监局", "lead", "省市场监管局"), doc_region="安徽省")
    assert not agency_matches("安徽省市场监管局", Agency("省质监局", "lead", "省市场监管局"), doc_region="陕西省")
    assert agency_matches("金融监管局", Agency("安徽保监局", "lead", "安徽金融监管局"))
    assert not agency_matches("市场监管局", Agency("市环保局", "lead", "市生态环境局"))


def test_document_level_from_region_or_issuer() -> None:
    def doc(region: str | None, issuer: str | None) -> Document:
        return Document("d", None, None, issuer, None, region, "d.txt", "0")

    assert document_level(doc("西安市", None)) == "市"
    assert document_level(doc("安徽省", None)) == "省"
    assert document_level(doc(None, "克州人民政府")) == "州"
    assert document_level(doc(None, "新疆维吾尔自治区人民政府办公厅")) == "自治区"
    assert document_level(doc(None, None)) is None


def seed(name: str):
    path = next(p for p in CORPUS_DIR.glob("*.txt") if p.name.startswith(name))
    parsed = parse_file(path)
    annotate_canonical(parsed)
    return {a.name: a.canonical for c in parsed.clauses for a in c.agencies}


def test_annotate_canonical_over_the_seeds() -> None:
    xian = seed("西安市")
    assert xian["市质监局"] == "市市场监管局"
    assert xian["市农林委"] == "市农业农村局"
    assert xian["各区县政府"] is None
    anhui = seed("安徽省")
    assert anhui["省质监局"] == "省市场监管局"
    assert anhui["安徽保监局"] == "安徽金融监管局"
    assert anhui["安徽出入境检验检疫局"] == "合肥海关"
    assert anhui["合肥海关"] == "合肥海关"
    qitaihe = seed("七台河市")
    assert qitaihe["卫计委"] == "市卫健委"
    assert qitaihe["市场监管部门"] == "市市场监管局"
    assert qitaihe["市环保局"] == "市生态环境局"
    taiyuan = seed("太原市")
    assert taiyuan["市市场监管局"] == "市市场监管局"
    assert taiyuan["中国人民银行山西省分行"] is None


def test_data_file_renames_have_sources_and_targets() -> None:
    table = default_table()
    renamed = [b for b in table.bodies.values() if b.renamed_to]
    assert len(renamed) >= 20
    for body in renamed:
        assert body.source and body.year and body.renamed_to in table.bodies, body.id
        assert table.current(body).renamed_to is None


def test_broken_data_files_are_refused(tmp_path: Path) -> None:
    bad_json = tmp_path / "bad.json"
    bad_json.write_text("{", encoding="utf-8")
    with pytest.raises(AgencyDataError, match="JSON"):
        AgencyTable.load(bad_json)
    base = {"level_words": {"市": "市"}, "provinces": []}
    clash = tmp_path / "clash.json"
    clash.write_text(json.dumps({**base, "bodies": [
        {"id": "a", "name": "甲局", "aliases": ["甲局"]},
        {"id": "b", "name": "乙局", "aliases": ["甲局"]},
    ]}, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(AgencyDataError, match="同时属于"):
        AgencyTable.load(clash)
    dangling = tmp_path / "dangling.json"
    dangling.write_text(json.dumps({**base, "bodies": [{"id": "a", "aliases": ["甲局"], "renamed_to": "z"}]}), encoding="utf-8")
    with pytest.raises(AgencyDataError, match="未定义"):
        AgencyTable.load(dangling)
    with pytest.raises(AgencyDataError):
        AgencyTable.load(tmp_path / "missing.json")


_TABLE = default_table()
_FORMS = sorted({alias for b in _TABLE.bodies.values() if not b.regional for alias in b.aliases})


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(_FORMS), st.sampled_from(["", "省", "市", "县", "区", "州", "自治区", "西安市", "安徽省"]))
def test_canonical_names_are_stable(alias: str, prefix: str) -> None:
    """Any known form with any level prefix is understood, and its current name is its own current name."""
    name = prefix + alias
    canonical = _TABLE.canonical_name(name, level_word="市")
    assert canonical is not None
    assert _TABLE.canonical_name(canonical, level_word="市") == canonical
    if prefix and not canonical.endswith(("部", "署", "总局")):
        assert canonical.startswith(prefix)
    assert _TABLE.matches(name, name, canonical)
