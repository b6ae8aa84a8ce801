"""Index segments: the immutable pieces an index build is made of.

A segment holds the passages of a set of documents: their vectors (FAISS), their BM25 postings
(term frequencies, `lexical.Postings`), which clause each passage stands for and the user
dictionary words its documents contributed. It is written once, under
`DATA_DIR/index/segments/<name>/`, and never changed; a build's manifest lists the segments it
uses and which documents each one serves. Adding a document therefore writes one small segment
and a new manifest, and the searcher loads only that segment: the large ones are shared with the
build before it, on disk and in memory.

A document that was removed or replaced stays in its old segment but is no longer served from
it (the manifest does not list it there); `plan_segments` rewrites segments when such dead
passages grow, and merges the smallest segments when there are too many.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from index.errors import IndexMismatchError
from index.search.lexical import Postings

SEGMENT_FORMAT = 1
SEGMENTS_DIR = "segments"
SEGMENT_META = "segment.json"  # written last: a folder without it is an abandoned write
SEGMENT_CLAUSES = "clauses.json"
SEGMENT_PASSAGES = "passages.npy"
SEGMENT_VECTORS = "vectors.faiss"
SEGMENT_POSTINGS = "postings"
SEGMENT_WORDS = "userdict.txt"

MAX_SEGMENTS = 8  # a question searches every segment: keep the count small
MAX_DEAD_SHARE = 0.25  # share of dead passages above which everything is rewritten into one segment



@dataclass
class SegmentInfo:
    """segment.json: what a segment holds (small; read without loading the segment)."""

    name: str
    format: int
    code_version: str
    model_id: str
    dimension: int
    documents: dict[str, str]  # document id → sha256 of the version embedded here
    clauses: dict[str, int]  # document id → retrievable clauses
    passages: dict[str, int]  # document id → passages
    null_similarity: float  # best similarity an off-topic probe question reaches in this segment
    created_at: str = ""

    @property
    def passage_count(self) -> int:
        return sum(self.passages.values())

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SegmentInfo:
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})


@dataclass
class SegmentPlan:
    """What a build reuses and what it writes anew."""

    kept: list[tuple[SegmentInfo, list[str]]]  # segment, documents served from it (in its order)
    fresh: list[str]  # documents the new segment must hold
    merged: list[str] = field(default_factory=list)  # segments folded into the new one
    rewrite_all: bool = False


def segments_root(index_root: Path) -> Path:
    return Path(index_root) / SEGMENTS_DIR


def segment_name() -> str:
    return f"seg-{datetime.now(UTC).strftime('%Y%m%dT%H%M%S%fZ')}-{os.getpid()}"


def read_segment_info(folder: Path) -> SegmentInfo:
    try:
        data = json.loads((Path(folder) / SEGMENT_META).read_text(encoding="utf-8"))
        info = SegmentInfo.from_json(data)
    except FileNotFoundError as exc:
        raise IndexMismatchError(f"索引分段缺失或不完整：{folder}。请重建索引：python scripts/reindex.py --full") from exc
    except (json.JSONDecodeError, TypeError) as exc:
        raise IndexMismatchError(f"索引分段信息无法读取：{folder}。请重建索引：python scripts/reindex.py --full") from exc
    if info.format != SEGMENT_FORMAT:
        raise IndexMismatchError(f"索引分段格式 {info.format} 与程序（{SEGMENT_FORMAT}）不一致：{folder}")
    return info


@dataclass(frozen=True)
class SegmentPolicy:
    """When segments are merged or rewritten."""

    max_segments: int = MAX_SEGMENTS  # a question searches every segment: keep the count small
    max_dead_share: float = MAX_DEAD_SHARE  # dead passages above this share: rewrite into one segment


def plan_segments(
    live: Mapping[str, str],
    segments: Sequence[SegmentInfo],
    *,
    max_segments: int | None = None,
    max_dead_share: float | None = None,
) -> SegmentPlan:
    """Which existing segment serves each live document (id → sha256), and which documents go into
    a new segment: new or changed ones, those of merged segments, or all of them when dead
    passages have grown past `max_dead_share` (defaults: MAX_SEGMENTS, MAX_DEAD_SHARE)."""
    max_segments = MAX_SEGMENTS if max_segments is None else max_segments
    max_dead_share = MAX_DEAD_SHARE if max_dead_share is None else max_dead_share
    served: dict[str, str] = {}
    kept: list[tuple[SegmentInfo, list[str]]] = []
    for info in segments:
        docs = [d for d, sha in info.documents.items() if live.get(d) == sha and d not in served]
        for doc_id in docs:
            served[doc_id] = info.name
        if docs:
            kept.append((info, docs))
    fresh = [d for d in live if d not in served]
    total = sum(info.passage_count for info, _ in kept)
    dead = sum(n for info, _ in kept for d, n in info.passages.items() if served.get(d) != info.name)
    if total and dead > max_dead_share * total:
        return SegmentPlan([], list(live), [info.name for info, _ in kept], rewrite_all=True)
    merged: list[str] = []
    while kept and len(kept) + (1 if fresh else 0) > max_segments:
        smallest = min(kept, key=lambda item: sum(item[0].passages[d] for d in item[1]))
        kept.remove(smallest)
        fresh.extend(smallest[1])
        merged.append(smallest[0].name)
    return SegmentPlan(kept, fresh, merged)


def write_segment(
    folder: Path,
    info: SegmentInfo,
    clause_ids: Sequence[str],
    clause_docs: Sequence[str],
    passage_clauses: np.ndarray,
    vectors: faiss.Index,
    postings: Postings,
    words: Sequence[str],
) -> None:
    """Write every file of a segment, fsync them, then segment.json (the completion mark)."""
    folder.mkdir(parents=True)
    (folder / SEGMENT_CLAUSES).write_text(
        json.dumps({"clause_ids": list(clause_ids), "clause_docs": list(clause_docs)}, ensure_ascii=False),
        encoding="utf-8",
    )
    np.save(folder / SEGMENT_PASSAGES, np.asarray(passage_clauses, dtype=np.int32), allow_pickle=False)
    faiss.write_index(vectors, str(folder / SEGMENT_VECTORS))
    postings.save(folder / SEGMENT_POSTINGS)
    (folder / SEGMENT_WORDS).write_text("\n".join(words) + "\n", encoding="utf-8")
    fsync_tree(folder)
    info.created_at = info.created_at or datetime.now(UTC).isoformat(timespec="seconds")
    meta = folder / SEGMENT_META
    with open(meta, "w", encoding="utf-8") as handle:
        handle.write(json.dumps(info.to_json(), ensure_ascii=False, indent=1))
        handle.flush()
        os.fsync(handle.fileno())
    fsync_dir(folder)


def read_segment_words(folder: Path) -> list[str]:
    return (Path(folder) / SEGMENT_WORDS).read_text(encoding="utf-8").split()


class LoadedSegment:
    """A segment in memory. Immutable once loaded, so searchers of successive builds share it."""

    def __init__(self, folder: Path, load_dense: Callable[[Path], faiss.Index]) -> None:
        started = time.monotonic()
        self.folder = Path(folder)
        self.info = read_segment_info(folder)
        self.name = self.info.name
        layout = json.loads((self.folder / SEGMENT_CLAUSES).read_text(encoding="utf-8"))
        self.clause_ids: list[str] = layout["clause_ids"]
        self.clause_docs: list[str] = layout["clause_docs"]
        self.passage_clauses = np.load(self.folder / SEGMENT_PASSAGES, allow_pickle=False).astype(np.int64)
        self.dense = load_dense(self.folder / SEGMENT_VECTORS)
        self.postings = Postings.load(self.folder / SEGMENT_POSTINGS)
        if self.dense.ntotal != len(self.passage_clauses) or self.postings.n_rows != len(self.passage_clauses):
            raise IndexMismatchError(f"索引分段内容不一致：{folder}。请重建索引：python scripts/reindex.py --full")
        self.load_seconds = time.monotonic() - started


def fsync_tree(folder: Path) -> None:
    for path in sorted(Path(folder).rglob("*"), key=lambda p: len(p.parts), reverse=True):
        if path.is_file():
            with open(path, "rb") as handle:
                os.fsync(handle.fileno())
        elif path.is_dir():
            fsync_dir(path)
    fsync_dir(folder)


def fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
