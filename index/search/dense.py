"""FAISS indexes for passage vectors: exact flat search by measurement, HNSW only for huge segments."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import faiss
import numpy as np

# Exact flat search on one OpenMP thread costs ~15 ms per question at 118k passages on two cores
# (scripts/bench.py), and HNSW found only ~82% of the exact top 10 there: flat, up to sizes
# where a scan passes ~50 ms.
HNSW_MIN_PASSAGES = 400_000
HNSW_NEIGHBOURS = 32
HNSW_EF_CONSTRUCTION = 64
EXACT_SUBSET = 20_000  # allowed passages up to which a filtered search is an exact numpy scan
HNSW_EF_SEARCH = 320  # ≥ the 300 candidates a search asks for


def make_dense_index(vectors: np.ndarray, *, hnsw_min: int = HNSW_MIN_PASSAGES) -> faiss.Index:
    """Exact inner-product search up to HNSW_MIN_PASSAGES passages; HNSW (graph) beyond, where a
    flat scan of every vector for each question would cost tens of milliseconds."""
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    dimension = vectors.shape[1] if vectors.ndim == 2 else 0
    if len(vectors) > hnsw_min:
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


class DenseIndex:
    """FAISS inner-product indexes over unit passage vectors (one per index segment, passage
    numbers continuing from one to the next); each passage maps to one clause row, or to -1 when
    its document is no longer served (a removed or replaced document in an older segment).

    Without a filter each segment's FAISS index answers (exact flat; HNSW only for very large
    segments), skipping passages no longer served. With a filter, the allowed passages are few
    contiguous runs (passages are stored document by document), so they are scored exactly over
    zero-copy views of the stored vectors; a filter that allows very many passages goes back to
    FAISS with an ID selector.
    """

    def __init__(
        self,
        indexes: Sequence[faiss.Index],
        passage_rows: np.ndarray,
        n_rows: int,
        *,
        exact_subset: int = EXACT_SUBSET,
    ) -> None:
        """exact_subset: allowed passages up to which a filtered search is an exact numpy scan."""
        self.exact_subset = exact_subset
        self.indexes = list(indexes)
        self.offsets = np.cumsum([0] + [ix.ntotal for ix in self.indexes])
        self.passage_rows = np.asarray(passage_rows, dtype=np.int64)
        self.n_rows = n_rows
        self.served = self.passage_rows >= 0
        self.all_served = bool(self.served.all())
        self.vectors = [stored_vectors(ix) for ix in self.indexes]

    @classmethod
    def from_vectors(
        cls, vectors: np.ndarray, passage_rows: np.ndarray, n_rows: int, *, hnsw_min: int = HNSW_MIN_PASSAGES
    ) -> DenseIndex:
        return cls([make_dense_index(vectors, hnsw_min=hnsw_min)], passage_rows, n_rows)

    @property
    def ntotal(self) -> int:
        return int(self.offsets[-1])

    def per_clause(self, passage_scores: np.ndarray, floor: float) -> np.ndarray:
        """Best passage score per clause row."""
        out = np.full(self.n_rows, floor, dtype=np.float32)
        if len(passage_scores):
            rows, scores = self.passage_rows, passage_scores[: len(self.passage_rows)]
            if not self.all_served:
                rows, scores = rows[self.served], scores[self.served]
            np.maximum.at(out, rows, scores)
        return out

    def clause_scores(self, query: np.ndarray, row_mask: np.ndarray | None, depth: int) -> np.ndarray:
        """Best passage similarity per clause row for the `depth`-ish best passages; -inf elsewhere."""
        out = np.full(self.n_rows, -np.inf, dtype=np.float32)
        if self.ntotal == 0:
            return out
        query = np.ascontiguousarray(query, dtype=np.float32).reshape(1, -1)
        allowed: np.ndarray | None = None
        if row_mask is not None:
            allowed = self.served & row_mask[np.maximum(self.passage_rows, 0)]
        elif not self.all_served:
            allowed = self.served
        count = self.ntotal if allowed is None else int(allowed.sum())
        if count == 0:
            return out
        k = min(count, depth * 3)
        if allowed is not None and count <= self.exact_subset:
            ids, scores = self._exact(query[0], allowed, k)
            np.maximum.at(out, self.passage_rows[ids], scores)
            return out
        for index, start in zip(self.indexes, self.offsets, strict=False):
            params = None
            if allowed is not None:
                part = allowed[start : start + index.ntotal]
                if not part.any():
                    continue
                bitmap = np.packbits(part, bitorder="little")
                params = search_parameters(index, bitmap)
            scores, ids = index.search(query, min(k, index.ntotal), params=params)
            valid = ids[0] >= 0
            np.maximum.at(out, self.passage_rows[ids[0][valid] + start], scores[0][valid])
        return out

    def _exact(self, query: np.ndarray, allowed: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        ids, scores = [], []
        for vectors, start in zip(self.vectors, self.offsets, strict=False):
            part = allowed[start : start + len(vectors)]
            edges = np.flatnonzero(np.diff(np.concatenate(([0], part.view(np.int8), [0]))))
            for a, b in zip(edges[::2], edges[1::2], strict=True):
                ids.append(np.arange(a + start, b + start))
                scores.append(vectors[a:b] @ query)
        all_ids, all_scores = np.concatenate(ids), np.concatenate(scores)
        if len(all_ids) > k:
            best = np.argpartition(-all_scores, k - 1)[:k]
            all_ids, all_scores = all_ids[best], all_scores[best]
        return all_ids, all_scores
