"""scripts/bench.py end to end at a tiny scale with the FakeEmbedder: the JSON shape, never timings."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from numbers import Number

import pytest

from tests.conftest import CORPUS_DIR, ROOT

pytestmark = pytest.mark.slow  # subprocesses, kills or the Bot API stand-in: `-m "not slow"` skips them

BENCH = ROOT / "scripts" / "bench.py"


def load_bench():
    spec = importlib.util.spec_from_file_location("bench_script", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_percentile_is_nearest_rank():
    bench = load_bench()
    assert bench.percentile([], 0.5) == 0.0
    assert bench.percentile([3.0, 1.0, 2.0], 0.5) == 2.0
    assert bench.percentile(list(range(1, 101)), 0.95) == 95
    assert bench.latency_summary([1.0, 2.0, 9.0]) == {"p50_ms": 2.0, "p95_ms": 9.0, "max_ms": 9.0, "n": 3}


def test_growth_exponent_and_kind():
    bench = load_bench()
    assert bench.exponent(10_000, 2.0, 100_000, 20.0) == 1.0
    assert bench.exponent(10_000, 5.0, 100_000, 5.0) == 0.0
    assert bench.exponent(10_000, 0.0, 100_000, 5.0) is None
    assert [bench.growth_kind(b) for b in (None, 0.0, 0.5, 1.0, 2.0)] == ["–", "flat", "sublinear", "linear", "superlinear"]


def test_stage_timer_splits_a_run_into_stages():
    bench = load_bench()
    timer = bench.StageTimer()
    timer.origin = 0.0
    timer.started, timer.finished = {"tokenize": 1.0, "embed": 4.0}, {"tokenize": 3.0, "embed": 4.5}
    assert timer.spans(6.0) == {
        "before_tokenize": 1.0, "tokenize": 2.0, "before_embed": 1.0, "embed": 0.5, "after_embed": 1.5,
    }  # fmt: skip


def test_sizes_can_be_overridden_but_not_the_seed():
    bench = load_bench()
    assert bench.parse_sizes("10k=300,100k=600,seed=5") == {"seed": 0, "10k": 300, "100k": 600}
    assert bench.parse_sizes(None) == bench.SCALES


def _is_number(value) -> bool:
    return isinstance(value, Number) and not isinstance(value, bool)


@pytest.fixture(scope="module")
def quick_report(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("bench-data")
    env = {
        **os.environ,
        "DATA_DIR": str(data_dir),
        "CORPUS_DIR": str(CORPUS_DIR),
        "EMBEDDING_MODEL": "fake:64",
        "TELEGRAM_BOT_TOKEN": "",
    }
    args = ["--quick", "--json", "--clauses", "10k=250", "--repeat", "1", "--bot-users", "3", "--bot-rounds", "2"]
    done = subprocess.run(
        [sys.executable, str(BENCH), *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    lines = done.stdout.strip().splitlines()
    return json.loads(lines[-1]), done.stdout, data_dir


def test_quick_run_prints_one_json_object_last(quick_report):
    report, stdout, _ = quick_report
    assert set(report) >= {"machine", "search", "index", "rss_mb", "bot", "growth", "targets"}
    assert report["mode"] == "quick"
    assert "Search latency" in stdout and "Targets" in stdout


def test_search_has_every_retriever_at_every_quick_scale(quick_report):
    report, _, _ = quick_report
    assert set(report["search"]) == {"seed", "10k"}
    for scale, result in report["search"].items():
        for retriever in ("ours", "bm25", "dense"):
            assert set(result[retriever]) >= {"p50_ms", "p95_ms", "max_ms", "n"}, (scale, retriever)
            assert all(_is_number(result[retriever][k]) for k in ("p50_ms", "p95_ms", "max_ms"))
        assert _is_number(result["ours_over_dense_p95"])
        stages = result["stages"]["p50_ms"]
        assert set(stages) >= {"query_embedding", "dense_search", "lexical_search", "fusion_and_hits", "search_total"}
        assert set(result["quality"]["ours"]) >= {"hit@1", "hit@3", "mrr", "recall@5", "agency_accuracy"}
        assert {"flat", "flat_1thread", "hnsw", "live"} <= set(result["faiss"])
    assert report["search"]["seed"]["vectors"] == "real"
    assert report["search"]["10k"]["vectors"].startswith("synthesised")
    assert report["search"]["10k"]["clauses"] > report["search"]["seed"]["clauses"]


def test_index_memory_bot_and_growth_sections(quick_report):
    report, _, data_dir = quick_report
    builds = report["index"]["build"]
    assert set(builds) == {"seed", "10k"}
    assert all(_is_number(b["clauses_per_s"]) and b["clauses"] > 0 for b in builds.values())
    assert builds["10k"]["vectors"] == "synthesised"
    assert _is_number(report["index"]["embed"]["fake"]["passages_per_s"])
    assert set(report["rss_mb"]) == {"seed", "10k"} and all(_is_number(v) for v in report["rss_mb"].values())
    for scenario in ("one_user", "many_users"):
        assert report["bot"][scenario]["answered"] == report["bot"][scenario]["asked"]
        assert report["bot"][scenario]["errors"] == 0
    assert set(report["growth"]["clauses"]) == {"seed", "10k"}
    assert "ours p50 ms" in report["growth"]["figures"]
    assert {t["target"] for t in report["targets"]} >= {"seed: ours p95", "seed: ours p95 / dense p95"}
    # the synthetic corpus and index are cached under DATA_DIR/bench for the next run
    assert any(p.name.startswith("index-") for p in (data_dir / "bench").iterdir())
