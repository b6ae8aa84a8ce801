"""Shared test setup: the project root on sys.path, and paths to the seeds and eval data."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SHARED = ROOT.parent / "shared"
SEEDS_DIR = SHARED / "seeds"
EVAL_DIR = SHARED / "eval"
CORPUS_DIR = ROOT / "corpus"
