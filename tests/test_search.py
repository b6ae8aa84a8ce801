"""HybridSearcher on hand-made documents with FakeEmbedder: filters, boosts, references, paging."""

from pathlib import Path

import pytest

from index.build.builder import build_index
from index.build.caches import EmbeddingCache
from index.build.layout import current_build
from index.build.passages import body_text, context_line, contextual_passages, plain_passages, split_windows
from index.embed.base import FakeEmbedder
from index.search.searcher import DenseBaseline, HybridSearcher, LexicalBaseline
from index.settings import Settings
from tests.handmade import all_documents, make_store, shared_jieba, taiyuan, xian

HOSTILE = ["", "   ", "？？？", "😀🎉", "\u200b\u200c\u200d\ufeff", "\x00\x07", '"', "*", "OR 1=1 --", "NEAR(", "质" * 10_000]


@pytest.fixture(scope="module")
def searcher(tmp_path_factory) -> HybridSearcher:
    root = tmp_path_factory.mktemp("search")
    settings = Settings(data_dir=root / "data", corpus_dir=root / "corpus")
    store = make_store(settings.store_path)
    build_index(settings, store, FakeEmbedder(64), shared_jieba())
    store.close()
    return HybridSearcher.load(current_build(settings.index_root), FakeEmbedder(64), shared_jieba())


def test_context_line_names_region_title_and_headings() -> None:
    parsed = xian()
    by_id = {c.id: c for c in parsed.clauses}
    clause = next(c for c in parsed.clauses if c.path == "二、(五)")
    line = context_line(parsed.document, clause, by_id)
    assert line.split("｜") == ["西安市", "西安市2017年质量强市行动计划", "强化质量安全监管", "坚决维护特种设备安全"]
    assert not body_text(clause).startswith("(五)坚决维护特种设备安全")


def test_passages_only_for_retrievable_units_and_windows_map_to_one_clause() -> None:
    parsed = taiyuan()
    passages = contextual_passages(parsed.document, parsed.clauses)
    retrievable = {c.id for c in parsed.clauses if c.retrievable}
    assert {p.clause_id for p in passages} == retrievable
    long_clause = next(c for c in parsed.clauses if c.path == "二、(五)")
    windows = [p for p in passages if p.clause_id == long_clause.id]
    assert len(windows) > 1 and [p.window for p in windows] == list(range(len(windows)))
    assert all(p.text.startswith("太原市｜全面推进质量强市建设实施方案") for p in windows)
    assert all(not p.text.startswith("太原市") for p in plain_passages(parsed.clauses))


def test_split_windows_overlap_and_cover_the_text() -> None:
    text = "".join(f"第{i}句话讲质量工作。" for i in range(100))
    windows = split_windows(text, size=120, overlap=30)
    assert all(len(w) <= 120 for w in windows)
    assert windows[0].startswith("第0句") and windows[-1].endswith("第99句话讲质量工作。")
    assert all(a[-10:] in b for a, b in zip(windows, windows[1:], strict=False))  # overlapping
    assert split_windows("短文本") == ["短文本"]
    assert all(len(w) <= 50 for w in split_windows("无标点" * 100, size=50, overlap=10))


def test_region_in_question_restricts_results(searcher: HybridSearcher) -> None:
    result = searcher.search("西安市电梯安全隐患整治有什么安排？", top_k=5)
    assert result.hits[0].clause.path == "二、(五)"
    assert {h.document.region for h in result.hits} == {"西安市"}
    assert not result.low_confidence


def test_abbreviation_and_doc_number(searcher: HybridSearcher) -> None:
    assert searcher.search("皖 名牌新增多少", top_k=1).hits[0].document.region == "安徽省"
    hit = searcher.search("并政发〔2023〕18号 电梯安全", top_k=1).hits[0]
    assert hit.document.region == "太原市" and hit.clause.path == "二、(四)"


def test_named_agency_boosts_its_clauses(searcher: HybridSearcher) -> None:
    hit = searcher.search("市旅游局负责哪些工作", top_k=1, explain=True).hits[0]
    assert any(a.name == "市旅游局" for a in hit.clause.agencies)
    assert hit.explain["agency_boost"] is True


def test_clause_reference_comes_first(searcher: HybridSearcher) -> None:
    for question, region, path in [("西安 二(五)", "西安市", "二、(五)"), ("太原 二、（六）", "太原市", "二、(六)")]:
        hit = searcher.search(question, top_k=3).hits[0]
        assert (hit.document.region, hit.clause.path) == (region, path)
    hits = searcher.lookup("西安 二、(四)")
    assert [(h.document.region, h.clause.path) for h in hits] == [("西安市", "二、(四)")]
    assert searcher.lookup("电梯安全") == []


def test_question_across_documents_finds_each(searcher: HybridSearcher) -> None:
    hits = searcher.search("哪些地方对电梯安全提出了要求？", top_k=3).hits
    assert {"西安市", "太原市"} <= {h.document.region for h in hits}


def test_results_are_distinct_clauses_with_absolute_ranks_across_pages(searcher: HybridSearcher) -> None:
    first = searcher.search("工程质量 BIM 建筑信息模型", top_k=2)
    second = searcher.search("工程质量 BIM 建筑信息模型", top_k=2, offset=2)
    ids = [h.clause.id for h in first.hits + second.hits]
    assert len(ids) == len(set(ids)) == 4
    assert [h.rank for h in first.hits + second.hits] == [1, 2, 3, 4]
    assert first.hits[0].clause.path == "二、(五)"  # the long, windowed clause comes back once
    assert first.total == second.total >= 4


def test_explain_shows_ranks_scores_and_filters(searcher: HybridSearcher) -> None:
    result = searcher.search("西安 电梯安全", top_k=2, explain=True)
    info = result.hits[0].explain
    assert {"lexical_rank", "lexical_score", "dense_rank", "dense_score"} <= set(info)
    assert result.filters["regions"] == ["西安"] and result.filters["query_terms"]


def test_hostile_queries_never_raise(searcher: HybridSearcher) -> None:
    for question in HOSTILE:
        result = searcher.search(question, top_k=3, explain=True)
        assert len(result.hits) <= 3
    for question in ("", "？？？", "😀🎉", "\u200b\u200c"):
        result = searcher.search(question)
        assert result.hits == [] and result.low_confidence


def test_off_topic_or_unknown_place_is_low_confidence(searcher: HybridSearcher) -> None:
    assert searcher.search("北京的电梯安全怎么管？").low_confidence
    assert searcher.search("zzzz qqqq").low_confidence


def test_baselines_share_the_clause_table(searcher: HybridSearcher, tmp_path: Path) -> None:
    lexical = LexicalBaseline(searcher.table, shared_jieba())
    assert "电梯" in lexical.search("电梯安全隐患整治", top_k=1)[0].clause.text
    cache = EmbeddingCache(tmp_path / "embeddings.db")
    dense = DenseBaseline(searcher.table, FakeEmbedder(64), cache)
    cache.close()
    hits = dense.search("电梯安全隐患整治", top_k=3)
    assert len(hits) == 3 and len({h.clause.id for h in hits}) == 3
    assert dense.search("") == [] and lexical.search("？？") == []


def test_every_retrievable_clause_is_searchable(searcher: HybridSearcher) -> None:
    count = sum(c.retrievable for p in all_documents() for c in p.clauses)
    assert len(searcher.table) == count


def test_dense_index_filtered_graph_and_segmented_paths_agree() -> None:
    import faiss
    import numpy as np

    from index.search.dense import DenseIndex, make_dense_index

    rng = np.random.default_rng(1)
    vectors = rng.standard_normal((3000, 16)).astype("float32")
    faiss.normalize_L2(vectors)
    rows = np.sort(rng.integers(0, 1000, 3000))
    flat = DenseIndex.from_vectors(vectors, rows, 1000)
    # the same passages in three segments laid end to end
    parts = [make_dense_index(vectors[a:b]) for a, b in ((0, 1000), (1000, 1100), (1100, 3000))]
    segmented = DenseIndex(parts, rows, 1000)
    graph = DenseIndex.from_vectors(vectors, rows, 1000, hnsw_min=100)
    assert isinstance(graph.indexes[0], faiss.IndexHNSWFlat) and np.allclose(graph.vectors[0], vectors)
    query = vectors[5]
    mask = np.zeros(1000, dtype=bool)
    mask[100:300] = True
    mask[700:720] = True
    exact = flat.clause_scores(query, mask, 50)
    assert np.isfinite(exact).sum() > 0 and not np.isfinite(exact[~mask]).any()
    assert np.allclose(exact, graph.clause_scores(query, mask, 50))
    assert np.allclose(exact, segmented.clause_scores(query, mask, 50))
    for index in (flat, graph, segmented):
        index.exact_subset = 0  # the same filter through FAISS ID selectors
        via_faiss = index.clause_scores(query, mask, 50)
        assert not np.isfinite(via_faiss[~mask]).any()
        assert set(np.argsort(-via_faiss)[:10]) == set(np.argsort(-exact)[:10])
    unfiltered = flat.clause_scores(query, None, 50)
    assert set(np.argsort(-graph.clause_scores(query, None, 50))[:10]) == set(np.argsort(-unfiltered)[:10])
    assert np.allclose(segmented.clause_scores(query, None, 50)[np.argsort(-unfiltered)[:20]], np.sort(unfiltered)[::-1][:20])


def test_dense_index_never_returns_passages_no_longer_served() -> None:
    import faiss
    import numpy as np

    from index.search.searcher import DenseIndex

    rng = np.random.default_rng(2)
    vectors = rng.standard_normal((400, 8)).astype("float32")
    faiss.normalize_L2(vectors)
    rows = np.arange(400) // 2
    rows[:100] = -1  # the first 50 clauses' document was replaced: their passages are dead
    dense = DenseIndex.from_vectors(vectors, rows, 200)
    scores = dense.clause_scores(vectors[10], None, 400)  # the query is a dead passage itself
    assert np.isfinite(scores[50:]).all() and not np.isfinite(scores[:50]).any()
    assert dense.per_clause(np.ones(400, dtype=np.float32), 0.0)[:50].sum() == 0


def test_excerpt_shows_the_sentence_that_answers() -> None:
    from index.text.citation import excerpt

    text = "开头的一般性要求。" * 20 + "食品安全抽检合格率达到98.5%以上。" + "结尾的其他安排。" * 20
    shown = excerpt(text, ["食品安全", "合格率"], 60)
    assert "食品安全抽检合格率达到98.5%以上" in shown
    assert shown.startswith("…") and shown.endswith("…") and len(shown) <= 62
    short = xian().clauses[1].text
    assert excerpt(short, [], 500) == short.strip()
