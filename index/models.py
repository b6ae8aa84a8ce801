"""The records that flow through the pipeline: file → read → parse → store → index → search → render.

Every stage hands the next one these dataclasses and nothing else, so each stage can be
tested on its own and the edges (scripts/, bot/) only format them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

# progress(done, total, stage) of a long job (parsing, tokenising, embedding, OCR pages)
Progress = Callable[[int, int, str], None]

LEAD = "lead"
SUPPORT = "support"

# Kinds of unit a parse yields, outermost first.
KIND_CHAPTER = "chapter"  # 第X章
KIND_PART = "part"  # 第X节
KIND_SECTION = "section"  # 一、
KIND_CLAUSE = "clause"  # (一)
KIND_ITEM = "item"  # 1. / (1) / ①
KIND_ARTICLE = "article"  # 第X条
KIND_PARAGRAPH = "paragraph"  # an unnumbered paragraph that binds one department (财政部门要……)


@dataclass
class Agency:
    """One agency named on a clause's responsibility line, exactly as written."""

    name: str
    role: str  # LEAD or SUPPORT
    canonical: str | None = None  # its current name when it was renamed or abbreviated

    def to_json(self) -> dict[str, Any]:
        data = {"name": self.name, "role": self.role}
        if self.canonical and self.canonical != self.name:
            data["canonical"] = self.canonical
        return data


DUE_DATE = "date"  # due by a date (2018年底前, 到2020年, a range's end)
DUE_YEARLY = "yearly"  # 每年 (on month_day, 12-31 unless written)
DUE_QUARTERLY = "quarterly"  # 每季度 (each quarter's last day)
DUE_MONTHLY = "monthly"  # 每月 (each month's last day, or month_day's day)
DUE_ONGOING = "ongoing"  # 长期坚持, 持续推进: no date


@dataclass(frozen=True)
class Deadline:
    """When a clause is due, as its plan says it (index/text/deadlines.py reads it)."""

    kind: str  # one of the DUE_* constants
    text: str  # the words as written: 2018年底前, 每年, 长期坚持, 到2020年
    due: str | None = None  # ISO date: the date (DUE_DATE); the last day it recurs until (recurring)
    start: str | None = None  # ISO date a range starts (2018年6月至2019年12月), or a plan's first day
    month_day: str | None = None  # MM-DD a recurring deadline falls on (每年6月底前 → 06-30)
    source: str = "text"  # text (the clause) | row (its 完成时限) | parent (an enclosing unit) | plan (the title)

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "text": self.text,
            "due": self.due,
            "start": self.start,
            "month_day": self.month_day,
            "source": self.source,
        }


@dataclass
class Document:
    """A plan document's citation data. Missing fields are None, never guessed."""

    id: str  # stable: derived from the content hash
    title: str | None
    doc_number: str | None  # 文号, e.g. 市政办发〔2017〕17号
    issuer: str | None
    date: str | None  # ISO yyyy-mm-dd
    region: str | None
    source: str  # file name it was read from
    sha256: str
    supersedes: str | None = None  # id of an older stored version this one replaced or follows

    def to_json(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "doc_number": self.doc_number,
            "issuer": self.issuer,
            "date": self.date,
            "region": self.region,
            "source": self.source,
            "sha256": self.sha256,
        }


@dataclass
class Clause:
    """One node of a document's numbered hierarchy; clauses and items are what search returns."""

    id: str
    doc_id: str
    number: str  # as written, normalised: "二、", "(五)", "1.", "第四条"
    path: str  # ancestors' numbers joined: "二、(五)", "二、(一)1.", "第二章第四条"
    level: int  # 1 = outermost
    kind: str  # one of the KIND_* constants
    heading: str
    text: str  # the unit's whole text as written (every paragraph up to the next sibling)
    parent_id: str | None
    order: int  # position in the document, 0-based
    agencies: list[Agency] = field(default_factory=list)
    retrievable: bool = True  # False for pure headings whose content lives in child units
    deadline: Deadline | None = None  # filled by the store (computed when the document is stored)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "number": self.number,
            "path": self.path,
            "level": self.level,
            "kind": self.kind,
            "heading": self.heading,
            "text": self.text,
            "parent_id": self.parent_id,
            "retrievable": self.retrievable,
            "agencies": [a.to_json() for a in self.agencies],
        }


@dataclass
class ParsedDocument:
    """What parsing one file yields: the document, its units in order, and warnings."""

    document: Document
    clauses: list[Clause]
    warnings: list[str] = field(default_factory=list)
    # The file is only a task-division table (分工表): its rows are the units, and it may belong to a plan.
    table_only: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "document": self.document.to_json(),
            "clauses": [c.to_json() for c in self.clauses],
            "warnings": list(self.warnings),
        }


@dataclass
class Hit:
    """One search result: a clause, its document, and why it ranked where it did."""

    clause: Clause
    document: Document
    score: float
    rank: int
    matched_terms: list[str] = field(default_factory=list)
    explain: dict[str, Any] = field(default_factory=dict)

    def to_json(self, explain: bool = False) -> dict[str, Any]:
        data = {
            "rank": self.rank,
            "score": round(self.score, 6),
            "clause_id": self.clause.id,
            "path": self.clause.path,
            "heading": self.clause.heading,
            "text": self.clause.text,
            "agencies": [a.to_json() for a in self.clause.agencies],
            "document": {k: v for k, v in self.document.to_json().items() if k != "sha256"},
            "deadline": self.clause.deadline.to_json() if self.clause.deadline else None,
        }
        if explain:
            data["explain"] = self.explain
        return data
