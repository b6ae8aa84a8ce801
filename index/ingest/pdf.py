"""Read a PDF as offices publish it: a text layer, a scan, or both, into paragraphs.

Pages with a text layer keep it; a page without (enough) readable text is rendered with pdfium
and recognised by OCR (`index.ingest.ocr`), which loads only when such a page is met. Running
headers, footers and page numbers are dropped, lines folded at the page width are joined, and a
sentence that runs on over a page break is joined back into one paragraph.
"""

from __future__ import annotations

import io
import logging
import re
from collections import Counter
from dataclasses import dataclass, field
from itertools import pairwise

from index.errors import CorruptFileError, EncryptedError, NoTextError, ReadError
from index.ingest.lines import (
    PLAUSIBLE,
    SENTENCE_END,
    fold_width,
    join_wrapped_lines,
    line_width,
    split_paragraphs,
    starts_unit,
)
from index.ingest.ocr import MAX_IMAGE_SIDE, OcrLine, PageOcr, page_lines, shared_page_ocr
from index.models import Progress
from index.text.normalize import norm

OCR_STAGE = "识别扫描页"
# A page with fewer readable characters than this (page numbers aside) is a scan, if it holds an image.
MIN_PAGE_TEXT = 20
# Readable share of a page's text below which its fonts lack a Unicode map: the page is recognised instead.
MIN_PLAUSIBLE_SHARE = 0.7
MAX_RENDER_SCALE = 300 / 72  # never render beyond 300 dpi, whatever the page size

_PAGE_NUMBER = re.compile(
    r"^\s*(?:[-—–－·•]\s*\d{1,4}\s*[-—–－·•]"  # — 3 —, - 3 -, · 3 ·
    r"|第\s*\d{1,4}\s*页.*|共\s*\d{1,4}\s*页\s*第\s*\d{1,4}\s*页"  # 第3页 共8页, 共8页 第3页
    r"|\d{1,4}\s*/\s*\d{1,4}|(?i:page)\s*\d{1,4}(?:\s*(?i:of)\s*\d{1,4})?|\d{1,4})\s*$"
)


@dataclass
class PdfText:
    """A PDF's paragraphs, what reading changed, and how much of it came from OCR."""

    paragraphs: list[str]
    warnings: list[str] = field(default_factory=list)
    ocr_pages: int = 0
    ocr_confidence: float | None = None  # mean over the recognised characters


def read_pdf(data: bytes, name: str, *, progress: Progress | None = None, ocr: PageOcr | None = None) -> PdfText:
    """Paragraphs of a PDF; scanned pages are recognised by `ocr` (the process's shared engine by default).

    `progress(done, total, stage)` is called before the first scanned page and after each one.
    """
    reader = _open(data, name)
    pages: list[list[str]] = []
    scanned: list[int] = []
    try:
        for number, page in enumerate(reader.pages):
            lines = split_paragraphs(page.extract_text() or "")
            if _needs_ocr(lines, page):
                scanned.append(number)
            pages.append(lines)
    except Exception as exc:
        if "crypt" in type(exc).__name__.lower() or "password" in str(exc).lower():
            raise EncryptedError(f"PDF 文件已加密，无法提取文字：{name}") from None
        raise CorruptFileError(f"PDF 文件内容无法提取（{type(exc).__name__}）：{name}") from None
    result = PdfText(paragraphs=[])
    if scanned:
        scores = _recognise_pages(data, name, scanned, pages, ocr or shared_page_ocr(), progress)
        result.ocr_pages = len(scanned)
        chars = sum(count for _, count in scores)
        if chars:
            result.ocr_confidence = sum(score * count for score, count in scores) / chars
            result.warnings.append(
                f"识别自扫描件，请核对（{len(scanned)} 页，平均置信度 {result.ocr_confidence:.2f}）：{name}"
            )
    lines = _drop_running_lines(pages)
    if not lines:
        if scanned:
            raise NoTextError(f"PDF 是扫描件，但文字识别（OCR）没有找到文字：{name}")
        raise NoTextError(f"PDF 中没有正文文字：{name}")
    # the fold is measured on text-layer lines only: OCR paragraphs are already whole
    fold = fold_width([line for number, page in enumerate(pages) if number not in scanned for line in page])
    result.paragraphs = join_wrapped_lines(lines, fold) if fold else lines
    return result


def _open(data: bytes, name: str):
    try:
        from pypdf import PdfReader
    except ImportError:  # pragma: no cover - the dependency is in requirements.txt
        raise ReadError(f"缺少读取 PDF 的组件 pypdf：{name}") from None
    logging.getLogger("pypdf").setLevel(logging.ERROR)  # malformed-file chatter is not for users
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        encrypted = reader.is_encrypted
    except Exception as exc:
        raise CorruptFileError(f"PDF 文件已损坏，无法打开（{type(exc).__name__}）：{name}") from None
    if encrypted:
        try:
            opened = reader.decrypt("")
        except Exception:
            opened = 0
        if not opened:
            raise EncryptedError(f"PDF 文件已加密（需要密码），请解除密码后再上传：{name}")
    return reader


def _needs_ocr(lines: list[str], page) -> bool:
    """No text at all (a scan, or text drawn as outlines), too little beside an image, or unreadable fonts."""
    text = "".join(line for line in lines if not _PAGE_NUMBER.match(norm(line))).replace(" ", "")
    if not text:
        return True
    if len(PLAUSIBLE.findall(text)) < MIN_PLAUSIBLE_SHARE * len(text):
        return True  # fonts without a Unicode map extract as private-use or replacement characters
    return len(text) < MIN_PAGE_TEXT and _has_image(page)


def _has_image(page) -> bool:
    try:
        objects = page["/Resources"].get_object().get("/XObject")
        if objects is None:
            return False
        return any(ref.get_object().get("/Subtype") == "/Image" for ref in objects.get_object().values())
    except Exception:  # an unusual resource dictionary: judge by the text alone
        return False


def _recognise_pages(
    data: bytes, name: str, numbers: list[int], pages: list[list[str]], ocr: PageOcr, progress: Progress | None
) -> list[tuple[float, int]]:
    """Replace the text of the pages `numbers` by their OCR paragraphs; (score, characters) of each box."""
    try:
        import pypdfium2
    except ImportError:
        raise ReadError(f"缺少识别扫描件的组件 pypdfium2，无法读取扫描的 PDF：{name}") from None
    try:
        document = pypdfium2.PdfDocument(data, password="")
    except Exception as exc:
        raise CorruptFileError(f"PDF 扫描页无法渲染（{type(exc).__name__}）：{name}") from None
    scores: list[tuple[float, int]] = []
    try:
        if progress:
            progress(0, len(numbers), OCR_STAGE)
        for done, number in enumerate(numbers, start=1):
            image = _render(document, number, name)
            try:
                boxes = ocr.recognise(image)
            except ImportError as exc:
                raise ReadError(f"缺少文字识别组件（{exc.name or 'rapidocr'}），无法识别扫描件：{name}") from None
            except Exception as exc:  # onnxruntime/OpenCV raise many kinds; none may leak
                raise ReadError(f"扫描页文字识别失败（第 {number + 1} 页，{type(exc).__name__}）：{name}") from None
            pages[number] = ocr_paragraphs(page_lines(boxes))
            scores.extend((box.score, len(box.text)) for box in boxes)
            if progress:
                progress(done, len(numbers), OCR_STAGE)
    finally:
        document.close()
    return scores


def _render(document, number: int, name: str):
    """Page `number` as a grayscale image no larger than the OCR engine looks at."""
    try:
        page = document[number]
        width, height = page.get_size()
        scale = min(MAX_RENDER_SCALE, MAX_IMAGE_SIDE / max(width, height, 1))
        return page.render(scale=scale, grayscale=True).to_numpy()
    except Exception as exc:
        raise CorruptFileError(f"PDF 扫描页无法渲染（第 {number + 1} 页，{type(exc).__name__}）：{name}") from None


def ocr_paragraphs(lines: list[OcrLine]) -> list[str]:
    """Printed lines joined into paragraphs by where they stand.

    A line runs on into the next when it reaches the right edge of the text, the next one is not
    indented (公文 indent the first line of a paragraph by two characters), does not start a
    numbered unit and follows at the usual line spacing.
    """
    if not lines:
        return []
    height = sorted(line.height for line in lines)[len(lines) // 2]
    widest = max(line.x1 - line.x0 for line in lines)
    body = [line for line in lines if line.x1 - line.x0 >= 0.5 * widest]
    left = min(line.x0 for line in body)
    right = max(line.x1 for line in body)
    gaps = sorted(after.y0 - before.y1 for before, after in pairwise(lines))
    usual_gap = gaps[len(gaps) // 2] if gaps else 0.0
    paragraphs = [lines[0].text]
    for before, line in pairwise(lines):
        runs_on = (
            before.x1 >= right - 1.5 * height
            and line.x0 <= left + 0.8 * height
            and line.y0 - before.y1 <= usual_gap + 0.8 * height
            and not starts_unit(line.text)
        )
        if runs_on:
            paragraphs[-1] += line.text
        else:
            paragraphs.append(line.text)
    return paragraphs


def _drop_running_lines(pages: list[list[str]]) -> list[str]:
    """All pages' lines without page numbers and the headers/footers repeated at most pages' edges.

    A running title at the top of the first page is kept once (it is the document's title). A
    sentence left unfinished at the foot of a page is joined with the first line of the next.
    """

    def key(line: str) -> str:
        return re.sub(r"\d+", "#", norm(line).replace(" ", ""))

    edge_counts: Counter[str] = Counter()
    for lines in pages:
        edges = {key(line) for line in lines[:2] + lines[-2:]}
        edge_counts.update(edges)
    threshold = max(3, len(pages) // 2 + 1)
    running = {k for k, count in edge_counts.items() if count >= threshold and len(k) <= 40}
    out: list[str] = []
    for page_number, lines in enumerate(pages):
        kept: list[str] = []
        for index, line in enumerate(lines):
            at_top, at_bottom = index < 2, index >= len(lines) - 2
            if (at_top or at_bottom) and _PAGE_NUMBER.match(norm(line)):
                continue
            if (at_bottom or (at_top and page_number > 0)) and key(line) in running:
                continue
            kept.append(line)
        if out and kept and _runs_on(out[-1], kept[0], out):
            out[-1] = out[-1].rstrip() + kept.pop(0).strip()
        out.extend(kept)
    return out


def _runs_on(last: str, first: str, before: list[str]) -> bool:
    """The last line of a page continues on the next: its sentence is unfinished, it is as wide
    as the lines before it (a short one ends its paragraph) and it is no heading; the next line
    does not open a numbered unit."""
    text = last.rstrip()
    if not text or text[-1] in SENTENCE_END or starts_unit(first):
        return False
    if starts_unit(text) and not re.search(r"[。；;]", text):
        return False  # a heading at the foot of a page
    widest = max(line_width(line) for line in before[-20:])
    return line_width(text) >= 0.8 * widest
