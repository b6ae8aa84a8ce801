"""Write the PDF fixtures of tests/zoo/pdf/ as offices publish them, each with its expected text.

    .venv/bin/python -m tests.zoo.make_pdfs

- scanned.pdf: one A4 page scanned at 150 dpi (grayscale JPEG, no text layer), typeset like a
  公文 page: 28 characters a line, paragraphs indented two characters, "— 1 —" at the foot.
- mixed.pdf: page 1 with a text layer, page 2 scanned.
- running_<style>.pdf: three pages with a text layer, the title repeated at the top of every
  page, a page number in one of the styles offices use at the foot, lines folded at the page
  width and a clause that runs on from page 1 to page 2 and from page 2 to page 3.

Beside each PDF, <name>.json holds the paragraphs reading it must give. The fixtures are
committed; run this again only to change them.
"""

from __future__ import annotations

import importlib.util
import io
import json
from pathlib import Path

OUT = Path(__file__).parent / "pdf"

TITLE = "某某市质量强市建设行动方案"
# Paragraphs of the scanned page (the page number under them is not text).
SCANNED_PARAGRAPHS = [
    TITLE,
    "一、总体要求",
    "（一）指导思想。坚持以高质量发展为主题，深入实施质量强国战略，全面提升产品、工程、服务质量，"
    "为经济社会发展提供有力的质量支撑。",
    "（二）主要目标。到2025年，质量强市建设取得明显成效，制造业产品质量合格率稳定在95%以上，"
    "工程质量抽查符合率达到98%以上。",
    "二、重点任务",
    "（三）提升产品质量。实施质量提升行动，开展重点产品质量攻关，培育一批质量标杆企业。",
    "（责任单位：市市场监管局、市工业和信息化局）",
]
MIXED_TEXT_PAGE = [
    TITLE,
    "一、总体要求",
    "（一）指导思想。坚持以高质量发展为主题，以推动质量变革为主线，深入实施质量强国战略，全面提升质量水平。",
    "（二）主要目标。到2025年，质量强市建设取得明显成效，质量基础设施更加完善，质量发展环境持续优化，"
    "全市质量竞争力指数进入全省前列。",
]
MIXED_SCANNED_PAGE = [
    "二、重点任务",
    "（三）提升工程质量。落实工程质量主体责任，开展工程质量提升行动，推动建筑业高质量发展。",
    "（责任单位：市住房城乡建设局、市交通运输局）",
    "（四）提升服务质量。围绕养老、家政、旅游等领域，开展服务质量监测，服务质量满意度达到80分以上。",
]
# The running document: paragraphs in order; (page, paragraph) breaks are placed by line count.
RUNNING_PARAGRAPHS = [
    TITLE,
    "一、总体要求",
    "（一）指导思想。坚持以高质量发展为主题，以推动质量变革为主线，深入实施质量强国战略，"
    "全面提升产品、工程、服务和环境质量，为建设现代化强市提供坚实的质量支撑。",
    "（二）主要目标。到2025年，质量强市建设取得明显成效，质量基础设施更加完善，质量发展环境持续优化，"
    "制造业产品质量合格率稳定在95%以上，工程质量抽查符合率达到98%以上，服务质量满意度达到80分以上，"
    "全市质量竞争力指数进入全省前列，培育一批具有较强竞争力的质量品牌。",
    "二、重点任务",
    "（三）提升产品质量。实施质量提升行动，开展重点产品质量攻关，加强消费品质量安全监管，"
    "完善缺陷产品召回制度，推动企业建立健全质量管理体系，培育一批质量标杆企业。",
    "（责任单位：市市场监管局、市工业和信息化局）",
    "（四）提升工程质量。落实工程质量主体责任，开展工程质量提升行动，推动建筑业高质量发展，"
    "强化工程质量检测监管，全面推行质量安全手册制度，提升住宅工程品质。",
    "（责任单位：市住房城乡建设局、市交通运输局、市水利局）",
]
RUNNING_STYLES = {"dash": "— {n} —", "hyphen": "- {n} -", "of_total": "第{n}页 共{total}页", "slash": "{n}/{total}"}
LINES_PER_PAGE = [7, 9, 99]  # the first two pages end inside a sentence

A4 = (595.27, 841.89)  # points
SCAN_DPI = 150
CHARS_PER_LINE = 28


def noto_cjk() -> Path:
    """The Noto Sans CJK font that the cvttf-NotoSansCJK-Regular wheel installs."""
    spec = importlib.util.find_spec("cvttf_NotoSansCJK_Regular")
    if spec is None or spec.origin is None:
        raise SystemExit("pip install cvttf-NotoSansCJK-Regular (in requirements.txt)")
    return next(Path(spec.origin).parent.glob("*.otf"))


def fold_paragraph(text: str, fits, indent: str) -> list[str]:
    """Lines of a paragraph typeset like a 公文: first line indented, each as full as fits."""
    lines: list[str] = []
    current = indent
    for ch in text:
        if fits(current + ch):
            current += ch
        else:
            lines.append(current)
            current = ch
    lines.append(current)
    return lines


def scanned_page_image(title: str | None, paragraphs: list[str], page_number: int):
    """An A4 page image as a 150 dpi scanner gives it: gray paper, dark text, slight blur."""
    from PIL import Image, ImageDraw, ImageFilter, ImageFont

    width, height = (round(side / 72 * SCAN_DPI) for side in A4)
    image = Image.new("L", (width, height), 238)
    draw = ImageDraw.Draw(image)
    body = ImageFont.truetype(str(noto_cjk()), 31)  # ≈ 三号 (16 pt) at 150 dpi
    heading = ImageFont.truetype(str(noto_cjk()), 40)
    left = (width - CHARS_PER_LINE * 31) // 2
    text_width = CHARS_PER_LINE * 31
    y = 180
    if title:
        draw.text(((width - draw.textlength(title, font=heading)) / 2, y), title, font=heading, fill=30)
        y += 90
    for text in paragraphs:
        lines = fold_paragraph(text, lambda line: draw.textlength(line, font=body) <= text_width, "　　")
        for line in lines:
            draw.text((left, y), line, font=body, fill=30)
            y += 54
    number = f"— {page_number} —"
    draw.text(((width - draw.textlength(number, font=body)) / 2, height - 140), number, font=body, fill=30)
    return image.filter(ImageFilter.GaussianBlur(0.6))


def add_scanned_page(pdf, image) -> None:
    """The image as the whole page, stored as JPEG as scanners do."""
    from reportlab.lib.utils import ImageReader

    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=70)
    buffer.seek(0)
    pdf.drawImage(ImageReader(buffer), 0, 0, width=A4[0], height=A4[1])
    pdf.showPage()


def text_page(pdf, lines: list[str], header: str | None, footer: str | None) -> None:
    """A page with a real text layer: reportlab's STSong-Light CID font, 16 pt, 28 characters a line."""
    if header:
        pdf.setFont("STSong-Light", 9)
        pdf.drawCentredString(A4[0] / 2, A4[1] - 50, header)
    pdf.setFont("STSong-Light", 16)
    y = A4[1] - 100
    for line in lines:
        pdf.drawString(72, y, line)
        y -= 28
    if footer:
        pdf.setFont("STSong-Light", 12)
        pdf.drawCentredString(A4[0] / 2, 40, footer)
    pdf.showPage()


def text_lines(paragraphs: list[str]) -> list[str]:
    """Paragraphs folded at 28 full-width characters (ASCII counting half), headings as they are."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    def fits(line: str) -> bool:
        return stringWidth(line, "STSong-Light", 16) <= CHARS_PER_LINE * 16

    lines: list[str] = []
    for text in paragraphs:
        lines.extend(fold_paragraph(text, fits, "　　"))
    return lines


def canvas(path: Path):
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas as pdf_canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    pdf = pdf_canvas.Canvas(str(path), pagesize=A4, invariant=True)  # same bytes on every run
    pdf.setCreator("tests/zoo/make_pdfs.py")
    pdf.setTitle(TITLE)
    return pdf


def write_expected(path: Path, paragraphs: list[str], **facts) -> None:
    path.with_suffix(".json").write_text(
        json.dumps({"paragraphs": paragraphs, **facts}, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )


def expected_text(paragraphs: list[str]) -> list[str]:
    """What reading gives: the typesetting indent is not text."""
    return [text.strip("　") for text in paragraphs]


def make_scanned() -> None:
    path = OUT / "scanned.pdf"
    pdf = canvas(path)
    add_scanned_page(pdf, scanned_page_image(SCANNED_PARAGRAPHS[0], SCANNED_PARAGRAPHS[1:], 1))
    pdf.save()
    write_expected(path, expected_text(SCANNED_PARAGRAPHS), ocr_pages=1)


def make_mixed() -> None:
    path = OUT / "mixed.pdf"
    pdf = canvas(path)
    text_page(pdf, [TITLE, *text_lines(MIXED_TEXT_PAGE[1:])], None, "— 1 —")
    add_scanned_page(pdf, scanned_page_image(None, MIXED_SCANNED_PAGE, 2))
    pdf.save()
    write_expected(path, expected_text(MIXED_TEXT_PAGE + MIXED_SCANNED_PAGE), ocr_pages=1)


def make_running(style: str, footer: str) -> None:
    path = OUT / f"running_{style}.pdf"
    pdf = canvas(path)
    lines = text_lines(RUNNING_PARAGRAPHS[1:])
    pages: list[list[str]] = []
    for count in LINES_PER_PAGE:
        pages.append(lines[:count])
        lines = lines[count:]
    for number, page_lines in enumerate(pages, start=1):
        text_page(pdf, page_lines, TITLE, footer.format(n=number, total=len(pages)))
    pdf.save()
    write_expected(path, expected_text(RUNNING_PARAGRAPHS), ocr_pages=0)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    make_scanned()
    make_mixed()
    for style, footer in RUNNING_STYLES.items():
        make_running(style, footer)


if __name__ == "__main__":
    main()
