"""One document resolver: /outline, /tasks, /targets, /remove and the CLIs agree on which document a
reference names, for every stored document under each of its names."""

from __future__ import annotations

from pathlib import Path

import pytest

from index import PlanService
from index.store.resolver import find_document, place_aliases
from index.text.normalize import normalize_text


@pytest.fixture(scope="module")
def service(seed_service: PlanService) -> PlanService:
    return seed_service


def names_of(document) -> list[str]:
    """The ways officials name a document: region (with and without suffix), 文号, words of the
    title, the file name (with and without its extension)."""
    names = [document.doc_number, document.source, Path(document.source).stem]
    names += sorted(a for a in place_aliases(document) if len(a) >= 2)
    title = document.title or ""
    names += [title, title[-8:], title[:6]]
    return [n for n in names if n]


def test_every_name_of_every_document_resolves_the_same_everywhere(service: PlanService) -> None:
    documents = [info.document for info in service.documents()]
    assert len(documents) == 5
    checked = 0
    for document in documents:
        for name in names_of(document):
            outlined, _ = service.outline(name)
            table = service.task_table(None, name)
            found = service.find_document(name)
            assert outlined.id == table.document.id == found.id, (name, outlined.title, table.document.title)
            unique = sum(1 for d in documents if find_document([d], name) is not None) == 1
            if unique:  # a name only this document answers to must give this document
                assert found.id == document.id, (name, document.title, found.title)
            checked += 1
    assert checked >= 40


def test_references_inside_longer_text_and_in_other_widths(service: PlanService) -> None:
    xian = service.find_document("西安")
    assert xian is not None and xian.region == "西安市"
    assert service.find_document("西安市的行动计划").id == xian.id
    assert service.find_document(xian.doc_number.replace("〔", "[").replace("〕", "]")).id == xian.id
    assert service.find_document(normalize_text(xian.doc_number)).id == xian.id
    assert service.find_document("上海") is None
