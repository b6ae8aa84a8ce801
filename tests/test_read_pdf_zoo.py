"""PDFs as offices publish them (tests/zoo/pdf/, made by tests/zoo/make_pdfs.py): text layers with
running titles and page numbers, scans recognised by OCR, and both in one file."""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from index.errors import NoTextError, ReadError
from index.ingest.ocr import OcrBox, OcrLine, PageOcr, character_accuracy, page_lines
from index.ingest.parse import parse_file
from index.ingest.pdf import OCR_STAGE, ocr_paragraphs, read_pdf
from index.ingest.read import read_document
from tests.parse_fixtures import write_pdf

ZOO = Path(__file__).parent / "zoo" / "pdf"
RUNNING = ["running_dash", "running_hyphen", "running_of_total", "running_slash"]


def expected(name: str) -> dict:
    return json.loads((ZOO / f"{name}.json").read_text(encoding="utf-8"))


# --------------------------------------------------------------------------------------------- text layer


@pytest.mark.parametrize("name", RUNNING)
def test_running_title_and_page_numbers_are_dropped_and_lines_joined(name):
    """"— 1 —", "- 1 -", "第1页 共3页", "1/3" and the title atop every page go; the title stays once."""
    raw = read_document(ZOO / f"{name}.pdf")
    assert raw.paragraphs == expected(name)["paragraphs"]
    assert raw.ocr_pages == 0 and raw.ocr_confidence is None
    assert not any("扫描件" in warning for warning in raw.warnings)


def test_clauses_running_over_page_breaks_are_kept_whole():
    parsed = parse_file(ZOO / "running_dash.pdf")
    by_path = {clause.path: clause for clause in parsed.clauses}
    goals = by_path["一、(二)"].text  # runs from page 1 to page 2 mid-sentence
    assert "工程质量抽查符合率达到98%以上，服务质量满意度达到80分以上" in goals
    works = by_path["二、(四)"]  # runs from page 2 to page 3; its responsibility line is on page 3
    assert "强化工程质量检测监管，全面推行质量安全手册制度" in works.text
    assert [agency.name for agency in works.agencies] == ["市住房城乡建设局", "市交通运输局", "市水利局"]
    assert parsed.document.title == "某某市质量强市建设行动方案"


def test_unfinished_sentence_at_page_foot_joins_the_next_page_but_headings_and_signatures_do_not(tmp_path):
    """Too few lines to measure a fold width: the page break alone decides."""
    pages = [
        ["一、总体要求", "（一）指导思想。以新思想为指导，推动质量提升，"],
        ["形成上下联动的工作格局。", "二、重点任务"],
        ["（二）提升产品质量。开展质量提升行动。", "某某市人民政府办公室"],
        ["2019年3月5日"],
    ]
    raw = read_document(write_pdf(tmp_path / "short.pdf", pages))
    assert raw.paragraphs == [
        "一、总体要求",
        "（一）指导思想。以新思想为指导，推动质量提升，形成上下联动的工作格局。",
        "二、重点任务",
        "（二）提升产品质量。开展质量提升行动。",
        "某某市人民政府办公室",
        "2019年3月5日",
    ]


# --------------------------------------------------------------------------------------------- OCR geometry


def _box(text: str, x0: float, y0: float, height: float = 36, char: float = 31) -> OcrBox:
    return OcrBox(text, 0.99, x0, y0, x0 + char * len(text), y0 + height)


PAGE_BOXES = [
    _box("某某市质量强市建设行动方案", 358, 188),
    _box("一、总体要求", 245, 275),
    _box("（一）指导思想。坚持以高质量发展为主题，深入", 265, 330),
    _box("实施质量", 265 + 31 * 22 + 8, 332),  # same printed line, a second box a little lower
    _box("强国战略，全面提升产品、工程、服务质量，为经济社会发展提", 186, 386),
    _box("供有力的质量支撑。", 185, 438),
    _box("（责任单位：市市场监管局）", 266, 492),
    _box("— 1 —", 573, 1620),
]


def test_boxes_become_lines_in_reading_order_and_paragraphs_by_indent_and_right_edge():
    lines = page_lines(PAGE_BOXES)
    assert [line.text for line in lines] == [
        "某某市质量强市建设行动方案",
        "一、总体要求",
        "（一）指导思想。坚持以高质量发展为主题，深入实施质量",
        "强国战略，全面提升产品、工程、服务质量，为经济社会发展提",
        "供有力的质量支撑。",
        "（责任单位：市市场监管局）",
        "— 1 —",
    ]
    assert ocr_paragraphs(lines) == [
        "某某市质量强市建设行动方案",
        "一、总体要求",
        "（一）指导思想。坚持以高质量发展为主题，深入实施质量强国战略，全面提升产品、工程、服务质量，为经济社会发展提"
        "供有力的质量支撑。",
        "（责任单位：市市场监管局）",
        "— 1 —",
    ]


@settings(max_examples=50, deadline=None)
@given(st.randoms(use_true_random=False))
def test_line_order_does_not_depend_on_the_order_boxes_come_in(rng: random.Random):
    shuffled = list(PAGE_BOXES)
    rng.shuffle(shuffled)
    assert page_lines(shuffled) == page_lines(PAGE_BOXES)


def test_boxes_far_apart_on_one_line_are_kept_apart():
    lines = page_lines([_box("序号", 100, 100), _box("任务", 400, 102)])
    assert [line.text for line in lines] == ["序号 任务"]
    assert ocr_paragraphs([]) == [] and page_lines([]) == []


def test_a_new_paragraph_after_a_full_line_starts_when_indented_or_numbered():
    full = OcrLine("甲" * 28, 185, 100, 1057, 136)
    indented = OcrLine("乙" * 10, 265, 154, 575, 190)
    numbered = OcrLine("（二）丙", 185, 154, 309, 190)
    flush = OcrLine("丁" * 5, 185, 154, 340, 190)
    assert ocr_paragraphs([full, indented]) == ["甲" * 28, "乙" * 10]
    assert ocr_paragraphs([full, numbered]) == ["甲" * 28, "（二）丙"]
    assert ocr_paragraphs([full, flush]) == ["甲" * 28 + "丁" * 5]


def test_character_accuracy():
    assert character_accuracy("（一）质量", "(一)质量") == 1.0
    assert character_accuracy("一二三四", "一二三") == 0.75
    assert character_accuracy("一二", "") == 0.0


# --------------------------------------------------------------------------------------------- OCR failures


class _BrokenOcr(PageOcr):
    def recognise(self, image):
        raise RuntimeError("onnxruntime: bad model\nwith a traceback")


def test_an_ocr_failure_is_a_one_line_read_error_naming_the_file():
    data = (ZOO / "scanned.pdf").read_bytes()
    with pytest.raises(ReadError) as caught:
        read_pdf(data, "公文扫描.pdf", ocr=_BrokenOcr())
    message = str(caught.value)
    assert "文字识别失败" in message and message.endswith("公文扫描.pdf") and "\n" not in message


def test_a_missing_ocr_package_is_a_read_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "rapidocr", None)  # import rapidocr now raises ImportError
    with pytest.raises(ReadError, match="缺少文字识别组件.*scanned.pdf"):
        read_pdf((ZOO / "scanned.pdf").read_bytes(), "scanned.pdf", ocr=PageOcr())


def test_text_pages_need_no_ocr_engine():
    read_pdf((ZOO / "running_dash.pdf").read_bytes(), "running_dash.pdf", ocr=_BrokenOcr())


# --------------------------------------------------------------------------------------------- OCR (real models)


@pytest.mark.slow
def test_scanned_pdf_is_recognised():
    calls: list[tuple[int, int, str]] = []
    raw = read_document(ZOO / "scanned.pdf", progress=lambda *call: calls.append(call))
    truth = expected("scanned")["paragraphs"]
    assert character_accuracy("".join(truth), "".join(raw.paragraphs)) >= 0.95
    assert len(raw.paragraphs) == len(truth)  # lines joined into the same paragraphs; page number gone
    assert raw.ocr_pages == 1 and raw.ocr_confidence is not None and raw.ocr_confidence > 0.9
    assert calls == [(0, 1, OCR_STAGE), (1, 1, OCR_STAGE)]
    warning = f"识别自扫描件，请核对（1 页，平均置信度 {raw.ocr_confidence:.2f}）：scanned.pdf"
    assert warning in raw.warnings


@pytest.mark.slow
def test_scanned_plan_parses_into_clauses_with_the_ocr_warning():
    parsed = parse_file(ZOO / "scanned.pdf", progress=lambda *call: None)
    assert [clause.path for clause in parsed.clauses] == ["一、", "一、(一)", "一、(二)", "二、", "二、(三)"]
    assert any(warning.startswith("识别自扫描件，请核对（1 页") for warning in parsed.warnings)


@pytest.mark.slow
def test_mixed_pdf_recognises_only_the_scanned_page():
    calls: list[tuple[int, int, str]] = []
    raw = read_document(ZOO / "mixed.pdf", progress=lambda *call: calls.append(call))
    truth = expected("mixed")["paragraphs"]
    assert raw.paragraphs[:4] == truth[:4]  # page 1's text layer, exactly as written
    assert character_accuracy("".join(truth[4:]), "".join(raw.paragraphs[4:])) >= 0.95
    assert raw.ocr_pages == 1
    assert calls == [(0, 1, OCR_STAGE), (1, 1, OCR_STAGE)]


@pytest.mark.slow
def test_a_scan_with_nothing_to_read_is_refused(tmp_path):
    from PIL import Image
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    path = tmp_path / "blank-scan.pdf"
    pdf = canvas.Canvas(str(path))
    pdf.drawImage(ImageReader(Image.new("L", (400, 560), 240)), 0, 0, width=595, height=842)
    pdf.save()
    with pytest.raises(NoTextError, match="扫描件.*blank-scan.pdf"):
        read_document(path)
