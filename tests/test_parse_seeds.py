"""The five seed plans parse as ../shared/eval/seed_parse_expectations.json says."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from index.ingest.parse import parse_file
from index.models import KIND_CLAUSE, KIND_PARAGRAPH, KIND_SECTION, LEAD, SUPPORT

SHARED = Path(__file__).parents[1].parent / "shared"
EXPECTATIONS = SHARED / "eval" / "seed_parse_expectations.json"
SEEDS = SHARED / "seeds"
REGIONS = {
    "000_8a8e9c76fb34cc31.txt": "西安市",
    "001_da3f1a9ac43ee785.txt": "七台河市",
    "002_d675dad4058447c9.txt": "安徽省",
    "003_e502af60439b1aa9.txt": "克州",
    "004_161139ce96b4992a.txt": "太原市",
}

if not EXPECTATIONS.exists():  # pragma: no cover - shared/ sits beside the project
    pytest.skip("shared/eval/seed_parse_expectations.json is not available", allow_module_level=True)

EXPECTED = json.loads(EXPECTATIONS.read_text(encoding="utf-8"))["documents"]
_CACHE: dict[str, object] = {}


def parsed(seed: str):
    if seed not in _CACHE:
        _CACHE[seed] = parse_file(SEEDS / seed)
    return _CACHE[seed]


def by_path(result, path: str):
    matches = [clause for clause in result.clauses if clause.path == path]
    assert len(matches) == 1, f"{path}: {len(matches)} units"
    return matches[0]


@pytest.mark.parametrize("expected", EXPECTED, ids=lambda e: e["seed"])
def test_metadata(expected):
    document = parsed(expected["seed"]).document
    assert document.title == expected["title"]
    assert document.doc_number == expected["doc_number"]
    assert document.issuer == expected["issuer"]
    assert document.date == expected["date"]
    assert document.region == REGIONS[expected["seed"]]
    assert document.source == expected["seed"]
    assert len(document.sha256) == 64 and document.id == document.sha256[:12]


@pytest.mark.parametrize("expected", EXPECTED, ids=lambda e: e["seed"])
def test_counts(expected):
    result = parsed(expected["seed"])
    assert sum(c.kind == KIND_SECTION for c in result.clauses) == expected["sections"]
    if "numbered_clauses" in expected:
        assert sum(c.kind == KIND_CLAUSE for c in result.clauses) == expected["numbered_clauses"]


SAMPLES = [(e["seed"], sample) for e in EXPECTED for sample in e["samples"]]


@pytest.mark.parametrize(("seed", "sample"), SAMPLES, ids=lambda v: v if isinstance(v, str) else v["path"])
def test_samples(seed, sample):
    clause = by_path(parsed(seed), sample["path"])
    if "heading" in sample:
        assert clause.heading == sample["heading"]
    assert clause.retrievable
    if "support" in sample:
        assert [a.name for a in clause.agencies if a.role == LEAD] == sample["agencies"]
        assert [a.name for a in clause.agencies if a.role == SUPPORT] == sample["support"]
    else:
        assert [a.name for a in clause.agencies] == sample["agencies"]
        assert all(a.role == LEAD for a in clause.agencies)


@pytest.mark.parametrize("expected", EXPECTED, ids=lambda e: e["seed"])
def test_structure_invariants(expected):
    result = parsed(expected["seed"])
    paths = [c.path for c in result.clauses]
    ids = [c.id for c in result.clauses]
    assert len(set(paths)) == len(paths)
    assert len(set(ids)) == len(ids)
    assert [c.order for c in result.clauses] == list(range(len(result.clauses)))
    known = {c.id: c for c in result.clauses}
    for clause in result.clauses:
        if clause.parent_id is None:
            assert clause.level == 1
        else:
            parent = known[clause.parent_id]
            assert parent.order < clause.order and clause.level == parent.level + 1
            assert clause.path.startswith(parent.path)
        assert clause.text.strip() and clause.id.startswith(result.document.id + ":")
    # Sections with clause children only group them; what officials cite is retrievable.
    for clause in result.clauses:
        if clause.kind == KIND_SECTION and any(c.parent_id == clause.id for c in result.clauses):
            assert not clause.retrievable


def test_ids_are_stable_across_parses():
    seed = EXPECTED[0]["seed"]
    first = parse_file(SEEDS / seed)
    second = parse_file(SEEDS / seed)
    assert [c.id for c in first.clauses] == [c.id for c in second.clauses]


def test_qitaihe_department_paragraphs_are_units():
    result = parsed("001_da3f1a9ac43ee785.txt")
    clause = by_path(result, "三、(二)")
    assert clause.heading == "明确职责分工" and not clause.retrievable
    children = [c for c in result.clauses if c.parent_id == clause.id]
    assert len(children) >= 15 and all(c.kind == KIND_PARAGRAPH and c.retrievable for c in children)
    finance = by_path(result, "三、(二)财政部门")
    assert finance.number == "财政部门"
    assert [(a.name, a.role) for a in finance.agencies] == [("财政部门", LEAD)]
    assert finance.text.startswith("财政部门要逐步加大对质量工作的经费支持")
    housing = by_path(result, "三、(二)住建部门")
    assert housing.agencies[0].name == "住建部门"
    joint = by_path(result, "三、(二)卫生、旅游、通信、金融、保险、税务等部门和单位")
    assert joint.agencies[0].name == "卫生、旅游、通信、金融、保险、税务等部门和单位"
    # the clause's own heading line stays with the clause, the paragraphs are not repeated
    assert "财政部门要" not in by_path(result, "三、(一)").text


def test_qitaihe_items_carry_their_own_lines():
    result = parsed("001_da3f1a9ac43ee785.txt")
    heading_only = by_path(result, "二、(一)")
    assert not heading_only.retrievable and heading_only.agencies == []
    assert [a.name for a in by_path(result, "二、(一)2.").agencies] == ["市食药监局"]


def test_kezhou_restarted_numbering_and_web_noise():
    result = parsed("003_e502af60439b1aa9.txt")
    paths = [c.path for c in result.clauses]
    assert "一、(一)" in paths and "二、(一)" in paths and "三、(四)" in paths
    assert "八、(三十)" in paths
    for clause in result.clauses:
        for noise in ("当前位置", "首页 >", "索", "主题分类", "发文单位", "解读文章", "正文"):
            if noise == "索":
                assert not clause.text.startswith("索")
            else:
                assert noise not in clause.text
    assert not any(c.text.startswith(("1. 当前位置", "2. 首页")) for c in result.clauses)
    assert "2017126日" not in by_path(result, "八、(三十)").text


def test_forwarding_notice_and_attachment_are_not_clauses():
    result = parsed("000_8a8e9c76fb34cc31.txt")
    everything = "\n".join(c.text for c in result.clauses)
    assert "现印发给你们" not in everything and "印发给你们" not in everything
    assert "附件:西安市2017年质量强市行动计划任务分解表" not in everything
    assert "扫描二维码" not in everything and "公文相关附件" not in everything
    assert result.clauses[0].path == "一、"


def test_taiyuan_own_line_responsibility_and_multi_paragraph_clauses():
    result = parsed("004_161139ce96b4992a.txt")
    eleventh = by_path(result, "四、(十一)")
    assert eleventh.text.endswith("(责任单位:市市场监管局)")
    fifth = by_path(result, "二、(五)")
    assert "建筑信息模型(BIM)" in fifth.text and fifth.text.count("\n") == 2
    assert not any(c.path.endswith("(责任单位") for c in result.clauses)
