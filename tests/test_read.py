"""Reading every accepted format, every common Chinese encoding, and refusing bad input cleanly."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from index.errors import (
    CorruptFileError,
    EncodingError,
    EncryptedError,
    FileTooLargeError,
    NoTextError,
    ReadError,
    UnsupportedFormatError,
)
from index.ingest.parse import parse_file
from index.ingest.read import decode_text, read_document
from index.models import LEAD, SUPPORT
from tests.parse_fixtures import (
    PLAN_LINES,
    fold,
    html_page,
    plan_text,
    write_docx,
    write_encrypted_docx,
    write_encrypted_pdf,
    write_pdf,
    write_scanned_pdf,
    write_zip_bomb_docx,
)

ROOT = Path(__file__).parents[1]


def assert_plan(parsed, *, with_fourth: bool = True) -> None:
    document = parsed.document
    assert document.title == "某某市质量提升行动方案"
    assert document.doc_number == "某政办发〔2019〕23号"
    assert document.issuer == "某某市人民政府办公室"
    assert document.date == "2019-03-05"
    assert document.region == "某某市"
    paths = [c.path for c in parsed.clauses]
    assert paths[:5] == ["一、", "一、(一)", "一、(二)", "二、", "二、(三)"]
    agencies = {c.path: [(a.name, a.role) for a in c.agencies] for c in parsed.clauses}
    assert agencies["一、(二)"] == [("市质监局", LEAD)]
    assert agencies["二、(三)"] == [("市市场监管局", LEAD), ("市工信局", LEAD)]
    if with_fourth:
        assert agencies["二、(四)"] == [("市住建局", LEAD), ("市交通局", SUPPORT)]


# --------------------------------------------------------------------------------------------- text


@pytest.mark.parametrize(
    ("encoding", "reported"),
    [("utf-8", "utf-8"), ("utf-8-sig", "utf-8"), ("gbk", "gb18030"), ("gb18030", "gb18030"),
     ("utf-16", "utf-16"), ("utf-16-le", "utf-16"), ("utf-16-be", "utf-16")],
)
def test_txt_encodings(tmp_path, encoding, reported):
    path = tmp_path / f"plan-{encoding}.txt"
    data = plan_text().encode(encoding)
    path.write_bytes(data)
    raw = read_document(path)
    assert raw.format == "txt" and raw.encoding == reported and raw.source == path.name
    assert raw.sha256 == hashlib.sha256(data).hexdigest()
    assert raw.paragraphs == PLAN_LINES
    assert_plan(parse_file(path))


def test_txt_blank_lines_and_indentation_dropped(tmp_path):
    path = tmp_path / "spaced.txt"
    path.write_text("\r\n".join(["\u3000\u3000一、总体要求", "\xa0", "  ", "\u3000（一）指导思想。", ""]), encoding="utf-8")
    assert read_document(path).paragraphs == ["一、总体要求", "（一）指导思想。"]


def test_undecodable_text_names_file(tmp_path):
    path = tmp_path / "latin.txt"
    path.write_bytes("Qualité des services - résumé, naïve façade".encode("latin-1"))
    with pytest.raises(EncodingError) as error:
        read_document(path)
    assert str(error.value) == "无法识别文件编码（已尝试 UTF-8、GB18030、UTF-16）：latin.txt"


def test_gb18030_mojibake_is_refused():
    # Big5 bytes decode as GBK but into rare characters: implausible, so not accepted silently.
    with pytest.raises(EncodingError):
        decode_text("質量強市行動計劃，推進標準化建設。".encode("big5") * 20, "big5.txt")


# --------------------------------------------------------------------------------------------- docx


def test_docx_with_table_in_document_order(tmp_path):
    path = write_docx(
        tmp_path / "plan.docx",
        PLAN_LINES[:9],
        table=[["（一）指导思想。以新思想为指导，推动质量提升。", "（市质监局负责）"],
               ["（二）主要目标。到2020年，质量明显提升。", ""]],
        after_table=["二、重点任务", "（三）提升产品质量。开展质量提升行动。（责任单位：市市场监管局、市工信局）"],
    )
    raw = read_document(path)
    assert raw.format == "docx" and raw.encoding is None
    assert raw.paragraphs[8:12] == ["一、总体要求", "（一）指导思想。以新思想为指导，推动质量提升。", "（市质监局负责）",
                                    "（二）主要目标。到2020年，质量明显提升。"]
    parsed = parse_file(path)
    paths = [c.path for c in parsed.clauses]
    assert paths == ["一、", "一、(一)", "一、(二)", "二、", "二、(三)"]
    assert [a.name for a in parsed.clauses[1].agencies] == ["市质监局"]
    assert parsed.document.doc_number == "某政办发〔2019〕23号"


def test_docx_automatic_numbering_is_rendered(tmp_path):
    import docx

    document = docx.Document()
    document.add_paragraph("某某市质量工作要点")
    document.add_paragraph("加强标准建设。", style="List Number")
    document.add_paragraph("加强计量建设。", style="List Number")
    document.save(str(tmp_path / "numbered.docx"))
    raw = read_document(tmp_path / "numbered.docx")
    assert raw.paragraphs == ["某某市质量工作要点", "1.加强标准建设。", "2.加强计量建设。"]


def test_zip_bomb_docx_refused_before_inflating(tmp_path):
    path = write_zip_bomb_docx(tmp_path / "bomb.docx")
    assert path.stat().st_size < 2 * 1024 * 1024
    with pytest.raises(CorruptFileError, match="压缩炸弹.*bomb.docx"):
        read_document(path)


def test_encrypted_docx(tmp_path):
    with pytest.raises(EncryptedError, match="已加密.*secret.docx"):
        read_document(write_encrypted_docx(tmp_path / "secret.docx"))


def test_damaged_docx(tmp_path):
    path = tmp_path / "broken.docx"
    path.write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    with pytest.raises(CorruptFileError, match="broken.docx"):
        read_document(path)


# --------------------------------------------------------------------------------------------- pdf


def test_pdf_text_layer(tmp_path):
    path = write_pdf(tmp_path / "plan.pdf", [PLAN_LINES[:10], PLAN_LINES[10:]])
    raw = read_document(path)
    assert raw.format == "pdf"
    assert raw.paragraphs == PLAN_LINES  # page numbers "— 1 —" are gone
    assert_plan(parse_file(path))


def test_pdf_lines_folded_at_page_width_are_joined(tmp_path):
    long_clause = ("（五）提升服务质量。围绕旅游、养老、家政等重点领域，开展服务质量提升行动，推进服务标准化建设，"
                   "完善服务质量评价体系，服务质量满意度达到80分以上，培育一批服务名牌。（市商务局负责）")
    lines = fold([*PLAN_LINES, long_clause, "三、保障措施", "（六）加强组织领导。建立健全质量工作领导机制，定期研究解决"
                  "质量工作中的重大问题，形成上下联动、齐抓共管的工作格局。"])
    path = write_pdf(tmp_path / "folded.pdf", [lines[:20], lines[20:]])
    parsed = parse_file(path)
    assert_plan(parsed)
    fifth = next(c for c in parsed.clauses if c.path == "二、(五)")
    assert fifth.text == long_clause
    assert [a.name for a in fifth.agencies] == ["市商务局"]
    assert [c.path for c in parsed.clauses][-2:] == ["三、", "三、(六)"]


@pytest.mark.slow
def test_scanned_pdf_without_any_text_is_refused_after_ocr(tmp_path):
    """Pages with no text layer are recognised (tests/test_read_pdf_zoo.py); drawings alone give no text."""
    with pytest.raises(NoTextError, match="扫描件.*没有找到文字.*scan.pdf"):
        read_document(write_scanned_pdf(tmp_path / "scan.pdf"))


def test_encrypted_pdf(tmp_path):
    with pytest.raises(EncryptedError, match="已加密.*locked.pdf"):
        read_document(write_encrypted_pdf(tmp_path / "locked.pdf", tmp_path))


# --------------------------------------------------------------------------------------------- html


@pytest.mark.parametrize(("charset", "encoding", "suffix"), [("utf-8", "utf-8", ".html"), ("gb2312", "gbk", ".htm"),
                                                               (None, "gbk", ".html")])
def test_html_body_text_only(tmp_path, charset, encoding, suffix):
    page = html_page(charset or "utf-8")
    if charset is None:
        page = page.replace('<meta charset="utf-8">', "")
    path = tmp_path / f"page{suffix}"
    path.write_bytes(page.encode(encoding))
    raw = read_document(path)
    assert raw.format == "html"
    text = "\n".join(raw.paragraphs)
    for noise in ("脚本里的文字", "导航菜单", "color", "当前位置", "政务公开", "分享到", "打印本页", "版权所有"):
        assert noise not in text
    parsed = parse_file(path)
    document = parsed.document
    assert (document.title, document.doc_number, document.issuer, document.date) == (
        "某某市质量提升行动方案", "某政办发〔2019〕23号", "某某市人民政府办公室", "2019-03-05")
    assert [c.path for c in parsed.clauses] == ["一、", "一、(一)", "一、(二)", "二、", "二、(三)"]
    assert [a.name for a in parsed.clauses[2].agencies] == ["市质监局"]  # own line after a <br>
    assert not any("索引号" in c.text for c in parsed.clauses)


# --------------------------------------------------------------------------------------------- bad input


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    ("name", "data", "error", "reason"),
    [
        ("empty.txt", b"", NoTextError, "空"),
        ("blank.txt", b"  \r\n\t\n", NoTextError, "空"),
        ("junk.txt", bytes(range(256)) * 40, UnsupportedFormatError, "二进制"),
        ("program.txt", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 500, UnsupportedFormatError, "可执行程序"),
        ("tool.txt", b"\x7fELF\x02\x01\x01" + b"\x00" * 500, UnsupportedFormatError, "可执行程序"),
        ("tool.pdf", b"\x7fELF\x02\x01\x01" + b"\x00" * 500, UnsupportedFormatError, "可执行程序"),
        ("program.docx", b"MZ\x90\x00" + b"\x00" * 500, UnsupportedFormatError, "可执行程序"),
        ("image.html", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, UnsupportedFormatError, "PNG"),
        ("text.docx", "一、总体要求".encode(), UnsupportedFormatError, "Word"),
        ("text.pdf", "一、总体要求".encode(), UnsupportedFormatError, "PDF"),
        ("old.doc", b"\xd0\xcf\x11\xe0", UnsupportedFormatError, "Word"),
        ("setup.exe", b"MZ", UnsupportedFormatError, "不支持的文件格式"),
        ("noextension", b"abc", UnsupportedFormatError, "无扩展名"),
    ],
)
def test_bad_input_is_a_typed_one_line_error(tmp_path, name, data, error, reason):
    path = _write(tmp_path, name, data)
    with pytest.raises(error) as caught:
        read_document(path)
    message = str(caught.value)
    assert isinstance(caught.value, ReadError)
    assert name in message and reason in message and "\n" not in message


def test_file_over_the_limit(tmp_path):
    path = tmp_path / "huge.txt"
    with path.open("wb") as handle:  # 30 MB, sparse: costs no disk
        handle.seek(30 * 1024 * 1024 - 1)
        handle.write(b"x")
    with pytest.raises(FileTooLargeError, match="文件过大.*huge.txt"):
        read_document(path)
    small = _write(tmp_path, "small.txt", plan_text().encode())
    with pytest.raises(FileTooLargeError):
        read_document(small, max_bytes=100)


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(ReadError, match="nothere.txt"):
        read_document(tmp_path / "nothere.txt")
    (tmp_path / "folder.txt").mkdir()
    with pytest.raises(ReadError, match="folder.txt"):
        read_document(tmp_path / "folder.txt")


def test_zip_limit_is_a_parameter(tmp_path):
    path = write_docx(tmp_path / "normal.docx", ["一、总体要求"])
    with pytest.raises(CorruptFileError, match="压缩炸弹"):
        read_document(path, max_unzipped_bytes=1024)
    assert read_document(path).paragraphs


# --------------------------------------------------------------------------------------------- CLI


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "scripts/parse.py", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=60)


def test_cli_json_contract(tmp_path):
    path = _write(tmp_path, "plan.txt", plan_text().encode("gbk"))
    result = run_cli(str(path), "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert set(data) == {"document", "clauses", "warnings"}
    assert set(data["document"]) == {"title", "doc_number", "issuer", "date", "region", "source", "sha256"}
    for clause in data["clauses"]:
        assert {"id", "number", "path", "level", "heading", "text", "parent_id", "agencies"} <= set(clause)
        for agency in clause["agencies"]:
            assert agency["role"] in ("lead", "support") and agency["name"]
    assert data["document"]["doc_number"] == "某政办发〔2019〕23号"


def test_cli_outline_and_bad_file(tmp_path):
    path = _write(tmp_path, "plan.txt", plan_text().encode())
    result = run_cli(str(path))
    assert result.returncode == 0
    assert "二、(四) 提升工程质量" in result.stdout and "市住建局" in result.stdout
    bad = _write(tmp_path, "virus.txt", b"MZ\x90\x00" + b"\x00" * 64)
    result = run_cli(str(bad))
    assert result.returncode == 1
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "virus.txt" in lines[0] and "Traceback" not in result.stderr


# --------------------------------------------------------------------------------------------- seeds in every format

SEEDS = sorted((ROOT.parent / "shared" / "seeds").glob("*.txt"))


def signature(parsed):
    document = parsed.document
    return (
        (document.title, document.doc_number, document.issuer, document.date, document.region),
        [(c.path, c.heading, c.retrievable, [(a.name, a.role) for a in c.agencies], c.text.replace("\n", ""))
         for c in parsed.clauses],
    )


def _as_html(lines: list[str]) -> str:
    import html

    body = "\n".join(f"<p>{html.escape(line)}</p>" for line in lines)
    return (
        "<html><head><meta http-equiv='Content-Type' content='text/html; charset=gb2312'><title>政府网站</title>"
        "<script>document.write('一、脚本')</script></head><body>"
        "<div><a>网站首页</a> | <a>政务公开</a></div><div class='menu'><ul><li>政务公开</li><li>新闻中心</li></ul></div>"
        f"<div id='zoom'>{body}</div>"
        "<div>主办单位：某市人民政府办公厅 承办：某市大数据中心 电话：0000-1234567</div>"
        "<div>网站标识码：1234 ICP备12345678号</div></body></html>"
    )


@pytest.mark.skipif(not SEEDS, reason="shared seeds not available")
@pytest.mark.parametrize("fmt", ["gbk.txt", "utf16.txt", "docx", "pdf", "html"])
@pytest.mark.parametrize("seed", SEEDS, ids=lambda p: p.name[:3])
def test_seed_parses_the_same_in_every_format(tmp_path, seed, fmt):
    """The same plan as GBK/UTF-16 text, Word, a folded PDF text layer or a web page parses alike."""
    from index.ingest.lines import split_paragraphs

    expected = signature(parse_file(seed))
    text = seed.read_text(encoding="utf-8")
    lines = split_paragraphs(text)
    path = tmp_path / f"plan.{fmt}"
    if fmt == "gbk.txt":
        path.write_bytes(text.encode("gb18030"))
    elif fmt == "utf16.txt":
        path.write_bytes(text.encode("utf-16"))
    elif fmt == "docx":
        write_docx(path, lines)
    elif fmt == "pdf":
        folded = fold(lines)
        write_pdf(path, [folded[i : i + 40] for i in range(0, len(folded), 40)])
    else:
        path.write_bytes(_as_html(lines).encode("gb18030"))
    assert signature(parse_file(path)) == expected
