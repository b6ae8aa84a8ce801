"""A task-division table (任务分工表) that arrives after its plan joins that plan.

The table names its plan by the same 文号 or by the plan's title in its caption ("XX市关于…实施
方案重点任务分工表"). Its rows then give the plan's clauses their agencies and deadlines
(`index.ingest.task_table.apply_task_tables`), and the plan is stored again in one transaction
like any new version: same file hash (the plan's file is unchanged, so corpus sync keeps seeing it),
a new document id (so the index build re-reads it), the table named in the plan's warnings. The
table file stays in the corpus and is attached again after every sync or re-parse; attaching a
table twice changes nothing.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, replace

from index.ingest.task_table import TaskTable, apply_task_tables, plan_title_of, rows_of_table_document
from index.models import Clause, Document, ParsedDocument
from index.store.database import AddResult, Store
from index.store.versions import apply_versions
from index.text.docnumber import parse_doc_number
from index.text.normalize import normalize_text

ATTACHED = "attached"
_MIN_TITLE = 6  # a caption naming its plan by part of the title must name this much of it
_TITLE_WORDS = re.compile(r"关于印发|的通知|[《》〈〉“”\"\s]")


@dataclass
class AttachResult(AddResult):
    """Adding a file that was a task table of a stored plan: `document` is the plan as now stored."""

    table: str = ""  # the table's file name

    @property
    def message(self) -> str:
        name = self.document.title or self.document.source
        return f"已将分工表 {self.table} 并入：{name}（按表补充了条款的牵头、配合单位和完成时限）"


def plan_of_table(store: Store, parsed: ParsedDocument) -> Document | None:
    """The stored plan a table-only document belongs to: the same 文号, else the one plan whose title
    its caption names; None for any other document."""
    if not parsed.table_only:
        return None
    table = parsed.document
    documents = [d for d in store.documents() if d.sha256 != table.sha256]
    number = parse_doc_number(table.doc_number)
    if number is not None:
        same = [d for d in documents if (stored := parse_doc_number(d.doc_number)) and stored.same_as(number)]
        if len(same) == 1:
            return same[0]
    named = _title_key(plan_title_of(table.title))
    if len(named) < _MIN_TITLE:
        return None
    exact = [d for d in documents if _title_key(d.title) == named]
    if exact:
        return exact[0] if len(exact) == 1 else None
    partial = [d for d in documents if (key := _title_key(d.title)) and len(key) >= _MIN_TITLE
               and (named in key or key in named)]
    return partial[0] if len(partial) == 1 else None


def attach_task_table(store: Store, parsed: ParsedDocument) -> Document | None:
    """Give the stored plan of table-only `parsed` the agencies and deadlines of its rows; returns
    the plan as stored afterwards (unchanged when the table adds nothing), or None when `parsed` is
    not a table of a stored plan."""
    plan = plan_of_table(store, parsed)
    if plan is None:
        return None
    clauses = store.clauses(plan.id)
    rows = rows_of_table_document(parsed.clauses)
    updated, warnings = apply_task_tables(clauses, [TaskTable(caption=None, roles={}, rows=rows)])
    if all(_same(old, new) for old, new in zip(clauses, updated, strict=True)):
        return plan
    doc_id = hashlib.sha256(f"{plan.id}+{parsed.document.sha256}".encode()).hexdigest()[:12]
    document = replace(plan, id=doc_id)
    notes = [*store.document_warnings(plan.id), f"已并入分工表：{parsed.document.source}", *warnings]
    store.add_document(ParsedDocument(document, [_moved(c, doc_id) for c in updated], notes), reparse=True)
    apply_versions(store)
    return store.document(doc_id) or document


def _same(old: Clause, new: Clause) -> bool:
    return old.text == new.text and [(a.name, a.role) for a in old.agencies] == [(a.name, a.role) for a in new.agencies]


def _moved(clause: Clause, doc_id: str) -> Clause:
    """The clause under the plan's new id (clause ids keep their path hash)."""

    def rename(clause_id: str | None) -> str | None:
        return f"{doc_id}:{clause_id.split(':', 1)[-1]}" if clause_id else None

    return replace(clause, id=rename(clause.id), doc_id=doc_id, parent_id=rename(clause.parent_id))


def _title_key(title: str | None) -> str:
    return _TITLE_WORDS.sub("", normalize_text(title or ""))
