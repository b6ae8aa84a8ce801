"""Parse a plan's paragraphs into its numbered units: sections, clauses, items, articles.

Levels come from the order in which numbering styles appear (一、 then (一) then 1. …; or
第一章 then 第一条): a style seen before pops the stack back to it, a new style nests under the
current unit. Numbering must run on plausibly (a (一) after (三) under the same parent is text,
not a restart). Paragraphs that bind one department (财政部门要……) become units of their own
when a clause is a run of them. Every unit carries the agencies its own responsibility line
names; nothing is inherited.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from index.ingest.lines import split_paragraphs
from index.ingest.metadata import extract_metadata, is_noise
from index.ingest.read import DEFAULT_MAX_BYTES, RawDocument, read_document
from index.ingest.responsibility import (
    agencies_in_spans,
    find_duties,
    find_responsibility,
    is_responsibility_line,
    parse_responsibility_lines,
    responsibility_spans,
)
from index.ingest.task_table import (
    apply_task_tables,
    find_task_tables,
    paragraphs_outside,
    read_task_table,
    table_clauses,
    table_document,
)
from index.models import (
    KIND_ARTICLE,
    KIND_CHAPTER,
    KIND_CLAUSE,
    KIND_ITEM,
    KIND_PARAGRAPH,
    KIND_PART,
    KIND_SECTION,
    LEAD,
    Agency,
    Clause,
    Document,
    ParsedDocument,
    Progress,
)
from index.text.chinese import Restorer, strip_pinyin, to_simplified
from index.text.normalize import norm
from index.text.numbering import STYLE_RANK, Marker, match_marker

_KIND_OF_STYLE = {
    "bufen": KIND_PART,
    "chapter": KIND_CHAPTER,
    "part": KIND_PART,
    "article": KIND_ARTICLE,
    "section": KIND_SECTION,
    "clause": KIND_CLAUSE,
    "item": KIND_ITEM,
    "sub_item": KIND_ITEM,
    "paren_item": KIND_ITEM,
    "half_item": KIND_ITEM,
    "circled": KIND_ITEM,
    "paragraph": KIND_PARAGRAPH,
}
# Units that only group others are never retrievable once they have children.
_GROUPING_KINDS = {KIND_CHAPTER, KIND_PART, KIND_SECTION}
# A unit with children is retrievable only if its own text says this much beyond its heading.
_MIN_OWN_BODY = 20
_MAX_HEADING = 40  # a longer opening phrase is cut at its first comma
_MAX_WARNINGS = 20
_MAX_SKIP = 2  # numbering may skip this many numbers (a typo) and still count

# A paragraph opening with the department it binds: "财政部门要……", "卫生、旅游等部门和单位要……".
_DEPARTMENT = re.compile(
    r"^\s*((?:[^，,。；;：:!?！？“”\"\s]){1,30}?"
    r"(?:部门和单位|部门|单位|组织|机构|局|委|办|厅|政府|管委会|县区|区县|县\([^)]{1,6}\)|各县|各区|各地|各市|街道|乡镇))"
    r"\s*[,，]?\s*(?:要|应当|应|须|必须|负责)(?!求)"
)
_HEADING_END = re.compile(r"[。！!？?；;]")
_WIDE_GAP = re.compile(r"[ \u3000]{2,}")  # cells of a table pasted as text


@dataclass
class _Unit:
    style: str
    value: int
    number: str
    marker_end: int  # where the text after the number starts in the first line
    lines: list[str] = field(default_factory=list)
    children: list[_Unit] = field(default_factory=list)
    parent: _Unit | None = None
    # Responsibility lines closing the last child that name the owners of the whole unit.
    lifted: list[str] = field(default_factory=list)
    lent: int = 0  # how many of this unit's last lines were lifted to its parent


def parse_file(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES, progress: Progress | None = None) -> ParsedDocument:
    """Read and parse one file; ReadError subclasses for unreadable input; `progress` as `read_document`'s."""
    return parse_document(read_document(Path(path), max_bytes=max_bytes, progress=progress))


def parse_text(text: str, source: str = "<text>") -> ParsedDocument:
    """Parse text already in memory (sha256 of its UTF-8 bytes)."""
    raw = RawDocument(
        source=source,
        format="txt",
        encoding="utf-8",
        paragraphs=split_paragraphs(text),
        sha256=hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest(),
    )
    return parse_document(raw)


def parse_document(raw: RawDocument) -> ParsedDocument:
    """Citation data, numbered units and warnings of a document read by `read_document`."""
    # Parsed on a simplified copy (same length per paragraph); text, names and titles shown as written.
    # A task-division table (分工表) is read as rows, not as body lines.
    raw = _with_text_tables(raw)
    tables = find_task_tables(raw)
    written = [strip_pinyin(paragraph) for paragraph in paragraphs_outside(raw, tables)]
    simplified = [to_simplified(paragraph) for paragraph in written]
    restorer = Restorer(written, simplified)
    fields, body, warnings = extract_metadata(simplified, raw.metadata)
    warnings = list(raw.warnings) + warnings
    doc_id = raw.sha256[:12]
    clauses, clause_warnings = split_clauses(body, doc_id)
    table_only = bool(tables) and not clauses  # the file is only the table: its rows are the units
    warnings.extend([] if table_only else clause_warnings)
    if restorer.needed:
        _restore_written(clauses, restorer)
    if tables:
        clauses, table_warnings = table_clauses(tables, doc_id) if table_only else apply_task_tables(clauses, tables)
        warnings.extend(table_warnings)
    document = Document(
        id=doc_id,
        title=restorer.anywhere(fields.title),
        doc_number=fields.doc_number,
        issuer=restorer.anywhere(fields.issuer),
        date=fields.date,
        region=fields.region,
        source=raw.source,
        sha256=raw.sha256,
    )
    if table_only:
        warnings = table_document(document, tables, warnings)
    return ParsedDocument(document=document, clauses=clauses, warnings=warnings, table_only=table_only)


def _with_text_tables(raw: RawDocument) -> RawDocument:
    """A task table pasted as text (one row a line, cells apart by tabs or wide spaces) read as the
    table it is: its rows become a grid, its lines one paragraph per cell, as a .docx table reads."""
    if raw.tables:
        return raw
    grids: list[list[list[str]]] = []
    paragraphs: list[str] = []
    run: list[tuple[str, list[str]]] = []
    for line in [*raw.paragraphs, ""]:
        cells = _cells(line)
        if len(cells) >= 3:
            run.append((line, cells))
            continue
        grid = [cells for _, cells in run]
        if len(grid) >= 2 and read_task_table(grid) is not None:
            grids.append(grid)
            paragraphs.extend(cell for row in grid for cell in row if cell)
        else:
            paragraphs.extend(text for text, _ in run)
        run = []
        if line:
            paragraphs.append(line)
    return replace(raw, paragraphs=paragraphs, tables=grids) if grids else raw


def _cells(line: str) -> list[str]:
    parts = line.split("\t") if "\t" in line else _WIDE_GAP.split(line.strip())
    return [part.strip() for part in parts] if len(parts) > 1 else []


def _restore_written(clauses: list[Clause], restorer: Restorer) -> None:
    """Text, heading and agency names of each clause as written (they were cut from the simplified copy)."""
    for clause in clauses:
        written = restorer.text(clause.text)
        clause.heading = restorer.fragment(clause.heading, clause.text, written)
        for agency in clause.agencies:
            agency.name = restorer.fragment(agency.name, clause.text, written)
        clause.text = written


def split_clauses(paragraphs: list[str], doc_id: str) -> tuple[list[Clause], list[str]]:
    """Numbered units of a plan's body paragraphs, in document order, and warnings.

    Paragraphs before the first numbered line (a preamble) belong to no unit and are left out.
    A body without any numbering yields no units and a warning (the caller decides what to do).
    """
    warnings: list[str] = []
    root = _build_tree([line for line in paragraphs if line.strip() and not is_noise(line)], warnings)
    _split_department_paragraphs(root)
    _lift_closing_responsibility(root)
    clauses: list[Clause] = []
    _emit(root, doc_id, clauses, {}, "", 0)
    if len(warnings) > _MAX_WARNINGS:
        warnings[_MAX_WARNINGS - 1 :] = [f"另有 {len(warnings) - _MAX_WARNINGS + 1} 处编号问题未列出"]
    if not clauses:
        warnings.append("未识别到编号条款（一、/（一）/1./第X条），文件可能不是规划或方案正文")
    return clauses, warnings


# ---------------------------------------------------------------------------------------------
# Numbering → tree


def _build_tree(lines: list[str], warnings: list[str]) -> _Unit:
    root = _Unit(style="root", value=0, number="", marker_end=0)
    stack: list[_Unit] = []
    last_value: dict[str, int] = {}
    for line in lines:
        marker = match_marker(line)
        parent = _place(marker, stack, last_value, root, line, warnings) if marker else None
        if parent is None or marker is None:
            if stack:
                stack[-1].lines.append(line)
            continue  # a preamble line before the first unit
        unit = _Unit(marker.style, marker.value, marker.number, marker.end, [line], parent=parent)
        parent.children.append(unit)
        stack.append(unit)
        last_value[marker.style] = marker.value
    return root


def _place(
    marker: Marker, stack: list[_Unit], last_value: dict[str, int], root: _Unit, line: str, warnings: list[str]
) -> _Unit | None:
    """The parent a new numbered line hangs under (the stack is adjusted), or None: it is text."""
    value = marker.value
    same = next((i for i in range(len(stack) - 1, -1, -1) if stack[i].style == marker.style), None)
    if same is not None:
        previous = stack[same].value
        if value == previous + 1:
            pass
        elif value == previous or previous + 1 < value <= previous + 1 + _MAX_SKIP:
            warnings.append(f"编号不连续：{marker.number} 紧随 {stack[same].number} 之后（{_snippet(line)}）")
        else:
            if stack:
                warnings.append(f"编号倒退或跳跃过大，按正文处理：{_snippet(line)}")
            return None
        del stack[same:]
        return stack[-1] if stack else root
    rank = STYLE_RANK[marker.style]
    depth = len(stack)
    while depth and STYLE_RANK[stack[depth - 1].style] > rank:
        depth -= 1
    if value != 1 and value != last_value.get(marker.style, 0) + 1:
        if not stack or value > 1 + _MAX_SKIP:
            if stack:
                warnings.append(f"编号无法接续，按正文处理：{_snippet(line)}")
            return None if stack else _accept_first(marker, root, warnings, line)
        warnings.append(f"编号不从 1 开始：{marker.number}（{_snippet(line)}）")
    del stack[depth:]
    return stack[-1] if stack else root


def _accept_first(marker: Marker, root: _Unit, warnings: list[str], line: str) -> _Unit | None:
    """The very first numbered line may start above 1 (an excerpt); later ones must run on."""
    if marker.value <= 1 + _MAX_SKIP:
        warnings.append(f"编号不从 1 开始：{marker.number}（{_snippet(line)}）")
        return root
    return None


def _snippet(line: str) -> str:
    line = line.strip()
    return line[:24] + ("…" if len(line) > 24 else "")


def _split_department_paragraphs(unit: _Unit) -> None:
    """A clause that is a run of "X部门要……" paragraphs: each paragraph is a unit naming X."""
    for child in unit.children:
        _split_department_paragraphs(child)
    if unit.style == "root" or len(unit.lines) < 3:
        return
    starts = []
    for index in range(1, len(unit.lines)):
        line = unit.lines[index]
        match = _DEPARTMENT.match(norm(line))
        if match and not is_responsibility_line(line):
            starts.append((index, match))
    if len(starts) < 2:
        return
    paragraphs: list[_Unit] = []
    for position, (index, match) in enumerate(starts):
        end = starts[position + 1][0] if position + 1 < len(starts) else len(unit.lines)
        line = unit.lines[index]
        subject = line[match.start(1) : match.end(1)].strip()
        paragraphs.append(_Unit("paragraph", position + 1, subject, 0, unit.lines[index:end], parent=unit))
    unit.lines = unit.lines[: starts[0][0]]
    unit.children = paragraphs + unit.children


def _lift_closing_responsibility(unit: _Unit) -> None:
    """A responsibility line after the last of several items, none of which names its own owners,
    belongs to the unit above them: "(一)…  1.…  2.…  （责任单位：A）" → (一) is A's."""
    for child in unit.children:
        _lift_closing_responsibility(child)
    items = unit.children
    if unit.style == "root" or _KIND_OF_STYLE[unit.style] in _GROUPING_KINDS or len(items) < 2:
        return
    if any(_KIND_OF_STYLE[child.style] != KIND_ITEM for child in items):
        return
    last = items[-1]
    if last.children:
        return
    trailing = 0
    while trailing < len(last.lines) - 1 and is_responsibility_line(last.lines[-1 - trailing]):
        trailing += 1
    if not trailing or any(responsibility_spans(line) for line in unit.lines):
        return
    if any(responsibility_spans(line) for child in items[:-1] for line in _subtree_lines(child)):
        return
    unit.lifted = last.lines[-trailing:]
    last.lent = trailing


# ---------------------------------------------------------------------------------------------
# Tree → Clause records


def _emit(unit: _Unit, doc_id: str, out: list[Clause], paths: dict[str, int], parent_path: str, level: int,
          parent_id: str | None = None) -> None:
    for child in unit.children:
        path = parent_path + child.number
        if path in paths:
            suffix = paths[path] + 1
            while f"{path}#{suffix}" in paths:
                suffix += 1
            paths[path] = suffix
            path = f"{path}#{suffix}"
        paths[path] = 1
        clause_id = f"{doc_id}:{hashlib.sha1(path.encode('utf-8')).hexdigest()[:10]}"
        kind = _KIND_OF_STYLE[child.style]
        rest = _first_line_rest(child)
        heading = _heading(rest)
        agencies = _own_agencies(child)
        clause = Clause(
            id=clause_id,
            doc_id=doc_id,
            number=child.number,
            path=path,
            level=level + 1,
            kind=kind,
            heading=heading,
            text="\n".join(_subtree_lines(child)),
            parent_id=parent_id,
            order=len(out),
            agencies=agencies,
            retrievable=_retrievable(child, kind, rest, heading),
        )
        out.append(clause)
        _emit(child, doc_id, out, paths, path, level + 1, clause_id)


def _subtree_lines(unit: _Unit) -> list[str]:
    lines = list(unit.lines)
    for child in unit.children:
        lines.extend(_subtree_lines(child))
    return lines


def _own_agencies(unit: _Unit) -> list[Agency]:
    """Agencies of the unit's own lines; consecutive responsibility lines are read as one
    ("牵头单位：A" then "责任单位：B" on the next line makes B support)."""
    agencies: list[Agency] = []
    block: list[str] = []

    def add(found: list[Agency]) -> None:
        for agency in found:
            if all(existing.name != agency.name for existing in agencies):
                agencies.append(agency)

    own = unit.lines[: len(unit.lines) - unit.lent] + unit.lifted
    for line in [*own, ""]:
        stripped = line.strip()
        spans = responsibility_spans(stripped) if stripped else []
        if spans and is_responsibility_line(stripped, spans):
            block.append(stripped)
            continue
        if block:
            add(parse_responsibility_lines(block) if len(block) > 1 else find_responsibility(block[0])[0])
            block = []
        if spans:
            add(agencies_in_spans(stripped, spans))
    if not agencies:  # no explicit responsibility line: the bodies its sentences make responsible
        for line in own:
            add(find_duties(line))
    if unit.style == "paragraph" and not agencies:
        return [Agency(name=unit.number, role=LEAD)]
    return agencies


def _first_line_rest(unit: _Unit) -> str:
    """The first line without its number (original characters) and without a responsibility aside."""
    line = unit.lines[0]
    rest = line[unit.marker_end :]
    if not rest.strip() and len(unit.lines) > 1:
        rest = unit.lines[1]  # "一、" alone on its line, the heading on the next one
    for start, end in reversed(responsibility_spans(rest)):
        rest = rest[:start] + rest[end:]
    return rest.strip()


def _heading(rest: str) -> str:
    """The heading line when it stands alone, else the opening phrase up to the first 。."""
    match = _HEADING_END.search(rest)
    heading = rest[: match.start()] if match else rest
    heading = heading.strip().rstrip("：:，,、 ")
    if len(heading) > _MAX_HEADING:
        comma = re.search(r"[，,]", heading)
        heading = heading[: comma.start()] if comma and comma.start() >= 4 else heading[:_MAX_HEADING]
    return heading


def _retrievable(unit: _Unit, kind: str, rest: str, heading: str) -> bool:
    if not unit.children or unit.lifted:
        return True  # a unit whose closing line names its owners is what answers "who does this"
    if kind in _GROUPING_KINDS:
        return False
    own = rest[len(heading) :] + "".join(unit.lines[1:])
    for start, end in reversed(responsibility_spans(own)):
        own = own[:start] + own[end:]
    content = re.sub(r"[\s\W_]", "", own)
    return len(content) >= _MIN_OWN_BODY
