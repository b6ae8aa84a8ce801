"""Task-division tables (任务分工表): who does each task of a plan, written as a table.

Many plans do not name owners under each clause; they append a table (a .docx table, or a
separate .xlsx/.xls) with columns such as 序号 / 重点任务 / 具体措施 / 牵头单位 / 配合单位 / 完成时限.
Here such a table is recognised by its header words (`column_role`, generous with synonyms; a header
may span two rows, a caption may stand above it), its rows are read with merged cells already
repeated by the reader, and each row is matched to the plan's clause it belongs to — by the number
it carries (二(五), （五）, 第五条; read with the one clause-number grammar) or by how much of its
text the clause's heading and text share. A matched clause gets the row's agencies (added to
those its own text names) and a closing line stating them and the deadline, written the way plans
write it (（牵头单位：A；配合单位：B；完成时限：C）) so every later stage reads them as usual.

A file that is only such a table becomes a document whose rows are its units (`table_clauses`).
Everything here is pure: clauses in, new clauses out.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field, replace

from index.ingest.metadata import region_of
from index.ingest.read import RawDocument
from index.ingest.responsibility import parse_responsibility
from index.models import (
    KIND_ARTICLE,
    KIND_CHAPTER,
    KIND_CLAUSE,
    KIND_ITEM,
    KIND_PART,
    KIND_SECTION,
    LEAD,
    SUPPORT,
    Agency,
    Clause,
    Document,
)
from index.text.chinese import to_simplified
from index.text.docnumber import iter_doc_numbers
from index.text.normalize import norm, squash
from index.text.numbering import Unit, cn_to_int, match_marker, path_units, question_reference, unit_text

# Column roles.
NUMBER = "number"  # 序号: the clause number the row carries, or a running count
TASK = "task"  # 重点任务 / 工作任务: the row's heading
DETAIL = "detail"  # 具体措施 / 工作内容: more text of the task
LEAD_COLUMN = "lead"  # 牵头单位 / 责任单位
SUPPORT_COLUMN = "support"  # 配合单位 / 协办单位
DEADLINE = "deadline"  # 完成时限 / 时间节点 / 时间安排
NOTE = "note"  # 备注

# A header names its column's role with one of these words; roles are tried in this order, so
# "责任单位 配合单位" (a two-row header) is support and "工作措施" is detail, not task.
_ROLE_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (NOTE, ("备注", "说明")),
    (SUPPORT_COLUMN, ("配合", "协办", "协助", "协同", "协作", "参与", "参加", "会同")),
    (LEAD_COLUMN, ("牵头", "主责", "主办", "责任", "负责", "承办", "承担", "落实单位", "实施单位", "实施主体",
                   "单位", "部门")),
    (DEADLINE, ("时限", "时间", "节点", "期限", "进度", "时序", "年度", "日期", "完成年份")),
    (NUMBER, ("序号", "编号", "序列", "项次", "条款", "条目", "对应", "章节", "序")),
    (DETAIL, ("措施", "举措", "内容", "目标", "分解", "细化", "具体", "要求", "抓手", "路径", "方法", "标准")),
    (TASK, ("任务", "工作", "事项", "项目", "重点", "要点", "类别", "领域", "名称", "指标", "环节")),
)
_MAX_HEADER = 16  # characters (spaces left out) a header cell may have: longer cells are content
_HEADER_SEARCH = 6  # rows at the top of a table where its header may start (captions above it)
_CAPTION = re.compile(r"表|清单|台账|分工|分解|附件")
_ATTACHMENT_PREFIX = re.compile(r"^\s*(?:附件|附表)\s*[\d一二三四五六七八九十]{0,3}\s*[:：、.]?\s*")
_NUMBER_ASIDE = re.compile(r"\((?:文号[:：])?[^()]{1,12}〔\d{4}〕\d{1,5}号\)$")  # "…分工表(河政发〔2022〕5号)"
_MAX_HEADING = 40
_MAX_WARNINGS = 10
# Scores (see `_score`): text similarity in [0, 1] plus a bonus when the row's number names the clause.
_EXACT_NUMBER = 1.5
_NUMBER_SUFFIX = 1.0  # "（五）" names "二、(五)" when no section is written
_RUNNING_NUMBER = 0.3  # a bare "5" may be a running count: it needs some shared text too
_ACCEPT = 0.5
_SECTION_KINDS = {"bufen": KIND_PART, "chap": KIND_CHAPTER, "part": KIND_PART, "art": KIND_ARTICLE,
                  "sec": KIND_SECTION, "cl": KIND_CLAUSE, "item": KIND_ITEM}
_DEADLINE_IN_LINE = re.compile(r"完成时限[:：]([^；;）)]+)")


@dataclass
class TaskRow:
    """One row of a task table, its cells read by column role."""

    line: int  # the row's position among the table's rows (1-based, header included), for messages
    number: str  # 序号 as written: "二(五)", "（五）", "5", "" …
    task: str  # the row's heading (重点任务 / 工作任务), its own number left out
    details: list[str] = field(default_factory=list)  # further text columns (具体措施 …)
    group: str = ""  # the task group it sits under (a merged 重点任务 cell, a full-width row)
    agencies: list[Agency] = field(default_factory=list)
    deadline: str = ""

    @property
    def text(self) -> str:
        return "\n".join(part for part in (self.task, *self.details) if part)

    def units(self) -> tuple[Unit, ...]:
        """The clause path the row names: its number, under its group's number ("一、" + "（一）");
        () when it names none (no number, or only a running count)."""
        own = _number_units(self.number)
        if not own or _running(own):
            return ()
        group = _marker_units(self.group)
        if group and not _running(group) and own[0][0] != group[0][0]:
            return group + own
        return own

    def running_number(self) -> int | None:
        """The value of a bare count ("5", "五", "5.")."""
        own = _number_units(self.number)
        if own:
            return own[0][1] if _running(own) else None
        return cn_to_int(squash(self.number)) if self.number else None

    def responsibility_line(self) -> str:
        """（牵头单位：A、B；配合单位：C；完成时限：D）, or "" when the row names none of them."""
        parts = []
        leads = [a.name for a in self.agencies if a.role == LEAD]
        supports = [a.name for a in self.agencies if a.role != LEAD]
        if leads:
            parts.append("牵头单位：" + "、".join(leads))
        if supports:
            parts.append("配合单位：" + "、".join(supports))
        if self.deadline:
            parts.append("完成时限：" + self.deadline)
        return f"（{'；'.join(parts)}）" if parts else ""


@dataclass
class TaskTable:
    """A recognised task table: its caption (if any), column roles by index, rows."""

    caption: str | None
    roles: dict[int, str]
    rows: list[TaskRow]

    def title(self) -> str | None:
        """The caption as a title: "附件1：XX市质量强市工作任务分工表" → "XX市质量强市工作任务分工表"."""
        if not self.caption:
            return None
        title = _ATTACHMENT_PREFIX.sub("", squash(self.caption))
        return _NUMBER_ASIDE.sub("", title).strip() or None


# ---------------------------------------------------------------------------------------------
# Recognising a table


def column_role(header: str) -> str | None:
    """The role of a column from its header text (traditional characters too), or None."""
    text = re.sub(r"\s+", "", to_simplified(norm(header or "")))
    if not text or len(text) > _MAX_HEADER:
        return None
    for role, words in _ROLE_WORDS:
        if any(word in text for word in words):
            return role
    return None


def read_task_table(grid: list[list[str]], caption: str | None = None) -> TaskTable | None:
    """The task table a grid of cell texts holds (merged cells repeated), or None when its header
    does not name both a task and an owning agency."""
    width = max((len(row) for row in grid), default=0)
    grid = [list(row) + [""] * (width - len(row)) for row in grid]
    start = next((r for r in range(min(_HEADER_SEARCH, len(grid))) if _is_header(grid[r])), None)
    if start is None:
        return None
    headers = list(grid[start])
    end = start + 1
    while end < len(grid) and _continues_header(grid[end], grid[end - 1]):
        headers = [h if (c := grid[end][i]) in ("", h) else f"{h} {c}" for i, h in enumerate(headers)]
        end += 1
    roles = _resolve_roles(headers)
    if not {TASK, DETAIL} & set(roles.values()) or not {LEAD_COLUMN, SUPPORT_COLUMN} & set(roles.values()):
        return None
    above = [text for row in grid[:start] for text in dict.fromkeys(row) if text]
    caption = next((text for text in above if _CAPTION.search(text)), above[0] if above else caption)
    rows = _rows(grid, end, roles, header_rows=grid[start:end])
    return TaskTable(caption=caption, roles=roles, rows=rows) if rows else None


def find_task_tables(raw: RawDocument) -> list[TaskTable]:
    """The task tables among a read document's tables, each with its caption (a line above it)."""
    found = []
    for grid in raw.tables:
        table = read_task_table(grid)
        if table is None:
            continue
        if table.caption is None:
            table.caption = _caption_above(raw.paragraphs, grid)
        found.append(table)
    return found


def paragraphs_outside(raw: RawDocument, tables: list[TaskTable]) -> list[str]:
    """The document's paragraphs without the lines of its task tables (their cells are not body
    text), captions kept: a task table is read as rows, never as clauses."""
    if not tables:
        return list(raw.paragraphs)
    keep = [True] * len(raw.paragraphs)
    position = 0
    for grid in (grid for grid in raw.tables if read_task_table(grid) is not None):
        lines = _cell_lines(grid)
        first = _first_line(grid)
        start = next((i for i in range(position, len(raw.paragraphs)) if raw.paragraphs[i].strip() == first), None)
        if start is None:
            continue
        index = start
        while index < len(raw.paragraphs) and raw.paragraphs[index].strip() in lines:
            keep[index] = False
            index += 1
        position = index
    return [paragraph for paragraph, kept in zip(raw.paragraphs, keep, strict=True) if kept]


def _is_header(row: list[str]) -> bool:
    cells = [text for text in dict.fromkeys(row) if text.strip()]
    if len(cells) < 2:
        return False
    roles = [column_role(text) for text in cells]
    known = {role for role in roles if role}
    if 3 * sum(1 for role in roles if role) < 2 * len(cells):
        return False
    return bool(known & {TASK, DETAIL}) and bool(known & {LEAD_COLUMN, SUPPORT_COLUMN}) and len(known) >= 2


def _continues_header(row: list[str], above: list[str]) -> bool:
    """The second row of a two-row header: each cell repeats the one above (merged) or is a header word."""
    changed = [text for text, top in zip(row, above, strict=True) if text and text != top]
    return bool(changed) and all(column_role(text) for text in changed)


def _resolve_roles(headers: list[str]) -> dict[int, str]:
    roles = {i: role for i, header in enumerate(headers) if (role := column_role(header))}
    leads = [i for i, role in roles.items() if role == LEAD_COLUMN]
    if len(leads) > 1 and any("牵头" in to_simplified(headers[i]) for i in leads):
        for i in leads:  # 牵头单位 beside 责任单位: the other units help (as "牵头单位：A；责任单位：B" reads)
            if "牵头" not in to_simplified(headers[i]):
                roles[i] = SUPPORT_COLUMN
    # Columns repeated by a merged header cell keep one role each: the leftmost one.
    seen: dict[tuple[str, str], int] = {}
    for i in sorted(roles):
        key = (roles[i], headers[i])
        if key in seen and seen[key] == i - 1:
            del roles[i]
        else:
            seen[key] = i
    return roles


def _rows(grid: list[list[str]], start: int, roles: dict[int, str], header_rows: list[list[str]]) -> list[TaskRow]:
    text_columns = [i for i in sorted(roles) if roles[i] in (TASK, DETAIL)]
    tasks = [i for i in text_columns if roles[i] == TASK] or text_columns
    group_column = _group_column(grid[start:], tasks, text_columns)
    heading = next(i for i in tasks + text_columns if i != group_column)
    rows: list[TaskRow] = []
    group = ""
    for index in range(start, len(grid)):
        row = grid[index]
        if not any(text.strip() for text in row) or row in header_rows:
            continue
        owners = [row[i] for i, role in roles.items() if role in (LEAD_COLUMN, SUPPORT_COLUMN, DEADLINE) and row[i]]
        distinct = [text for text in dict.fromkeys(row) if text.strip()]
        if len(distinct) == 1 and (not owners or row.count(distinct[0]) > len(row) // 2):
            group = distinct[0]  # a full-width row ("一、夯实质量基础") heads the rows below it
            continue
        task = _clean(row[heading])
        marker = match_marker(task)
        if marker is not None:
            task = task[marker.end :].strip()
        details = [_clean(row[i]) for i in text_columns if i not in (heading, group_column) and row[i].strip()]
        number = next((_clean(row[i]) for i, role in roles.items() if role == NUMBER and row[i].strip()), "")
        written = _number_units(number)
        if marker is not None and (not written or _running(written)):
            number = marker.number  # "（三）提升…" in the task column names the clause better than a count
        rows.append(
            TaskRow(
                line=index + 1,
                number=number,
                task=task,
                details=[d for d in dict.fromkeys(details) if d != task],
                group=_clean(row[group_column]) if group_column is not None else group,
                agencies=_row_agencies(row, roles),
                deadline=" ".join(_clean(row[i]) for i, role in roles.items() if role == DEADLINE and row[i]),
            )
        )
    return rows


def _group_column(rows: list[list[str]], tasks: list[int], text_columns: list[int]) -> int | None:
    """The left task column of two whose cells are merged over several rows (重点任务 over 具体措施)."""
    if len(text_columns) < 2:
        return None
    first = tasks[0]
    if first == text_columns[-1]:
        return None
    repeats = sum(1 for above, row in zip(rows, rows[1:], strict=False) if row[first] and row[first] == above[first])
    return first if repeats else None


def _row_agencies(row: list[str], roles: dict[int, str]) -> list[Agency]:
    agencies: list[Agency] = []
    for i in sorted(roles, key=lambda i: (roles[i] != LEAD_COLUMN, i)):  # leads first: a name in both stays lead
        role = roles[i]
        if role not in (LEAD_COLUMN, SUPPORT_COLUMN) or not row[i].strip():
            continue
        cell = re.sub(r"\s*\n\s*", "、", row[i].strip())
        for agency in parse_responsibility(cell):
            named = Agency(agency.name, SUPPORT if role == SUPPORT_COLUMN else agency.role)
            _add_agency(agencies, named)
    return agencies


def _add_agency(agencies: list[Agency], agency: Agency) -> None:
    """Add unless the name is there already (the first mention keeps its role)."""
    key = norm(agency.name).strip()
    if all(norm(existing.name).strip() != key for existing in agencies):
        agencies.append(agency)


def _clean(text: str) -> str:
    return re.sub(r"\s*\n\s*", "", text).strip()


def _cell_lines(grid: list[list[str]]) -> set[str]:
    return {line.strip() for row in grid for text in row for line in text.splitlines() if line.strip()}


def _first_line(grid: list[list[str]]) -> str | None:
    return next((line.strip() for row in grid for text in row for line in text.splitlines() if line.strip()), None)


def _caption_above(paragraphs: list[str], grid: list[list[str]]) -> str | None:
    """The caption line just above a table in the document ("XX市质量强市工作任务分工表")."""
    first = _first_line(grid)
    at = next((i for i, paragraph in enumerate(paragraphs) if paragraph.strip() == first), None)
    if at is None:
        return None
    for paragraph in reversed(paragraphs[max(0, at - 3) : at]):
        text = squash(paragraph)
        if _CAPTION.search(text) and len(text) <= 80 and _ATTACHMENT_PREFIX.sub("", text):
            return text
    return None


# ---------------------------------------------------------------------------------------------
# Numbers


def _number_units(number: str) -> tuple[Unit, ...]:
    text = squash(number)
    if not text:
        return ()
    return path_units(text) or question_reference(text) or ()


def _marker_units(text: str) -> tuple[Unit, ...]:
    marker = match_marker(text or "")
    return path_units(marker.number) if marker is not None else ()


def _running(units: tuple[Unit, ...]) -> bool:
    """A lone item number ("5." / "5") counts rows rather than naming a clause."""
    return len(units) == 1 and units[0][0] == "item"


# ---------------------------------------------------------------------------------------------
# Rows → the plan's clauses


def match_rows(rows: list[TaskRow], clauses: list[Clause]) -> list[int | None]:
    """For each row, the index in `clauses` of the clause it belongs to, or None."""
    views = _clause_views(clauses)
    matches: list[int | None] = []
    last_order = -1
    for row in rows:
        units = row.units()
        running = row.running_number() if not units else None
        task_grams = _bigrams(row.task or row.text)
        text_grams = _bigrams(row.text)
        best: tuple[float, int, int] | None = None  # (score, after the last match, -index)
        for index, view in enumerate(views):
            score = _score(view, units, running, task_grams, text_grams)
            if score < _ACCEPT:
                continue
            key = (round(score, 6), int(clauses[index].order > last_order), -index)
            if best is None or key > best:
                best = key
        if best is None:
            matches.append(None)
            continue
        index = -best[2]
        matches.append(index)
        last_order = clauses[index].order
    return matches


@dataclass
class _ClauseView:
    units: tuple[Unit, ...]
    heading: set[str]
    text: set[str]
    retrievable: bool


def _clause_views(clauses: list[Clause]) -> list[_ClauseView]:
    children: dict[str, list[Clause]] = {}
    for clause in clauses:
        if clause.parent_id:
            children.setdefault(clause.parent_id, []).append(clause)
    views = []
    for clause in clauses:
        own = clause.text
        for child in children.get(clause.id, []):
            own = own.replace(child.text, "", 1)
        views.append(_ClauseView(path_units(clause.path), _bigrams(clause.heading), _bigrams(own), clause.retrievable))
    return views


def _score(view: _ClauseView, units: tuple[Unit, ...], running: int | None, task: set[str], text: set[str]) -> float:
    heading = _dice(task, view.heading)
    contained = len(text & view.text) / len(text) if text else 0.0
    score = max(heading, 0.8 * contained)
    if units and view.units:
        if view.units == units:
            score += _EXACT_NUMBER
        elif view.units[-len(units) :] == units:
            score += _NUMBER_SUFFIX
    elif running is not None and view.units and view.units[-1][1] == running:
        score += _RUNNING_NUMBER
    return score + (0.05 if view.retrievable else 0.0)


def _bigrams(text: str) -> set[str]:
    chars = re.sub(r"[^\w]|_|\d", "", to_simplified(norm(text or "")).lower())
    return {chars[i : i + 2] for i in range(len(chars) - 1)}


def _dice(a: set[str], b: set[str]) -> float:
    return 2 * len(a & b) / (len(a) + len(b)) if a and b else 0.0


def apply_task_tables(clauses: list[Clause], tables: list[TaskTable]) -> tuple[list[Clause], list[str]]:
    """New clauses with the agencies and deadlines the tables' rows give them, and warnings for
    rows that match no clause. A clause keeps the agencies its text names and gains the table's
    (no name twice); its text (and its ancestors') gains the row's closing line, once."""
    out = [replace(clause, agencies=[replace(a) for a in clause.agencies]) for clause in clauses]
    by_id = {clause.id: clause for clause in out}
    rows = [row for table in tables for row in table.rows]
    warnings: list[str] = []
    for row, index in zip(rows, match_rows(rows, out), strict=True):
        if index is None:
            warnings.append(f"分工表第 {row.line} 行未能对应到正文条款：{_snippet(row.task or row.text)}")
            continue
        clause = out[index]
        for agency in row.agencies:
            _add_agency(clause.agencies, replace(agency))
        line = row.responsibility_line()
        if line and line not in clause.text:
            _append_line(clause, line, by_id)
    if len(warnings) > _MAX_WARNINGS:
        warnings[_MAX_WARNINGS - 1 :] = [f"另有 {len(warnings) - _MAX_WARNINGS + 1} 行分工表未能对应到正文条款"]
    return out, warnings


def _append_line(clause: Clause, line: str, by_id: dict[str, Clause]) -> None:
    """The clause's text ends with `line`; every ancestor's text, which holds the clause's, too."""
    old = clause.text
    clause.text = f"{old}\n{line}" if old else line
    parent = by_id.get(clause.parent_id or "")
    while parent is not None:
        parent.text = parent.text.replace(old, clause.text, 1)
        parent = by_id.get(parent.parent_id or "")


def _snippet(text: str) -> str:
    text = squash(text)
    return text[:24] + ("…" if len(text) > 24 else "")


# ---------------------------------------------------------------------------------------------
# A table on its own


def table_clauses(tables: list[TaskTable], doc_id: str) -> tuple[list[Clause], list[str]]:
    """The units of a document that is only task tables: one per row (path from its 序号, else its
    position), under one unit per numbered group ("一、夯实质量基础"); and warnings."""
    clauses: list[Clause] = []
    paths: set[str] = set()
    groups: dict[str, Clause] = {}
    position = 0
    for table in tables:
        for row in table.rows:
            position += 1
            parent = _group_clause(row.group, doc_id, clauses, groups, paths)
            units = row.units() or (("item", row.running_number() or position),)
            prefix = parent.path if parent is not None else ""
            above = path_units(prefix)
            if above and units[: len(above)] == above and len(units) > len(above):
                units = units[len(above) :]  # the row's number repeats its group's
            path = _unique(prefix + "".join(unit_text(u) for u in units), paths)
            text = "\n".join(part for part in (row.text, row.responsibility_line()) if part)
            clauses.append(
                Clause(
                    id=_clause_id(doc_id, path),
                    doc_id=doc_id,
                    number=unit_text(units[-1]),
                    path=path,
                    level=2 if parent is not None else 1,
                    kind=_SECTION_KINDS.get(units[-1][0], KIND_ITEM),
                    heading=_heading(row.task or row.text),
                    text=text,
                    parent_id=parent.id if parent is not None else None,
                    order=len(clauses),
                    agencies=[replace(a) for a in row.agencies],
                )
            )
            if parent is not None:
                parent.text = f"{parent.text}\n{text}"
    warnings = [] if clauses else ["分工表中没有可用的任务行"]
    return clauses, warnings


def _group_clause(group: str, doc_id: str, clauses: list[Clause], groups: dict[str, Clause],
                  paths: set[str]) -> Clause | None:
    """The unit of a numbered group ("一、夯实质量基础"), made at its first row; None when unnumbered."""
    if not group:
        return None
    if group in groups:
        return groups[group]
    marker = match_marker(group)
    if marker is None or match_marker(group[marker.end :]) is not None:
        return None
    path = _unique(marker.number, paths)
    heading = _heading(group[marker.end :])
    clause = Clause(
        id=_clause_id(doc_id, path), doc_id=doc_id, number=marker.number, path=path, level=1,
        kind=_SECTION_KINDS.get(path_units(marker.number)[0][0], KIND_SECTION), heading=heading, text=group,
        parent_id=None, order=len(clauses), retrievable=False,
    )
    clauses.append(clause)
    groups[group] = clause
    return clause


def _unique(path: str, paths: set[str]) -> str:
    candidate, suffix = path, 1
    while candidate in paths:
        suffix += 1
        candidate = f"{path}#{suffix}"
    paths.add(candidate)
    return candidate


def _clause_id(doc_id: str, path: str) -> str:
    return f"{doc_id}:{hashlib.sha1(path.encode('utf-8')).hexdigest()[:10]}"


def _heading(text: str) -> str:
    text = squash(text)
    end = re.search(r"[。；;！!？?]", text)
    heading = (text[: end.start()] if end else text).rstrip("：:，,、 ")
    return heading[:_MAX_HEADING]


def table_document(document: Document, tables: list[TaskTable], warnings: list[str]) -> list[str]:
    """Fill a table-only document's title, 文号 and region from its caption (else the file name); returns the
    warnings without those the caption answered."""
    caption = next((table.caption for table in tables if table.caption), None)
    title = next((t for table in tables if (t := table.title())), None)
    if title:
        document.title = title
    if document.title is None:
        document.title = re.sub(r"\.[A-Za-z]{2,5}$", "", document.source) or None
    if document.doc_number is None and caption:
        document.doc_number = next((str(number) for number, _, _ in iter_doc_numbers(caption, brackets=True)), None)
    document.region = document.region or region_of(document.issuer, document.title)
    answered = {"未找到标题": document.title, "未找到文号": document.doc_number, "未找到地区": document.region}
    return [w for w in warnings if not answered.get(w)]


def rows_of_table_document(clauses: list[Clause]) -> list[TaskRow]:
    """The rows a table-only document's units were made from (`table_clauses`), to give a plan's
    clauses their owners when the table arrives after the plan."""
    rows = []
    for clause in clauses:
        if not clause.retrievable:
            continue
        lines = clause.text.split("\n")
        closing = lines[-1] if lines and lines[-1].startswith("（") and lines[-1].endswith("）") else ""
        body = lines[:-1] if closing else lines
        deadline = _DEADLINE_IN_LINE.search(closing)
        rows.append(
            TaskRow(
                line=clause.order + 1,
                number=clause.path.split("#")[0],
                task=body[0] if body else clause.heading,
                details=body[1:],
                agencies=[replace(a) for a in clause.agencies],
                deadline=deadline.group(1).strip() if deadline else "",
            )
        )
    return rows


_TABLE_SUFFIX = re.compile(
    r"(?:的)?(?:重点|主要)?(?:工作)?(?:任务|责任|目标任务)?(?:分工|分解|清单|台账|责任分工)(?:方案|安排)?(?:表|一览表|清单)?$"
)


def plan_title_of(title: str | None) -> str | None:
    """The plan a table's caption names: "XX市关于…实施方案重点任务分工表" → "XX市关于…实施方案"."""
    if not title:
        return None
    text = _ATTACHMENT_PREFIX.sub("", squash(title))
    text = re.sub(r"[《》〈〉“”\"]", "", text)
    stripped = _TABLE_SUFFIX.sub("", text).strip()
    return stripped if stripped and stripped != text else None
