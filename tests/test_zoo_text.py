"""The document zoo: small plans in the arrangements officials receive, each with its expected parse beside it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from index.ingest.parse import parse_text
from index.models import LEAD, SUPPORT

ZOO = Path(__file__).parent / "zoo" / "text"
FIXTURES = sorted(ZOO.glob("*.txt"))
FIELDS = ("title", "doc_number", "issuer", "date", "region")


def parse_file(path: Path):
    return parse_text(path.read_text(encoding="utf-8"), source=path.name)


def expected_of(path: Path) -> dict:
    return json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))


def test_zoo_is_populated():
    assert len(FIXTURES) >= 12
    assert all(path.with_suffix(".json").exists() for path in FIXTURES)


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.stem)
def test_fixture(path: Path):
    expected = expected_of(path)
    result = parse_file(path)
    units = {clause.path: clause for clause in result.clauses}
    wrong = [f"{name}: {getattr(result.document, name)!r} ≠ {expected[name]!r}"
             for name in FIELDS if getattr(result.document, name) != expected[name]]
    if len(result.clauses) != expected["clauses"]:
        wrong.append(f"clauses: {len(result.clauses)} ≠ {expected['clauses']} ({list(units)})")
    for clause_path, roles in expected["agencies"].items():
        clause = units.get(clause_path)
        found = None if clause is None else {
            "lead": [a.name for a in clause.agencies if a.role == LEAD],
            "support": [a.name for a in clause.agencies if a.role == SUPPORT],
        }
        if found != roles:
            wrong.append(f"{clause_path}: {found} ≠ {roles}")
    for clause_path in expected["no_agencies"]:
        clause = units.get(clause_path)
        if clause is None or clause.agencies:
            wrong.append(f"{clause_path}: {None if clause is None else [a.name for a in clause.agencies]} ≠ []")
    assert not wrong, f"{path.name}: " + "; ".join(wrong)


def test_field_accuracy_over_the_zoo():
    """Every citation field of every fixture, counted: the figure the acceptance check measures."""
    right, total, misses = 0, 0, []
    for path in FIXTURES:
        expected = expected_of(path)
        document = parse_file(path).document
        for name in FIELDS:
            total += 1
            if getattr(document, name) == expected[name]:
                right += 1
            else:
                misses.append(f"{path.stem}.{name}={getattr(document, name)!r}")
    assert right == total, f"field accuracy {right}/{total}: " + ", ".join(misses)


def test_text_stays_as_written():
    result = parse_file(ZOO / "traditional.txt")
    clause = next(c for c in result.clauses if c.path == "二、(一)")
    assert "牽頭" in clause.text and clause.heading == "加強質量基礎建設"
    pinyin = parse_file(ZOO / "pinyin.txt")
    assert all("(" not in c.text or "(QC)" in c.text for c in pinyin.clauses)
