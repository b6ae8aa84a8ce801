"""Index lifecycle: manifest, atomic CURRENT swap, incremental embedding, locking, model checks."""

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from index.build.builder import KEEP_BUILDS, build_index, build_lock
from index.build.layout import CURRENT, FORMAT_VERSION, current_build, read_manifest
from index.embed.base import FakeEmbedder
from index.errors import IndexBusyError, IndexMismatchError
from index.search.searcher import HybridSearcher
from index.settings import Settings
from tests.handmade import anhui, make_store, shared_jieba, taiyuan, xian


class CountingEmbedder(FakeEmbedder):
    """FakeEmbedder that counts passages embedded and can be told to fail."""

    def __init__(self, dimension: int = 64, fail: bool = False) -> None:
        super().__init__(dimension)
        self.passages = 0
        self.fail = fail

    def embed(self, texts: Sequence[str], *, kind: str = "passage") -> np.ndarray:
        if self.fail:
            raise RuntimeError("model crashed")
        if kind == "passage":
            self.passages += len(texts)
        return super().embed(texts, kind=kind)


@pytest.fixture()
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", corpus_dir=tmp_path / "corpus")


def test_build_writes_complete_folder_and_manifest(settings: Settings) -> None:
    store = make_store(settings.store_path, [xian(), anhui()])
    report = build_index(settings, store, FakeEmbedder(64), shared_jieba())
    folder = current_build(settings.index_root)
    assert folder is not None and folder.name == report.build
    assert (settings.index_root / CURRENT).read_text().strip() == folder.name
    for name in ("manifest.json", "clauses.db", "userdict.txt"):
        assert (folder / name).exists(), name
    (entry,) = read_manifest(folder).segments
    segment = settings.index_root / "segments" / entry["name"]
    for name in ("segment.json", "clauses.json", "passages.npy", "vectors.faiss", "postings", "userdict.txt"):
        assert (segment / name).exists(), name
    assert sorted(entry["documents"]) == sorted(d.id for d in store.documents())
    manifest = read_manifest(folder)
    assert manifest.format_version == FORMAT_VERSION
    assert manifest.model_id == "fake-bigram-hash-64" and manifest.dimension == 64
    assert manifest.clause_count == report.clauses > 0 and manifest.passage_count >= manifest.clause_count
    assert manifest.documents == {d.id: d.sha256 for d in store.documents()}
    assert report.added == sorted(manifest.documents) and report.embedded == report.passages


def test_incremental_build_embeds_only_new_documents_and_drops_removed(settings: Settings) -> None:
    store = make_store(settings.store_path, [xian(), anhui()])
    embedder = CountingEmbedder()
    first = build_index(settings, store, embedder, shared_jieba())
    assert embedder.passages == first.passages

    again = build_index(settings, store, embedder, shared_jieba())
    assert again.status == "unchanged" and embedder.passages == first.passages

    new_doc = taiyuan()
    store.add_document(new_doc)
    embedder.passages = 0
    second = build_index(settings, store, embedder, shared_jieba())
    new_passages = second.passages - first.passages
    assert embedder.passages == second.embedded == new_passages > 0
    assert second.reused == first.passages and second.added == [new_doc.document.id]

    store.remove_document(xian().document.id)
    embedder.passages = 0
    third = build_index(settings, store, embedder, shared_jieba())
    assert embedder.passages == 0 and third.removed == [xian().document.id]
    searcher = HybridSearcher.load(current_build(settings.index_root), embedder, shared_jieba())
    assert all(h.document.region != "西安市" for h in searcher.search("电梯安全", top_k=10).hits)

    embedder.passages = 0
    full = build_index(settings, store, embedder, shared_jieba(), full=True)
    assert full.status == "built" and embedder.passages == full.passages


def test_index_refuses_another_model(settings: Settings) -> None:
    store = make_store(settings.store_path, [xian()])
    build_index(settings, store, FakeEmbedder(64), shared_jieba())
    folder = current_build(settings.index_root)
    with pytest.raises(IndexMismatchError, match="reindex.py --full"):
        HybridSearcher.load(folder, FakeEmbedder(32), shared_jieba())
    with pytest.raises(IndexMismatchError):
        build_index(settings, store, FakeEmbedder(32), shared_jieba())
    report = build_index(settings, store, FakeEmbedder(32), shared_jieba(), full=True)
    assert read_manifest(current_build(settings.index_root)).model_id == "fake-bigram-hash-32"
    assert report.status == "built"


def test_manifest_of_another_format_is_refused(settings: Settings) -> None:
    store = make_store(settings.store_path, [xian()])
    build_index(settings, store, FakeEmbedder(64), shared_jieba())
    folder = current_build(settings.index_root)
    data = json.loads((folder / "manifest.json").read_text())
    data["format_version"] = FORMAT_VERSION + 1
    (folder / "manifest.json").write_text(json.dumps(data))
    with pytest.raises(IndexMismatchError):
        HybridSearcher.load(folder, FakeEmbedder(64), shared_jieba())


def test_second_build_is_refused_while_one_runs(settings: Settings) -> None:
    store = make_store(settings.store_path, [xian()])
    with build_lock(settings.build_lock_path), pytest.raises(IndexBusyError, match="已有重建索引任务在运行"):
        build_index(settings, store, FakeEmbedder(64), shared_jieba())
    assert build_index(settings, store, FakeEmbedder(64), shared_jieba()).status == "built"


def test_failed_build_leaves_live_index_and_no_partial_folder(settings: Settings) -> None:
    store = make_store(settings.store_path, [xian()])
    build_index(settings, store, FakeEmbedder(64), shared_jieba())
    live = current_build(settings.index_root)
    store.add_document(anhui())
    with pytest.raises(RuntimeError):
        build_index(settings, store, CountingEmbedder(fail=True), shared_jieba())
    assert current_build(settings.index_root) == live
    assert [p.name for p in settings.index_root.glob("build-*")] == [live.name]


def test_old_builds_are_pruned(settings: Settings) -> None:
    store = make_store(settings.store_path, [])
    for parsed in (xian(), anhui(), taiyuan()):
        store.add_document(parsed)
        build_index(settings, store, FakeEmbedder(64), shared_jieba())
    store.remove_document(anhui().document.id)
    build_index(settings, store, FakeEmbedder(64), shared_jieba())
    builds = list(settings.index_root.glob("build-*"))
    assert len(builds) == KEEP_BUILDS and current_build(settings.index_root) in builds


def test_empty_store_builds_an_empty_but_valid_index(settings: Settings) -> None:
    store = make_store(settings.store_path, [])
    report = build_index(settings, store, FakeEmbedder(64), shared_jieba())
    assert report.clauses == 0
    searcher = HybridSearcher.load(current_build(settings.index_root), FakeEmbedder(64), shared_jieba())
    result = searcher.search("电梯安全")
    assert result.hits == [] and result.low_confidence


def test_tokens_are_cached_and_only_texts_with_new_words_are_cut_again(tmp_path: Path) -> None:
    from index.build.caches import TokenCache, tokenize_with_cache

    texts = ["推进质量强市建设，开展特种设备安全攻坚", "开展电梯安全攻坚行动", "加强龘龘工程监管工作"]
    cache = TokenCache(tmp_path / "embeddings.db")
    first = shared_jieba().tokenizer(["质量强市"])
    tokens, cut = tokenize_with_cache(first, texts, cache)
    assert cut == 3 and tokens == [first.tokenize(t) for t in texts]
    assert tokenize_with_cache(first, texts, cache) == (tokens, 0)

    grown = shared_jieba().tokenizer(["质量强市", "龘龘工程"])
    tokens, cut = tokenize_with_cache(grown, texts, cache)
    assert cut == 1 and tokens == [grown.tokenize(t) for t in texts]
    assert "龘龘工程" in tokens[2]
    assert tokenize_with_cache(grown, texts, cache, use_cached=False)[1] == 3
    cache.close()


def test_a_user_word_changes_only_texts_that_contain_it() -> None:
    plain = shared_jieba().tokenizer()
    with_words = shared_jieba().tokenizer(["龘龘工程", "市质监局", "柯尔克孜民俗风情"])
    for text in ("产品质量监督抽查合格率达到98%以上", "推行企业首席质量官制度", "开展电梯安全隐患整治"):
        assert with_words.tokenize(text) == plain.tokenize(text)
