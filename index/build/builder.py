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
import hashlib
import json
import os
import shutil
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from index.build.passages import contextual_passages
from index.build.segments import (
    SEGMENT_FORMAT,
    SegmentInfo,
    fsync_dir,
    fsync_tree,
    plan_segments,
    read_segment_info,
    read_segment_words,
    segment_name,
    segments_root,
    write_segment,
)
from index.embed.backends import Embedder
from index.errors import IndexBusyError, IndexMismatchError, IndexMissingError
from index.models import Clause, Document
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
from index.text.normalize import normalize_text
from index.text.places import issuer_place, region_aliases

FORMAT_VERSION = 3  # 3: segments
CODE_VERSION = "hybrid-search-3"  # bump when passages or tokens change: indexes are rebuilt
EMBED_BATCH = 32
KEEP_BUILDS = 2  # the live build and the one before it (a reader may still be loading it)
# Exact flat search on one OpenMP thread costs ~15 ms per question at 118k passages on two cores
# (scripts/bench.py), and HNSW found only ~82% of the exact top 10 there: flat, up to sizes
# where a scan passes ~50 ms.
HNSW_MIN_PASSAGES = 400_000
HNSW_NEIGHBOURS = 32
HNSW_EF_CONSTRUCTION = 64
HNSW_EF_SEARCH = 320  # ≥ the 300 candidates a search asks for

Progress = Callable[[int, int, str], None]

MANIFEST = "manifest.json"
CLAUSES_DB = "clauses.db"
USER_WORDS = "userdict.txt"
CURRENT = "CURRENT"

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

REBUILD_HINT = "请重建索引：python scripts/reindex.py --full"


@dataclass
class Manifest:
    format_version: int
    code_version: str
    model_id: str
    dimension: int
    clause_count: int
    passage_count: int
    documents: dict[str, str]  # document id → sha256
    created_at: str
    null_similarity: float = 0.0  # best similarity an off-topic probe question reaches
    segments: list[dict[str, Any]] = field(default_factory=list)  # {"name", "documents": [ids served from it]}

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Manifest:
        known = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        return cls(**known)


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


# -- reading the live build --------------------------------------------------------------------


def current_build(index_root: Path) -> Path | None:
    """The live build folder named by CURRENT, or None when there is no (complete) index."""
    pointer = Path(index_root) / CURRENT
    try:
        name = pointer.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    folder = Path(index_root) / name
    return folder if name and (folder / MANIFEST).is_file() else None


def read_manifest(folder: Path) -> Manifest:
    try:
        data = json.loads((Path(folder) / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise IndexMissingError(f"索引不完整（缺少 {MANIFEST}）：{folder}。{REBUILD_HINT}") from exc
    except (json.JSONDecodeError, TypeError) as exc:
        raise IndexMismatchError(f"索引清单无法读取：{folder / MANIFEST}。{REBUILD_HINT}") from exc
    try:
        return Manifest.from_json(data)
    except TypeError as exc:
        raise IndexMismatchError(f"索引清单缺少字段：{folder / MANIFEST}。{REBUILD_HINT}") from exc


def check_manifest(manifest: Manifest, model_id: str) -> None:
    """Refuse an index built by other code or another model (vectors of two models never mix)."""
    if manifest.format_version != FORMAT_VERSION:
        raise IndexMismatchError(
            f"索引格式版本 {manifest.format_version} 与程序（{FORMAT_VERSION}）不一致。{REBUILD_HINT}"
        )
    if manifest.model_id != model_id:
        raise IndexMismatchError(f"索引由模型 {manifest.model_id} 构建，当前配置的模型是 {model_id}。{REBUILD_HINT}")


# -- locking -----------------------------------------------------------------------------------


@contextmanager
def build_lock(data_dir: Path) -> Iterator[None]:
    """Exclusive, non-blocking: a second build is refused, not queued."""
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    with open(data_dir / "reindex.lock", "a+") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise IndexBusyError("已有重建索引任务在运行，请稍后再试") from exc
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


# -- embedding cache ---------------------------------------------------------------------------


def passage_key(model_id: str, text: str) -> str:
    return hashlib.sha256(f"{model_id}\x00{text}".encode()).hexdigest()


class EmbeddingCache:
    """sha256(model id + passage text) → float32 vector, in DATA_DIR/embeddings.db."""

    def __init__(self, path: Path) -> None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(path, timeout=30)
        self._conn.execute("PRAGMA journal_mode = WAL")
        self._conn.execute("CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, dim INTEGER, vector BLOB)")

    def close(self) -> None:
        self._conn.close()

    def get_many(self, keys: Sequence[str], dimension: int) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        unique = list(dict.fromkeys(keys))
        for start in range(0, len(unique), 500):
            chunk = unique[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for key, dim, blob in self._conn.execute(
                f"SELECT key, dim, vector FROM vectors WHERE key IN ({marks})", chunk
            ):
                if dim == dimension and len(blob) == 4 * dimension:
                    found[key] = np.frombuffer(blob, dtype=np.float32)
        return found

    def put_many(self, items: Sequence[tuple[str, np.ndarray]]) -> None:
        with self._conn:
            self._conn.executemany(
                "INSERT OR REPLACE INTO vectors (key, dim, vector) VALUES (?, ?, ?)",
                [(key, int(vec.shape[0]), np.asarray(vec, dtype=np.float32).tobytes()) for key, vec in items],
            )


class TokenCache:
    """Tokens of passage texts, in DATA_DIR/embeddings.db, with the dictionary they were cut with.

    A user word changes the segmentation only of texts that contain it (the tokenizer keeps
    jieba's total frequency fixed), so tokens cut under an older dictionary are still valid for
    a text that contains none of the words added or removed since: re-indexing after adding a
    document re-tokenises only the texts the new words touch.
    """

    def __init__(self, path: Path) -> None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(path, timeout=30)
        self._conn.execute("PRAGMA journal_mode = WAL")
        self._conn.execute("CREATE TABLE IF NOT EXISTS tokens (key TEXT PRIMARY KEY, dictionary TEXT, tokens TEXT)")
        self._conn.execute("CREATE TABLE IF NOT EXISTS dictionaries (key TEXT PRIMARY KEY, signature TEXT, words TEXT)")

    def close(self) -> None:
        self._conn.close()

    @staticmethod
    def text_key(text: str) -> str:
        return hashlib.sha256(f"tokens\x00{text}".encode()).hexdigest()

    def dictionary_key(self, tokenizer: ChineseTokenizer) -> str:
        words = "\n".join(tokenizer.user_words)
        key = hashlib.sha256(f"{tokenizer.signature}\x00{words}".encode()).hexdigest()
        with self._conn:
            self._conn.execute(
                "INSERT OR IGNORE INTO dictionaries (key, signature, words) VALUES (?, ?, ?)",
                (key, tokenizer.signature, words),
            )
        return key

    def changed_words(self, old_key: str, new_key: str) -> set[str] | None:
        """Words added or removed between two dictionaries; None when they cannot be compared."""
        rows = dict(
            (key, (signature, words))
            for key, signature, words in self._conn.execute(
                "SELECT key, signature, words FROM dictionaries WHERE key IN (?, ?)", (old_key, new_key)
            )
        )
        if old_key not in rows or new_key not in rows or rows[old_key][0] != rows[new_key][0]:
            return None
        old, new = (set(filter(None, rows[k][1].split("\n"))) for k in (old_key, new_key))
        return old ^ new

    def get_many(self, keys: Sequence[str]) -> dict[str, tuple[str, list[str]]]:
        found: dict[str, tuple[str, list[str]]] = {}
        unique = list(dict.fromkeys(keys))
        for start in range(0, len(unique), 500):
            chunk = unique[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for key, dictionary, tokens in self._conn.execute(
                f"SELECT key, dictionary, tokens FROM tokens WHERE key IN ({marks})", chunk
            ):
                found[key] = (dictionary, tokens.split(" ") if tokens else [])
        return found

    def put_many(self, dictionary: str, items: Sequence[tuple[str, list[str]]]) -> None:
        with self._conn:
            self._conn.executemany(
                "INSERT OR REPLACE INTO tokens (key, dictionary, tokens) VALUES (?, ?, ?)",
                [(key, dictionary, " ".join(tokens)) for key, tokens in items],
            )


def tokenize_with_cache(
    tokenizer: ChineseTokenizer,
    texts: Sequence[str],
    cache: TokenCache,
    *,
    use_cached: bool = True,
    progress: Progress | None = None,
) -> tuple[list[list[str]], int]:
    """Tokens of each text (cached ones reused when still valid); returns (tokens, texts cut now)."""
    dictionary = cache.dictionary_key(tokenizer)
    keys = [TokenCache.text_key(t) for t in texts]
    cached = cache.get_many(keys) if use_cached else {}
    changes: dict[str, set[str] | None] = {}
    out: list[list[str]] = []
    fresh: list[tuple[str, list[str]]] = []
    cut_now = 0
    total = len(texts)
    if progress:
        progress(0, total, "tokenize")
    for i, (key, text) in enumerate(zip(keys, texts, strict=True)):
        hit = cached.get(key)
        if hit is not None and hit[0] != dictionary:
            if hit[0] not in changes:
                changes[hit[0]] = cache.changed_words(hit[0], dictionary)
            changed = changes[hit[0]]
            normalized = normalize_text(text)
            if changed is None or any(word in normalized for word in changed):
                hit = None
            else:
                fresh.append((key, hit[1]))  # still valid: record it under the current dictionary
        if hit is None:
            tokens = tokenizer.tokenize(text)
            fresh.append((key, tokens))
            out.append(tokens)
            cut_now += 1
        else:
            out.append(hit[1])
        if progress and (i + 1) % 500 == 0:
            progress(i + 1, total, "tokenize")
    cache.put_many(dictionary, fresh)
    if progress:
        progress(total, total, "tokenize")
    return out, cut_now


def embed_with_cache(
    embedder: Embedder,
    texts: Sequence[str],
    cache: EmbeddingCache,
    *,
    use_cached: bool = True,
    progress: Progress | None = None,
    stage: str = "embed",
) -> tuple[np.ndarray, int, int]:
    """Vectors for texts (passage kind); returns (matrix, embedded now, reused from cache)."""
    dimension = embedder.dimension
    keys = [passage_key(embedder.model_id, t) for t in texts]
    cached = cache.get_many(keys, dimension) if use_cached else {}
    text_of = dict(zip(keys, texts, strict=True))
    # Shortest first: each batch pads to its longest text, so similar lengths waste the least.
    missing = sorted(dict.fromkeys(k for k in keys if k not in cached), key=lambda k: len(text_of[k]))
    missing_set = set(missing)
    total = len(missing)
    if progress:
        progress(0, total, stage)
    for start in range(0, total, EMBED_BATCH):
        batch = missing[start : start + EMBED_BATCH]
        vectors = np.asarray(embedder.embed([text_of[k] for k in batch], kind="passage"), dtype=np.float32)
        cache.put_many(list(zip(batch, vectors, strict=True)))
        cached.update(zip(batch, vectors, strict=True))
        if progress:
            progress(min(start + len(batch), total), total, stage)
    matrix = np.zeros((len(texts), dimension), dtype=np.float32)
    for i, key in enumerate(keys):
        matrix[i] = cached[key]
    return matrix, total, sum(1 for k in keys if k not in missing_set)


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


def make_dense_index(vectors: np.ndarray) -> faiss.Index:
    """Exact inner-product search up to HNSW_MIN_PASSAGES passages; HNSW (graph) beyond, where a
    flat scan of every vector for each question would cost tens of milliseconds."""
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    dimension = vectors.shape[1] if vectors.ndim == 2 else 0
    if len(vectors) > HNSW_MIN_PASSAGES:
        index = faiss.IndexHNSWFlat(dimension, HNSW_NEIGHBOURS, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
    else:
        index = faiss.IndexFlatIP(dimension)
    if len(vectors):
        index.add(vectors)
    return index


def stored_vectors(index: faiss.Index) -> np.ndarray:
    """Zero-copy (n, d) view of the float32 vectors a flat or HNSW-flat index holds."""
    flat = faiss.downcast_index(index.storage) if isinstance(index, faiss.IndexHNSWFlat) else index
    if flat.ntotal == 0:
        return np.zeros((0, flat.d), dtype=np.float32)
    return faiss.rev_swig_ptr(flat.get_xb(), flat.ntotal * flat.d).reshape(flat.ntotal, flat.d)


def search_parameters(index: faiss.Index, bitmap: np.ndarray) -> faiss.SearchParameters:
    """Search parameters restricting a search to the passages set in `bitmap` (kept alive by the caller)."""
    selector = faiss.IDSelectorBitmap(bitmap)
    if isinstance(index, faiss.IndexHNSWFlat):
        params = faiss.SearchParametersHNSW(sel=selector)
        params.efSearch = max(HNSW_EF_SEARCH, index.hnsw.efSearch)
        return params
    return faiss.SearchParameters(sel=selector)


def load_dense_index(path: Path) -> faiss.Index:
    """Read a segment's FAISS index for searching."""
    # One question is searched at a time per thread; OpenMP threads cost more than they gain
    # there (flat scan of 118k vectors: ~46 ms on two threads, ~15 ms on one, 2 cores).
    faiss.omp_set_num_threads(1)
    index = faiss.read_index(str(path))
    if isinstance(index, faiss.IndexHNSWFlat):
        index.hnsw.efSearch = HNSW_EF_SEARCH
    return index


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
) -> IndexReport:
    """Take the build lock (IndexBusyError if held), then `build_index_locked`."""
    with build_lock(settings.data_dir):
        return build_index_locked(settings, store, embedder, jieba_base, full=full, progress=progress)


def build_index_locked(
    settings: Settings,
    store: Store,
    embedder: Embedder,
    jieba_base: JiebaBase,
    *,
    full: bool = False,
    progress: Progress | None = None,
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
        report = _write_build(folder, store, embedder, jieba_base, reusable, full=full, progress=progress, settings=settings)
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
) -> IndexReport:
    store.snapshot(folder / CLAUSES_DB)
    root = segments_root(settings.index_root)
    with Store(folder / CLAUSES_DB, readonly=True) as snapshot:
        documents = snapshot.documents()
        live = {d.id: d.sha256 for d in documents}
        plan = plan_segments(live, reusable)
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
    token_cache = TokenCache(settings.data_dir / "embeddings.db")
    try:
        tokens, _ = tokenize_with_cache(tokenizer, texts, token_cache, use_cached=not full, progress=progress)
    finally:
        token_cache.close()
    postings = Postings.build(tokens)
    del tokens
    cache = EmbeddingCache(settings.data_dir / "embeddings.db")
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


class TqdmProgress:
    """A `progress(done, total, stage)` callable that draws one tqdm bar per stage (on stderr)."""

    LABELS = {"parse": "解析文件", "tokenize": "分词", "embed": "计算向量"}

    def __init__(self, *, disable: bool = False) -> None:
        self._disable = disable
        self._bars: dict[str, Any] = {}

    def __call__(self, done: int, total: int, stage: str) -> None:
        from tqdm import tqdm

        if total <= 0:  # nothing to do in this stage: no bar
            return

        bar = self._bars.get(stage)
        if bar is None:
            bar = tqdm(total=total, desc=self.LABELS.get(stage, stage), unit="项", disable=self._disable, leave=False)
            self._bars[stage] = bar
        bar.total = total
        bar.n = done
        bar.refresh()
        if done >= total:
            bar.close()
            self._bars.pop(stage, None)

    def close(self) -> None:
        for bar in self._bars.values():
            bar.close()
        self._bars.clear()
