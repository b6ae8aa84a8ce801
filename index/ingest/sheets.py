"""Spreadsheets (.xlsx via openpyxl, .xls via xlrd): task-division tables (任务分工表) sent on their own.

Each sheet becomes one table of cell texts with merged cells repeated over the cells they cover (a
牵头单位 merged over three rows applies to each of them); the paragraphs are every cell's text read
row by row, each merged cell once, so the caption row ("附件：…分工表") comes first as in the sheet.
"""

from __future__ import annotations

import datetime as dt
import io

from index.errors import CorruptFileError, EncryptedError, ReadError

MAX_ROWS = 5000  # a task table has tens or hundreds of rows; formatting can claim a million
MAX_COLUMNS = 40

Grid = list[list[str]]


def read_sheets(data: bytes, name: str, fmt: str) -> tuple[list[str], list[Grid]]:
    """(paragraphs, tables) of an .xlsx (`fmt` "xlsx") or .xls ("xls") file."""
    sheets = _xlsx_sheets(data, name) if fmt == "xlsx" else _xls_sheets(data, name)
    paragraphs: list[str] = []
    tables: list[Grid] = []
    for grid, covered in sheets:
        grid = _trimmed(grid)
        if not grid:
            continue
        tables.append(grid)
        for r, row in enumerate(grid):
            for c, text in enumerate(row):
                if text and (r, c) not in covered:
                    paragraphs.extend(line.strip() for line in text.splitlines() if line.strip())
    return paragraphs, tables


def cell_text(value: object) -> str:
    """A cell's value as a document would write it: 3.0 → "3", a date → "2025年12月31日"."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date):
        return f"{value.year}年{value.month}月{value.day}日"
    return str(value).strip()


def _xlsx_sheets(data: bytes, name: str) -> list[tuple[Grid, set[tuple[int, int]]]]:
    """Sheets of an .xlsx whose zip read.py has already checked (members, size)."""
    try:
        import openpyxl
    except ImportError:  # pragma: no cover - the dependency is in requirements.txt
        raise ReadError(f"缺少读取 .xlsx 的组件 openpyxl：{name}") from None
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
        out = []
        for sheet in book.worksheets:
            rows = min(sheet.max_row or 0, MAX_ROWS)
            columns = min(sheet.max_column or 0, MAX_COLUMNS)
            grid = [
                [cell_text(value) for value in row]
                for row in sheet.iter_rows(min_row=1, max_row=rows, max_col=columns, values_only=True)
            ]
            merged = [(m.min_row - 1, m.max_row, m.min_col - 1, m.max_col) for m in sheet.merged_cells.ranges]
            out.append((grid, _fill_merged(grid, merged)))
        return out
    except Exception as exc:  # openpyxl/lxml raise many kinds; none may leak
        raise CorruptFileError(f"Excel 文件无法解析（{type(exc).__name__}）：{name}") from None


def _xls_sheets(data: bytes, name: str) -> list[tuple[Grid, set[tuple[int, int]]]]:
    try:
        import xlrd
    except ImportError:  # pragma: no cover - the dependency is in requirements.txt
        raise ReadError(f"缺少读取 .xls 的组件 xlrd：{name}") from None
    try:
        book = xlrd.open_workbook(file_contents=data, formatting_info=True, logfile=io.StringIO())
    except xlrd.XLRDError as exc:
        if "encrypted" in str(exc).lower():
            raise EncryptedError(f"Excel 文件已加密（设置了打开密码），请解除密码后再上传：{name}") from None
        raise CorruptFileError(f"文件不是有效的 Excel（.xls）文件：{name}") from None
    except Exception as exc:
        raise CorruptFileError(f"Excel 文件已损坏，无法打开（{type(exc).__name__}）：{name}") from None
    try:
        out = []
        for sheet in book.sheets():
            grid = []
            for r in range(min(sheet.nrows, MAX_ROWS)):
                row = []
                for c in range(min(sheet.ncols, MAX_COLUMNS)):
                    cell = sheet.cell(r, c)
                    value = cell.value
                    if cell.ctype == xlrd.XL_CELL_DATE:
                        value = xlrd.xldate.xldate_as_datetime(value, book.datemode)
                    row.append(cell_text(value))
                grid.append(row)
            out.append((grid, _fill_merged(grid, list(sheet.merged_cells))))
        return out
    except Exception as exc:
        raise CorruptFileError(f"Excel 文件内容无法解析（{type(exc).__name__}）：{name}") from None


def _fill_merged(grid: Grid, merged: list[tuple[int, int, int, int]]) -> set[tuple[int, int]]:
    """Repeat each merged range's value (rows [r0, r1), columns [c0, c1)) over its cells; the
    covered cells other than the top-left one, whose text is not read a second time."""
    covered: set[tuple[int, int]] = set()
    for r0, r1, c0, c1 in merged:
        if r0 >= len(grid) or not grid[r0] or c0 >= len(grid[r0]):
            continue
        value = grid[r0][c0]
        for r in range(r0, min(r1, len(grid))):
            for c in range(c0, min(c1, len(grid[r]))):
                if (r, c) != (r0, c0):
                    grid[r][c] = value
                    covered.add((r, c))
    return covered


def _trimmed(grid: Grid) -> Grid:
    """Without empty rows and without the empty columns on the right."""
    rows = [row for row in grid if any(row)]
    width = max((max((c + 1 for c, text in enumerate(row) if text), default=0) for row in rows), default=0)
    return [row[:width] + [""] * (width - len(row)) for row in rows]
