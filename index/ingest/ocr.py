"""Text of a page image: PP-OCR (detection, direction, recognition) on onnxruntime, offline.

The models are the ONNX files the `rapidocr` wheel ships inside itself (PP-OCRv6 det/rec small,
PP-OCR mobile direction classifier); they are named by path so that rapidocr never tries to
download anything. rapidocr and its OpenCV are imported only when the first page is recognised.

`page_lines` turns the engine's boxes into lines in reading order (pure geometry, no model).
"""

from __future__ import annotations

import functools
import threading
from dataclasses import dataclass
from itertools import pairwise
from statistics import median
from typing import TYPE_CHECKING

from index.text.normalize import norm

if TYPE_CHECKING:
    import numpy as np

OCR_THREADS = 2  # the machine's cores; more only makes the threads contend
# rapidocr shrinks any image to this many pixels on its longer side before detection.
MAX_IMAGE_SIDE = 2000
_MODEL_FILES = {
    "Det": "PP-OCRv6_det_small.onnx",
    "Rec": "PP-OCRv6_rec_small.onnx",
    "Cls": "ch_ppocr_mobile_v2.0_cls_mobile.onnx",
}


@dataclass(frozen=True)
class OcrBox:
    """One recognised run of text and where it stands on the page (pixels, y down)."""

    text: str
    score: float
    x0: float
    y0: float
    x1: float
    y1: float


@dataclass
class OcrLine:
    """Boxes of one printed line, left to right."""

    text: str
    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def height(self) -> float:
        return self.y1 - self.y0


class PageOcr:
    """Recognises page images; the models load on the first page and are kept for the next ones."""

    def __init__(self, threads: int = OCR_THREADS) -> None:
        self.threads = threads
        self._engine = None
        self._loading = threading.Lock()  # two documents read at once load the models once

    def recognise(self, image: np.ndarray) -> list[OcrBox]:
        """Boxes of text found on a grayscale or RGB page image (any order)."""
        result = self._loaded()(image)
        if result.boxes is None or result.txts is None:
            return []
        boxes = []
        for quad, text, score in zip(result.boxes, result.txts, result.scores, strict=True):
            xs = [float(point[0]) for point in quad]
            ys = [float(point[1]) for point in quad]
            if text.strip():
                boxes.append(OcrBox(text.strip(), float(score), min(xs), min(ys), max(xs), max(ys)))
        return boxes

    def _loaded(self):
        with self._loading:
            if self._engine is None:
                self._engine = self._load()
        return self._engine

    def _load(self):
        from pathlib import Path

        import rapidocr
        from rapidocr import RapidOCR

        models = Path(rapidocr.__file__).parent / "models"
        params: dict[str, object] = {
            "Global.log_level": "critical",  # the library never prints; failures come as exceptions
            "Global.max_side_len": MAX_IMAGE_SIDE,
            "EngineConfig.onnxruntime.intra_op_num_threads": self.threads,
            "EngineConfig.onnxruntime.inter_op_num_threads": 1,
        }
        for stage, file_name in _MODEL_FILES.items():
            path = models / file_name
            if not path.is_file():
                raise FileNotFoundError(f"rapidocr 未附带模型 {file_name}")
            params[f"{stage}.model_path"] = str(path)
        return RapidOCR(params=params)


@functools.cache
def shared_page_ocr() -> PageOcr:
    """The process's one OCR engine: its models take a second and ~100 MB to load, so they load once."""
    return PageOcr()


def page_lines(boxes: list[OcrBox]) -> list[OcrLine]:
    """Boxes grouped into printed lines, top to bottom; a line's boxes read left to right.

    A box belongs to the line above when the two overlap vertically by half the lower height;
    boxes of one line far apart (table cells, a gap wider than a character) are kept apart by a space.
    """
    rows: list[list[OcrBox]] = []
    for box in sorted(boxes, key=lambda b: ((b.y0 + b.y1) / 2, b.x0)):
        if rows:
            top = min(b.y0 for b in rows[-1])
            bottom = max(b.y1 for b in rows[-1])
            overlap = min(bottom, box.y1) - max(top, box.y0)
            if overlap >= 0.5 * min(bottom - top, box.y1 - box.y0):
                rows[-1].append(box)
                continue
        rows.append([box])
    lines = []
    for row in rows:
        row.sort(key=lambda b: b.x0)
        height = median(b.y1 - b.y0 for b in row)
        text = row[0].text
        for before, box in pairwise(row):
            text += (" " if box.x0 - before.x1 > height else "") + box.text
        lines.append(OcrLine(text, row[0].x0, min(b.y0 for b in row), max(b.x1 for b in row),
                             max(b.y1 for b in row)))
    return lines


def character_accuracy(expected: str, recognised: str) -> float:
    """1 − edit distance / length of `expected`, on both texts without spaces and in half-width
    forms (OCR reads "（" as "(" as often as not): the share of a known text OCR got right."""
    truth = norm(expected).replace(" ", "")
    got = norm(recognised).replace(" ", "")
    if not truth:
        return 1.0 if not got else 0.0
    previous = list(range(len(got) + 1))
    for i, want in enumerate(truth, start=1):
        current = [i]
        for j, have in enumerate(got, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (want != have)))
        previous = current
    return max(0.0, 1 - previous[-1] / len(truth))
