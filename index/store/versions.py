"""Versions: which stored document superseded which.

Two stored plans are versions of one another when they come from the same place and body and
say the same thing for a later period:
  - same 文号 family: the same issuer code (市政办发, 皖政办秘 …) with a later year, from the same
    region/issuer, and titles alike once years and place names are set aside
    (西安市2017年质量强市行动计划 → 西安市2018年质量强市行动计划);
  - or the same issuer and closely similar titles, the later date winning.
Identical 文号 with new content is already handled by the store (the old version is replaced).

Also here: `report_store`, the store that reports and scripts read — the configured one, or
while it holds nothing yet, a temporary one filled from the corpus.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

from index.models import Document
from index.store.database import Store
from index.text.citation import citation
from index.text.docnumber import parse_doc_number
from index.text.normalize import norm

FAMILY_TITLE_SIMILARITY = 0.5  # same 文号 family: titles need only be alike
TITLE_SIMILARITY = 0.75  # no shared 文号 family: titles must be nearly the same

_TITLE_NOISE = re.compile(
    r"关于印发|印发|的通知|通知|关于|《|》|〈|〉|“|”|\"|\(|\)|（|）|〔|〕|—|-|–|~|至|年度|(?:19|20)\d{2}\s*年?|\d+|\s|,|，|、|。"
)
_ISSUER_TAIL = re.compile(r"(人民政府办公厅|人民政府办公室|人民政府|政府办公厅|政府办公室|办公厅|办公室|政府)$")


@dataclass(frozen=True)
class VersionLink:
    """A document's place in its line of versions."""

    doc_id: str
    supersedes: str | None = None  # the older version it follows
    superseded_by: str | None = None  # the newer version that follows it
    reason: str | None = None  # why they are versions of one another, for display


def doc_number_family(doc_number: str | None) -> tuple[str, int, int] | None:
    """市政办发〔2017〕17号 → ("市政办发", 2017, 17); None when it is not a 文号."""
    number = parse_doc_number(doc_number)
    return number.key if number else None


def title_key(document: Document) -> str:
    """The title with years, numbers, place names and boilerplate (关于印发…的通知) removed."""
    title = norm(document.title or "")
    for place in _places(document):
        title = title.replace(place, "")
    return _TITLE_NOISE.sub("", title)


def _places(document: Document) -> list[str]:
    places = []
    for text in (document.region, _ISSUER_TAIL.sub("", norm(document.issuer or ""))):
        if text:
            places.append(text)
            stripped = text.rstrip("省市县区州")
            if len(stripped) >= 2:
                places.append(stripped)
    return sorted(set(places), key=len, reverse=True)


def _issuer_key(document: Document) -> str:
    return _ISSUER_TAIL.sub("", norm(document.issuer or "")) or norm(document.region or "")


def _when(document: Document) -> str:
    """Sort key in time: the date, else the 文号 year."""
    if document.date:
        return document.date
    family = doc_number_family(document.doc_number)
    return f"{family[1]}-00-00" if family else ""


def _relation(older: Document, newer: Document) -> str | None:
    """Why `newer` supersedes `older`, or None when it does not."""
    if older.id == newer.id or not _when(newer) or _when(newer) <= _when(older):
        return None
    same_place = bool(_issuer_key(older)) and _issuer_key(older) == _issuer_key(newer)
    if not same_place:
        return None
    similarity = SequenceMatcher(None, title_key(older), title_key(newer)).ratio()
    old_family, new_family = doc_number_family(older.doc_number), doc_number_family(newer.doc_number)
    same_family = bool(old_family and new_family and old_family[0] == new_family[0] and new_family[1] > old_family[1])
    if same_family and similarity >= FAMILY_TITLE_SIMILARITY:
        return f"同一文号系列（{new_family[0]}，{old_family[1]}→{new_family[1]}年）"  # type: ignore[index]
    if similarity >= TITLE_SIMILARITY:
        return "同一发文机关、标题相同或相近，日期较新"
    return None


def detect_versions(documents: Sequence[Document]) -> dict[str, VersionLink]:
    """doc_id → VersionLink for every document that supersedes or is superseded by another.

    Each document is linked to its nearest newer version (and that one back to it), so a line of
    annual plans forms a chain 2016 → 2017 → 2018. A `supersedes` already stored on a document is kept.
    """
    ordered = sorted(documents, key=lambda d: (_when(d), d.id))
    by_id = {d.id: d for d in ordered}
    newer_of: dict[str, tuple[str, str]] = {}
    older_of: dict[str, tuple[str, str]] = {}
    for doc in ordered:
        if doc.supersedes and doc.supersedes in by_id:
            reason = _relation(by_id[doc.supersedes], doc) or "库中记录的新版本"
            older_of[doc.id] = (doc.supersedes, reason)
            newer_of.setdefault(doc.supersedes, (doc.id, reason))
    # Versions share their issuer's place (see _relation): compare within those groups only, so a
    # corpus of thousands of documents is not compared pair by pair.
    by_issuer: dict[str, list[Document]] = {}
    for doc in ordered:
        key = _issuer_key(doc)
        if key:
            by_issuer.setdefault(key, []).append(doc)
    for group in by_issuer.values():
        for i, older in enumerate(group):
            if older.id in newer_of:
                continue
            for newer in group[i + 1 :]:
                reason = _relation(older, newer)
                if reason and newer.id not in older_of:
                    newer_of[older.id] = (newer.id, reason)
                    older_of[newer.id] = (older.id, reason)
                    break
    links = {}
    for doc_id in set(newer_of) | set(older_of):
        newer = newer_of.get(doc_id)
        older = older_of.get(doc_id)
        links[doc_id] = VersionLink(
            doc_id=doc_id,
            supersedes=older[0] if older else None,
            superseded_by=newer[0] if newer else None,
            reason=(newer or older)[1] if (newer or older) else None,
        )
    return links


def latest_version(doc_id: str, links: dict[str, VersionLink]) -> str:
    """The newest document in `doc_id`'s line of versions."""
    seen = {doc_id}
    while doc_id in links and links[doc_id].superseded_by and links[doc_id].superseded_by not in seen:
        doc_id = links[doc_id].superseded_by  # type: ignore[assignment]
        seen.add(doc_id)
    return doc_id


def version_note(document: Document, links: dict[str, VersionLink], documents: dict[str, Document]) -> str | None:
    """What an answer citing `document` should say about its versions, or None."""
    link = links.get(document.id)
    if link is None:
        return None
    if link.superseded_by and link.superseded_by in documents:
        newest = documents[latest_version(document.id, links)]
        return f"注意：此条出自旧版本，已被{citation(newest)}取代。"
    if link.supersedes and link.supersedes in documents:
        return f"此文件取代了{citation(documents[link.supersedes])}。"
    return None


def apply_versions(store: Store) -> dict[str, VersionLink]:
    """Detect versions among stored documents and record each `supersedes` in the store."""
    documents = store.documents()
    links = detect_versions(documents)
    current = {d.id: d.supersedes for d in documents}
    for doc_id, link in links.items():
        if link.supersedes and current.get(doc_id) != link.supersedes:
            store.set_supersedes(doc_id, link.supersedes)
    return links
