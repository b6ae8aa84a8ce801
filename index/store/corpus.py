"""Bring the store in line with CORPUS_DIR, the source of truth for which documents exist.

New or changed files (by sha256 of their bytes) are parsed and stored, documents whose file is
gone are removed, unchanged files are not even parsed. A file that cannot be read or parsed is
skipped with a message naming it; the rest of the corpus is still indexed. Two files with the
same 文号: the one with the newer date is kept, the other skipped with a warning.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from index.errors import QualityPlanError
from index.ingest.overrides import FieldValueError, apply_overrides
from index.models import Document, ParsedDocument, Progress
from index.store.attachments import attach_task_table
from index.store.database import REPLACED, Store
from index.store.versions import apply_versions

Parse = Callable[[Path], ParsedDocument]


@dataclass
class CorpusReport:
    added: list[Document] = field(default_factory=list)
    replaced: list[tuple[Document, Document]] = field(default_factory=list)  # (new, old)
    removed: list[Document] = field(default_factory=list)
    unchanged: int = 0
    skipped: list[str] = field(default_factory=list)  # one message per file left out, naming it
    warnings: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.added or self.replaced or self.removed)


def corpus_files(corpus_dir: Path) -> list[Path]:
    """Every visible regular file under the corpus folder, in a stable order."""
    corpus_dir = Path(corpus_dir)
    if not corpus_dir.is_dir():
        return []
    files = [
        p
        for p in corpus_dir.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(corpus_dir).parts)
    ]
    return sorted(files)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def parse_with_canonical(path: Path) -> ParsedDocument:
    """parse_file, then fill every agency's current name (what the pipeline stores)."""
    from index.ingest.parse import parse_file
    from index.text.agencies import annotate_canonical

    parsed = parse_file(Path(path))
    annotate_canonical(parsed)
    return parsed


def _newer(a: Document, b: Document) -> bool:
    """Is a dated later than b (an undated document never wins against a dated one)?"""
    return (a.date or "") > (b.date or "")


def sync_corpus(
    corpus_dir: Path,
    store: Store,
    *,
    parse: Parse | None = None,
    progress: Progress | None = None,
    reparse: bool = False,
) -> CorpusReport:
    """Add new and changed files to the store, drop documents whose file is gone.

    reparse=True parses every file again (a full re-index after the parser changed).
    """
    parse = parse or parse_with_canonical
    report = CorpusReport()
    present: set[str] = set()
    pending: list[Path] = []
    for path in corpus_files(corpus_dir):
        try:
            sha = file_sha256(path)
        except OSError as exc:
            report.skipped.append(f"无法读取文件，已跳过：{path.name}（{exc.strerror or exc}）")
            continue
        present.add(sha)
        if store.document_by_sha(sha) is not None and not reparse:
            report.unchanged += 1
        else:
            pending.append(path)

    for doc in store.documents():
        if doc.sha256 not in present:
            report.removed.append(store.remove_document(doc.id))

    parsed: list[ParsedDocument] = []
    if progress:
        progress(0, len(pending), "parse")
    for done, path in enumerate(pending, 1):
        try:
            result = parse(path)
        except QualityPlanError as exc:
            report.skipped.append(f"已跳过：{exc}")
        except Exception as exc:  # a parser bug on one file must not stop the whole corpus
            report.skipped.append(f"无法解析文件，已跳过：{path.name}（{type(exc).__name__}: {exc}）")
        else:
            result.document.source = path.name
            parsed.append(_with_admin_fields(result, store, report))
        if progress:
            progress(done, len(pending), "parse")

    # Task-division tables (分工表) come last: one whose plan is stored joins that plan instead.
    tables = [item for item in parsed if item.table_only]
    for item in _keep_newest_per_number([item for item in parsed if not item.table_only], store, report) + tables:
        if item.table_only and attach_task_table(store, item) is not None:
            continue
        reparsed = store.document_by_sha(item.document.sha256) is not None
        result = store.add_document(item, reparse=reparse)
        if reparsed:
            report.unchanged += 1
        elif result.status == REPLACED and result.replaced is not None:
            report.replaced.append((result.document, result.replaced))
        elif result.status != "unchanged":
            report.added.append(result.document)
        report.warnings.extend(f"{item.document.source}：{w}" for w in item.warnings)
    apply_versions(store)
    return report


def _with_admin_fields(parsed: ParsedDocument, store: Store, report: CorpusReport) -> ParsedDocument:
    """The parse with the fields an admin supplied for this file put back (a full re-index parses again)."""
    supplied = store.admin_fields(parsed.document.sha256)
    if not supplied:
        return parsed
    try:
        return apply_overrides(parsed, supplied)
    except FieldValueError as exc:
        report.warnings.append(f"{parsed.document.source}：管理员补充的字段未能再次使用（{exc}）")
        return parsed


def _keep_newest_per_number(parsed: list[ParsedDocument], store: Store, report: CorpusReport) -> list[ParsedDocument]:
    """Of several versions with one 文号 (new files and the stored one), keep the newest date."""
    keep: list[ParsedDocument] = []
    by_number: dict[str, ParsedDocument] = {}
    for item in parsed:
        number = item.document.doc_number
        if not number:
            keep.append(item)
            continue
        rival = by_number.get(number)
        if rival is None:
            by_number[number] = item
            continue
        winner, loser = (item, rival) if _newer(item.document, rival.document) else (rival, item)
        by_number[number] = winner
        report.warnings.append(
            f"文号相同的两个文件：{loser.document.source} 与 {winner.document.source}（{number}），"
            f"保留日期较新的 {winner.document.source}"
        )
    for number, item in by_number.items():
        stored = store.document_by_number(number)
        if stored is not None and stored.sha256 != item.document.sha256 and not _newer(item.document, stored):
            report.warnings.append(
                f"文号相同的两个文件：{item.document.source} 与 {stored.source}（{number}），"
                f"保留日期较新的 {stored.source}，{item.document.source} 未收录"
            )
            continue
        keep.append(item)
    return keep
