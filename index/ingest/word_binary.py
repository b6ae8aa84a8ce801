"""Text of an old binary Word document (.doc, and the .wps WPS Office writes in the same format).

The file is an OLE2 compound file (opened with olefile). Its WordDocument stream starts with the
FIB, which says where the piece table (CLX) sits in the 0Table or 1Table stream; each piece maps a
run of character positions to bytes of WordDocument, stored either as UTF-16LE (Chinese text) or
as 8-bit "compressed" cp1252. Only the main document text is read (not headers, footnotes,
comments or text boxes). Offsets follow [MS-DOC] 2.5 (FIB) and 2.9.38 (Clx).
"""

from __future__ import annotations

import io
import re
import struct

from index.errors import CorruptFileError, EncryptedError, ReadError, UnsupportedFormatError

_WORD_IDENT = 0xA5EC
# FibBase.nFib of Word 6/95, whose text is not stored through a piece table like Word 97's.
_FIRST_WORD97_NFIB = 0x00C0
_FLAG_ENCRYPTED = 0x0100
_FLAG_TABLE_1 = 0x0200
_CLX_PAIR_INDEX = 33  # fcClx/lcbClx is the 34th pair of FibRgFcLcb97

_FIELD_BEGIN, _FIELD_SEPARATOR, _FIELD_END = "\x13", "\x14", "\x15"
_FIELD_MARKS = re.compile("([\x13\x14\x15])")
# Marks that end a line of text (paragraph, table cell/row end, manual line, page/section and column
# break), and the non-breaking hyphen.
_MARKS_TO_TEXT = str.maketrans({"\r": "\n", "\x07": "\n", "\x0b": "\n", "\x0c": "\n", "\x0e": "\n", "\x1e": "-"})
# Control characters standing for pictures, footnote marks, annotation anchors and the like, plus
# symbol-font glyphs in the private use area: nothing a reader would quote.
_NOT_TEXT = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\ue000-\uf8ff\ufffd]")


def read_word_binary(data: bytes, name: str, suffix: str) -> str:
    """Main text of a Word 97–2003 binary file, one paragraph or table cell a line; typed errors otherwise.

    `suffix` (".doc" or ".wps") only shapes the messages.
    """
    word_stream, table_streams = _open_streams(data, name, suffix)
    return plain_word_text(word_text(word_stream, table_streams, name))


def word_text(word_stream: bytes, table_streams: dict[str, bytes], name: str) -> str:
    """Raw main-document text (with Word's control characters) of a WordDocument stream.

    `table_streams` maps "0Table"/"1Table" to their bytes (either may be missing).
    """
    if len(word_stream) < 0x22 or struct.unpack_from("<H", word_stream, 0)[0] != _WORD_IDENT:
        raise CorruptFileError(f"Word 文件已损坏（正文流缺少文件头）：{name}")
    n_fib, flags = struct.unpack_from("<H", word_stream, 2)[0], struct.unpack_from("<H", word_stream, 0x0A)[0]
    if flags & _FLAG_ENCRYPTED:
        raise EncryptedError(f"Word 文件已加密（设置了打开密码），请解除密码后再上传：{name}")
    if n_fib < _FIRST_WORD97_NFIB:
        raise UnsupportedFormatError(f"这是 Word 6.0/95 或更早版本的文件，请用 Word 或 WPS 另存为 .docx 后再上传：{name}")
    table_name = "1Table" if flags & _FLAG_TABLE_1 else "0Table"
    table = table_streams.get(table_name)
    if table is None:
        raise CorruptFileError(f"Word 文件已损坏（缺少 {table_name} 流）：{name}")
    ccp_text, fc_clx, lcb_clx = _fib_text_fields(word_stream, name)
    if lcb_clx <= 0 or fc_clx + lcb_clx > len(table):
        raise CorruptFileError(f"Word 文件已损坏（片段表超出范围）：{name}")
    pieces = _pieces(table[fc_clx:fc_clx + lcb_clx], name)
    parts: list[str] = []
    for cp_start, cp_end, fc, compressed in pieces:
        if cp_start >= ccp_text:
            break
        count = min(cp_end, ccp_text) - cp_start
        if compressed:
            start = fc // 2
            raw = word_stream[start:start + count]
            if len(raw) < count:
                raise CorruptFileError(f"Word 文件已损坏（正文被截断）：{name}")
            parts.append(raw.decode("cp1252", errors="replace"))
        else:
            raw = word_stream[fc:fc + 2 * count]
            if len(raw) < 2 * count:
                raise CorruptFileError(f"Word 文件已损坏（正文被截断）：{name}")
            parts.append(raw.decode("utf-16-le", errors="replace"))
    return "".join(parts)


def plain_word_text(text: str) -> str:
    """Word's raw text as plain lines: field results kept, field codes dropped, marks turned into line ends."""
    out: list[str] = []
    # One entry per open field: True while still in its code (before the separator).
    fields: list[bool] = []
    for token in _FIELD_MARKS.split(text):
        if token == _FIELD_BEGIN:
            fields.append(True)
        elif token == _FIELD_SEPARATOR:
            if fields:
                fields[-1] = False
        elif token == _FIELD_END:
            if fields:
                fields.pop()
        elif not any(fields):  # text inside a field code (HYPERLINK "http://…", PAGE) is left out
            out.append(_NOT_TEXT.sub("", token.translate(_MARKS_TO_TEXT)))
    return "".join(out)


def _open_streams(data: bytes, name: str, suffix: str) -> tuple[bytes, dict[str, bytes]]:
    try:
        import olefile
    except ImportError:  # pragma: no cover - the dependency is in requirements.txt
        raise ReadError(f"缺少读取 {suffix} 的组件 olefile：{name}") from None
    try:
        ole = olefile.OleFileIO(io.BytesIO(data))
    except Exception as exc:  # olefile raises OSError and assorted parse errors on damaged files
        raise CorruptFileError(f"Word 文件已损坏，无法打开（{type(exc).__name__}）：{name}") from None
    try:
        if not ole.exists("WordDocument"):
            if ole.exists("EncryptedPackage"):
                raise EncryptedError(f"Word 文件已加密（设置了打开密码），请解除密码后再上传：{name}")
            raise UnsupportedFormatError(f"{_not_word_reason(ole, suffix)}：{name}")
        try:
            word_stream = ole.openstream("WordDocument").read()
            tables = {table: ole.openstream(table).read() for table in ("0Table", "1Table") if ole.exists(table)}
        except Exception as exc:
            raise CorruptFileError(f"Word 文件已损坏，无法读取（{type(exc).__name__}）：{name}") from None
    finally:
        ole.close()
    return word_stream, tables


def _not_word_reason(ole, suffix: str) -> str:
    """Why an OLE2 file without a WordDocument stream is refused, naming what it probably is."""
    if ole.exists("Workbook") or ole.exists("Book"):
        return f"文件内容是 Excel 表格，不是 Word 文档（扩展名 {suffix}）"
    if ole.exists("PowerPoint Document"):
        return f"文件内容是 PowerPoint 演示文稿，不是 Word 文档（扩展名 {suffix}）"
    if ole.exists("CONTENTS") or ole.exists("MN0"):
        return "这是 Microsoft Works 文档，不是 Word 或 WPS 文字格式，请另存为 .docx 后再上传"
    return f"文件是 Office 复合文档，但其中没有 Word 正文（扩展名 {suffix}），请另存为 .docx 后再上传"


def _fib_text_fields(word_stream: bytes, name: str) -> tuple[int, int, int]:
    """(ccpText, fcClx, lcbClx), located through the FIB's own counts rather than fixed offsets."""
    try:
        csw = struct.unpack_from("<H", word_stream, 0x20)[0]
        rg_lw = 0x22 + 2 * csw
        cslw = struct.unpack_from("<H", word_stream, rg_lw)[0]
        ccp_text = struct.unpack_from("<i", word_stream, rg_lw + 2 + 12)[0]
        rg_fc = rg_lw + 2 + 4 * cslw
        cb_rg_fc_lcb = struct.unpack_from("<H", word_stream, rg_fc)[0]
        if cb_rg_fc_lcb <= _CLX_PAIR_INDEX:
            raise CorruptFileError(f"Word 文件已损坏（文件头不完整）：{name}")
        fc_clx, lcb_clx = struct.unpack_from("<Ii", word_stream, rg_fc + 2 + 8 * _CLX_PAIR_INDEX)
    except struct.error:
        raise CorruptFileError(f"Word 文件已损坏（文件头被截断）：{name}") from None
    if ccp_text < 0:
        raise CorruptFileError(f"Word 文件已损坏（正文长度无效）：{name}")
    return ccp_text, fc_clx, lcb_clx


def _pieces(clx: bytes, name: str) -> list[tuple[int, int, int, bool]]:
    """(cp_start, cp_end, fc, compressed) of each piece of the Clx's PlcPcd."""
    pos = 0
    while pos + 3 <= len(clx) and clx[pos] == 0x01:  # Prc: formatting we do not need
        size = struct.unpack_from("<h", clx, pos + 1)[0]
        if size < 0:
            raise CorruptFileError(f"Word 文件已损坏（片段表格式无效）：{name}")
        pos += 3 + size
    if pos + 5 > len(clx) or clx[pos] != 0x02:
        raise CorruptFileError(f"Word 文件已损坏（找不到片段表）：{name}")
    lcb = struct.unpack_from("<I", clx, pos + 1)[0]
    plc = clx[pos + 5:pos + 5 + lcb]
    if len(plc) < lcb or lcb < 16 or (lcb - 4) % 12:
        raise CorruptFileError(f"Word 文件已损坏（片段表长度无效）：{name}")
    count = (lcb - 4) // 12
    cps = struct.unpack_from(f"<{count + 1}I", plc, 0)
    pieces = []
    for index in range(count):
        fc_compressed = struct.unpack_from("<I", plc, 4 * (count + 1) + 8 * index + 2)[0]
        cp_start, cp_end = cps[index], cps[index + 1]
        if cp_end < cp_start:
            raise CorruptFileError(f"Word 文件已损坏（片段表顺序错乱）：{name}")
        pieces.append((cp_start, cp_end, fc_compressed & 0x3FFFFFFF, bool(fc_compressed & 0x40000000)))
    return pieces
