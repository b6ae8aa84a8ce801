"""Compare three retrievers on the dev questions, side by side, in one run.

    python scripts/evaluate.py [--dev ../shared/eval/dev.jsonl] [--json] [--failures]

Retrievers: BM25 over jieba tokens of bare clause text; dense only (bare clause passages,
flat FAISS); ours (HybridSearcher: contextual passages, BM25 + dense fused, question reading).
Prints Hit@1, Hit@3, MRR, Recall@5 and agency accuracy for each, plus warm search latency of
ours. Builds the index first when there is none (DATA_DIR, CORPUS_DIR, EMBEDDING_MODEL).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import argparse  # noqa: E402
import json  # noqa: E402
import time  # noqa: E402

from index.bench.evaluation import AGENCY_DEFINITION, Scores, evaluate, load_questions, percentile  # noqa: E402
from index.build.caches import EmbeddingCache  # noqa: E402
from index.build.progress import TqdmProgress  # noqa: E402
from index.errors import QualityPlanError  # noqa: E402
from index.search.searcher import DenseBaseline, LexicalBaseline  # noqa: E402
from index.service import PlanService  # noqa: E402
from index.settings import Settings  # noqa: E402

DEFAULT_DEV = Path(__file__).resolve().parent.parent.parent / "shared" / "eval" / "dev.jsonl"
COLUMNS = ("hit@1", "hit@3", "mrr", "recall@5", "agency_accuracy")


def table(scores: list[Scores]) -> str:
    header = f"{'retriever':<22}" + "".join(f"{c:>17}" for c in COLUMNS)
    lines = [header, "-" * len(header)]
    for s in scores:
        summary = s.summary()
        lines.append(f"{s.name:<22}" + "".join(f"{summary[c]:>17.3f}" for c in COLUMNS))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="在开发集上比较三种检索方式")
    parser.add_argument("--dev", type=Path, default=DEFAULT_DEV, help="问题集（jsonl）")
    parser.add_argument("--json", action="store_true", help="同时以 JSON 输出各项指标")
    parser.add_argument("--failures", action="store_true", help="列出我们的检索未排第一的问题")
    parser.add_argument("--repeat", type=int, default=5, help="测延迟时每个问题重复的次数")
    args = parser.parse_args(argv)
    settings = Settings.from_env()
    progress = TqdmProgress()
    try:
        questions = load_questions(args.dev)
        service = PlanService(settings)
        service.ensure_index(progress=progress)
        searcher = service.searcher()
        lexical = LexicalBaseline(searcher.table, service.jieba)
        cache = EmbeddingCache(settings.data_dir / "embeddings.db")
        try:
            dense = DenseBaseline(searcher.table, service.embedder, cache)
        finally:
            cache.close()
    except OSError as exc:
        print(f"错误：无法读取 {exc.filename or args.dev}：{exc.strerror}", file=sys.stderr)
        return 1
    except QualityPlanError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 1
    finally:
        progress.close()

    def ours(question: str) -> list:
        return searcher.search(question, top_k=10).hits

    runs = [
        evaluate("bm25-jieba", lambda q: lexical.search(q, top_k=10), questions),
        evaluate("dense-plain", lambda q: dense.search(q, top_k=10), questions),
        evaluate("hybrid (ours)", ours, questions),
    ]
    timings: list[float] = []
    for _ in range(max(1, args.repeat)):
        for q in questions:
            started = time.perf_counter()
            searcher.search(q.question, top_k=3)
            timings.append((time.perf_counter() - started) * 1000)
    latency = {"p50_ms": percentile(timings, 0.5), "p95_ms": percentile(timings, 0.95), "n": len(timings)}

    print(f"问题集：{args.dev}（{len(questions)} 个问题）  模型：{searcher.manifest.model_id}")
    print(table(runs))
    print(AGENCY_DEFINITION)
    print(
        f"warm search latency (ours, model loaded, incl. query embedding): "
        f"p50 {latency['p50_ms']:.1f} ms, p95 {latency['p95_ms']:.1f} ms over {latency['n']} searches"
    )
    if args.failures:
        for r in runs[-1].results:
            if r.first_relevant != 1:
                print(f"  {r.id}: first relevant at {r.first_relevant}; top: {r.top}")
    if args.json:
        data = {s.name: s.summary() for s in runs}
        data["latency"] = latency
        data["agency_definition"] = AGENCY_DEFINITION
        print(json.dumps(data, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
