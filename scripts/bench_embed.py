"""Embedding speed of the default model: torch vs ONNX backend (sentence-transformers, 2 threads).

    python scripts/bench_embed.py                 # both backends, one round each
    python scripts/bench_embed.py --rounds 3      # alternate backends 3 times (noisy, shared machines)
    python scripts/bench_embed.py --json out.json

Each backend runs in its own process (so peak RSS is that backend's alone) and measures: load time,
warm single-query latency (p50/p95 over --queries calls with dev questions, and the CPU time of one
query, which contention inflates less than wall time), passages/s over the
corpus paragraphs (batch 16), and peak RSS. The 1-minute load average is printed because other jobs
on the machine inflate every number.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402

from index.errors import QualityPlanError  # noqa: E402
from index.settings import Settings  # noqa: E402

BACKENDS = ("torch", "onnx")
FALLBACK_QUESTIONS = ("质量强市建设的牵头单位是哪个部门？", "哪些部门负责品牌建设？", "食品安全监管由谁配合？")


def peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def questions(settings: Settings) -> list[str]:
    dev = settings.corpus_dir.resolve().parent.parent / "shared" / "eval" / "dev.jsonl"
    if dev.is_file():
        return [json.loads(line)["question"] for line in dev.read_text(encoding="utf-8").splitlines() if line.strip()]
    return list(FALLBACK_QUESTIONS)


def paragraphs(settings: Settings) -> list[str]:
    texts: list[str] = []
    for path in sorted(settings.corpus_dir.glob("*.txt")):
        texts += [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return texts


def worker(backend: str, n_queries: int) -> dict:
    """One backend, in this process."""
    from index.embed.backends import load_embedder

    settings = Settings.from_env().with_(embedding_backend=backend)
    started = time.perf_counter()
    embedder = load_embedder(settings, progress=False)
    load_s = time.perf_counter() - started
    asked = questions(settings)
    for question in asked[:5]:
        embedder.embed([question], kind="query")  # warm-up, not timed
    latencies, cpu = [], []
    for i in range(n_queries):
        started, started_cpu = time.perf_counter(), time.process_time()
        embedder.embed([asked[i % len(asked)]], kind="query")
        latencies.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    texts = paragraphs(settings)
    started = time.perf_counter()
    embedder.embed(texts, kind="passage")
    passage_s = time.perf_counter() - started
    return {
        "backend": backend,
        "model_id": embedder.model_id,
        "load_s": round(load_s, 2),
        "query_p50_ms": round(statistics.median(latencies), 1),
        "query_p95_ms": round(percentile(latencies, 0.95), 1),
        "query_cpu_ms": round(statistics.median(cpu), 1),
        "passages": len(texts),
        "passages_per_s": round(len(texts) / passage_s, 1),
        "peak_rss_mb": round(peak_rss_mb()),
    }


def run_worker(backend: str, n_queries: int) -> dict:
    command = [sys.executable, str(Path(__file__).resolve()), "--worker", backend, "--queries", str(n_queries)]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        return {"backend": backend, "error": (done.stderr or done.stdout).strip()[-400:]}
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["load_avg"] = round(os.getloadavg()[0], 1)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="比较 torch 与 ONNX 后端的嵌入速度")
    parser.add_argument("--rounds", type=int, default=1, help="轮流测量的轮数")
    parser.add_argument("--queries", type=int, default=200, help="每轮单条查询的次数")
    parser.add_argument("--json", type=Path, help="把结果另存为 JSON")
    parser.add_argument("--worker", choices=BACKENDS, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker:
        print(json.dumps(worker(args.worker, args.queries)))
        return 0

    from index.embed.e5convert import ensure_default_model

    try:
        ensure_default_model(Settings.from_env().models_dir, onnx=True)
    except QualityPlanError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 1
    results = [run_worker(backend, args.queries) for _ in range(args.rounds) for backend in BACKENDS]
    print(f"{'后端':<6} {'加载 s':>7} {'查询 p50 ms':>11} {'p95 ms':>8} {'CPU ms':>7} {'段落/s':>8} {'峰值 RSS MB':>11} {'负载':>5}")
    for row in results:
        if "error" in row:
            print(f"{row['backend']:<6} 失败：{row['error']}")
            continue
        print(
            f"{row['backend']:<6} {row['load_s']:>7} {row['query_p50_ms']:>11} {row['query_p95_ms']:>8} {row['query_cpu_ms']:>7} "
            f"{row['passages_per_s']:>8} {row['peak_rss_mb']:>11} {row['load_avg']:>5}"
        )
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
