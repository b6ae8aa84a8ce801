"""Reading a question: which region or document it names, which agency, which clause reference.

Officials ask in their own words: "西安电梯安全……", "皖政办秘〔2016〕76号里……", "克孜勒苏……",
"市旅游局负责哪些工作", "西安 二(五)". Everything here is derived from the stored documents and
agency mentions plus one small table of well-known Chinese place abbreviations, so a new plan
from another city is understood without code changes.

Matching is a scan of the question's substrings against alias dictionaries, so its cost depends
on the question's length, not on the number of clauses.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from index.models import LEAD, Document
from index.text.agencies import agency_aliases
from index.text.docnumber import DocNumber, iter_doc_numbers, parse_doc_number
from index.text.normalize import clean_question, normalize_text
from index.text.numbering import path_units, question_references, unit_text
from index.text.places import (
    CITY_PROVINCE,
    PROVINCE_ABBREVIATIONS,
    STANDALONE_ABBREVIATIONS,
    issuer_place,
    region_aliases,
)

# One-character place abbreviations that are also common words count only before these (并政发).
_DOC_NUMBER_CONTEXT = frozenset("政办发字")

_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
_YEAR_RANGE = re.compile(r"((?:19|20)\d{2})\s*年?\s*[-—–~～至到]+\s*((?:19|20)\d{2})")


def document_years(document: Document) -> set[int]:
    """Years a plan is about: its date's year and every year its title covers (2017年—2020年)."""
    years: set[int] = set()
    if document.date and document.date[:4].isdigit():
        years.add(int(document.date[:4]))
    title = normalize_text(document.title or "")
    for m in _YEAR_RANGE.finditer(title):
        start, end = int(m.group(1)), int(m.group(2))
        if 0 <= end - start <= 30:
            years.update(range(start, end + 1))
    years.update(int(y) for y in _YEAR.findall(title))
    return years


@dataclass
class QueryReading:
    """What a question names. Row numbers index the searcher's clause table."""

    text: str
    doc_ids: list[str] = field(default_factory=list)  # documents the question restricts itself to
    regions: list[str] = field(default_factory=list)
    doc_numbers: list[str] = field(default_factory=list)
    soft_doc_ids: list[str] = field(default_factory=list)  # named only loosely (province of a city): boosted
    years: list[int] = field(default_factory=list)
    year_doc_ids: list[str] = field(default_factory=list)
    agencies: list[str] = field(default_factory=list)
    agency_rows: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    agency_weights: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.float32))
    reference: str | None = None
    reference_rows: list[int] = field(default_factory=list)
    unknown_places: list[str] = field(default_factory=list)
    rewrites: list[str] = field(default_factory=list)  # how the question was reworded (index/text/vocabulary.py)
    soft_places: list[str] = field(default_factory=list)  # provinces named for the plans of their cities

    @property
    def places(self) -> list[str]:
        """Every place word the question names: regions, places no document is about, provinces."""
        return [*self.regions, *self.unknown_places, *self.soft_places]

    @property
    def empty(self) -> bool:
        return not any(ch.isalnum() for ch in self.text)

    def filters(self) -> dict[str, Any]:
        """What was read from the question, for explanations and logs (only what was found)."""
        data: dict[str, Any] = {
            "documents": self.doc_ids,
            "regions": self.regions,
            "doc_numbers": self.doc_numbers,
            "boosted_documents": self.soft_doc_ids,
            "years": self.years,
            "year_documents": self.year_doc_ids,
            "agencies": self.agencies,
            "clause_reference": self.reference,
            "unknown_places": self.unknown_places,
            "rewrites": self.rewrites,
            "provinces": self.soft_places,
        }
        return {k: v for k, v in data.items() if v}


class QueryReader:
    """Reads questions against one index's documents, clause paths and agency mentions."""

    def __init__(
        self,
        documents: Sequence[Document],
        clause_doc_ids: Sequence[str],
        clause_paths: Sequence[str],
        agency_mentions: Iterable[tuple[str, str | None, str, int]],
    ) -> None:
        """agency_mentions: (name, canonical, role, clause row) for every agency on every clause."""
        self._documents = {d.id: d for d in documents}
        self._clause_doc_ids = list(clause_doc_ids)
        self._place_docs: dict[str, set[str]] = {}  # alias → documents of that place
        self._doc_context_aliases: dict[str, set[str]] = {}  # one-char aliases valid before 政/办/发/字
        self._soft_docs: dict[str, set[str]] = {}  # province → documents of its cities
        self._known_places: set[str] = set(PROVINCE_ABBREVIATIONS) | set(CITY_PROVINCE)
        self._doc_numbers: dict[tuple[int, int], list[tuple[DocNumber, str]]] = {}
        self._years: dict[int, set[str]] = {}
        for doc in documents:
            self._add_document(doc)
        self._agencies: dict[str, list[tuple[int, float]]] = {}
        # a large corpus names a few hundred agencies in hundreds of thousands of mentions
        aliases_of: dict[tuple[str, str | None], set[str]] = {}
        for name, canonical, role, row in agency_mentions:
            weight = 1.0 if role == LEAD else 0.6
            aliases = aliases_of.get((name, canonical))
            if aliases is None:
                aliases = agency_aliases(name) | (agency_aliases(canonical) if canonical else set())
                aliases_of[(name, canonical)] = aliases
            for alias in aliases:
                self._agencies.setdefault(alias, []).append((row, weight))
        self._agency_arrays = {
            alias: (np.array([r for r, _ in pairs], dtype=np.int64), np.array([w for _, w in pairs], dtype=np.float32))
            for alias, pairs in self._agencies.items()
        }
        self._references: dict[tuple[str, int], list[tuple[int, tuple[tuple[str, int], ...]]]] = {}
        units_of: dict[str, tuple[tuple[str, int], ...]] = {}  # paths repeat from plan to plan
        for row, path in enumerate(clause_paths):
            units = units_of.get(path)
            if units is None:
                units = units_of[path] = path_units(path)
            if units:
                self._references.setdefault(units[-1], []).append((row, units))
        self._place_table = self._place_docs.keys() | self._known_places | self._soft_docs.keys()
        # 陕 → 陕西 → documents of its cities (only abbreviations that are safe on their own)
        self._soft_abbreviations = {
            abbreviation: self._soft_docs[province]
            for province, abbreviations in PROVINCE_ABBREVIATIONS.items()
            if province in self._soft_docs
            for abbreviation in abbreviations
            if abbreviation in STANDALONE_ABBREVIATIONS
        }
        self._alias_lengths = sorted({len(a) for a in (*self._place_table, *self._agencies)}, reverse=True)

    def _add_document(self, doc: Document) -> None:
        places = {p for p in (doc.region, issuer_place(doc.issuer)) if p}
        for place in places:
            for alias in region_aliases(place):
                if len(alias) == 1:
                    self._doc_context_aliases.setdefault(alias, set()).add(doc.id)
                    if alias in STANDALONE_ABBREVIATIONS:
                        self._place_docs.setdefault(alias, set()).add(doc.id)
                else:
                    self._place_docs.setdefault(alias, set()).add(doc.id)
                    province = CITY_PROVINCE.get(alias)
                    if province:
                        self._soft_docs.setdefault(province, set()).add(doc.id)
                self._known_places.add(alias)
        number = parse_doc_number(doc.doc_number)
        if number is not None:
            abbreviation = number.place_abbreviation
            if abbreviation:
                target = self._doc_context_aliases if len(abbreviation) == 1 else self._place_docs
                target.setdefault(abbreviation, set()).add(doc.id)
            self._doc_numbers.setdefault((number.year, number.serial), []).append((number, doc.id))
        for year in document_years(doc):
            self._years.setdefault(year, set()).add(doc.id)

    def knows(self, name: str) -> bool:
        """Whether the corpus names this place or agency (so a question's word for it is the plans' own)."""
        return name in self._place_table or name in self._agencies

    def read(self, question: str) -> QueryReading:
        text = clean_question(question)
        reading = QueryReading(text=text)
        if reading.empty:
            return reading
        covered = [False] * len(text)
        self._read_doc_numbers(text, reading, covered)
        self._read_agencies(text, reading, covered)
        self._read_places(text, reading, covered)
        self._read_years(text, reading)
        self._read_reference(text, reading)
        return reading

    def _matches(self, text: str, table: Collection[str], covered: list[bool]) -> list[tuple[int, str]]:
        """Longest-first, non-overlapping matches of table keys (length ≥ 2) in text."""
        found: list[tuple[int, str]] = []
        for length in self._alias_lengths:
            if length < 2:
                continue
            for start in range(0, len(text) - length + 1):
                if any(covered[start : start + length]):
                    continue
                piece = text[start : start + length]
                if piece in table:
                    found.append((start, piece))
                    for i in range(start, start + length):
                        covered[i] = True
        found.sort()
        return found

    def _read_doc_numbers(self, text: str, reading: QueryReading, covered: list[bool]) -> None:
        for asked, start, end in iter_doc_numbers(text):
            candidates = self._doc_numbers.get((asked.year, asked.serial), [])
            doc_ids = {doc_id for stored, doc_id in candidates if asked.same_as(stored)}
            if doc_ids:
                reading.doc_numbers.append(text[start:end])
                reading.doc_ids.extend(sorted(doc_ids - set(reading.doc_ids)))
                for i in range(start, end):
                    covered[i] = True

    def _read_agencies(self, text: str, reading: QueryReading, covered: list[bool]) -> None:
        found = self._matches(text, self._agency_arrays, covered)
        if not found:
            return
        rows, weights = [], []
        for _, alias in found:
            reading.agencies.append(alias)
            alias_rows, alias_weights = self._agency_arrays[alias]
            rows.append(alias_rows)
            weights.append(alias_weights)
        reading.agency_rows = np.concatenate(rows)
        reading.agency_weights = np.concatenate(weights)

    def _read_places(self, text: str, reading: QueryReading, covered: list[bool]) -> None:
        places: set[str] = set()
        soft: set[str] = set()
        for _, alias in self._matches(text, self._place_table, covered):
            if alias in self._place_docs:
                reading.regions.append(alias)
                places |= self._place_docs[alias]
            elif alias in self._soft_docs:
                soft |= self._soft_docs[alias]
                reading.soft_places.append(alias)
            else:
                reading.unknown_places.append(alias)
        for i, ch in enumerate(text):
            if covered[i]:
                continue
            context_ok = i + 1 < len(text) and text[i + 1] in _DOC_NUMBER_CONTEXT
            if ch in self._place_docs and ch in STANDALONE_ABBREVIATIONS:
                reading.regions.append(ch)
                places |= self._place_docs[ch]
            elif context_ok and ch in self._doc_context_aliases:
                reading.regions.append(ch)
                places |= self._doc_context_aliases[ch]
            elif ch in self._soft_abbreviations:
                soft |= self._soft_abbreviations[ch]
                reading.soft_places.append(ch)
        if places:
            reading.doc_ids.extend(sorted(places - set(reading.doc_ids)))
            reading.unknown_places.clear()
        reading.soft_doc_ids = sorted(soft - set(reading.doc_ids))
        if soft:
            reading.unknown_places.clear()

    def _read_years(self, text: str, reading: QueryReading) -> None:
        for m in _YEAR.finditer(text):
            year = int(m.group(1))
            if year not in reading.years:
                reading.years.append(year)
        docs: set[str] = set()
        for year in reading.years:
            docs |= self._years.get(year, set())
        reading.year_doc_ids = sorted(docs)

    def _read_reference(self, text: str, reading: QueryReading) -> None:
        for units in question_references(text):  # the most literal reading that names a clause wins
            candidates = self._references.get(units[-1], [])
            rows = [row for row, path in candidates if path[-len(units) :] == units]
            if reading.doc_ids:
                allowed = set(reading.doc_ids)
                rows = [row for row in rows if self._clause_doc_ids[row] in allowed]
            if rows:
                reading.reference = "".join(unit_text(u) for u in units)
                reading.reference_rows = rows
                return


_AGENCY_TASKS = re.compile(
    r"^\s*(?P<name>[\u4e00-\u9fff（）()]{1,28}?(?:局|委|厅|办|部|会|政府|院|室|中心|小组|单位|部门|海关|银行|分行))"
    r"(?:都|还|主要|具体)?(?:牵头|负责|承担|配合|参与)(?:了)?"
    r"(?:哪些|什么|几项|多少|那些)(?:任务|工作|事项|条款|事)"
)


def agency_task_subject(question: str) -> str | None:
    """The agency a "who does what" question names — 市市场监管局牵头哪些任务？ → 市市场监管局 — or None."""
    match = _AGENCY_TASKS.match(question or "")
    return match.group("name") if match else None
