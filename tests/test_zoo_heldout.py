"""A held-out check: plans written apart from the zoo the parser was tuned on (tests/zoo/heldout).

Their layouts differ from tests/zoo/text and tests/zoo/html on purpose: title then 文号 then addressee,
red headers of 政府/办公室/行政公署, 意见 and 条例-style 第X条 articles, chapters with 节, 第X部分,
①/(1) items, joint signatures, dates in Chinese numerals, 抄送/印发 tails, attachments after the
signature, a task table pasted as text, traditional-character copies, web pages with 发布时间 lines.
Each expected parse was written from what the document says, not from the parser's output.

The figures are the acceptance check's: citation fields right / fields checked, clauses whose lead
and support are right / clauses that name any, documents with the right clause count.
Run `python -m tests.test_zoo_heldout` to print them with every miss.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from index.ingest.parse import parse_file, parse_text
from index.models import LEAD, SUPPORT, Clause

ZOO = Path(__file__).parent / "zoo" / "heldout"
DOCUMENTS = sorted(path for path in ZOO.iterdir() if path.suffix != ".json")
FIELDS = ("title", "doc_number", "issuer", "date", "region")
REQUIRED = 0.95


@dataclass
class Figures:
    fields_right: int = 0
    fields: int = 0
    agencies_right: int = 0
    agencies: int = 0
    counts_right: int = 0
    documents: int = 0
    invented: int = 0  # clauses naming no body that were given one
    quiet: int = 0  # clauses naming no body
    misses: list[str] = field(default_factory=list)

    def rate(self, right: int, total: int) -> float:
        return right / total if total else 1.0

    @property
    def field_accuracy(self) -> float:
        return self.rate(self.fields_right, self.fields)

    @property
    def agency_accuracy(self) -> float:
        return self.rate(self.agencies_right, self.agencies)

    @property
    def count_accuracy(self) -> float:
        return self.rate(self.counts_right, self.documents)

    def summary(self) -> str:
        return (f"fields {self.fields_right}/{self.fields} = {self.field_accuracy:.3f}; "
                f"agencies {self.agencies_right}/{self.agencies} = {self.agency_accuracy:.3f}; "
                f"clause counts {self.counts_right}/{self.documents}; "
                f"invented agencies {self.invented}/{self.quiet}")


def _roles(clause: Clause | None) -> dict[str, list[str]] | None:
    if clause is None:
        return None
    return {role: [a.name for a in clause.agencies if a.role == value] for role, value in (("lead", LEAD), ("support", SUPPORT))}


def measure() -> Figures:
    figures = Figures()
    for path in DOCUMENTS:
        expected = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
        parsed = parse_file(path)
        name = path.stem
        for attribute in FIELDS:
            found = getattr(parsed.document, attribute)
            figures.fields += 1
            if found == expected[attribute]:
                figures.fields_right += 1
            else:
                figures.misses.append(f"{name}.{attribute}: {found!r} ≠ {expected[attribute]!r}")
        units = {clause.path: clause for clause in parsed.clauses}
        figures.documents += 1
        if len(parsed.clauses) == expected["clauses"]:
            figures.counts_right += 1
        else:
            figures.misses.append(f"{name}.clauses: {len(parsed.clauses)} ≠ {expected['clauses']} {list(units)}")
        for clause_path, roles in expected["agencies"].items():
            found_roles = _roles(units.get(clause_path))
            figures.agencies += 1
            if found_roles == roles:
                figures.agencies_right += 1
            else:
                figures.misses.append(f"{name} {clause_path}: {found_roles} ≠ {roles}")
        for clause_path in expected["no_agencies"]:
            clause = units.get(clause_path)
            figures.quiet += 1
            if clause is None or clause.agencies:
                figures.invented += 1
                figures.misses.append(f"{name} {clause_path}: {_roles(clause)} ≠ none")
    return figures


@pytest.fixture(scope="module")
def figures() -> Figures:
    return measure()


def test_the_heldout_set_is_varied_enough():
    assert len(DOCUMENTS) >= 20
    assert all(path.with_suffix(".json").exists() for path in DOCUMENTS)
    stems = {path.stem for path in DOCUMENTS}
    assert not stems & {path.stem for path in (ZOO.parent / "text").glob("*.txt")}


def test_citation_fields(figures: Figures):
    assert figures.field_accuracy >= REQUIRED, figures.summary() + "\n" + "\n".join(figures.misses)


def test_agencies_of_clauses_that_name_any(figures: Figures):
    assert figures.agency_accuracy >= REQUIRED, figures.summary() + "\n" + "\n".join(figures.misses)


def test_clause_counts(figures: Figures):
    assert figures.count_accuracy >= REQUIRED, figures.summary() + "\n" + "\n".join(figures.misses)


def test_no_agency_is_invented(figures: Figures):
    assert figures.rate(figures.quiet - figures.invented, figures.quiet) >= REQUIRED, (
        figures.summary() + "\n" + "\n".join(figures.misses))


PLACES = st.sampled_from(["嘉兴市", "婺源县", "锡林郭勒盟", "延边朝鲜族自治州", "甘肃省", "宁夏回族自治区"])
GAPS = st.sampled_from(["　", "  ", "　　　", "\t"])


@settings(max_examples=40, deadline=None)
@given(PLACES, st.integers(1990, 2039), st.integers(1, 999), st.dates(dt.date(1980, 1, 1), dt.date(2049, 12, 31)), GAPS, st.booleans())
def test_number_beside_the_title_and_a_one_line_signature(place, year, serial, date, gap, number_first):
    """"标题　文号" (either way round) and "发文机关　日期" each on one line, however they are spaced."""
    title = f"{place}质量提升行动方案"
    number = f"{place[0]}政办发〔{year}〕{serial}号"
    head = f"{number}{gap}{title}" if number_first else f"{title}{gap}{number}"
    text = (f"{head}\n一、目标\n到{year}年，质量总体水平明显提升。\n二、任务\n（一）提升产品质量。市场监管局负责。\n"
            f"{place}人民政府办公室{gap}{date.year}年{date.month}月{date.day}日\n")
    document = parse_text(text).document
    assert (document.title, document.doc_number) == (title, number)
    assert (document.issuer, document.date, document.region) == (f"{place}人民政府办公室", date.isoformat(), place)


if __name__ == "__main__":
    result = measure()
    print(result.summary())
    print("\n".join(result.misses))
