"""Index segments: adding a document writes one small segment, reuses the rest on disk and in
memory, and answers exactly as a full rebuild would; removed or replaced documents are never
answered; merging and rewriting keep the segment count and the dead passages bounded."""

from pathlib import Path

import numpy as np
import pytest

from index.build.builder import build_index
from index.build.layout import current_build, read_manifest
from index.build.segments import SegmentInfo, SegmentPolicy, plan_segments, segments_root
from index.embed.base import FakeEmbedder
from index.search.searcher import HybridSearcher
from index.service import PlanService
from index.settings import Settings
from index.store.corpus import parse_with_canonical
from index.store.database import Store
from scripts.reliability.checks import index_problems
from tests.handmade import anhui, fake_parse, make_store, shared_jieba, taiyuan, write_corpus, xian

SEEDS = sorted((Path(__file__).resolve().parents[2] / "shared" / "seeds").glob("*.txt"))
QUESTIONS = [
    "西安市电梯安全隐患整治有什么安排？",
    "品牌建设由哪个部门牵头",
    "标准化工作",
    "质量强市的目标是什么",
    "食品安全抽检合格率",
    "市市场监管局牵头哪些任务",
]


def info(name: str, docs: dict[str, int], shas: dict[str, str] | None = None) -> SegmentInfo:
    shas = shas or {d: f"sha-{d}" for d in docs}
    return SegmentInfo(name, 1, "c", "m", 8, shas, dict(docs), dict(docs), 0.1)


def test_plan_keeps_segments_of_unchanged_documents_and_puts_new_ones_in_a_fresh_segment() -> None:
    base = info("a", {"d1": 100, "d2": 20})
    plan = plan_segments({"d1": "sha-d1", "d2": "sha-d2", "d3": "sha-d3"}, [base])
    assert [(i.name, docs) for i, docs in plan.kept] == [("a", ["d1", "d2"])] and plan.fresh == ["d3"]
    replaced = plan_segments({"d1": "sha-d1", "d2": "new"}, [base])
    assert [(i.name, docs) for i, docs in replaced.kept] == [("a", ["d1"])] and replaced.fresh == ["d2"]


def test_plan_serves_a_document_from_one_segment_only_and_drops_empty_segments() -> None:
    old = info("a", {"d1": 10, "d2": 10})
    new = info("b", {"d1": 10})
    plan = plan_segments({"d1": "sha-d1"}, [old, new], max_dead_share=0.9)
    assert [(i.name, docs) for i, docs in plan.kept] == [("a", ["d1"])] and plan.fresh == []


def test_plan_rewrites_everything_when_dead_passages_pass_the_share() -> None:
    base = info("a", {"d1": 70, "d2": 30})
    assert not plan_segments({"d1": "sha-d1"}, [base], max_dead_share=0.5).rewrite_all
    plan = plan_segments({"d1": "sha-d1"}, [base], max_dead_share=0.25)
    assert plan.rewrite_all and plan.kept == [] and plan.fresh == ["d1"] and plan.merged == ["a"]


def test_plan_merges_the_smallest_segments_into_the_new_one() -> None:
    parts = [info("big", {"d1": 1000}), info("s1", {"d2": 5}), info("s2", {"d3": 3}), info("s3", {"d4": 9})]
    live = {f"d{i}": f"sha-d{i}" for i in range(1, 6)}
    plan = plan_segments(live, parts, max_segments=3)
    assert [i.name for i, _ in plan.kept] == ["big", "s3"]
    assert sorted(plan.fresh) == ["d2", "d3", "d5"] and plan.merged == ["s2", "s1"]


@pytest.fixture()
def seed_documents():
    if len(SEEDS) < 3:
        pytest.skip("seeds not beside the project (../shared/seeds)")
    return [parse_with_canonical(path) for path in SEEDS] + [xian(), anhui(), taiyuan()]


def _answers(settings: Settings, embedder: FakeEmbedder) -> list[list[tuple[str, float]]]:
    searcher = HybridSearcher.load(current_build(settings.index_root), embedder, shared_jieba())
    try:
        return [
            [(h.clause.id, round(h.score, 4)) for h in searcher.search(q, top_k=5).hits] for q in QUESTIONS
        ]
    finally:
        searcher.close()


def test_documents_added_one_by_one_answer_exactly_like_one_full_build(tmp_path, seed_documents) -> None:
    merging = SegmentPolicy(max_segments=3)  # merge along the way, too
    embedder = FakeEmbedder(64)
    one_by_one = Settings(data_dir=tmp_path / "inc", corpus_dir=tmp_path / "corpus")
    store = Store(one_by_one.store_path)
    seen: dict[str, float] = {}
    for parsed in seed_documents:
        store.add_document(parsed)
        report = build_index(one_by_one, store, embedder, shared_jieba(), policy=merging)
        assert report.status == "built" and index_problems(one_by_one, embedder.model_id) == []
        manifest = read_manifest(current_build(one_by_one.index_root))
        assert len(manifest.segments) <= 3
        for entry in manifest.segments:  # a segment, once written, is never rewritten
            meta = segments_root(one_by_one.index_root) / entry["name"] / "segment.json"
            assert seen.setdefault(entry["name"], meta.stat().st_mtime) == meta.stat().st_mtime
    whole = Settings(data_dir=tmp_path / "full", corpus_dir=tmp_path / "corpus")
    build_index(whole, make_store(whole.store_path, seed_documents), embedder, shared_jieba(), full=True)
    assert len(read_manifest(current_build(whole.index_root)).segments) == 1
    incremental, full = _answers(one_by_one, embedder), _answers(whole, embedder)
    for got, expected in zip(incremental, full, strict=True):
        assert [cid for cid, _ in got] == [cid for cid, _ in expected]
        assert np.allclose([s for _, s in got], [s for _, s in expected], atol=1e-3)


def test_adding_a_document_loads_only_its_segment_and_shares_the_rest(tmp_path) -> None:
    settings = Settings(data_dir=tmp_path / "data", corpus_dir=tmp_path / "corpus")
    write_corpus(settings.corpus_dir, [xian(), anhui()])
    service = PlanService(settings, FakeEmbedder(64), jieba_base=shared_jieba(), parse=fake_parse)
    service.reindex()
    before = service.searcher()
    (new_file,) = write_corpus(tmp_path / "upload", [taiyuan()])
    service.add_file(new_file)
    after = service.searcher()
    assert after is not before
    shared = set(before.segments) & set(after.segments)
    assert shared and all(after.segments[name] is before.segments[name] for name in shared)
    assert len(after.segments) == len(before.segments) + 1
    old_clauses = {c.id: c for c in before.table.clauses}
    assert all(c is old_clauses[c.id] for c in after.table.clauses if c.doc_id != taiyuan().document.id)
    assert any(h.document.id == taiyuan().document.id for h in service.ask("太原 标准化", log=False).hits)
    service.close()


def test_removed_and_replaced_documents_are_never_answered(tmp_path) -> None:
    settings = Settings(data_dir=tmp_path / "data", corpus_dir=tmp_path / "corpus")
    embedder = FakeEmbedder(64)
    store = make_store(settings.store_path, [xian(), anhui(), taiyuan()])
    build_index(settings, store, embedder, shared_jieba())
    first = read_manifest(current_build(settings.index_root)).segments
    store.remove_document(xian().document.id)
    keep_dead = SegmentPolicy(max_dead_share=0.99)  # keep the dead passages in place
    build_index(settings, store, embedder, shared_jieba(), policy=keep_dead)
    manifest = read_manifest(current_build(settings.index_root))
    assert [e["name"] for e in manifest.segments] == [e["name"] for e in first]  # nothing rewritten
    assert xian().document.id not in manifest.segments[0]["documents"]
    assert index_problems(settings, embedder.model_id) == []
    searcher = HybridSearcher.load(current_build(settings.index_root), embedder, shared_jieba())
    for question in ("西安电梯安全", "电梯", "西安 二(五)", "市质监局"):
        assert all(h.document.id != xian().document.id for h in searcher.search(question, top_k=20).hits)
    assert not searcher.dense.all_served and searcher.bm25.alive is not None
    searcher.close()
    store.remove_document(anhui().document.id)
    build_index(settings, store, embedder, shared_jieba(), policy=SegmentPolicy(max_dead_share=0.25))
    (entry,) = read_manifest(current_build(settings.index_root)).segments
    assert entry["documents"] == [taiyuan().document.id]  # rewritten: dead passages gone
    assert sorted(p.name for p in segments_root(settings.index_root).iterdir()) <= sorted(
        {e["name"] for e in first} | {entry["name"]}
    )
    assert index_problems(settings, embedder.model_id) == []
