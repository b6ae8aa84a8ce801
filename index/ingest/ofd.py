"""Text and document info of an OFD file (GB/T 33190, the format of Chinese electronic official documents).

An OFD is a zip: OFD.xml → DocBody → DocRoot (Document.xml) → Pages → each page's Content.xml,
whose TextObjects hold TextCode runs placed by coordinates, not in reading order. Runs are put back
into lines by their baseline (Y) and left edge (X); lines are joined into paragraphs the way they
were laid out: a paragraph ends where a line stops short of the right margin, the next line is
indented, or it begins with a heading number. Template pages (page furniture) are not read.
The caller checks the zip for damage and zip bombs first.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from dataclasses import dataclass

from index.errors import CorruptFileError, NoTextError
from index.text.numbering import match_marker

# Content.xml of a real page is a few hundred KB; refuse to parse anything absurdly large.
_MAX_XML_BYTES = 50 * 1024 * 1024
_PAGE_NUMBER = re.compile(r"^\s*(?:[-—–－]\s*\d{1,4}\s*[-—–－]|第\s*\d{1,4}\s*页.*|\d{1,4}\s*/\s*\d{1,4}|\d{1,4})\s*$")
_DOC_INFO_FIELDS = {"Title": "title", "Author": "author", "Subject": "subject", "CreationDate": "creation_date",
                    "ModDate": "modification_date", "Creator": "creator"}


@dataclass(frozen=True)
class TextRun:
    """One TextCode on a page: baseline y, left and right x (millimetres), font size, text."""

    x: float
    y: float
    right: float
    size: float
    text: str


@dataclass
class TextLine:
    """Runs on one baseline, left to right; `size` is the largest font size among them."""

    y: float
    size: float
    runs: list[TextRun]

    @property
    def left(self) -> float:
        return min(run.x for run in self.runs)

    @property
    def right(self) -> float:
        return max(run.right for run in self.runs)


def read_ofd(data: bytes, name: str) -> tuple[list[str], dict[str, str]]:
    """(paragraphs, document info) of an OFD; document info keys: title, author, subject, creation_date,
    modification_date, creator, and each CustomData under its own Name."""
    try:
        from lxml import etree
    except ImportError:  # pragma: no cover - the dependency is in requirements.txt
        raise CorruptFileError(f"缺少读取 OFD 的组件 lxml：{name}") from None
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, recover=False)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = {_member_key(info.filename): info.filename for info in archive.infolist()}

        def load(path: str, what: str):
            member = members.get(_member_key(path))
            if member is None:
                raise CorruptFileError(f"OFD 文件不完整（缺少{what} {path}）：{name}")
            if archive.getinfo(member).file_size > _MAX_XML_BYTES:
                raise CorruptFileError(f"OFD 文件结构异常（{what}过大）：{name}")
            try:
                return etree.fromstring(archive.read(member), parser)
            except Exception as exc:  # zipfile/zlib/lxml raise many kinds on damaged members; none may leak
                raise CorruptFileError(f"OFD 文件已损坏（{what}无法解析：{type(exc).__name__}）：{name}") from None

        if _member_key("OFD.xml") not in members:
            raise CorruptFileError(f"压缩包中没有 OFD.xml，不是有效的 OFD 文件：{name}")
        root = load("OFD.xml", "入口文件")
        body = _child(root, "DocBody")
        doc_root = _text(_child(body, "DocRoot")) if body is not None else ""
        if not doc_root:
            raise CorruptFileError(f"OFD 文件不完整（OFD.xml 中没有 DocRoot）：{name}")
        info = _doc_info(_child(body, "DocInfo"))
        document_path = _resolve("", doc_root)
        document = load(document_path, "文档描述")
        base = posixpath.dirname(document_path)
        pages = _child(document, "Pages")
        page_paths = [] if pages is None else [
            _resolve(base, page.get("BaseLoc", "")) for page in pages if _local(page.tag) == "Page" and page.get("BaseLoc")
        ]
        if not page_paths:
            raise NoTextError(f"OFD 文件中没有页面：{name}")
        page_lines = [_page_lines(load(path, "页面内容")) for path in page_paths]
    paragraphs = paragraphs_from_lines(page_lines)
    if not paragraphs:
        raise NoTextError(f"OFD 文件中没有文字层（可能是扫描件），请先做文字识别（OCR）后再上传：{name}")
    return paragraphs, info


def paragraphs_from_lines(pages: list[list[TextLine]]) -> list[str]:
    """Paragraphs of pages of lines; page numbers at the top or bottom of a page are dropped."""
    body = [[line for index, line in enumerate(lines)
             if not ((index == 0 or index == len(lines) - 1) and _PAGE_NUMBER.match(_line_text(line)))]
            for lines in pages]
    all_lines = [line for lines in body for line in lines]
    if not all_lines:
        return []
    # Margins of the whole document: a page of short lines alone would make its longest line look full.
    left = min(line.left for line in all_lines)
    right = max(line.right for line in all_lines)
    paragraphs: list[str] = []
    open_paragraph = False  # the last paragraph's last line ran to the right margin
    for lines in body:
        for line in lines:
            text = _line_text(line)
            indented = line.left > left + 0.8 * line.size
            starts_unit = match_marker(text) is not None or text.startswith("附件")
            if paragraphs and open_paragraph and not indented and not starts_unit:
                paragraphs[-1] = _join(paragraphs[-1], text)
            else:
                paragraphs.append(text)
            open_paragraph = line.right >= right - 1.5 * line.size
    return [paragraph for paragraph in paragraphs if paragraph.strip()]


def group_lines(runs: list[TextRun]) -> list[TextLine]:
    """Runs sharing a baseline (within a third of the font size) form a line; lines top to bottom."""
    lines: list[TextLine] = []
    for run in sorted(runs, key=lambda r: (r.y, r.x)):
        if lines and abs(run.y - lines[-1].y) <= max(lines[-1].size, run.size) / 3:
            lines[-1].runs.append(run)
        else:
            lines.append(TextLine(run.y, run.size, [run]))
    for line in lines:
        line.runs.sort(key=lambda r: r.x)
        line.size = max(run.size for run in line.runs)
    return lines


def _line_text(line: TextLine) -> str:
    """Runs left to right; a gap wider than two characters (table columns, tab stops) becomes a space."""
    parts: list[str] = []
    previous: TextRun | None = None
    for run in line.runs:
        if previous is not None and run.x - previous.right > 2 * line.size:
            parts.append(" ")
        parts.append(run.text)
        previous = run
    return "".join(parts).strip()


def _join(left: str, right: str) -> str:
    """Join a wrapped line on: no space between Chinese characters, one between Latin words."""
    if left and right and left[-1].isascii() and left[-1].isalnum() and right[0].isascii() and right[0].isalnum():
        return f"{left} {right}"
    return left + right


def _page_lines(page) -> list[TextLine]:
    content = _child(page, "Content")
    if content is None:
        return []
    runs: list[TextRun] = []
    for text_object in content.iter():
        if _local(text_object.tag) == "TextObject":
            runs.extend(_text_runs(text_object))
    return group_lines(runs)


def _text_runs(text_object) -> list[TextRun]:
    """TextCodes of a TextObject in page coordinates: Boundary origin plus the (CTM-mapped) X/Y."""
    box = _numbers(text_object.get("Boundary", ""))
    origin_x, origin_y = (box[0], box[1]) if len(box) >= 2 else (0.0, 0.0)
    ctm = _numbers(text_object.get("CTM", ""))
    size = _number(text_object.get("Size")) or 3.5
    if len(ctm) == 6:
        size *= max(abs(ctm[3]), abs(ctm[0])) or 1.0
    runs: list[TextRun] = []
    x = y = 0.0
    for code in text_object:
        if _local(code.tag) != "TextCode":
            continue
        x = _number(code.get("X"), x)
        y = _number(code.get("Y"), y)
        text = code.text or ""
        advance = _advance(code.get("DeltaX", ""), text, size)
        end_x = x + advance
        if len(ctm) == 6:
            a, b, c, d, e, f = ctm
            x_page, y_page, end_page = a * x + c * y + e, b * x + d * y + f, a * end_x + c * y + e
        else:
            x_page, y_page, end_page = x, y, end_x
        if text.strip():
            runs.append(TextRun(origin_x + x_page, origin_y + y_page, origin_x + end_page, size, text))
        x = end_x  # a following TextCode without X continues after this one
    return runs


def _advance(delta_x: str, text: str, size: float) -> float:
    """Width of a run: its DeltaX offsets (with "g count value" repeats) plus one character."""
    tokens = delta_x.split()
    offsets: list[float] = []
    index = 0
    while index < len(tokens):
        if tokens[index] == "g" and index + 2 < len(tokens):
            count = int(_number(tokens[index + 1]) or 0)
            offsets.extend([_number(tokens[index + 2]) or 0.0] * min(count, len(text)))
            index += 3
        else:
            offsets.append(_number(tokens[index]) or 0.0)
            index += 1
    last = size if text and not text[-1].isascii() else size / 2
    if offsets:
        return sum(offsets[: max(len(text) - 1, 0)]) + last
    return sum(size if not ch.isascii() else size / 2 for ch in text)


def _doc_info(info) -> dict[str, str]:
    if info is None:
        return {}
    fields: dict[str, str] = {}
    for child in info:
        tag = _local(child.tag)
        if tag in _DOC_INFO_FIELDS and _text(child):
            fields[_DOC_INFO_FIELDS[tag]] = _text(child)
        elif tag == "CustomDatas":
            for data in child:
                if _local(data.tag) == "CustomData" and data.get("Name") and _text(data):
                    fields[data.get("Name").strip()] = _text(data)
    return fields


def _resolve(base: str, location: str) -> str:
    """A location from the package root ("/Doc_0/…") or relative to `base`, as a zip member path."""
    location = location.strip().replace("\\", "/")
    path = location.lstrip("/") if location.startswith("/") else posixpath.join(base, location)
    return posixpath.normpath(path).lstrip("/")


def _member_key(path: str) -> str:
    # Producers differ in case and leading slashes of member names; paths inside the XML too.
    return posixpath.normpath(path.replace("\\", "/").lstrip("/")).lower()


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _child(node, local: str):
    if node is None:
        return None
    return next((child for child in node if _local(child.tag) == local), None)


def _text(node) -> str:
    return "" if node is None else "".join(node.itertext()).strip()


def _number(value: str | None, default: float | None = None) -> float | None:
    try:
        return float(value) if value is not None else default
    except ValueError:
        return default


def _numbers(value: str) -> list[float]:
    out = []
    for token in value.replace(",", " ").split():
        number = _number(token)
        if number is None:
            return []
        out.append(number)
    return out
