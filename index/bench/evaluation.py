"""Retrieval metrics over a question set (dev.jsonl rows), for scripts/evaluate.py.

A result is relevant when its text contains one of a group's substrings after NFKC and removing
everything but letters and digits. Per question: Hit@1, Hit@3, reciprocal rank (first relevant
result in the top 10), Recall@5 (share of relevant groups matched by the top 5), and, for
questions that name expected agencies, agency accuracy: the highest-ranked relevant result's
agencies (name or canonical name, with or without the 市/省 prefix) include every one of them.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from index.models import Hit
from index.text.agencies import agency_aliases

DEPTH = 10
AGENCY_DEFINITION = (
    "agency accuracy: over questions with expected agencies, the share whose highest-ranked relevant "
    "result (top 10) lists every expected agency (name or canonical, 市/省 prefix optional)"
)


def squash(text: str) -> str:
    """NFKC, then letters and digits only: how relevance substrings are compared."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", text or "") if ch.isalnum()).lower()


@dataclass
class Question:
    id: str
    question: str
    relevant: list[list[str]]
    agencies: list[str] = field(default_factory=list)
    doc: str | None = None


def load_questions(path: Path) -> list[Question]:
    out = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            out.append(Question(row["id"], row["question"], row["relevant"], row.get("agencies") or [], row.get("doc")))
    return out


def groups_matched(hit: Hit, relevant: Sequence[Sequence[str]]) -> set[int]:
    text = squash(f"{hit.clause.heading}{hit.clause.text}")
    return {i for i, group in enumerate(relevant) if any(squash(alt) and squash(alt) in text for alt in group)}


def agencies_cover(hit: Hit, expected: Sequence[str]) -> bool:
    have: set[str] = set()
    for agency in hit.clause.agencies:
        have |= agency_aliases(agency.name)
        if agency.canonical:
            have |= agency_aliases(agency.canonical)
    return all(agency_aliases(name) & have for name in expected)


@dataclass
class QuestionResult:
    id: str
    first_relevant: int | None  # 1-based rank, None when not in the top DEPTH
    recall5: float
    agency_ok: bool | None  # None: the question expects no agencies
    top: str  # top result, for reading failures


@dataclass
class Scores:
    name: str
    results: list[QuestionResult]

    def _mean(self, values: list[float]) -> float:
        return sum(values) / len(values) if values else 0.0

    def summary(self) -> dict[str, Any]:
        ranks = [r.first_relevant for r in self.results]
        judged = [r.agency_ok for r in self.results if r.agency_ok is not None]
        return {
            "questions": len(self.results),
            "hit@1": self._mean([1.0 if r == 1 else 0.0 for r in ranks]),
            "hit@3": self._mean([1.0 if r is not None and r <= 3 else 0.0 for r in ranks]),
            "mrr": self._mean([1.0 / r if r else 0.0 for r in ranks]),
            "recall@5": self._mean([r.recall5 for r in self.results]),
            "agency_accuracy": self._mean([1.0 if ok else 0.0 for ok in judged]),
            "agency_questions": len(judged),
        }


def evaluate(name: str, retrieve: Callable[[str], list[Hit]], questions: Sequence[Question]) -> Scores:
    results = []
    for q in questions:
        hits = retrieve(q.question)[:DEPTH]
        first = None
        matched: set[int] = set()
        agency_ok = None
        for rank, hit in enumerate(hits, 1):
            groups = groups_matched(hit, q.relevant)
            if groups and first is None:
                first = rank
                if q.agencies:
                    agency_ok = agencies_cover(hit, q.agencies)
            if rank <= 5:
                matched |= groups
        if q.agencies and agency_ok is None:
            agency_ok = False
        top = f"{hits[0].document.region or ''} {hits[0].clause.path} {hits[0].clause.heading}" if hits else ""
        results.append(
            QuestionResult(q.id, first, len(matched) / len(q.relevant) if q.relevant else 0.0, agency_ok, top)
        )
    return Scores(name, results)


def percentile(values: Sequence[float], share: float) -> float:
    """Nearest-rank percentile (0.0 for no values): what every latency figure here reports."""
    ordered = sorted(values)
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))]
