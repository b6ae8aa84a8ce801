"""Index builds: one folder per build under DATA_DIR/index, swapped in atomically via CURRENT.

A build takes a snapshot of the store into a fresh `build-<timestamp>-<pid>/` folder, writes
a segment (index/segments.py: vectors, BM25 postings, passage layout) for the documents no
existing segment holds, and a manifest listing the segments it uses; it fsyncs everything and
only then points `CURRENT` at it with `os.replace`: a reader sees the old index or the new one,
never half of one. Adding one document to a large corpus therefore writes one small segment;
the large ones are reused as they are. Vectors come from `DATA_DIR/embeddings.db` when the same
model already embedded the same passage text (tokens are cached there too, see TokenCache), so
even a rewrite of every segment embeds only new text.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import faiss
import numpy as np

from index.build.caches import EmbeddingCache, TokenCache, embed_with_cache, tokenize_with_cache
from index.build.layout import (
    CLAUSES_DB,
    CODE_VERSION,
    CURRENT,
    FORMAT_VERSION,
    MANIFEST,
    USER_WORDS,
    Manifest,
    check_manifest,
    current_build,
    read_manifest,
)
from index.build.passages import contextual_passages
from index.build.segments import (
    SEGMENT_FORMAT,
    SegmentInfo,
    SegmentPolicy,
    fsync_dir,
    fsync_tree,
    plan_segments,
    read_segment_info,
    read_segment_words,
    segment_name,
    segments_root,
    write_segment,
)
from index.embed.base import Embedder
from index.errors import IndexBusyError, IndexMismatchError, IndexMissingError
from index.models import Clause, Document, Progress
from index.search.dense import make_dense_index
from index.search.lexical import (
    DOMAIN_TERMS,
    ChineseTokenizer,
    JiebaBase,
    Postings,
    quoted_terms,
)
from index.settings import Settings
from index.store.database import Store
from index.text.agencies import agency_aliases
from index.text.places import issuer_place, region_aliases

KEEP_BUILDS = 2  # the live build and the one before it (a reader may still be loading it)
# Off-topic probe questions: how similar the best passage is to a question the corpus cannot
# answer calibrates the "low confidence" threshold for whatever model built the index.
NULL_PROBES = (
    "今天天气怎么样",
    "推荐一部好看的电影",
    "怎么做红烧肉",
    "足球比赛的比分是多少",
    "如何办理护照",
    "明天股票会涨吗",
    "什么是量子力学",
    "我的手机坏了怎么办",
)


@dataclass
class IndexReport:
    """What a (re)index did."""

    status: str  # "built" | "unchanged"
    build: str | None
    documents: int
    clauses: int
    passages: int
    embedded: int = 0  # passages embedded now
    reused: int = 0  # passages whose vectors came from the cache
    added: list[str] = field(default_factory=list)  # document ids new in this build
    removed: list[str] = field(default_factory=list)  # document ids dropped by this build
    seconds: float = 0.0
    skipped: list[str] = field(default_factory=list)  # corpus files left out, one message each
    warnings: list[str] = field(default_factory=list)

    @property
    def message(self) -> str:
        if self.status == "unchanged":
            return f"索引已是最新：{self.documents} 个文件，{self.clauses} 条条款"
        return (
            f"索引已更新：{self.documents} 个文件，{self.clauses} 条条款，{self.passages} 段文本"
            f"（新计算向量 {self.embedded}，复用 {self.reused}；新增文件 {len(self.added)}，移除 {len(self.removed)}），"
            f"用时 {self.seconds:.1f} 秒"
        )


def utc_stamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")


# -- locking -----------------------------------------------------------------------------------


@contextmanager
def build_lock(lock_path: Path) -> Iterator[None]:
    """Exclusive, non-blocking: a second build is refused, not queued."""
    lock_path = Path(lock_path)
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "a+") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise IndexBusyError("已有重建索引任务在运行，请稍后再试") from exc
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


# -- building ----------------------------------------------------------------------------------


def user_dictionary(documents: Sequence[Document], clauses: Sequence[Clause]) -> list[str]:
    """Words jieba must keep whole in this corpus: domain terms, places, agencies, quoted names."""
    words: set[str] = set(DOMAIN_TERMS)
    for doc in documents:
        for place in (doc.region, issuer_place(doc.issuer)):
            if place:
                words |= {a for a in region_aliases(place) if len(a) >= 2}
    for clause in clauses:
        for agency in clause.agencies:
            words |= agency_aliases(agency.name)
            if agency.canonical:
                words |= agency_aliases(agency.canonical)
        words |= quoted_terms(clause.text)
    return sorted(w for w in words if 2 <= len(w) <= 20)


def _point_current(index_root: Path, folder: Path) -> None:
    tmp = index_root / f"{CURRENT}.tmp-{os.getpid()}"
    with open(tmp, "w", encoding="utf-8") as handle:
        handle.write(folder.name + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, index_root / CURRENT)
    fsync_dir(index_root)


def _prune(index_root: Path, live: Path) -> None:
    """Keep the newest KEEP_BUILDS complete builds; remove older ones, abandoned partial builds and
    every segment no kept build lists (abandoned segment writes included)."""
    builds = sorted((p for p in index_root.glob("build-*") if p.is_dir()), key=lambda p: p.name, reverse=True)
    complete = [p for p in builds if (p / MANIFEST).is_file()]
    keep = {live} | set(complete[:KEEP_BUILDS])
    for folder in builds:
        if folder not in keep:
            shutil.rmtree(folder, ignore_errors=True)
    used: set[str] = set()
    for folder in keep:
        try:
            used |= {entry["name"] for entry in read_manifest(folder).segments}
        except (IndexMismatchError, IndexMissingError, KeyError, TypeError):
            continue
    root = segments_root(index_root)
    if root.is_dir():
        for folder in root.iterdir():
            if folder.is_dir() and folder.name not in used:
                shutil.rmtree(folder, ignore_errors=True)


def _null_similarity(embedder: Embedder, index: faiss.Index) -> float:
    if index.ntotal == 0:
        return 0.0
    probes = np.asarray(embedder.embed(list(NULL_PROBES), kind="query"), dtype=np.float32)
    scores, _ = index.search(probes, 1)
    return float(np.max(scores[:, 0]))


def _reusable_segments(settings: Settings, previous: Manifest, embedder: Embedder) -> list[SegmentInfo]:
    """The segments of a previous build of this format and code, when this model can extend them."""
    if previous.model_id != embedder.model_id:
        return []
    root = segments_root(settings.index_root)
    infos = [read_segment_info(root / entry["name"]) for entry in previous.segments]
    if any(i.code_version != CODE_VERSION or i.model_id != embedder.model_id for i in infos):
        return []
    return infos


def build_index(
    settings: Settings,
    store: Store,
    embedder: Embedder,
    jieba_base: JiebaBase,
    *,
    full: bool = False,
    progress: Progress | None = None,
    policy: SegmentPolicy | None = None,
) -> IndexReport:
    """Take the build lock (IndexBusyError if held), then `build_index_locked`."""
    with build_lock(settings.build_lock_path):
        return build_index_locked(
            settings, store, embedder, jieba_base, full=full, progress=progress, policy=policy
        )


def build_index_locked(
    settings: Settings,
    store: Store,
    embedder: Embedder,
    jieba_base: JiebaBase,
    *,
    full: bool = False,
    progress: Progress | None = None,
    policy: SegmentPolicy | None = None,
) -> IndexReport:
    """Build a new index from the store and make it live; "unchanged" when nothing changed.

    Incremental by default: segments of the live build are reused for every document they hold
    unchanged, and one new segment holds the new and changed documents (see
    `segments.plan_segments` for merging). `full` writes one segment for everything, embedding and
    tokenising again. The caller holds `build_lock`. Raises IndexMismatchError when an
    incremental build would follow an index of another model (a full build replaces it); an
    index of an older format is simply rebuilt (cached vectors are still used).
    """
    started = time.monotonic()
    index_root = settings.index_root
    index_root.mkdir(parents=True, exist_ok=True)
    live = current_build(index_root)
    previous = read_manifest(live) if live else None
    if previous is not None and not full and previous.model_id != embedder.model_id:
        check_manifest(previous, embedder.model_id)
    stored = {d.id: d.sha256 for d in store.documents()}
    current = (
        previous is not None and previous.format_version == FORMAT_VERSION and previous.code_version == CODE_VERSION
    )
    if current and not full and previous.documents == stored:
        return IndexReport(
            "unchanged", live.name if live else None, len(stored), previous.clause_count, previous.passage_count
        )
    folder = index_root / f"build-{utc_stamp()}-{os.getpid()}"
    folder.mkdir()
    try:
        reusable = _reusable_segments(settings, previous, embedder) if current and not full else []
        report = _write_build(
            folder, store, embedder, jieba_base, reusable,
            full=full, progress=progress, settings=settings, policy=policy or SegmentPolicy(),
        )
        fsync_tree(folder)
        _point_current(index_root, folder)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    _prune(index_root, folder)
    old = previous.documents if previous else {}
    new = read_manifest(folder).documents
    report.added = sorted(d for d in new if d not in old)
    report.removed = sorted(d for d in old if d not in new)
    report.seconds = time.monotonic() - started
    return report


def _clauses_of(snapshot: Store, doc_ids: Sequence[str]) -> dict[str, list[Clause]]:
    """All units of the given documents, in document order: one query for many, one each for a few."""
    wanted = set(doc_ids)
    if len(wanted) > 50:
        out: dict[str, list[Clause]] = {}
        for clause in snapshot.clauses():
            if clause.doc_id in wanted:
                out.setdefault(clause.doc_id, []).append(clause)
        return out
    return {doc_id: snapshot.clauses(doc_id) for doc_id in sorted(wanted)}


def _write_build(
    folder: Path,
    store: Store,
    embedder: Embedder,
    jieba_base: JiebaBase,
    reusable: Sequence[SegmentInfo],
    *,
    full: bool,
    progress: Progress | None,
    settings: Settings,
    policy: SegmentPolicy,
) -> IndexReport:
    store.snapshot(folder / CLAUSES_DB)
    root = segments_root(settings.index_root)
    with Store(folder / CLAUSES_DB, readonly=True) as snapshot:
        documents = snapshot.documents()
        live = {d.id: d.sha256 for d in documents}
        plan = plan_segments(live, reusable, max_segments=policy.max_segments, max_dead_share=policy.max_dead_share)
        fresh_ids = set(plan.fresh)
        fresh_docs = [d for d in documents if d.id in fresh_ids]
        clauses_by_doc = _clauses_of(snapshot, [d.id for d in fresh_docs])
    words: set[str] = set()
    for info, _ in plan.kept:
        words |= set(read_segment_words(root / info.name))
    fresh_clauses = [c for d in fresh_docs for c in clauses_by_doc.get(d.id, [])]
    fresh_words = user_dictionary(fresh_docs, fresh_clauses)
    words |= set(fresh_words)
    tokenizer = jieba_base.tokenizer(words)
    entries = [{"name": info.name, "documents": docs} for info, docs in plan.kept]
    clause_count = sum(info.clauses.get(d, 0) for info, docs in plan.kept for d in docs)
    passage_count = sum(info.passages.get(d, 0) for info, docs in plan.kept for d in docs)
    nulls = [info.null_similarity for info, _ in plan.kept]
    embedded = 0
    reused = passage_count
    if fresh_docs:
        info, embedded, cached = _write_segment(
            root / segment_name(), fresh_docs, clauses_by_doc, fresh_words, tokenizer, embedder, settings,
            full=full, progress=progress,
        )
        entries.append({"name": info.name, "documents": list(info.documents)})
        clause_count += sum(info.clauses.values())
        passage_count += info.passage_count
        nulls.append(info.null_similarity)
        reused += cached
    (folder / USER_WORDS).write_text("\n".join(sorted(words)) + "\n", encoding="utf-8")
    manifest = Manifest(
        format_version=FORMAT_VERSION,
        code_version=CODE_VERSION,
        model_id=embedder.model_id,
        dimension=embedder.dimension,
        clause_count=clause_count,
        passage_count=passage_count,
        documents=live,
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        null_similarity=max(nulls, default=0.0),
        segments=entries,
    )
    (folder / MANIFEST).write_text(json.dumps(manifest.to_json(), ensure_ascii=False, indent=1), encoding="utf-8")
    return IndexReport(
        "built", folder.name, len(documents), clause_count, passage_count, embedded=embedded, reused=reused
    )


def _write_segment(
    folder: Path,
    documents: Sequence[Document],
    clauses_by_doc: dict[str, list[Clause]],
    words: Sequence[str],
    tokenizer: ChineseTokenizer,
    embedder: Embedder,
    settings: Settings,
    *,
    full: bool,
    progress: Progress | None,
) -> tuple[SegmentInfo, int, int]:
    """One new segment for `documents` (in id order); returns it, passages embedded now, and reused."""
    clause_ids: list[str] = []
    clause_docs: list[str] = []
    passages = []
    clause_counts: dict[str, int] = {}
    passage_counts: dict[str, int] = {}
    documents = sorted(documents, key=lambda d: d.id)
    for doc in documents:
        doc_clauses = clauses_by_doc.get(doc.id, [])
        retrievable = [c.id for c in doc_clauses if c.retrievable]
        clause_ids.extend(retrievable)
        clause_docs.extend([doc.id] * len(retrievable))
        doc_passages = contextual_passages(doc, doc_clauses)
        passages.extend(doc_passages)
        clause_counts[doc.id] = len(retrievable)
        passage_counts[doc.id] = len(doc_passages)
    local_of = {cid: i for i, cid in enumerate(clause_ids)}
    texts = [p.text for p in passages]
    # BM25 scores passages, like the dense side: a long clause is not penalised for its length
    # when one of its windows is what the question asks about.
    token_cache = TokenCache(settings.embeddings_path)
    try:
        tokens, _ = tokenize_with_cache(tokenizer, texts, token_cache, use_cached=not full, progress=progress)
    finally:
        token_cache.close()
    postings = Postings.build(tokens)
    del tokens
    cache = EmbeddingCache(settings.embeddings_path)
    try:
        vectors, embedded, reused = embed_with_cache(embedder, texts, cache, use_cached=not full, progress=progress)
    finally:
        cache.close()
    index = make_dense_index(vectors.reshape(-1, embedder.dimension))
    del vectors
    info = SegmentInfo(
        name=folder.name,
        format=SEGMENT_FORMAT,
        code_version=CODE_VERSION,
        model_id=embedder.model_id,
        dimension=embedder.dimension,
        documents={d.id: d.sha256 for d in documents},
        clauses=clause_counts,
        passages=passage_counts,
        null_similarity=_null_similarity(embedder, index),
    )
    write_segment(
        folder,
        info,
        clause_ids,
        clause_docs,
        np.array([local_of[p.clause_id] for p in passages], dtype=np.int32),
        index,
        postings,
        words,
    )
    return info, embedded, reused


