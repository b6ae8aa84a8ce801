"""Task tables (任务分解表): who does what, per agency or for a whole document.

Officials split a plan into tasks per department: for each clause, the task (heading + text),
the lead (牵头) and supporting (配合) units, and the targets and deadlines in it. An agency is
matched by its name as written or its current name, level-aware (see `index.text.agencies`):
市场监管局 finds 市市场监管局 and 市质监局; 省市场监管局 finds 省质监局 but not 市质监局. Old names
are shown with their current one: 市质监局（现市场监管局）.

Writers: Markdown, CSV (UTF-8 with BOM, so Excel opens the Chinese correctly) and XLSX (openpyxl).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from index.errors import ExportError
from index.features.targets import Target, extract_targets
from index.models import KIND_PARAGRAPH, LEAD, Clause, Deadline, Document
from index.text.agencies import AgencyTable, agency_role, default_table
from index.text.deadlines import (
    deadline_label,
    deadline_words,
    document_deadlines,
    inherited_horizons,
    own_texts,
    title_year,
)
from index.text.normalize import norm

HEADER = ("序号", "文件", "条款", "任务", "牵头单位", "配合单位", "目标与时限", "完成时限")
FORMATS = ("md", "csv", "xlsx")
_XLSX_WIDTHS = (6, 30, 12, 80, 28, 28, 40, 22)
_XLSX_CELL_LIMIT = 32000  # Excel refuses cells over 32,767 characters


@dataclass
class TaskRow:
    """One row of a task table: a clause with its owners, targets and deadlines."""

    number: int
    document: Document
    clause: Clause
    task: str  # heading + text, without the responsibility line
    leads: list[str]  # display names: 市质监局（现市场监管局）
    supports: list[str]
    targets: list[Target] = field(default_factory=list)
    deadlines: list[str] = field(default_factory=list)  # deadline words not already in a target
    role: str | None = None  # the asked agency's role here (lead/support); None for a whole-document table
    matched: list[str] = field(default_factory=list)  # the asked agency as written here
    deadline: Deadline | None = None  # when the clause is due (index/text/deadlines.py)

    def cells(self) -> list[str]:
        return [
            str(self.number),
            document_label(self.document),
            self.clause.path,
            self.task,
            "、".join(self.leads),
            "、".join(self.supports),
            targets_cell(self.targets, self.deadlines),
            deadline_label(self.deadline) if self.deadline else "",
        ]

    def to_json(self) -> dict[str, object]:
        return {
            "number": self.number,
            "doc_id": self.document.id,
            "document": document_label(self.document),
            "clause_id": self.clause.id,
            "path": self.clause.path,
            "task": self.task,
            "leads": list(self.leads),
            "supports": list(self.supports),
            "targets": [t.to_json() for t in self.targets],
            "deadlines": list(self.deadlines),
            "role": self.role,
            "matched": list(self.matched),
            "deadline": self.deadline.to_json() if self.deadline else None,
        }


def document_label(document: Document) -> str:
    """西安市2017年质量强市行动计划（市政办发〔2017〕17号）."""
    title = document.title or document.source
    return f"{title}（{document.doc_number}）" if document.doc_number else title


def targets_cell(targets: Sequence[Target], deadlines: Sequence[str]) -> str:
    parts = []
    for t in targets:
        when = t.deadline or (f"{t.year}年" if t.year else "")
        parts.append(f"{t.indicator} {t.value_display}" + (f"（{when}）" if when else ""))
    if deadlines:
        parts.append("时限：" + "、".join(deadlines))
    return "；".join(parts)


def task_text(clause: Clause, own_text: str | None = None) -> str:
    """Heading + text of a unit, without its number and its responsibility expression."""
    from index.ingest.responsibility import responsibility_spans

    text = clause.text if own_text is None else own_text
    for start, end in reversed(responsibility_spans(text)):
        span = norm(text[start:end]).lstrip()
        if span.startswith("(") or re.match(r"^[^,。]{0,6}(?:单位|部门)\s*:", span):
            text = text[:start] + text[end:]
    text = text.strip()
    heading = (clause.heading or "").strip()
    if clause.kind == KIND_PARAGRAPH or (heading and text.startswith(heading)):
        # A paragraph unit's heading is its own first words (财政部门要……): the text says it all.
        return re.sub(r"\s*\n\s*", " ", text).strip()
    if clause.number and text.startswith(clause.number):
        text = text[len(clause.number) :].lstrip()
    if heading and text.startswith(heading):
        text = text[len(heading) :].lstrip("。.:：，, \n")
    body = re.sub(r"\s*\n\s*", " ", text).strip()
    if heading and body:
        return f"{heading}：{body}" if not heading.endswith(("。", "：", ":")) else f"{heading}{body}"
    return heading or body


def _deadlines(text: str, targets: Sequence[Target]) -> list[str]:
    known = {t.deadline for t in targets if t.deadline}
    return [words for words in deadline_words(text) if words not in known]


def _row(
    number: int,
    document: Document,
    clause: Clause,
    own_text: str,
    inherited: tuple[int | None, str | None] | None,
    table: AgencyTable,
    role: str | None = None,
    matched: Sequence[str] = (),
    deadline: Deadline | None = None,
) -> TaskRow:
    targets = extract_targets(clause, document, text=own_text, inherited=inherited)
    leads = [table.display(a.name, a.canonical) for a in clause.agencies if a.role == LEAD]
    supports = [table.display(a.name, a.canonical) for a in clause.agencies if a.role != LEAD]
    return TaskRow(
        number=number,
        document=document,
        clause=clause,
        task=task_text(clause, own_text),
        leads=leads,
        supports=supports,
        targets=targets,
        deadlines=_deadlines(own_text, targets),
        role=role,
        matched=list(matched),
        deadline=deadline,
    )


class _DocumentView:
    """A document's units with own texts and inherited horizons, computed once."""

    def __init__(self, document: Document, clauses: Sequence[Clause]) -> None:
        self.document = document
        self.clauses = sorted(clauses, key=lambda c: c.order)
        self.own = own_texts(self.clauses)
        horizons = inherited_horizons(self.clauses, self.own, title_year(document))
        self.inherited: dict[str, tuple[int | None, str | None] | None] = {
            cid: (found.year, found.text) if found else None for cid, found in horizons.items()
        }
        self.deadlines = document_deadlines(document, self.clauses)

    def is_task(self, clause: Clause) -> bool:
        """Retrievable units with text of their own (pure headings are left to their children)."""
        own = self.own[clause.id].strip()
        return clause.retrievable and len(own) > len(clause.number or "") + len(clause.heading or "") + 1


def agency_task_rows(
    agency: str,
    corpus: Iterable[tuple[Document, Sequence[Clause]]],
    *,
    table: AgencyTable | None = None,
) -> list[TaskRow]:
    """Every unit `agency` is named on: those it leads first, then those it supports, each in
    document order (documents by date). Matching is by name as written or current name."""
    table = table or default_table()
    found: list[tuple[int, str, int, _DocumentView, Clause, str, list[str]]] = []
    for doc_index, (document, clauses) in enumerate(_by_date(corpus)):
        view = _DocumentView(document, clauses)
        for clause in view.clauses:
            role, names = agency_role(agency, clause.agencies, doc_region=document.region, table=table)
            if role is None:
                continue
            found.append((0 if role == LEAD else 1, role, doc_index, view, clause, role, [a.name for a in names]))
    found.sort(key=lambda item: (item[0], item[2], item[4].order))
    return [
        _row(
            i, view.document, clause, view.own[clause.id], view.inherited[clause.id], table, role, matched,
            view.deadlines.get(clause.id),
        )
        for i, (_, _, _, view, clause, role, matched) in enumerate(found, 1)
    ]


def document_task_rows(document: Document, clauses: Sequence[Clause], *, table: AgencyTable | None = None) -> list[TaskRow]:
    """The whole document's 任务分解表: every unit with a task of its own, in document order."""
    table = table or default_table()
    view = _DocumentView(document, clauses)
    units = [c for c in view.clauses if view.is_task(c)]
    return [
        _row(i, document, c, view.own[c.id], view.inherited[c.id], table, deadline=view.deadlines.get(c.id))
        for i, c in enumerate(units, 1)
    ]


def _by_date(corpus: Iterable[tuple[Document, Sequence[Clause]]]) -> list[tuple[Document, Sequence[Clause]]]:
    return sorted(corpus, key=lambda item: (item[0].date or "", item[0].title or "", item[0].id))


# -- writers ---------------------------------------------------------------------------------


def render_markdown(rows: Sequence[TaskRow], *, title: str | None = None) -> str:
    lines = [f"## {title}", ""] if title else []
    lines.append("| " + " | ".join(HEADER) + " |")
    lines.append("|" + "|".join("---" for _ in HEADER) + "|")
    for row in rows:
        lines.append("| " + " | ".join(_md_cell(c) for c in row.cells()) + " |")
    return "\n".join(lines) + "\n"


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\r", "").replace("\n", "<br>")


def render_csv(rows: Sequence[TaskRow]) -> bytes:
    """CSV with a UTF-8 BOM (Excel otherwise reads Chinese as mojibake), CRLF line ends."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    for row in rows:
        writer.writerow(row.cells())
    return buffer.getvalue().encode("utf-8-sig")


def render_xlsx(rows: Sequence[TaskRow], *, sheet_title: str = "任务分解表") -> bytes:
    """An XLSX workbook: bold header row, column widths, wrapped text, frozen header."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _sheet_title(sheet_title)
    sheet.append(list(HEADER))
    for row in rows:
        sheet.append([_xlsx_cell(c) for c in row.cells()])
    header_fill = PatternFill("solid", fgColor="DDEBF7")
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = header_fill
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for column, width in enumerate(_XLSX_WIDTHS, 1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    for line in sheet.iter_rows(min_row=2):
        for cell in line:
            cell.alignment = Alignment(vertical="top", wrap_text=True)
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _xlsx_cell(text: str) -> str | int:
    if text.isdigit():
        return int(text)
    # Control characters other than tab/newline are invalid in XLSX.
    text = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", "", text)
    return text[:_XLSX_CELL_LIMIT]


def _sheet_title(title: str) -> str:
    return re.sub(r"[\\/*?:\[\]]", "", title)[:31] or "任务分解表"


def render_tasks(rows: Sequence[TaskRow], fmt: str, *, title: str | None = None) -> bytes:
    """The table in one of FORMATS, as bytes ready for a file, stdout or a chat document."""
    if fmt == "md":
        return render_markdown(rows, title=title).encode("utf-8")
    if fmt == "csv":
        return render_csv(rows)
    if fmt == "xlsx":
        return render_xlsx(rows)
    raise ExportError(f"不支持的导出格式：{fmt}（可用 {'、'.join(FORMATS)}）")


def table_title(agency: str | None, document: Document | None) -> str:
    parts = ["任务分解表"]
    if agency:
        parts.append(agency)
    if document is not None:
        parts.append(document.title or document.source)
    return " — ".join(parts)
