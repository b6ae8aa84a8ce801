"""The one document resolver: which stored document a reference names.

/outline, /tasks, /remove, /targets, the CLIs and PlanService all resolve "太原", "皖政办秘〔2016〕76号",
"质量强市", a file name or an id prefix through `find_document`, so they always agree.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from index.errors import DocumentRefError
from index.models import Document
from index.text.docnumber import parse_doc_number
from index.text.normalize import normalize_text
from index.text.places import issuer_place, region_aliases

REF_HINT = "可用文号、地区、标题中的词或文件名"


def place_aliases(document: Document) -> set[str]:
    """Every name the document's place goes by (region and issuer's place, with short forms)."""
    out: set[str] = set()
    for place in (document.region, issuer_place(document.issuer)):
        if place:
            out |= region_aliases(place)
    return out


def find_document(documents: Sequence[Document], ref: str) -> Document | None:
    """The document `ref` names, by (in this order) id or id prefix, 文号, file name, place, words of
    the title, words of the issuer, a place named inside a longer reference; newest first on ties."""
    text = normalize_text(ref or "").strip()
    if not text:
        return None
    newest = sorted(documents, key=lambda d: d.date or "", reverse=True)
    number = parse_doc_number(text)
    tests: list[Callable[[Document], bool]] = [
        lambda d: d.id == text or (len(text) >= 6 and d.id.startswith(text)),
        lambda d: number is not None and (stored := parse_doc_number(d.doc_number)) is not None
        and stored.key == number.key,
        lambda d: normalize_text(d.doc_number or "") == text,
        lambda d: normalize_text(d.source) == text or normalize_text(Path(d.source).stem) == text,
        lambda d: text in place_aliases(d),
        lambda d: text in normalize_text(d.title or ""),
        lambda d: text in normalize_text(d.issuer or "") or text in normalize_text(d.source),
        lambda d: any(alias in text for alias in place_aliases(d) if len(alias) >= 2),
    ]
    for test in tests:
        for document in newest:
            if test(document):
                return document
    return None


def resolve_document(documents: Sequence[Document], ref: str) -> Document:
    """`find_document`, raising DocumentRefError (with what to try instead) when nothing matches."""
    if not (ref or "").strip():
        raise DocumentRefError(f"请给出文件：{REF_HINT}")
    document = find_document(documents, ref)
    if document is None:
        raise DocumentRefError(f"库中找不到这个文件：{ref}（{REF_HINT}）")
    return document
