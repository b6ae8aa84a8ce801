"""Hybrid clause search over one index folder, and the two baselines it is measured against.

HybridSearcher: the question is read for the region/document, agency, year and clause
reference it names (index/query.py); BM25 over jieba tokens and dense similarity (FAISS inner
product on unit vectors) each score the contextual passages, best window per clause; the two
are fused (relative scores by default, reciprocal ranks optionally), clauses owned by a named
agency and documents of a named year or province are boosted, for "how many" questions clauses
with a sentence stating a quantity about the asked terms are boosted, and a named clause
reference comes first.

Everything after the query embedding is numpy over precomputed arrays: no Python loop runs
over all clauses.

LexicalBaseline (BM25 over jieba tokens of the bare clause text) and DenseBaseline (bare
clause passages, flat FAISS) share the clause table; scripts/evaluate.py runs all three.
"""

from __future__ import annotations

import itertools
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from index.build.caches import EmbeddingCache, embed_with_cache
from index.build.layout import CLAUSES_DB, USER_WORDS, Manifest, check_manifest, read_manifest
from index.build.passages import plain_passages
from index.build.segments import LoadedSegment, segments_root
from index.embed.base import Embedder
from index.errors import IndexMismatchError
from index.models import Clause, Document, Hit
from index.search.dense import DenseIndex, load_dense_index
from index.search.lexical import BM25, ChineseTokenizer, JiebaBase
from index.search.question import QueryReader, QueryReading
from index.store.database import Store
from index.text.normalize import clean_question, normalize_text
from index.text.vocabulary import default_vocabulary

_CJK = re.compile(r"[\u3400-\u9fff]")


@dataclass(frozen=True)
class FusionParams:
    """How the signals combine.

    "relative" fusion scales each signal to [0, 1] over its candidates (BM25 by the best score;
    similarity from the off-topic level up to the best) and adds them with weights: unlike
    reciprocal ranks it keeps how far ahead a clearly better match is. Boosts are in the same
    unit (1.0 = what the best candidate of one signal gets).
    """

    fusion: str = "relative"  # or "rrf": Σ weight / (rrf_k + rank)
    rrf_k: float = 60.0
    lexical_weight: float = 1.0
    dense_weight: float = 1.0
    depth: int = 100  # candidates taken from each signal
    agency_boost: float = 0.3  # a clause the named agency leads (support: × 0.6)
    year_boost: float = 0.15  # clauses of a document whose years include a year the question names
    soft_doc_boost: float = 0.15  # documents named only loosely (a city, by its province)
    quantity_boost: float = 0.7  # × share of question terms in a sentence stating a quantity (多少 …)
    quantity_depth: int = 30  # fused candidates checked for it
    low_coverage: float = 0.34  # below this share of question terms found in the top hit …
    dense_margin: float = 0.03  # … and similarity within this of an off-topic probe's: low confidence


@dataclass
class SearchResult:
    hits: list[Hit]
    low_confidence: bool
    filters: dict[str, Any] = field(default_factory=dict)
    total: int = 0  # how many clauses were ranked (for paging)
    terms: list[str] = field(default_factory=list)  # the question's content words (not places, 文号, years)
    question: str = ""  # the question as read (cleaned and reworded as plans write)


class ClauseTable:
    """Retrievable clauses of one index, in row order, with their documents."""

    def __init__(self, documents: Sequence[Document], clauses: Sequence[Clause]) -> None:
        self.documents = {d.id: d for d in documents}
        self.clauses = list(clauses)
        self.clause_ids = [c.id for c in self.clauses]
        self.row_of = {cid: i for i, cid in enumerate(self.clause_ids)}
        doc_order = {doc_id: i for i, doc_id in enumerate(self.documents)}
        self.row_doc = np.array([doc_order[c.doc_id] for c in self.clauses], dtype=np.int32)
        self.doc_ids = list(self.documents)
        self._doc_index = doc_order

    def __len__(self) -> int:
        return len(self.clauses)

    def mask_for(self, doc_ids: Sequence[str]) -> np.ndarray | None:
        """Boolean row mask of the given documents; None means all rows."""
        if not doc_ids:
            return None
        wanted = np.zeros(len(self.doc_ids), dtype=bool)
        for doc_id in doc_ids:
            if doc_id in self._doc_index:
                wanted[self._doc_index[doc_id]] = True
        return wanted[self.row_doc]

    def hit(self, row: int, score: float, rank: int, explain: dict[str, Any] | None = None) -> Hit:
        clause = self.clauses[row]
        return Hit(clause, self.documents[clause.doc_id], float(score), rank, explain=explain or {})


def _compose_table(
    snapshot: Store,
    manifest: Manifest,
    segments: dict[str, LoadedSegment],
    previous: HybridSearcher | None,
) -> tuple[ClauseTable, np.ndarray]:
    """The clause rows a build serves, segment by segment, and each passage's row (-1: not served).

    Clauses of documents the previous searcher served in the same version are taken from it;
    the others are read from the build's snapshot.
    """
    live = manifest.documents
    reusable: dict[str, Clause] = {}
    if previous is not None:
        same = {d for d, doc in previous.table.documents.items() if live.get(d) == doc.sha256}
        reusable = {c.id: c for c in previous.table.clauses if c.doc_id in same}
    clause_ids: list[str] = []
    passage_rows: list[np.ndarray] = []
    for entry in manifest.segments:
        segment = segments[entry["name"]]
        served = set(entry["documents"])
        keep = np.fromiter((d in served for d in segment.clause_docs), dtype=bool, count=len(segment.clause_docs))
        row_of_local = np.full(len(keep), -1, dtype=np.int64)
        row_of_local[keep] = np.arange(len(clause_ids), len(clause_ids) + int(keep.sum()))
        clause_ids.extend(itertools.compress(segment.clause_ids, keep))
        passage_rows.append(row_of_local[segment.passage_clauses])
    loaded = _read_clauses(snapshot, [cid for cid in clause_ids if cid not in reusable])
    clauses = [reusable.get(cid) or loaded.get(cid) for cid in clause_ids]
    missing = sum(1 for c in clauses if c is None)
    if missing:
        raise IndexMismatchError(
            f"索引与其条款库不一致（缺少 {missing} 条条款）。请重建索引：python scripts/reindex.py --full"
        )
    rows = np.concatenate(passage_rows) if passage_rows else np.zeros(0, dtype=np.int64)
    return ClauseTable(snapshot.documents(), clauses), rows  # type: ignore[arg-type]


def _read_clauses(snapshot: Store, clause_ids: Sequence[str]) -> dict[str, Clause]:
    """Clauses by id: one pass over the table for many, lookups by id for a few."""
    if len(clause_ids) > 2000:
        wanted = set(clause_ids)
        return {c.id: c for c in snapshot.clauses(retrievable_only=True) if c.id in wanted}
    return snapshot.clauses_by_ids(clause_ids)


def _top(scores: np.ndarray, depth: int, floor: float = 0.0) -> np.ndarray:
    """Rows of the `depth` best scores above floor, best first."""
    candidates = np.flatnonzero(scores > floor)
    if len(candidates) > depth:
        part = np.argpartition(-scores[candidates], depth - 1)[:depth]
        candidates = candidates[part]
    return candidates[np.argsort(-scores[candidates], kind="stable")]


class StageClock:
    """Milliseconds per stage into `timings` (nothing is measured when it is None)."""

    def __init__(self, timings: dict[str, float] | None) -> None:
        self.timings = timings
        self.last = time.perf_counter() if timings is not None else 0.0

    def lap(self, stage: str) -> None:
        if self.timings is not None:
            now = time.perf_counter()
            self.timings[stage] = (now - self.last) * 1000.0
            self.last = now


class HybridSearcher:
    """Loads one build folder; `search` answers questions against it. Thread-safe for reading."""

    def __init__(
        self,
        folder: Path,
        manifest: Manifest,
        table: ClauseTable,
        dense: DenseIndex,
        bm25: BM25,
        tokenizer: ChineseTokenizer,
        embedder: Embedder,
        snapshot: Store,
        params: FusionParams | None = None,
        segments: dict[str, LoadedSegment] | None = None,
    ) -> None:
        self.folder = folder
        self.manifest = manifest
        self.table = table
        self.dense = dense
        self.bm25 = bm25
        self.tokenizer = tokenizer
        self.embedder = embedder
        self.snapshot = snapshot  # the build's clauses.db (read-only): documents and all units
        self.segments = segments or {}  # by name, for the next build's searcher to share
        self.params = params or FusionParams()
        mentions = [
            (a.name, a.canonical, a.role, row) for row, clause in enumerate(table.clauses) for a in clause.agencies
        ]
        self.vocabulary = default_vocabulary()
        self.reader = QueryReader(
            list(table.documents.values()), [c.doc_id for c in table.clauses], [c.path for c in table.clauses], mentions
        )

    @classmethod
    def load(
        cls,
        folder: Path,
        embedder: Embedder,
        jieba_base: JiebaBase,
        params: FusionParams | None = None,
        *,
        previous: HybridSearcher | None = None,
    ) -> HybridSearcher:
        """Open a build folder; refuses one built by another model or format (IndexMismatchError).

        With `previous` (the searcher of an earlier build), the segments and clauses it already
        holds are shared, not read again: loading the build that added one document reads only
        that document's segment and clauses.
        """
        folder = Path(folder)
        manifest = read_manifest(folder)
        check_manifest(manifest, embedder.model_id)
        if manifest.dimension != embedder.dimension:
            raise IndexMismatchError(
                f"索引向量维度 {manifest.dimension} 与模型（{embedder.dimension}）不一致。请重建索引：python scripts/reindex.py --full"
            )
        reuse = previous.segments if previous is not None and previous.manifest.model_id == manifest.model_id else {}
        root = segments_root(folder.parent)
        segments = {
            entry["name"]: reuse.get(entry["name"]) or LoadedSegment(root / entry["name"], load_dense_index)
            for entry in manifest.segments
        }
        snapshot = Store(folder / CLAUSES_DB, readonly=True)
        try:
            table, passage_rows = _compose_table(snapshot, manifest, segments, previous)
        except BaseException:
            snapshot.close()
            raise
        ordered = [segments[entry["name"]] for entry in manifest.segments]
        dense = DenseIndex([s.dense for s in ordered], passage_rows, len(table))
        bm25 = BM25([s.postings for s in ordered], None if dense.all_served else dense.served)
        words = (folder / USER_WORDS).read_text(encoding="utf-8").split()
        tokenizer = jieba_base.tokenizer(words)
        return cls(folder, manifest, table, dense, bm25, tokenizer, embedder, snapshot, params, segments)

    def close(self) -> None:
        self.snapshot.close()

    # -- searching -------------------------------------------------------------------------

    def embed_query(self, text: str) -> np.ndarray:
        # No lock: PlanService's embedder (index/batching.py) runs one query pass at a time and lets
        # concurrent questions share it; ONNX Runtime sessions are thread-safe anyway.
        return np.asarray(self.embedder.embed([text], kind="query"), dtype=np.float32)[0]

    def read(self, question: str) -> QueryReading:
        """What the question names, after rewording it the way plans write (vocabulary)."""
        rewrite = self.vocabulary.rewrite(clean_question(question), known=self._corpus_knows)
        reading = self.reader.read(rewrite.text)
        reading.rewrites = rewrite.notes
        return reading

    def _corpus_knows(self, word: str) -> bool:
        return self.reader.knows(word) or bool(self.bm25.known([normalize_text(word)]))

    def search(
        self,
        question: str,
        *,
        top_k: int = 3,
        offset: int = 0,
        explain: bool = False,
        timings: dict[str, float] | None = None,
    ) -> SearchResult:
        """The ranked clauses for a question. `timings`, when given, receives milliseconds per stage
        (question_reading, lexical_search, query_embedding, dense_search, fusion_and_hits): the seam
        scripts/bench.py times the real search through."""
        clock = StageClock(timings)
        reading = self.read(question)
        clock.lap("question_reading")
        filters = reading.filters()
        if reading.empty or len(self.table) == 0:
            return SearchResult([], True, filters, question=reading.text)
        p = self.params
        mask = self.table.mask_for(reading.doc_ids)

        tokens = self.tokenizer.tokenize(reading.text)
        lexical = self.dense.per_clause(self.bm25.scores(tokens), floor=0.0)
        if mask is not None:
            lexical = np.where(mask, lexical, 0.0)
        lexical_order = _top(lexical, p.depth)
        clock.lap("lexical_search")

        query = self.embed_query(reading.text)
        clock.lap("query_embedding")
        dense = self.dense.clause_scores(query, mask, p.depth)
        dense_order = _top(dense, p.depth, floor=-np.inf)
        clock.lap("dense_search")

        lexical_rank = np.zeros(len(self.table), dtype=np.int64)
        dense_rank = np.zeros(len(self.table), dtype=np.int64)
        lexical_rank[lexical_order] = np.arange(1, len(lexical_order) + 1)
        dense_rank[dense_order] = np.arange(1, len(dense_order) + 1)
        fused, unit = self._fuse(lexical, lexical_order, lexical_rank, dense, dense_order, dense_rank)
        candidates = np.zeros(len(self.table), dtype=bool)
        candidates[lexical_order] = True
        candidates[dense_order] = True

        if len(reading.agency_rows):
            bonus = np.zeros(len(self.table), dtype=np.float64)
            np.maximum.at(bonus, reading.agency_rows, reading.agency_weights * p.agency_boost * unit)
            if mask is not None:
                bonus = np.where(mask, bonus, 0.0)
            fused += bonus
            candidates |= bonus > 0
        document_boost = np.zeros(len(self.table), dtype=np.float64)
        for doc_ids, boost in ((reading.year_doc_ids, p.year_boost), (reading.soft_doc_ids, p.soft_doc_boost)):
            boosted = self.table.mask_for(doc_ids)
            if boosted is not None and not boosted.all():
                document_boost += np.where(boosted & candidates, boost * unit, 0.0)
        fused += document_boost

        terms = reading_terms(self.tokenizer, reading)
        quantity: dict[int, float] = {}
        if asks_quantity(reading.text) and terms:
            ranked = np.flatnonzero(candidates)
            ranked = ranked[np.argsort(-fused[ranked], kind="stable")][: p.quantity_depth]
            for row in ranked:
                share = quantity_sentence_share(self.table.clauses[row].text, terms)
                if share:
                    quantity[int(row)] = share
                    fused[row] += p.quantity_boost * unit * share

        reference_rows = np.asarray(reading.reference_rows, dtype=np.int64)
        if len(reference_rows):
            fused[reference_rows] += 10.0
            candidates[reference_rows] = True

        ranked = np.flatnonzero(candidates)
        ranked = ranked[np.argsort(-fused[ranked], kind="stable")]
        if mask is not None:
            ranked = ranked[mask[ranked]]
        low = self._low_confidence(reading, ranked, dense, terms)
        page = ranked[offset : offset + top_k] if offset >= 0 else ranked[:0]
        boosted_rows = set(reading.agency_rows.tolist()) if explain else set()
        reference_set = set(reading.reference_rows)
        hits = []
        for i, row in enumerate(page):
            info: dict[str, Any] = {}
            if explain:
                info = {
                    "lexical_rank": int(lexical_rank[row]) or None,
                    "lexical_score": round(float(lexical[row]), 4),
                    "dense_rank": int(dense_rank[row]) or None,
                    "dense_score": round(float(dense[row]), 4) if np.isfinite(dense[row]) else None,
                    "reference": int(row) in reference_set,
                    "agency_boost": int(row) in boosted_rows,
                    "document_boost": round(float(document_boost[row]), 4),
                    "quantity_match": round(quantity.get(int(row), 0.0), 3),
                }
            hit = self.table.hit(int(row), float(fused[row]), offset + i + 1, info)
            hit.matched_terms = matched_terms(terms, hit.clause)
            hits.append(hit)
        if explain:
            filters = {**filters, "query_terms": tokens}
        clock.lap("fusion_and_hits")
        return SearchResult(hits, low, filters, total=len(ranked), terms=terms, question=reading.text)

    def _fuse(
        self,
        lexical: np.ndarray,
        lexical_order: np.ndarray,
        lexical_rank: np.ndarray,
        dense: np.ndarray,
        dense_order: np.ndarray,
        dense_rank: np.ndarray,
    ) -> tuple[np.ndarray, float]:
        """Fused score per row, and the score one signal's best candidate contributes (boost unit)."""
        p = self.params
        fused = np.zeros(len(self.table), dtype=np.float64)
        if p.fusion == "rrf":
            fused[lexical_order] += p.lexical_weight / (p.rrf_k + lexical_rank[lexical_order])
            fused[dense_order] += p.dense_weight / (p.rrf_k + dense_rank[dense_order])
            return fused, 1.0 / (p.rrf_k + 1)
        if len(lexical_order):
            fused[lexical_order] += p.lexical_weight * lexical[lexical_order] / lexical[lexical_order[0]]
        if len(dense_order):
            top = float(dense[dense_order[0]])
            # Similarity is measured from the level an off-topic question reaches (or the weakest
            # candidate, if lower), so the scale does not depend on how many clauses there are.
            floor = min(self.manifest.null_similarity, float(dense[dense_order[-1]]))
            span = top - floor
            if span > 0:
                fused[dense_order] += p.dense_weight * np.clip((dense[dense_order] - floor) / span, 0.0, 1.0)
            else:
                fused[dense_order] += p.dense_weight
        return fused, 1.0

    def _low_confidence(self, reading: QueryReading, ranked: np.ndarray, dense: np.ndarray, terms: list[str]) -> bool:
        """No clause, a place the corpus never mentions, or weak evidence on both signals."""
        if len(ranked) == 0 or any(not self.bm25.known([place]) for place in reading.unknown_places):
            return True
        if reading.reference_rows:
            return False
        top = int(ranked[0])
        coverage = len(matched_terms(terms, self.table.clauses[top])) / len(terms) if terms else 0.0
        weak_dense = float(dense[top]) < self.manifest.null_similarity + self.params.dense_margin
        return coverage < self.params.low_coverage and weak_dense

    def lookup(self, reference: str) -> list[Hit]:
        """The clause(s) a reference such as "西安 二(五)" or "第四条" names; [] if it names none."""
        reading = self.read(reference)
        rows = reading.reference_rows
        if not rows:
            return []
        return [self.table.hit(row, 1.0, i + 1, {"reference": reading.reference}) for i, row in enumerate(rows)]


def reading_terms(tokenizer: ChineseTokenizer, reading: QueryReading) -> list[str]:
    """Content terms of a question: words (not bare numbers or short Latin bits), minus the
    names that only select a document (its region, 文号, year)."""
    selectors = [normalize_text(s) for s in (*reading.regions, *reading.doc_numbers)]
    selectors += [str(y) for y in reading.years]
    terms = tokenizer.content_terms(reading.text)
    return [t for t in terms if _is_content(t) and not any(t in s for s in selectors)]


_SENTENCE = re.compile(r"[。；;！!？?\n]")
_QUANTITY_QUESTION = re.compile(r"多少|第几|几[\u4e00-\u9fff]|比例|比重|占比|百分之")
_QUANTITY = re.compile(
    r"(?<![\d.])(?!(?:19|20)\d{2}\s*年)\d+(?:\.\d+)?\s*(?:%|‰|[个项家所条座种批届名次万亿倍吨人户元辆台套件类处场级位]|微克|毫克|公里|千米|平方米|公顷|亩)?"
    r"|第[一二三四五六七八九十百]+[届批次轮]|[一二三四五六七八九十两百千]+[个项家所条座种批届名]"
)


def asks_quantity(text: str) -> bool:
    """Does the question ask how many / how much / which ordinal (多少, 几个, 第几, 比例 …)?"""
    return bool(_QUANTITY_QUESTION.search(text))


def quantity_sentence_share(text: str, terms: Sequence[str]) -> float:
    """How much of the question (share of its terms, weighted by length) the best sentence of the
    clause that states a quantity mentions: the sentence that answers "how many" names what was asked."""
    return best_quantity_sentence(text, terms)[0]


def best_quantity_sentence(text: str, terms: Sequence[str]) -> tuple[float, str | None]:
    """(share of the terms it names, the sentence as written) for the clause's sentence that states a
    quantity and names most of `terms`; (0.0, None) when no such sentence names any."""
    total = float(sum(len(t) for t in terms))
    best: tuple[float, str | None] = (0.0, None)
    if not total:
        return best
    for sentence in _SENTENCE.split(text):
        normalized = normalize_text(sentence)
        if any(m.group().strip() for m in _QUANTITY.finditer(normalized)):
            share = sum(len(t) for t in terms if t in normalized) / total
            if share > best[0]:
                best = (share, sentence.strip())
    return best


def _is_content(term: str) -> bool:
    return bool(_CJK.search(term)) or sum(ch.isalpha() for ch in term) >= 3


def matched_terms(terms: Sequence[str], clause: Clause) -> list[str]:
    text = normalize_text(f"{clause.heading}\n{clause.text}")
    return [t for t in terms if t in text]


# -- baselines ---------------------------------------------------------------------------------


class _Baseline:
    """Shared by the baselines: the searcher's clauses, bare text, no reading of the question."""

    def __init__(self, table: ClauseTable) -> None:
        self.table = table

    def _hits(self, scores: np.ndarray, top_k: int, floor: float) -> list[Hit]:
        order = _top(scores, top_k, floor=floor)
        return [self.table.hit(int(row), float(scores[row]), i + 1) for i, row in enumerate(order)]


class LexicalBaseline(_Baseline):
    """BM25 over jieba tokens (default dictionary) of each clause's bare text."""

    def __init__(self, table: ClauseTable, jieba_base: JiebaBase) -> None:
        super().__init__(table)
        self.tokenizer = jieba_base.tokenizer()
        self.bm25 = BM25.build([self.tokenizer.tokenize(c.text) for c in table.clauses])

    def search(self, question: str, *, top_k: int = 10) -> list[Hit]:
        text = clean_question(question)
        return self._hits(self.bm25.scores(self.tokenizer.tokenize(text)), top_k, 0.0)


class DenseBaseline(_Baseline):
    """Bare clause passages (no context), flat FAISS inner product."""

    def __init__(self, table: ClauseTable, embedder: Embedder, cache: EmbeddingCache) -> None:
        super().__init__(table)
        self.embedder = embedder
        passages = plain_passages(table.clauses)
        vectors, _, _ = embed_with_cache(embedder, [p.text for p in passages], cache)
        rows = np.array([table.row_of[p.clause_id] for p in passages], dtype=np.int64)
        self.dense = DenseIndex.from_vectors(vectors, rows, len(table))

    def search(self, question: str, *, top_k: int = 10) -> list[Hit]:
        text = clean_question(question)
        if not text:
            return []
        query = np.asarray(self.embedder.embed([text], kind="query"), dtype=np.float32)[0]
        return self._hits(self.dense.clause_scores(query, None, max(top_k, 10)), top_k, -np.inf)
