"""Read a plan document file into plain paragraphs: .txt, .docx, .pdf, .html/.htm, old Word/WPS
binaries (.doc/.wps, see word_binary.py), OFD (.ofd, see ofd.py), saved web pages (.mhtml/.mht) and
spreadsheets (.xlsx/.xls, see sheets.py: task-division tables sent as attachments).

Everything that can go wrong with an input file ends in a typed `ReadError` whose one-line
Chinese message names the file and the reason; errors of the libraries underneath never leak.
The docx/pdf/html/olefile libraries are imported only when such a file is read.
"""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from index.errors import (
    CorruptFileError,
    EncodingError,
    EncryptedError,
    FileTooLargeError,
    NoTextError,
    ReadError,
    UnsupportedFormatError,
)
from index.ingest.lines import PLAUSIBLE, join_wrapped_lines, looks_hard_wrapped, split_paragraphs
from index.models import Progress
from index.text.numbering import int_to_cn

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
# A .docx is a zip: refuse one whose members would inflate beyond this (zip bomb).
MAX_UNZIPPED_BYTES = 200 * 1024 * 1024
MAX_ZIP_MEMBERS = 5000

FORMATS = {".txt": "txt", ".docx": "docx", ".pdf": "pdf", ".html": "html", ".htm": "html",
           ".doc": "doc", ".wps": "wps", ".ofd": "ofd", ".mhtml": "mhtml", ".mht": "mhtml",
           ".xlsx": "xlsx", ".xls": "xls", ".rtf": "rtf"}


@dataclass
class RawDocument:
    """A file's text as paragraphs (as written, blank ones dropped) plus where it came from."""

    source: str  # file name
    format: str  # "txt" | "docx" | "pdf" | "html" | "doc" | "wps" | "ofd" | "mhtml"
    encoding: str | None
    paragraphs: list[str]
    sha256: str
    warnings: list[str] = field(default_factory=list)  # what reading changed, e.g. folded lines joined
    # Document info the file itself declares (an OFD's DocInfo: title, author, creation_date, CustomData names).
    metadata: dict[str, str] = field(default_factory=dict)
    ocr_pages: int = 0  # pages whose text was recognised from a scan (PDF)
    ocr_confidence: float | None = None  # mean OCR confidence over those pages' characters
    # Tables (.docx tables, spreadsheet sheets) as rows of cell texts, merged cells repeated in every
    # row and column they cover; their text is in `paragraphs` too (a task-division table, 分工表).
    tables: list[list[list[str]]] = field(default_factory=list)


# progress(done_pages, total_pages, stage), e.g. (3, 8, "识别扫描页"), for a long read such as OCR.


def read_document(
    path: Path,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_unzipped_bytes: int = MAX_UNZIPPED_BYTES,
    progress: Progress | None = None,
) -> RawDocument:
    """Read `path` into a RawDocument; raises a ReadError subclass for anything unreadable.

    A zip-based file (.docx, .ofd, .xlsx) whose members would inflate past `max_unzipped_bytes` is
    refused before anything is unpacked (zip bomb). `progress` hears of long stages (scanned PDF
    pages being recognised), page by page."""
    path = Path(path)
    name = path.name
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        suffix = path.suffix or "无扩展名"
        raise UnsupportedFormatError(f"不支持的文件格式“{suffix}”（可接受 {' '.join(FORMATS)}）：{name}")
    data = _read_bytes(path, max_bytes)
    named = fmt
    fmt = content_format(data, fmt)
    _reject_foreign_binary(data, fmt, name)
    if fmt in _ZIP_KINDS:
        _zip_member_names(data, name, *_ZIP_KINDS[fmt], max_unzipped_bytes=max_unzipped_bytes)
    readers = {"txt": _read_txt, "doc": _read_doc, "wps": _read_doc, "rtf": _read_rtf}
    metadata: dict[str, str] = {}
    ocr_pages, ocr_confidence = 0, None
    tables: list[list[list[str]]] = []
    if fmt == "docx":
        encoding, paragraphs, warnings, tables = _read_docx(data, name)
    elif fmt in ("xlsx", "xls"):
        encoding, warnings = None, []
        paragraphs, tables = _read_sheets(data, name, fmt)
    elif fmt in ("html", "mhtml"):
        encoding, paragraphs, warnings, metadata = (_read_html if fmt == "html" else _read_mhtml)(data, name)
    elif fmt == "ofd":
        encoding, paragraphs, warnings, metadata = _read_ofd(data, name)
    elif fmt == "pdf":
        from index.ingest.pdf import read_pdf  # builds on this module's line helpers

        pdf = read_pdf(data, name, progress=progress)
        encoding, paragraphs, warnings = None, pdf.paragraphs, pdf.warnings
        ocr_pages, ocr_confidence = pdf.ocr_pages, pdf.ocr_confidence
    else:
        encoding, paragraphs, warnings = readers[fmt](data, name)
    if not paragraphs:
        raise NoTextError(f"文件中没有可读取的文字：{name}")
    if fmt != named:
        warnings = [f"文件实际为{FORMAT_LABELS[fmt]}（扩展名为 .{named}），已按{FORMAT_LABELS[fmt]}读取", *warnings]
    return RawDocument(
        source=name,
        format=fmt,
        encoding=encoding,
        paragraphs=paragraphs,
        sha256=hashlib.sha256(data).hexdigest(),
        warnings=warnings,
        metadata=metadata,
        ocr_pages=ocr_pages,
        ocr_confidence=ocr_confidence,
        tables=tables,
    )


# ---------------------------------------------------------------------------------------------
# Bytes and sniffing


def _read_bytes(path: Path, max_bytes: int) -> bytes:
    name = path.name
    try:
        if not path.is_file():
            raise ReadError(f"找不到文件或不是普通文件：{name}")
        size = path.stat().st_size
        if size > max_bytes:
            raise FileTooLargeError(f"文件过大（{_mb(size)}，上限 {_mb(max_bytes)}）：{name}")
        with path.open("rb") as handle:
            data = handle.read(max_bytes + 1)
    except PermissionError:
        raise ReadError(f"没有读取权限：{name}") from None
    except OSError as exc:
        raise ReadError(f"读取文件失败（{exc.strerror or type(exc).__name__}）：{name}") from None
    if len(data) > max_bytes:
        raise FileTooLargeError(f"文件过大（上限 {_mb(max_bytes)}）：{name}")
    if not data.strip(b" \t\r\n\x00\x0b\x0c"):
        raise NoTextError(f"文件是空的：{name}")
    return data


def _mb(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB"


_MAGIC = [
    (b"MZ", "Windows 可执行程序"),
    (b"\x7fELF", "Linux 可执行程序"),
    (b"\xcf\xfa\xed\xfe", "macOS 可执行程序"),
    (b"\xce\xfa\xed\xfe", "macOS 可执行程序"),
    (b"\xca\xfe\xba\xbe", "Java 类文件或 macOS 程序"),
    (b"PK\x03\x04", "ZIP 压缩包"),
    (b"%PDF", "PDF 文件"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "旧版 Office 文件或加密的 Office 文件"),
    (b"\x89PNG", "PNG 图片"),
    (b"\xff\xd8\xff", "JPEG 图片"),
    (b"GIF8", "GIF 图片"),
    (b"Rar!", "RAR 压缩包"),
    (b"7z\xbc\xaf", "7z 压缩包"),
    (b"\x1f\x8b", "gzip 压缩包"),
    (b"{\\rtf", "RTF 文件"),
]
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


FORMAT_LABELS = {
    "txt": "纯文本", "docx": "Word（.docx）文档", "doc": "旧版 Word（.doc）文档", "wps": "WPS 文字文档", "pdf": "PDF",
    "html": "网页（HTML）", "mhtml": "网页存档（MHT）", "ofd": "OFD 文件", "xlsx": "Excel（.xlsx）表格",
    "xls": "旧版 Excel（.xls）表格", "rtf": "RTF 文档",
}  # fmt: skip
_OFFICE_FORMATS = ("doc", "wps", "docx", "xls", "xlsx", "rtf")
_HTML_START = re.compile(rb"^(?:<!--.*?-->\s*|<\?xml[^>]*>\s*)*<(?:!doctype\s+html|html|head|meta|body|title)\b", re.I | re.S)


def content_format(data: bytes, fmt: str) -> str:
    """The format the bytes really are when an office saved one format under another's extension —
    web pages, MHT archives and RTF served as .doc, a .docx renamed .doc (and back), an .xlsx named
    .xls — so such files are read, not refused. Anything else keeps the extension's format."""
    if fmt not in _OFFICE_FORMATS:
        return fmt
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    lowered = head.lower()
    if head.startswith(b"{\\rtf"):
        return "rtf"
    if lowered.startswith(b"mime-version") or b"multipart/related" in lowered[:2048]:
        return "mhtml"
    if _HTML_START.match(head):
        return "html"
    encrypted = "EncryptedPackage".encode("utf-16-le") in data
    if head.startswith(b"PK\x03\x04"):
        return {"doc": "docx", "wps": "docx", "xls": "xlsx", "rtf": "docx"}.get(fmt, fmt)
    if head.startswith(_OLE_MAGIC) and not encrypted:
        return {"docx": "doc", "xlsx": "xls", "rtf": "doc"}.get(fmt, fmt)
    return fmt


def _read_rtf(data: bytes, name: str) -> tuple[str | None, list[str], list[str]]:
    """RTF: 7-bit text whose \\'xx escapes are bytes in the document's code page (\\ansicpg936: GBK)."""
    from striprtf.striprtf import rtf_to_text

    page = re.search(rb"\\ansicpg(\d+)", data[:4096])
    encoding = {"936": "gbk", "54936": "gb18030", "950": "big5", "65001": "utf-8"}.get(
        page.group(1).decode() if page else "", f"cp{page.group(1).decode()}" if page else "gbk"
    )
    try:
        text = rtf_to_text(data.decode("latin-1"), encoding=encoding, errors="replace")
    except (LookupError, ValueError, IndexError) as exc:
        raise CorruptFileError(f"RTF 文件无法解析（{type(exc).__name__}）：{name}") from None
    return encoding, split_paragraphs(text), []


def _reject_foreign_binary(data: bytes, fmt: str, name: str) -> None:
    """A file whose first bytes say it is something other than its extension claims is refused."""
    head = data[:8]
    if fmt in ("docx", "ofd", "xlsx") and head.startswith(b"PK\x03\x04"):
        return
    if fmt in ("doc", "wps", "xls") and head.startswith(_OLE_MAGIC):
        return  # Word 97–2003 binary; what is inside the compound file is checked when reading it
    if fmt == "pdf" and b"%PDF-" in data[:1024]:
        return  # PDF tolerates junk before its header
    if fmt == "rtf" and data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{\\rtf"):
        return
    if fmt == "docx" and head.startswith(_OLE_MAGIC):
        if "EncryptedPackage".encode("utf-16-le") in data:
            raise EncryptedError(f"Word 文件已加密（设置了打开密码），请解除密码后再上传：{name}")
        raise UnsupportedFormatError(f"这是旧版 Word（.doc）或其他 Office 文件，请另存为 .docx 后再上传：{name}")
    if fmt == "xlsx" and head.startswith(_OLE_MAGIC):
        if "EncryptedPackage".encode("utf-16-le") in data:
            raise EncryptedError(f"Excel 文件已加密（设置了打开密码），请解除密码后再上传：{name}")
        raise UnsupportedFormatError(f"这是旧版 Excel（.xls）或其他 Office 文件，请把扩展名改为 .xls 或另存为 .xlsx：{name}")
    for magic, what in _MAGIC:
        if head.startswith(magic):
            raise UnsupportedFormatError(f"文件内容是{what}，与扩展名 .{fmt} 不符：{name}")
    if fmt == "docx":
        raise UnsupportedFormatError(f"文件不是有效的 Word（.docx）文件：{name}")
    if fmt == "pdf":
        raise UnsupportedFormatError(f"文件不是有效的 PDF 文件：{name}")
    if fmt == "doc":
        raise UnsupportedFormatError(f"文件不是有效的 Word（.doc）文件，请用 Word 或 WPS 另存为 .docx 后再上传：{name}")
    if fmt == "wps":
        raise UnsupportedFormatError(f"文件不是 WPS 文字（Word 兼容）格式，可能是旧版 WPS 文件，请在 WPS 中另存为 .docx 后再上传：{name}")
    if fmt == "ofd":
        raise UnsupportedFormatError(f"文件不是有效的 OFD 文件（OFD 应为 ZIP 格式的文件包）：{name}")
    if fmt in ("xlsx", "xls"):
        raise UnsupportedFormatError(f"文件不是有效的 Excel（.{fmt}）文件：{name}")
    if fmt == "rtf":
        raise UnsupportedFormatError(f"文件不是有效的 RTF 文件：{name}")


# ---------------------------------------------------------------------------------------------
# Plain text and encodings

_BOMS = [
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
]
# Control bytes that never occur in text (tab, newlines, form feed and ESC excepted).
_CONTROL_BYTES = re.compile(rb"[\x01-\x08\x0e-\x1a\x1c-\x1f\x7f]")
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0e-\x1a\x1c-\x1f\x7f-\x9f\ue000-\uf8ff\ufffd]")
_CJK = re.compile(r"[\u4e00-\u9fff]")


def decode_text(data: bytes, name: str) -> tuple[str, str]:
    """(encoding, text) of text bytes: BOM, strict UTF-8, GB18030 when plausible, BOM-less UTF-16."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError:
                raise _encoding_error(name) from None
            text = text.lstrip("\ufeff")
            if _CONTROL_CHARS.search(text.replace("\x0c", "")) and not _plausible(text):
                raise _binary_error(name)
            return ("utf-8" if encoding == "utf-8-sig" else encoding.split("-le")[0].split("-be")[0]), text
    if b"\x00" in data:
        for encoding in ("utf-16-le", "utf-16-be"):
            if len(data) % 2 == 0:
                try:
                    text = data.decode(encoding)
                except UnicodeDecodeError:
                    continue
                if _plausible(text):
                    return "utf-16", text
        raise _binary_error(name)
    sample = data[:65536]
    if len(_CONTROL_BYTES.findall(sample)) > max(2, len(sample) // 1000):
        raise _binary_error(name)
    try:
        return "utf-8", data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        raise _encoding_error(name) from None
    if _plausible(text) and _looks_chinese(text):
        return "gb18030", text
    raise _encoding_error(name)


def _plausible(text: str) -> bool:
    """Nearly every character is one a Chinese document contains (no controls, no private use)."""
    sample = text[:200000]
    if not sample:
        return False
    odd = len(sample) - len(PLAUSIBLE.findall(sample))
    return odd <= max(2, len(sample) // 100)


def _looks_chinese(text: str) -> bool:
    """Hanzi decoded from the wrong bytes are mostly rare ones outside GB2312; real text's are not."""
    hanzi = _CJK.findall(text[:200000])
    if not hanzi:
        return True  # pure ASCII/Latin-1 cannot reach here undecoded by UTF-8 anyway
    common = 0
    for ch in hanzi:
        try:
            ch.encode("gb2312")
            common += 1
        except UnicodeEncodeError:
            pass
    return common >= 0.85 * len(hanzi)


def _encoding_error(name: str) -> EncodingError:
    return EncodingError(f"无法识别文件编码（已尝试 UTF-8、GB18030、UTF-16）：{name}")


def _binary_error(name: str) -> UnsupportedFormatError:
    return UnsupportedFormatError(f"文件不是文本文件（含有二进制内容）：{name}")


def _read_txt(data: bytes, name: str) -> tuple[str, list[str], list[str]]:
    encoding, text = decode_text(data, name)
    lines = split_paragraphs(text)
    warnings: list[str] = []
    if looks_hard_wrapped(lines):
        lines = join_wrapped_lines(lines)
        warnings.append(f"文本按固定宽度折行，已合并折行：{name}")
    return encoding, lines, warnings


# ---------------------------------------------------------------------------------------------
# .docx

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _read_docx(data: bytes, name: str) -> tuple[str | None, list[str], list[str], list[list[list[str]]]]:
    _check_zip(data, name)
    try:
        import docx  # python-docx
        from docx.opc.exceptions import PackageNotFoundError
    except ImportError:  # pragma: no cover - the dependency is in requirements.txt
        raise ReadError(f"缺少读取 .docx 的组件 python-docx：{name}") from None
    try:
        document = docx.Document(io.BytesIO(data))
    except PackageNotFoundError:
        raise CorruptFileError(f"文件不是有效的 Word（.docx）文档：{name}") from None
    except Exception as exc:  # python-docx/lxml raise many kinds; none may leak
        raise CorruptFileError(f"Word 文件已损坏，无法打开（{type(exc).__name__}）：{name}") from None
    try:
        numbering = _DocxNumbering(document)
        lines: list[str] = []
        tables: list[list[list[str]]] = []
        _docx_blocks(document.element.body, numbering, lines, tables)
    except Exception as exc:
        raise CorruptFileError(f"Word 文件内容无法解析（{type(exc).__name__}）：{name}") from None
    return None, split_paragraphs("\n".join(lines)), [], tables


def _check_zip(data: bytes, name: str) -> None:
    """Refuse a .docx that is a damaged zip, a zip bomb, or has no document part."""
    names = _zip_member_names(data, name, "Word", "Word（.docx）文档")
    if "word/document.xml" not in names:
        if "EncryptionInfo" in names or "EncryptedPackage" in names:
            raise EncryptedError(f"Word 文件已加密，请解除密码后再上传：{name}")
        raise CorruptFileError(f"压缩包中没有 Word 正文（word/document.xml），不是有效的 .docx：{name}")


_ZIP_KINDS = {"docx": ("Word", "Word（.docx）文档"), "ofd": ("OFD", "OFD 文件"), "xlsx": ("Excel", "Excel（.xlsx）文件")}


def _zip_member_names(
    data: bytes, name: str, kind: str, what: str, *, max_unzipped_bytes: int = MAX_UNZIPPED_BYTES
) -> set[str]:
    """Member names of a zip-based document (`kind` "Word", "OFD"); refuses a damaged zip or one whose
    members inflate far beyond any real document (zip bomb)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError):
        raise CorruptFileError(f"文件已损坏，不是有效的 {what}：{name}") from None
    if len(members) > MAX_ZIP_MEMBERS:
        raise CorruptFileError(f"{kind} 文件结构异常（包含 {len(members)} 个部件）：{name}")
    total = sum(member.file_size for member in members)
    if total > max_unzipped_bytes:
        raise CorruptFileError(f"{kind} 文件解压后异常庞大（{_mb(total)}），疑似压缩炸弹，已拒绝：{name}")
    return {member.filename for member in members}


def _docx_blocks(container, numbering: _DocxNumbering, lines: list[str], tables: list[list[list[str]]]) -> None:
    """Paragraphs and table cells in document order (merged cells are read once); each table's rows
    also go to `tables`."""
    for child in container.iterchildren():
        tag = child.tag
        if tag == f"{_W}p":
            lines.append(numbering.prefix(child) + _docx_paragraph_text(child))
        elif tag == f"{_W}tbl":
            tables.append(_docx_table(child, numbering, lines, tables))
        elif tag in (f"{_W}sdt", f"{_W}sdtContent", f"{_W}customXml", f"{_W}ins", f"{_W}smartTag"):
            _docx_blocks(child, numbering, lines, tables)


def _docx_table(table, numbering: _DocxNumbering, lines: list[str], tables: list[list[list[str]]]) -> list[list[str]]:
    """A w:tbl as rows of cell texts: a cell spanning columns (gridSpan) fills each of them, a
    vertically merged one (vMerge) the rows it covers. Its paragraphs go to `lines` as they come."""
    rows: list[list[str]] = []
    for row in table.iterchildren(f"{_W}tr"):
        cells: list[str] = []
        for cell in row.iterchildren(f"{_W}tc"):
            start = len(lines)
            _docx_blocks(cell, numbering, lines, tables)
            text = "\n".join(line.strip() for line in lines[start:] if line.strip())
            props = cell.find(f"{_W}tcPr")
            span = _val(props.find(f"{_W}gridSpan")) if props is not None else None
            merge = props.find(f"{_W}vMerge") if props is not None else None
            if merge is not None and _val(merge) != "restart" and rows and len(rows[-1]) > len(cells):
                text = rows[-1][len(cells)]  # the continuation of the cell above
            cells.extend([text] * (min(int(span), 64) if span and span.isdigit() and int(span) > 0 else 1))
        rows.append(cells)
    return rows


def _docx_paragraph_text(paragraph) -> str:
    """Text of a w:p: runs, hyperlinks, tabs and breaks; deleted (tracked) text is left out."""
    parts: list[str] = []
    for node in paragraph.iter():
        tag = node.tag
        if tag == f"{_W}t":
            if not _inside_deletion(node, paragraph):
                parts.append(node.text or "")
        elif tag == f"{_W}tab":
            parts.append("\t")
        elif tag in (f"{_W}br", f"{_W}cr"):
            parts.append("\n")
    return "".join(parts)


def _inside_deletion(node, stop) -> bool:
    parent = node.getparent()
    while parent is not None and parent is not stop:
        if parent.tag == f"{_W}del":
            return True
        parent = parent.getparent()
    return False


class _DocxNumbering:
    """Renders Word's automatic list numbers ("一、", "（一）", "1.") that are not in the text runs."""

    def __init__(self, document) -> None:
        self.num_to_abstract: dict[str, str] = {}
        self.levels: dict[tuple[str, int], tuple[str, str, int]] = {}  # (abstract, ilvl) → (fmt, text, start)
        self.counters: dict[str, list[int]] = {}
        self.style_num: dict[str, tuple[str, int]] = {}
        try:
            part = document.part.numbering_part
        except Exception:  # no numbering part: no automatic numbers
            return
        root = part.element
        for abstract in root.iterchildren(f"{_W}abstractNum"):
            abstract_id = abstract.get(f"{_W}abstractNumId")
            for lvl in abstract.iterchildren(f"{_W}lvl"):
                ilvl = int(lvl.get(f"{_W}ilvl", "0"))
                fmt = _val(lvl.find(f"{_W}numFmt")) or "decimal"
                text = _val(lvl.find(f"{_W}lvlText")) or ""
                start = int(_val(lvl.find(f"{_W}start")) or "1")
                self.levels[(abstract_id, ilvl)] = (fmt, text, start)
        for num in root.iterchildren(f"{_W}num"):
            abstract = num.find(f"{_W}abstractNumId")
            if abstract is not None:
                self.num_to_abstract[num.get(f"{_W}numId")] = _val(abstract)
        try:
            for style in document.styles.element.iterchildren(f"{_W}style"):
                num_pr = style.find(f"{_W}pPr/{_W}numPr")
                if num_pr is not None:
                    num_id = _val(num_pr.find(f"{_W}numId"))
                    ilvl = int(_val(num_pr.find(f"{_W}ilvl")) or "0")
                    if num_id:
                        self.style_num[style.get(f"{_W}styleId")] = (num_id, ilvl)
        except Exception:
            self.style_num = {}

    def prefix(self, paragraph) -> str:
        if not self.levels:
            return ""
        ppr = paragraph.find(f"{_W}pPr")
        num_id, ilvl = None, 0
        if ppr is not None:
            num_pr = ppr.find(f"{_W}numPr")
            if num_pr is not None:
                num_id = _val(num_pr.find(f"{_W}numId"))
                ilvl = int(_val(num_pr.find(f"{_W}ilvl")) or "0")
            elif (style := ppr.find(f"{_W}pStyle")) is not None and _val(style) in self.style_num:
                num_id, ilvl = self.style_num[_val(style)]
        if not num_id or num_id == "0" or num_id not in self.num_to_abstract:
            return ""
        abstract = self.num_to_abstract[num_id]
        counters = self.counters.setdefault(abstract, [0] * 9)
        ilvl = min(max(ilvl, 0), 8)
        fmt, text, start = self.levels.get((abstract, ilvl), ("decimal", f"%{ilvl + 1}.", 1))
        counters[ilvl] = counters[ilvl] + 1 if counters[ilvl] else start
        for deeper in range(ilvl + 1, 9):
            counters[deeper] = 0
        if fmt in ("bullet", "none"):
            return ""

        def render(match: re.Match[str]) -> str:
            level = int(match.group(1)) - 1
            level_fmt = self.levels.get((abstract, level), (fmt, "", 1))[0]
            value = counters[level] or self.levels.get((abstract, level), ("", "", 1))[2]
            return _format_number(value, level_fmt)

        return re.sub(r"%([1-9])", render, text)


def _val(node) -> str | None:
    return None if node is None else node.get(f"{_W}val")


def _format_number(value: int, fmt: str) -> str:
    if fmt.startswith("chinese") or fmt in ("ideographTraditional", "taiwaneseCounting", "ideographLegalTraditional"):
        return int_to_cn(value)
    if fmt == "decimalEnclosedCircle" or fmt == "decimalEnclosedCircleChinese":
        return chr(0x2460 + value - 1) if 1 <= value <= 20 else str(value)
    if fmt == "lowerLetter":
        return chr(ord("a") + (value - 1) % 26)
    if fmt == "upperLetter":
        return chr(ord("A") + (value - 1) % 26)
    if fmt == "decimalFullWidth":
        return "".join(chr(ord(d) + 0xFEE0) for d in str(value))
    return str(value)


# ---------------------------------------------------------------------------------------------
# .pdf: index/ingest/pdf.py (text layer, OCR of scanned pages, running headers and page numbers)

# ---------------------------------------------------------------------------------------------
# .html

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.IGNORECASE)
_NOISE_TAGS = ("script", "style", "noscript", "template", "iframe", "svg", "canvas", "nav", "aside", "form",
               "button", "select", "input", "textarea", "head", "object", "embed", "map")
_NOISE_TOKEN = re.compile(
    r"(?:^|[-_\s])(?:nav|navbar|menu|breadcrumbs?|crumbs?|footer|foot|share|sidebar|topbar|toolbar|copyright|"
    r"position|location|dqwz|weizhi|print|qrcode|ewm|erweima|banner|login|search|skip|bdsharebuttonbox)(?:$|[-_\s\d])",
    re.IGNORECASE,
)
_BLOCK_TAGS = {"p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article", "table", "ul", "ol",
               "dl", "dd", "dt", "blockquote", "pre", "center", "main", "header", "footer", "title", "br", "hr",
               "tbody", "thead", "address", "figure", "figcaption", "caption"}


def _html_charset(data: bytes) -> str | None:
    match = _META_CHARSET.search(data[:8192])
    if not match:
        return None
    charset = match.group(1).decode("ascii", "ignore").lower()
    if charset in ("gb2312", "gbk", "gb_2312-80", "x-gbk", "euc-cn"):
        return "gb18030"  # superset: pages labelled gb2312 routinely use GBK characters
    return charset


def _read_html(data: bytes, name: str) -> tuple[str | None, list[str], list[str], dict[str, str]]:
    """(encoding, paragraphs, warnings, declared fields) of a web page: its content container's text
    under the heading standing above it, the 信息公开 block as fields (see web_page.py)."""
    encoding, text = None, None
    if not any(data.startswith(bom) for bom, _ in _BOMS):
        charset = _html_charset(data)
        if charset:
            try:
                text = data.decode(charset)
                encoding = charset
            except (LookupError, UnicodeDecodeError):
                text = None
    if text is None:
        encoding, text = decode_text(data, name)
    try:
        from bs4 import BeautifulSoup, Comment
    except ImportError:  # pragma: no cover
        raise ReadError(f"缺少读取网页的组件 beautifulsoup4：{name}") from None
    try:
        from index.ingest.web_page import head_fields, page_parts

        soup = BeautifulSoup(text, "lxml")
        for comment in soup.find_all(string=lambda s: isinstance(s, Comment)):
            comment.extract()
        declared = head_fields(soup)
        page_title = soup.title.get_text() if soup.title else None
        for tag in soup.find_all(_NOISE_TAGS):
            tag.decompose()
        for tag in soup.find_all(["header", "footer"]):
            if tag.find_parent(["article", "main"]) is None:
                tag.decompose()
        for tag in soup.find_all(True):
            if tag.decomposed or tag.attrs is None:
                continue
            tokens = " ".join([tag.get("id") or "", *(tag.get("class") or [])])
            if tokens.strip() and _NOISE_TOKEN.search(tokens) and not tag.find_parent(["article", "main"]):
                tag.decompose()
        parts = page_parts(soup.body or soup, page_title=page_title)
        for tag in parts.body.find_all(True):
            if tag.name in _BLOCK_TAGS:
                tag.insert_before("\n")
                tag.insert_after("\n")
            elif tag.name in ("td", "th"):
                tag.insert_after(" ")
        body_text = (parts.heading or "") + "\n" + parts.body.get_text()
    except Exception as exc:
        raise CorruptFileError(f"网页无法解析（{type(exc).__name__}）：{name}") from None
    return encoding, split_paragraphs(body_text), [], declared | parts.metadata  # the page's own block wins


# ---------------------------------------------------------------------------------------------
# .doc / .wps (Word 97–2003 binary), .ofd, .mhtml/.mht


def _read_doc(data: bytes, name: str) -> tuple[str | None, list[str], list[str]]:
    from index.ingest.word_binary import read_word_binary

    return None, split_paragraphs(read_word_binary(data, name, Path(name).suffix.lower())), []


def _read_ofd(data: bytes, name: str) -> tuple[str | None, list[str], list[str], dict[str, str]]:
    _zip_member_names(data, name, "OFD", "OFD 文件")
    from index.ingest.ofd import read_ofd

    paragraphs, metadata = read_ofd(data, name)
    return None, paragraphs, [], metadata


def _read_sheets(data: bytes, name: str, fmt: str) -> tuple[list[str], list[list[list[str]]]]:
    if fmt == "xlsx" and "xl/workbook.xml" not in _zip_member_names(data, name, "Excel", "Excel（.xlsx）文件"):
        raise CorruptFileError(f"压缩包中没有 Excel 工作簿（xl/workbook.xml），不是有效的 .xlsx：{name}")
    from index.ingest.sheets import read_sheets

    return read_sheets(data, name, fmt)


def _read_mhtml(data: bytes, name: str) -> tuple[str | None, list[str], list[str], dict[str, str]]:
    """The HTML part of a web page saved as one MIME file, read as a web page in its declared charset."""
    import email
    import email.policy

    try:
        message = email.message_from_bytes(data, policy=email.policy.compat32)
    except Exception as exc:  # the parser is lenient; anything it still raises means a broken file
        raise CorruptFileError(f"MHTML 文件无法解析（{type(exc).__name__}）：{name}") from None
    if message.get("Content-Type") is None:
        return _read_html(data, name)  # a plain .html saved under an .mht name
    pages = [part for part in message.walk() if part.get_content_type() == "text/html"]
    root_id = message.get_param("start")
    if isinstance(root_id, str):
        pages.sort(key=lambda part: (part.get("Content-ID") or "").strip() != root_id.strip())
    if not pages:
        raise NoTextError(f"MHTML 文件中没有网页正文（text/html 部分）：{name}")
    page = pages[0]
    payload = page.get_payload(decode=True)
    if not isinstance(payload, bytes) or not payload.strip():
        raise NoTextError(f"MHTML 文件中的网页是空的：{name}")
    charset = (page.get_content_charset() or "").lower()
    if charset in ("gb2312", "gbk", "gb_2312-80", "x-gbk", "euc-cn"):
        charset = "gb18030"  # superset: pages labelled gb2312 routinely use GBK characters
    if charset:
        try:
            html = payload.decode(charset)
        except (LookupError, UnicodeDecodeError):
            html = None
        if html is not None:
            # A UTF-8 BOM makes the HTML reader trust these bytes over the page's own <meta charset>.
            _, paragraphs, warnings, metadata = _read_html(b"\xef\xbb\xbf" + html.encode("utf-8"), name)
            return charset, paragraphs, warnings, metadata
    return _read_html(payload, name)
