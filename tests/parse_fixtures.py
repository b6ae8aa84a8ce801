"""Builders of small test documents in every accepted format (and of bad ones), written to tmp_path."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

PLAN_LINES = [
    "某某市人民政府办公室关于印发某某市质量提升行动方案的通知",
    "某政办发〔2019〕23号",
    "各县（市、区）人民政府，市政府各部门：",
    "现将《某某市质量提升行动方案》印发给你们，请认真贯彻执行。",
    "某某市人民政府办公室",
    "2019年3月5日",
    "某某市质量提升行动方案",
    "为提升质量，制定本方案。",
    "一、总体要求",
    "（一）指导思想。以新思想为指导，推动质量提升。",
    "（二）主要目标。到2020年，质量明显提升。（市质监局负责）",
    "二、重点任务",
    "（三）提升产品质量。开展质量提升行动，产品质量合格率达到95%以上。",
    "（责任单位：市市场监管局、市工信局）",
    "（四）提升工程质量。开展工程质量行动。（市住建局牵头，市交通局配合）",
]


def plan_text() -> str:
    return "\n".join(PLAN_LINES) + "\n"


def write_docx(path: Path, paragraphs: list[str], table: list[list[str]] | None = None,
               after_table: list[str] | None = None) -> Path:
    """A .docx with paragraphs, then a table whose cells hold paragraphs, then more paragraphs."""
    import docx

    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    if table:
        grid = document.add_table(rows=len(table), cols=max(len(row) for row in table))
        for r, row in enumerate(table):
            for c, text in enumerate(row):
                grid.cell(r, c).text = text
    for text in after_table or []:
        document.add_paragraph(text)
    document.save(str(path))
    return path


def fold(lines: list[str], width: int = 60) -> list[str]:
    """Lines cut at a fixed display width (CJK counts 2, ASCII 1), as a PDF's text layer has them."""
    out: list[str] = []
    for line in lines:
        current, used = "", 0
        for ch in line:
            size = 1 if ord(ch) < 0x2E80 else 2
            if used + size > width:
                out.append(current)
                current, used = "", 0
            current += ch
            used += size
        out.append(current)
    return out


def write_pdf(path: Path, pages: list[list[str]]) -> Path:
    """A PDF with a real text layer; CJK via reportlab's built-in STSong-Light CID font."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    pdf = canvas.Canvas(str(path))
    for number, lines in enumerate(pages, start=1):
        pdf.setFont("STSong-Light", 11)
        y = 800
        for line in lines:
            pdf.drawString(40, y, line)
            y -= 18
        pdf.drawString(280, 40, f"— {number} —")
        pdf.showPage()
    pdf.save()
    return path


def write_scanned_pdf(path: Path) -> Path:
    """A PDF whose pages carry only drawings (as a scan carries only images): no text layer."""
    from reportlab.pdfgen import canvas

    pdf = canvas.Canvas(str(path))
    for _ in range(2):
        pdf.rect(50, 50, 400, 700, fill=1)
        pdf.showPage()
    pdf.save()
    return path


def write_encrypted_pdf(path: Path, tmp: Path) -> Path:
    from pypdf import PdfReader, PdfWriter

    source = write_pdf(tmp / "plain-for-encryption.pdf", [["一、总体要求", "（一）指导思想。"]])
    writer = PdfWriter()
    for page in PdfReader(str(source)).pages:
        writer.add_page(page)
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="RC4-128")
    with path.open("wb") as handle:
        writer.write(handle)
    return path


def write_zip_bomb_docx(path: Path, inflated_mb: int = 205) -> Path:
    """A .docx-looking zip whose document.xml inflates to hundreds of MB (compresses to ~1 MB)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("word/document.xml", "w", force_zip64=True) as member:
            chunk = b"\0" * (1024 * 1024)
            for _ in range(inflated_mb):
                member.write(chunk)
    path.write_bytes(buffer.getvalue())
    return path


def write_encrypted_docx(path: Path) -> Path:
    """What Word writes for a password-protected .docx: an OLE compound file with an EncryptedPackage."""
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504
    directory = "EncryptedPackage".encode("utf-16-le") + b"\0" * 64 + "EncryptionInfo".encode("utf-16-le")
    path.write_bytes(header + directory + b"\x01" * 2048)
    return path


HTML_PAGE = """<!DOCTYPE html>
<html><head><meta charset="{charset}"><title>某某市质量提升行动方案_某某市人民政府</title>
<style>.x {{ color: red }}</style><script>var nav = "一、脚本里的文字";</script></head>
<body>
<div class="top-nav"><a href="/">首页</a> <a href="/zwgk">政务公开</a></div>
<nav><ul><li>一、导航菜单</li><li>二、导航菜单</li></ul></nav>
<div class="breadcrumb">当前位置：首页 &gt; 政务公开 &gt; 政策文件</div>
<div id="content">
<table class="xxgk"><tr><td>索引号：</td><td>001-2019-0001</td><td>主题分类：</td><td>质量</td></tr>
<tr><td>发文单位：</td><td>某某市人民政府办公室</td><td>成文日期：</td><td>2019年03月05日</td></tr>
<tr><td>文号：</td><td>某政办发［2019］23号</td><td>发布日期：</td><td>2019-03-08</td></tr></table>
<h1>某某市质量提升行动方案</h1>
<p>为提升质量，制定本方案。</p>
<p>一、总体要求</p>
<p>（一）指导思想。以新思想为指导，推动质量提升。</p>
<p>（二）主要目标。到2020年，质量明显提升。<br>（市质监局负责）</p>
<p>二、重点任务</p>
<p>（三）提升产品质量。开展质量提升行动。（责任单位：市市场监管局、市工信局）</p>
</div>
<div class="share">分享到：微信 微博</div>
<div class="print"><a>打印本页</a> <a>关闭窗口</a></div>
<footer>版权所有：某某市人民政府 ICP备12345号</footer>
</body></html>
"""


def html_page(charset: str = "utf-8") -> str:
    return HTML_PAGE.format(charset=charset)
