"""OCR of scanned PDF pages: seconds per page, mean confidence and character accuracy.

    python scripts/bench_ocr.py              # each scanned fixture of tests/zoo/pdf/ once
    python scripts/bench_ocr.py --rounds 3   # three warm rounds (shared machines are noisy)

The first read loads the models (reported apart as the cold read); the figures per page are warm
reads through `read_document`, so they include rendering with pdfium and the paragraph joining.
Character accuracy compares the recognised text with the known text beside each fixture
(<name>.json), ignoring spaces and full/half-width differences. The 1-minute load average is
printed because other jobs on the machine inflate every time.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

from index.errors import QualityPlanError  # noqa: E402
from index.ingest.ocr import OCR_THREADS, character_accuracy  # noqa: E402
from index.ingest.read import read_document  # noqa: E402

ZOO = Path(__file__).resolve().parent.parent / "tests" / "zoo" / "pdf"
FIXTURES = ("scanned", "mixed")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1, help="warm reads of each fixture")
    args = parser.parse_args()
    print(f"threads {OCR_THREADS}, load average {os.getloadavg()[0]:.2f}")
    try:
        started = time.perf_counter()
        read_document(ZOO / f"{FIXTURES[0]}.pdf")
        print(f"cold read (models load) of {FIXTURES[0]}.pdf: {time.perf_counter() - started:.2f} s")
        per_page: list[float] = []
        for name in FIXTURES:
            truth = "".join(json.loads((ZOO / f"{name}.json").read_text(encoding="utf-8"))["paragraphs"])
            for _ in range(args.rounds):
                started = time.perf_counter()
                raw = read_document(ZOO / f"{name}.pdf")
                seconds = (time.perf_counter() - started) / max(raw.ocr_pages, 1)
                per_page.append(seconds)
                accuracy = character_accuracy(truth, "".join(raw.paragraphs))
                print(f"{name}.pdf: {raw.ocr_pages} scanned page(s), {seconds:.2f} s/page, "
                      f"mean confidence {raw.ocr_confidence:.3f}, character accuracy {accuracy:.3f}")
    except QualityPlanError as error:
        print(error, file=sys.stderr)
        return 1
    print(f"warm: {statistics.mean(per_page):.2f} s per scanned page (mean of {len(per_page)}), "
          f"max {max(per_page):.2f} s; load average {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
