"""Reading old Word binaries (.doc/.wps), OFD official documents and saved web pages (.mhtml/.mht).

Fixtures are in tests/zoo/{doc,ofd,mhtml}, written by tests/zoo/make_binary_docs.py (the .doc/.wps
ones partly by LibreOffice); their expected text is the generator's source text, checked line by line.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from index.errors import CorruptFileError, EncryptedError, NoTextError, ReadError, UnsupportedFormatError
from index.ingest.ofd import TextRun, group_lines, paragraphs_from_lines
from index.ingest.parse import parse_file
from index.ingest.read import read_document
from index.ingest.word_binary import plain_word_text, word_text
from index.models import LEAD, SUPPORT
from tests.parse_fixtures import write_zip_bomb_docx
from tests.zoo.make_binary_docs import (
    MIXED_PIECES_LINES,
    NOTICE,
    PLAN,
    PLAN_AFTER_TABLE,
    PLAN_TABLE,
    REGULATION,
    compound_file,
    layout,
    ofd_package,
    page_content,
    word_streams,
)

ZOO = Path(__file__).parent / "zoo"
# What must never reach a paragraph: control characters, private-use glyphs, replacement characters,
# and the tell-tale characters of GBK bytes decoded as Latin-1 or UTF-8 decoded as GBK.
_NOT_TEXT = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f\ue000-\uf8ff\ufffd]|[ÃÂÐÑÒÓÔÕ×ÖØæçèéêëìíîï]{2}|锟斤拷|鍙|璐|甯")

REGULATION_DOC = [
    *REGULATION[:4],
    "第三条 市人民政府统一领导全市质量工作。市市场监管局负责质量强市工作的统筹协调（办事指南见市场监管局网站），"
    "市发展改革委、市工信局按照职责分工做好相关工作。",
    REGULATION[5],
    "第四条 企业是质量主体，应当建立健全质量管理体系，",  # a manual line break, as in .docx reading
    "对其产品、工程和服务质量负责。",
    *REGULATION[7:],
]
PLAN_DOC = [*PLAN, *[cell for row in PLAN_TABLE for cell in row], *PLAN_AFTER_TABLE]


def assert_clean(paragraphs: list[str]) -> None:
    for paragraph in paragraphs:
        assert paragraph == paragraph.strip() and paragraph
        assert not _NOT_TEXT.search(paragraph), repr(paragraph)


def one_line_error(path: Path, error: type[ReadError]) -> str:
    with pytest.raises(error) as caught:
        read_document(path)
    message = str(caught.value)
    assert path.name in message and "\n" not in message
    return message


def copy_truncated(tmp_path: Path, source: Path, size: int) -> Path:
    target = tmp_path / source.name
    target.write_bytes(source.read_bytes()[:size])
    return target


# --------------------------------------------------------------------------------------------- .doc / .wps


@pytest.mark.parametrize(
    ("name", "fmt", "expected"),
    [
        ("regulation_articles.doc", "doc", REGULATION_DOC),
        ("plan_with_table.doc", "doc", PLAN_DOC),
        ("notice.wps", "wps", NOTICE),
        ("mixed_pieces.doc", "doc", MIXED_PIECES_LINES),
    ],
)
def test_word_binary_fixtures_read_line_by_line(name, fmt, expected):
    raw = read_document(ZOO / "doc" / name)
    assert raw.format == fmt and raw.encoding is None and raw.metadata == {}
    assert raw.paragraphs == expected
    assert_clean(raw.paragraphs)


def test_doc_field_keeps_its_result_and_drops_its_code():
    text = "\n".join(read_document(ZOO / "doc" / "regulation_articles.doc").paragraphs)
    assert "市场监管局网站" in text
    assert "HYPERLINK" not in text and "http" not in text


def test_doc_regulation_parses_into_articles():
    parsed = parse_file(ZOO / "doc" / "regulation_articles.doc")
    assert parsed.document.title == "某某市质量强市促进办法"
    paths = [clause.path for clause in parsed.clauses]
    assert "第一章第一条" in paths and "第二章第六条" in paths
    assert paths.index("第一章第三条") < paths.index("第二章第四条")
    agencies = {clause.path: [(a.name, a.role) for a in clause.agencies] for clause in parsed.clauses}
    assert agencies["第二章第五条"] == [("市市场监管局", LEAD), ("市工信局", SUPPORT)]


def test_doc_plan_with_table_parses_like_the_docx_would():
    parsed = parse_file(ZOO / "doc" / "plan_with_table.doc")
    document = parsed.document
    assert document.title == "某某市质量强市行动方案"
    assert document.doc_number == "某政办发〔2023〕15号"
    assert document.date == "2023-04-10"
    paths = [clause.path for clause in parsed.clauses]
    assert paths[:4] == ["一、", "一、(一)", "一、(二)", "二、"]
    agencies = {clause.path: [(a.name, a.role) for a in clause.agencies] for clause in parsed.clauses}
    assert agencies["二、(四)"] == [("市住建局", LEAD), ("市交通运输局", SUPPORT), ("市水利局", SUPPORT)]
    assert "三、(六)" in paths


def test_wps_parses():
    parsed = parse_file(ZOO / "doc" / "notice.wps")
    assert parsed.document.title == "关于开展2024年质量月活动的通知"
    assert [clause.path for clause in parsed.clauses][:2] == ["一、", "二、"]


def test_encrypted_doc_names_the_file():
    message = one_line_error(ZOO / "doc" / "encrypted_flag.doc", EncryptedError)
    assert "加密" in message and "密码" in message


def test_encrypted_ooxml_named_doc(tmp_path):
    path = tmp_path / "加密方案.doc"
    path.write_bytes(compound_file({"EncryptionInfo": b"\x04\x00\x04\x00" * 64, "EncryptedPackage": b"\x01" * 4096}))
    assert "加密" in one_line_error(path, EncryptedError)


@pytest.mark.parametrize("fraction", [0.05, 0.3, 0.6, 0.9])
def test_truncated_doc_is_corrupt(tmp_path, fraction):
    source = ZOO / "doc" / "regulation_articles.doc"
    path = copy_truncated(tmp_path, source, int(source.stat().st_size * fraction))
    one_line_error(path, CorruptFileError)


def test_doc_whose_piece_points_past_the_stream_is_corrupt(tmp_path):
    streams = word_streams([("第一条 质量第一。\r", False)])
    table = bytearray(streams["1Table"])
    pcd_fc = 0x40 + 6 + 5 + 8 + 2  # after fcClx: the Prc, the Pcdt header, two CPs and the Pcd's flags
    struct.pack_into("<I", table, pcd_fc, 0x00100000)
    streams["1Table"] = bytes(table)
    path = tmp_path / "cut.doc"
    path.write_bytes(compound_file(streams))
    assert "截断" in one_line_error(path, CorruptFileError)


def test_works_wps_is_refused_with_a_reason():
    assert "Works" in one_line_error(ZOO / "doc" / "works.wps", UnsupportedFormatError)


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("old.wps", b"\x00WPS 2000 document" + bytes(range(32)) * 20, "WPS"),
        ("letter.doc", "一、总体要求\r\n二、重点任务".encode("gb18030"), "Word"),
        ("scan.doc", b"%PDF-1.7\n" + b"\x00" * 100, "PDF"),
        ("sheet.doc", compound_file({"Workbook": b"\x09\x08" * 100}), "Excel"),
        ("slides.wps", compound_file({"PowerPoint Document": b"\x00" * 100}), "PowerPoint"),
    ],
)
def test_not_a_word_binary(tmp_path, name, data, reason):
    path = tmp_path / name
    path.write_bytes(data)
    assert reason in one_line_error(path, UnsupportedFormatError)


def test_word95_is_refused(tmp_path):
    streams = word_streams([("第一条 质量第一。\r", False)])
    streams["WordDocument"] = streams["WordDocument"][:2] + struct.pack("<H", 0x0068) + streams["WordDocument"][4:]
    path = tmp_path / "old95.doc"
    path.write_bytes(compound_file(streams))
    assert "95" in one_line_error(path, UnsupportedFormatError)


def test_doc_with_0table(tmp_path):
    path = tmp_path / "zero.doc"
    path.write_bytes(compound_file(word_streams([("第一条 质量第一。\r第二条 标准引领。\r", False)], table="0Table")))
    assert read_document(path).paragraphs == ["第一条 质量第一。", "第二条 标准引领。"]


def test_doc_missing_its_table_stream_is_corrupt(tmp_path):
    streams = word_streams([("第一条 质量第一。\r", False)])
    del streams["1Table"]
    path = tmp_path / "notable.doc"
    path.write_bytes(compound_file(streams))
    assert "1Table" in one_line_error(path, CorruptFileError)


_PIECE = st.one_of(
    st.tuples(st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), min_size=1, max_size=30), st.just(True)),
    st.tuples(st.text(st.sampled_from("质量强市牵头配合第一条（）、。，ABC 123\r\x07"), min_size=1, max_size=30),
              st.just(False)),
)


@settings(max_examples=60, deadline=None)
@given(pieces=st.lists(_PIECE, min_size=1, max_size=8), reverse=st.booleans(), table=st.sampled_from(["0Table", "1Table"]))
def test_piece_table_text_is_the_pieces_in_order(pieces, reverse, table):
    streams = word_streams(pieces, table=table, reverse_storage=reverse)
    assert word_text(streams["WordDocument"], streams, "x.doc") == "".join(text for text, _ in pieces)


_PLAIN = st.text(st.sampled_from("质量强市牵头配合第一条（）、。ABC 12"), max_size=12)


@settings(max_examples=80, deadline=None)
@given(before=_PLAIN, code=_PLAIN, result=_PLAIN, after=_PLAIN, nested=st.booleans())
def test_fields_keep_result_drop_code(before, code, result, after, nested):
    inner = f"\x13 REF x \x14{result}\x15" if nested else result
    raw = f"{before}\x13 HYPERLINK {code}\x13 PAGE \x142\x15\x14{inner}\x15{after}\r"
    assert plain_word_text(raw) == f"{before}{result}{after}\n"


# --------------------------------------------------------------------------------------------- .ofd


def test_ofd_two_pages_reads_in_reading_order_with_doc_info():
    raw = read_document(ZOO / "ofd" / "regulation_two_pages.ofd")
    assert raw.format == "ofd"
    assert raw.paragraphs == REGULATION  # page numbers gone, the article split by the page break rejoined
    assert_clean(raw.paragraphs)
    assert raw.metadata == {
        "title": "某某市质量强市促进办法",
        "author": "某某市市场监督管理局",
        "creation_date": "2023-12-01",
        "creator": "Suwell OFD Writer",
        "发文机关": "某某市人民政府",
        "文号": "某某市人民政府令第12号",
    }


def test_ofd_plan_reads_and_parses():
    raw = read_document(ZOO / "ofd" / "plan_numbered.ofd")
    assert raw.paragraphs == PLAN and raw.metadata == {}
    assert all("模板页眉" not in paragraph for paragraph in raw.paragraphs)  # template pages are not read
    parsed = parse_file(ZOO / "ofd" / "plan_numbered.ofd")
    assert parsed.document.title == "某某市质量强市行动方案"
    assert parsed.document.doc_number == "某政办发〔2023〕15号"
    agencies = {clause.path: [(a.name, a.role) for a in clause.agencies] for clause in parsed.clauses}
    assert agencies["二、(五)"] == [("市商务局", LEAD), ("市文旅局", SUPPORT)]


def _ofd(tmp_path: Path, name: str, **kwargs) -> Path:
    path = tmp_path / name
    lines = layout([("第一条 质量第一。", "body")])[0]
    pages = kwargs.pop("pages", [page_content(lines, page_number=None, seed=1)])
    path.write_bytes(ofd_package(pages, **kwargs))
    return path


def test_ofd_page_without_content_has_no_text(tmp_path):
    empty = '<ofd:Page xmlns:ofd="http://www.ofdspec.org/2016"><ofd:Area/></ofd:Page>'
    assert "文字" in one_line_error(_ofd(tmp_path, "blank.ofd", pages=[empty, empty]), NoTextError)


def test_ofd_missing_page_part_is_corrupt(tmp_path):
    path = _ofd(tmp_path, "missing.ofd", page_locations=["Pages/Page_0/Content.xml"])
    with zipfile.ZipFile(path) as archive:
        kept = {item: archive.read(item) for item in archive.namelist() if "Page_0" not in item}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for item, data in kept.items():
            archive.writestr(item, data)
    path.write_bytes(buffer.getvalue())
    assert "Page_0" in one_line_error(path, CorruptFileError)


def test_ofd_broken_xml_and_missing_entry_are_corrupt(tmp_path):
    broken = _ofd(tmp_path, "broken.ofd", pages=["<ofd:Page><unclosed>"])
    one_line_error(broken, CorruptFileError)
    no_entry = tmp_path / "noentry.ofd"
    with zipfile.ZipFile(no_entry, "w") as archive:
        archive.writestr("Doc_0/Document.xml", "<Document/>")
    assert "OFD.xml" in one_line_error(no_entry, CorruptFileError)


def test_ofd_zip_bomb_is_refused(tmp_path):
    path = write_zip_bomb_docx(tmp_path / "bomb.ofd")
    assert "压缩炸弹" in one_line_error(path, CorruptFileError)


def test_ofd_that_is_not_a_zip(tmp_path):
    path = tmp_path / "fake.ofd"
    path.write_text("第一条 质量第一。", encoding="utf-8")
    assert "OFD" in one_line_error(path, UnsupportedFormatError)


_HANZI = st.text(st.sampled_from("质量强市建设牵头配合提升工程服务标准"), min_size=1, max_size=20)


@settings(max_examples=60, deadline=None)
@given(lines=st.lists(_HANZI, min_size=1, max_size=12), data=st.data())
def test_ofd_runs_cut_and_shuffled_regroup_into_their_lines(lines, data):
    size = 5.6
    runs = []
    for index, text in enumerate(lines):
        cuts = sorted(data.draw(st.sets(st.integers(1, max(1, len(text) - 1)), max_size=3)))
        start = 0
        for end in [*[c for c in cuts if c < len(text)], len(text)]:
            if end > start:
                jitter = data.draw(st.floats(-0.3, 0.3))  # baselines of one line differ a little
                runs.append(TextRun(28 + start * size, 40 + index * 10 + jitter, 28 + end * size, size, text[start:end]))
            start = end
    runs = data.draw(st.permutations(runs))
    grouped = group_lines(list(runs))
    assert ["".join(run.text for run in line.runs) for line in grouped] == lines
    # every line starts at the margin and the longest reaches the right margin: all one paragraph
    # unless a line stops short, which starts a new paragraph after it
    paragraphs = paragraphs_from_lines([grouped])
    assert "".join(paragraphs) == "".join(lines)


# --------------------------------------------------------------------------------------------- .mhtml / .mht


def test_mht_gb2312_quoted_printable():
    raw = read_document(ZOO / "mhtml" / "plan_gb2312.mht")
    assert raw.format == "mhtml" and raw.encoding == "gb18030"
    assert raw.paragraphs == PLAN[6:]  # navigation and footer left out
    assert_clean(raw.paragraphs)
    parsed = parse_file(ZOO / "mhtml" / "plan_gb2312.mht")
    assert parsed.document.title == "某某市质量强市行动方案"
    assert [clause.path for clause in parsed.clauses][:3] == ["一、", "一、(一)", "一、(二)"]


def test_mhtml_utf8_base64_root_by_start_parameter():
    raw = read_document(ZOO / "mhtml" / "regulation_utf8.mhtml")
    assert raw.encoding == "utf-8" and raw.paragraphs == REGULATION
    assert_clean(raw.paragraphs)
    assert parse_file(ZOO / "mhtml" / "regulation_utf8.mhtml").document.title == "某某市质量强市促进办法"


def _mime(html: bytes, content_type: str) -> bytes:
    return (b'MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary="b1"\r\n\r\n--b1\r\n'
            + f"Content-Type: {content_type}\r\nContent-Transfer-Encoding: 8bit\r\n\r\n".encode("ascii")
            + html + b"\r\n--b1--\r\n")


def test_mhtml_mime_charset_wins_over_a_wrong_meta(tmp_path):
    html = '<html><head><meta charset="utf-8"></head><body><p>一、提升产品质量</p></body></html>'.encode("gbk")
    path = tmp_path / "page.mht"
    path.write_bytes(_mime(html, "text/html; charset=gbk"))
    assert read_document(path).paragraphs == ["一、提升产品质量"]


def test_mhtml_without_charset_falls_back_to_the_page(tmp_path):
    html = '<html><head><meta charset="gb2312"></head><body><p>二、加强标准引领</p></body></html>'.encode("gbk")
    path = tmp_path / "page.mht"
    path.write_bytes(_mime(html, "text/html"))
    assert read_document(path).paragraphs == ["二、加强标准引领"]


def test_mhtml_without_a_page_has_no_text(tmp_path):
    path = tmp_path / "pictures.mht"
    path.write_bytes(_mime(b"\x89PNG\r\n\x1a\n", "image/png"))
    assert "text/html" in one_line_error(path, NoTextError)


def test_html_saved_under_mht_name_is_read_as_html(tmp_path):
    path = tmp_path / "page.mht"
    path.write_text("<!DOCTYPE html><html><body><p>三、保障措施</p></body></html>", encoding="utf-8")
    assert read_document(path).paragraphs == ["三、保障措施"]


# --------------------------------------------------------------------------------------------- damaged files


@pytest.mark.parametrize("fixture", ["doc/regulation_articles.doc", "doc/mixed_pieces.doc", "ofd/plan_numbered.ofd"])
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_damaged_files_end_in_a_read_error(tmp_path_factory, fixture, data):
    """Bytes overwritten anywhere (header, directory, piece table, zip entries): a ReadError or text, nothing else."""
    original = (ZOO / fixture).read_bytes()
    damaged = bytearray(original)
    for _ in range(data.draw(st.integers(1, 8))):
        position = data.draw(st.integers(0, len(damaged) - 1))
        damaged[position] = data.draw(st.integers(0, 255))
    path = tmp_path_factory.mktemp("damaged") / Path(fixture).name
    path.write_bytes(bytes(damaged))
    try:
        raw = read_document(path)
    except ReadError as error:
        assert path.name in str(error) and "\n" not in str(error)
    else:
        assert raw.paragraphs


# --------------------------------------------------------------------------------------------- accepted formats


def test_unsupported_message_lists_the_new_formats(tmp_path):
    path = tmp_path / "plan.xyz"
    path.write_bytes(b"x")
    message = one_line_error(path, UnsupportedFormatError)
    for suffix in (".doc", ".wps", ".ofd", ".mhtml", ".mht"):
        assert suffix in message
