"""Files whose content is another format than their extension says — as government sites serve
them (web pages, MHT archives and RTF saved as .doc, a .docx renamed .doc and back) — are read as
what they are, with a warning saying so, not refused."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from index.errors import UnsupportedFormatError
from index.ingest.parse import parse_file
from index.ingest.read import content_format, read_document

ZOO = Path(__file__).resolve().parent / "zoo"

HTML = """<html xmlns:o="urn:schemas-microsoft-com:office:office"><head><meta charset="utf-8">
<title>某市质量提升行动方案</title></head><body>
<p>某市人民政府办公室关于印发某市质量提升行动方案的通知</p>
<p>某政办发〔2022〕8号</p>
<p>一、总体要求</p><p>（一）提升产品质量。市市场监管局牵头，市工信局配合，开展质量提升行动。</p>
</body></html>"""

RTF = (
    r"{\rtf1\ansi\ansicpg936\deff0{\fonttbl{\f0\fnil\fcharset134 SimSun;}}\f0\fs24 "
    r"\'c4\'b3\'ca\'d0\'d6\'ca\'c1\'bf\'cc\'e1\'c9\'fd\'b7\'bd\'b0\'b8\par "
    r"\'d2\'bb\'a1\'a2\'d7\'dc\'cc\'e5\'d2\'aa\'c7\'f3\par "
    r"\u65288?\u19968?\u65289?\u25552?\u21319?\u20135?\u21697?\u36136?\u37327?\u12290?\par }"
)


def test_web_page_saved_as_doc_is_read_as_a_web_page(tmp_path: Path) -> None:
    path = tmp_path / "方案.doc"
    path.write_text(HTML, encoding="utf-8")
    raw = read_document(path)
    assert raw.format == "html" and any("网页" in w and ".doc" in w for w in raw.warnings)
    parsed = parse_file(path)
    assert parsed.document.doc_number == "某政办发〔2022〕8号"
    leads = {a.name for c in parsed.clauses for a in c.agencies if a.role == "lead"}
    assert "市市场监管局" in leads


def test_rtf_as_rtf_and_as_doc(tmp_path: Path) -> None:
    for name in ("方案.rtf", "方案.doc"):
        path = tmp_path / name
        path.write_bytes(RTF.encode("ascii"))
        raw = read_document(path)
        assert raw.format == "rtf"
        assert raw.paragraphs[:2] == ["某市质量提升方案", "一、总体要求"] and "（一）提升产品质量。" in raw.paragraphs


def test_mht_saved_as_doc(tmp_path: Path) -> None:
    source = next((ZOO / "mhtml").glob("*.mht*"))
    path = tmp_path / "页面.doc"
    shutil.copyfile(source, path)
    assert read_document(path).format == "mhtml"


def test_word_files_renamed_either_way(tmp_path: Path) -> None:
    binary = tmp_path / "old.docx"
    shutil.copyfile(ZOO / "doc" / "regulation_articles.doc", binary)
    raw = read_document(binary)
    assert raw.format == "doc" and raw.paragraphs
    from tests.test_read import write_docx

    modern = write_docx(tmp_path / "new.docx", ["一、总体要求", "（一）加强领导。"])
    renamed = modern.rename(tmp_path / "new.doc")
    assert read_document(renamed).format == "docx"


@pytest.mark.parametrize(
    ("head", "named", "actual"),
    [
        (b"<!DOCTYPE html><html>", "doc", "html"),
        (b"\xef\xbb\xbf  <html>", "wps", "html"),
        (b"MIME-Version: 1.0\r\nContent-Type: multipart/related", "doc", "mhtml"),
        (b"{\\rtf1\\ansi", "doc", "rtf"),
        (b"PK\x03\x04", "xls", "xlsx"),
        (b"<html>", "txt", "txt"),  # plain text is read as text whatever it holds
        (b"just words", "doc", "doc"),  # unknown content keeps its extension's format (and is refused there)
    ],
)
def test_content_format(head: bytes, named: str, actual: str) -> None:
    assert content_format(head + b"\n" * 10, named) == actual


def test_unknown_content_under_doc_is_still_refused_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "x.doc"
    path.write_bytes(b"just some bytes that are nothing")
    with pytest.raises(UnsupportedFormatError, match="x.doc"):
        read_document(path)
