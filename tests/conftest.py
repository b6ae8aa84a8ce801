"""Shared test setup: the project root on sys.path, paths to the seeds and eval data, and a PlanService over the bundled corpus."""

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from index import PlanService, Settings  # noqa: E402  (the project root is on sys.path only now)

SHARED = ROOT.parent / "shared"
SEEDS_DIR = SHARED / "seeds"
EVAL_DIR = SHARED / "eval"
CORPUS_DIR = ROOT / "corpus"


@pytest.fixture(scope="module")
def seed_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PlanService]:
    """A PlanService over the bundled corpus with the fake embedder, indexed once per test module."""
    settings = Settings(data_dir=tmp_path_factory.mktemp("seed"), corpus_dir=CORPUS_DIR, embedding_model="fake:64")
    service = PlanService(settings)
    service.ensure_index()
    yield service
    service.close()
