"""Benchmarks: speed, memory and scale, side by side with the baselines, in one run.

    python scripts/bench.py [--quick] [--json] [--rebuild]

Shared machines drift, so what to read is ratios within one run and how each cost grows with
the corpus: the seed corpus (CORPUS_DIR), then synthetic corpora of 10k and 100k clauses built
deterministically from it (index/synthetic.py: seed sentences recombined under invented
regions, years and agencies; the seed plans themselves are included). At 10k/100k the passage
vectors are synthesised from real seed-sentence vectors plus noise (embedding 100k passages
takes about an hour on two cores); the store, the lexical index and every question's embedding
are real. Embedding throughput is measured separately on real passages.

Measured:
1. search latency (warm) per question for ours, BM25-only and dense-only (the baselines of
   scripts/evaluate.py), interleaved question by question; ours split into its stages;
   dev-set quality beside it; FAISS index types compared on the same vectors;
2. indexing: passages/s per embedding backend, clauses/s of a full build, seconds to add one
   document to the largest index, model build time on a fresh DATA_DIR;
3. peak RSS of a process that has loaded the model and the index, one subprocess per scale;
4. the bot: update → sendMessage through the Bot API stand-in, one user and 50 at once;
5. growth from scale to scale.

--quick: seed and 10k only (about 3 minutes). --json prints one JSON object last.
Built corpora and indexes are cached under DATA_DIR/bench/, keyed by generator, model and
index format; a full run always rebuilds the seed and 10k indexes to time a fresh build, and
--rebuild rebuilds 100k too.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import argparse  # noqa: E402
import hashlib  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import os  # noqa: E402
import platform  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable, Sequence  # noqa: E402
from datetime import UTC, datetime  # noqa: E402
from typing import Any  # noqa: E402

from index.bench.evaluation import percentile  # noqa: E402
from index.settings import Settings  # noqa: E402

DEFAULT_DEV = ROOT.parent / "shared" / "eval" / "dev.jsonl"
RESULT_TAG = "BENCH-RESULT "
SCALES = {"seed": 0, "10k": 10_000, "100k": 100_000}
GENERATED_QUESTIONS = 20

# Targets from the issue, checked at the end of every run.
TARGET_SEED_P95_MS = 25.0
TARGET_SEED_RATIO = 1.3
TARGET_100K_P95_MS = 50.0
TARGET_ADD_S = 15.0
TARGET_RSS_MB = 1536.0
TARGET_BOT_ONE_P95_MS = 100.0
TARGET_BOT_MANY_P95_MS = 1000.0


# -- small helpers (both sides) ----------------------------------------------------------------


def latency_summary(ms: Sequence[float]) -> dict[str, Any]:
    return {
        "p50_ms": round(percentile(ms, 0.5), 2),
        "p95_ms": round(percentile(ms, 0.95), 2),
        "max_ms": round(max(ms), 2) if ms else 0.0,
        "n": len(ms),
    }


def rss_mb() -> dict[str, float]:
    """This process's peak (VmHWM) and current (VmRSS) resident memory, MiB."""
    out = {"peak": 0.0, "current": 0.0}
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                out["peak"] = round(int(line.split()[1]) / 1024, 1)
            elif line.startswith("VmRSS:"):
                out["current"] = round(int(line.split()[1]) / 1024, 1)
    except OSError:
        import resource

        out["peak"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return out


def folder_mb(path: Path) -> float:
    path = Path(path)
    if path.is_file():
        return round(path.stat().st_size / 2**20, 1)
    return round(sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 2**20, 1) if path.exists() else 0.0


def short_hash(*parts: str) -> str:
    return hashlib.sha256("\x00".join(parts).encode("utf-8")).hexdigest()[:10]


class StageTimer:
    """A `progress(done, total, stage)` callable that also times each stage from its first call to done == total."""

    def __init__(self, inner: Callable[[int, int, str], None] | None = None) -> None:
        self.inner = inner
        self.started: dict[str, float] = {}
        self.finished: dict[str, float] = {}
        self.totals: dict[str, int] = {}
        self.origin = time.perf_counter()

    def __call__(self, done: int, total: int, stage: str) -> None:
        now = time.perf_counter()
        self.started.setdefault(stage, now)
        self.totals[stage] = total
        if done >= total:
            self.finished[stage] = now
        if self.inner is not None:
            self.inner(done, total, stage)

    def spans(self, end: float) -> dict[str, float]:
        """Seconds per named stage, plus the gaps between them ("before_<stage>", "after_<last>")."""
        out: dict[str, float] = {}
        cursor = self.origin
        order = sorted(self.started, key=self.started.get)  # type: ignore[arg-type]
        for stage in order:
            out[f"before_{stage}"] = round(self.started[stage] - cursor, 3)
            stop = self.finished.get(stage, self.started[stage])
            out[stage] = round(stop - self.started[stage], 3)
            cursor = stop
        out["after_" + (order[-1] if order else "start")] = round(end - cursor, 3)
        return out


# -- worker side: everything that loads a model or an index runs in its own process -----------


def _jieba(settings: Settings) -> Any:
    from index.search.lexical import JiebaBase

    return JiebaBase(settings.jieba_cache_dir)


def _load_model(settings: Settings) -> tuple[Any, float]:
    from index.embed.registry import resolve_embedder

    started = time.perf_counter()
    embedder = resolve_embedder(settings)
    embedder.embed(["预热"], kind="query")  # lazy loaders load on first use
    return embedder, time.perf_counter() - started


def _sentence_vectors(settings: Settings, embedder: Any, bench_root: Path) -> Any:
    """Real vectors of every seed sentence (cached under DATA_DIR/bench)."""
    from index.bench.synthetic import SentenceVectors, read_seed_texts, seed_material
    from index.build.caches import EmbeddingCache, embed_with_cache

    material = seed_material(read_seed_texts(settings.corpus_dir))
    sentences = material.sentences()
    cache = EmbeddingCache(bench_root / "seed-sentences.db")
    try:
        matrix, _, _ = embed_with_cache(embedder, sentences, cache)
    finally:
        cache.close()
    return SentenceVectors.from_sentences(sentences, matrix)


def _generator(settings: Settings) -> Any:
    from index.bench.synthetic import CorpusGenerator, read_seed_texts, seed_material

    return CorpusGenerator(seed_material(read_seed_texts(settings.corpus_dir)))


def _progress(quiet: bool) -> Any:
    from index.build.progress import TqdmProgress

    return TqdmProgress(disable=quiet)


def worker_build(settings: Settings, spec: dict[str, Any]) -> dict[str, Any]:
    """Build (or reuse) the index of one scale; report how long each stage took."""
    from index.bench.synthetic import SyntheticEmbedder, write_corpus
    from index.build.layout import current_build
    from index.service import PlanService

    data_dir = Path(spec["data_dir"])
    record = data_dir / "build.json"
    if not spec["fresh"] and record.is_file() and current_build(data_dir / "index") is not None:
        data = json.loads(record.read_text(encoding="utf-8"))
        if data.get("complete"):
            return {**data, "cached": True}
    bench_root = Path(spec["bench_root"])
    corpus_dir = Path(spec["corpus_dir"])
    real, model_s = _load_model(settings)
    result: dict[str, Any] = {"scale": spec["scale"], "model_load_s": round(model_s, 2)}
    if spec["synthetic"]:
        corpus_record = corpus_dir / ".corpus.json"
        if not corpus_record.is_file():
            shutil.rmtree(corpus_dir, ignore_errors=True)
            started = time.perf_counter()
            info = write_corpus(corpus_dir, _generator(settings), spec["clauses"])
            for seed_file in sorted(settings.corpus_dir.iterdir()):
                if seed_file.is_file():
                    shutil.copy2(seed_file, corpus_dir / seed_file.name)
            corpus_record.write_text(json.dumps(info.__dict__), encoding="utf-8")
            result["generate_s"] = round(time.perf_counter() - started, 2)
        result["corpus"] = json.loads(corpus_record.read_text(encoding="utf-8"))
        embedder: Any = SyntheticEmbedder(real, _sentence_vectors(settings, real, bench_root))
    else:
        embedder = real
    shutil.rmtree(data_dir, ignore_errors=True)
    data_dir.mkdir(parents=True)
    seed_cache = Path(spec.get("seed_cache") or "")
    if spec["synthetic"] and seed_cache.is_file():  # the seed plans' passages keep their real vectors
        shutil.copy2(seed_cache, data_dir / "embeddings.db")
    scale_settings = settings.with_(data_dir=data_dir, corpus_dir=corpus_dir)
    service = PlanService(scale_settings, embedder=embedder, jieba_base=_jieba(settings))
    progress = _progress(spec.get("quiet", False))
    timer = StageTimer(progress)
    try:
        report = service.reindex(progress=timer)
    finally:
        progress.close()
    end = time.perf_counter()
    seconds = end - timer.origin
    service.close()
    result.update(
        {
            "cached": False,
            "complete": True,
            "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "vectors": "synthesised" if spec["synthetic"] else "real",
            "documents": report.documents,
            "clauses": report.clauses,
            "passages": report.passages,
            "embedded": report.embedded,
            "reused": report.reused,
            "skipped": len(report.skipped),
            "seconds": round(seconds, 2),
            "clauses_per_s": round(report.clauses / seconds, 1) if seconds else None,
            "stages_s": timer.spans(end),
            "disk_mb": {
                "store": folder_mb(data_dir / "store.db"),
                "embeddings_cache": folder_mb(data_dir / "embeddings.db"),
                "index": folder_mb(data_dir / "index"),
            },
            "peak_rss_mb": rss_mb()["peak"],
        }
    )
    record.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    return result


class CachedTokens:
    """Stands in for a JiebaBase when building LexicalBaseline: its tokenizer answers clause texts
    from a file of tokens kept beside the index, so the baseline's BM25 over 100k clauses is not
    re-tokenised on every run (jieba takes minutes for that). The cache is keyed by lexical.py's
    source and jieba's version; `stop_recording` sends everything after construction (the
    questions) to the real tokenizer.
    """

    def __init__(self, jieba_base: Any, folder: Path, name: str) -> None:
        import jieba

        import index.search.lexical as lexical

        self.base = jieba_base
        key = short_hash(Path(lexical.__file__).read_text(encoding="utf-8"), jieba.__version__)
        self.path = Path(folder) / f"baseline-tokens-{name}-{key}.json"
        for stale in Path(folder).glob(f"baseline-tokens-{name}-*.json"):
            if stale != self.path:
                stale.unlink()
        self.tokens: dict[str, list[str]] = {}
        if self.path.is_file():
            self.tokens = json.loads(self.path.read_text(encoding="utf-8"))
        self.loaded = len(self.tokens)
        self.handed_out: list[CachedTokenizer] = []

    def tokenizer(self, user_words: Sequence[str] = ()) -> CachedTokenizer:
        made = CachedTokenizer(self.base.tokenizer(user_words), self.tokens)
        self.handed_out.append(made)
        return made

    def stop_recording(self) -> None:
        for made in self.handed_out:
            made.recording = False
        if len(self.tokens) != self.loaded:
            self.path.write_text(json.dumps(self.tokens, ensure_ascii=False), encoding="utf-8")


class CachedTokenizer:
    def __init__(self, inner: Any, tokens: dict[str, list[str]]) -> None:
        self.inner = inner
        self.tokens = tokens
        self.recording = True

    def tokenize(self, text: str) -> list[str]:
        if not self.recording:
            return self.inner.tokenize(text)
        found = self.tokens.get(text)
        if found is None:
            found = self.tokens[text] = self.inner.tokenize(text)
        return found

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def _questions(settings: Settings, spec: dict[str, Any]) -> tuple[list[Any], list[str]]:
    from index.bench.evaluation import load_questions

    dev_path = Path(spec["dev"])
    dev = load_questions(dev_path) if dev_path.is_file() else []
    generated = _generator(settings).questions(GENERATED_QUESTIONS, spec.get("generated_docs") or 1)
    return dev, [q.question for q in dev] + generated


def _time_ms(call: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    value = call()
    return (time.perf_counter() - started) * 1000, value


ASK_BUDGET_MS = 60_000  # PlanService.ask is timed until this much time went into it


def _stage_breakdown(service: Any, searcher: Any, questions: list[str], repeat: int) -> dict[str, Any]:
    """Ours, split into its stages as HybridSearcher.search itself times them (its `timings` seam:
    the real search, not a copy of it). PlanService.ask (search plus what the service adds per
    question) is timed too, within ASK_BUDGET_MS."""
    stages = ("question_reading", "lexical_search", "query_embedding", "dense_search", "fusion_and_hits")
    parts: dict[str, list[float]] = {k: [] for k in (*stages, "search", "ask", "log", "reply", "follow_up")}
    for round_number in range(repeat):
        for number, question in enumerate(questions):
            timings: dict[str, float] = {}
            parts["search"].append(_time_ms(lambda q=question, t=timings: searcher.search(q, top_k=3, timings=t))[0])
            for stage in stages:
                if stage in timings:
                    parts[stage].append(timings[stage])
            if sum(parts["ask"]) < ASK_BUDGET_MS:
                parts["ask"].append(_time_ms(lambda q=question: service.ask(q, top_k=3, log=True))[0])
            parts["log"].append(_time_ms(lambda q=question: service.store.log_question(q, user_id=None))[0])
            if sum(parts["reply"]) < ASK_BUDGET_MS:
                # A whole reply as the bot gets it: conversation state read and written, answer line,
                # regions; then a follow-up in the same session ("谁牵头？": no search at all).
                session = f"bench-{round_number}-{number}"
                parts["reply"].append(_time_ms(lambda q=question, s=session: service.respond(q, session=s))[0])
                parts["follow_up"].append(_time_ms(lambda s=session: service.respond("谁牵头？", session=s))[0])
    p50 = {k: percentile(v, 0.5) for k, v in parts.items()}
    p95 = {k: percentile(v, 0.95) for k, v in parts.items()}
    names = {"question_log_store_write": "log", "ask_total": "ask", "search_total": "search"}
    return {
        "p50_ms": {**{k: round(p50[k], 2) for k in stages}, **{k: round(p50[v], 2) for k, v in names.items()}},
        "p95_ms": {**{k: round(p95[k], 2) for k in stages}, **{k: round(p95[v], 2) for k, v in names.items()}},
        "search_over_embedding_p50": round(p50["search"] / p50["query_embedding"], 2) if p50["query_embedding"] else None,
        "ask": {**latency_summary(parts["ask"]), "note": "PlanService.ask(log=True): search + per-question service work"},
        "reply": {
            **latency_summary(parts["reply"]),
            "added_over_search_p95_ms": round(p95["reply"] - p95["search"], 2),
            "follow_up": latency_summary(parts["follow_up"]),
            "note": "PlanService.respond(session=…): a conversation turn as the bot answers it",
        },
    }


def _faiss_choices(searcher: Any, questions: list[str], quick: bool) -> dict[str, Any]:
    """Index types on this index's own vectors, for the unfiltered search FAISS answers:
    exact flat (default OpenMP threads and one thread), the live index, HNSW, IVF —
    build time, single-query latency, recall of the top k against exact flat."""
    import faiss
    import numpy as np

    parts = searcher.dense.indexes
    total = searcher.dense.ntotal
    if total == 0:
        return {}
    vectors = np.concatenate([np.asarray(v) for v in searcher.dense.vectors])
    d = vectors.shape[1]
    queries = np.stack([searcher.embed_query(searcher.read(q).text or q) for q in questions]).astype(np.float32)
    k = min(total, searcher.params.depth * 3)
    started = time.perf_counter()
    flat = faiss.IndexFlatIP(d)
    flat.add(vectors)
    flat_s = time.perf_counter() - started
    exact_ids = flat.search(queries, k)[1]

    def measure(index: Any, built_s: float, note: str) -> dict[str, Any]:
        ms = []
        for _ in range(3):
            for row in range(len(queries)):
                ms.append(_time_ms(lambda r=row: index.search(queries[r : r + 1], k))[0])
        ids = index.search(queries, k)[1]
        recall = float(np.mean([len(set(ids[i]) & set(exact_ids[i])) / k for i in range(len(queries))]))
        top10 = min(10, k)
        recall10 = float(np.mean([len(set(ids[i][:top10]) & set(exact_ids[i][:top10])) / top10 for i in range(len(queries))]))
        return {
            **latency_summary(ms),
            "build_s": round(built_s, 2),
            "recall": round(recall, 4),
            "recall_at_10": round(recall10, 4),
            "note": note,
        }

    out: dict[str, Any] = {"vectors": total, "k": k, "live": [type(ix).__name__ for ix in parts], "segments": len(parts)}
    threads = faiss.omp_get_max_threads()  # the searcher runs FAISS on one thread (indexer.load_dense_index)
    cores = os.cpu_count() or 1
    try:
        faiss.omp_set_num_threads(cores)
        out["flat"] = measure(flat, flat_s, f"IndexFlatIP, exact, {cores} OpenMP threads")
        faiss.omp_set_num_threads(1)
        out["flat_1thread"] = measure(flat, flat_s, "IndexFlatIP, exact, one OpenMP thread (what the searcher uses)")
        started = time.perf_counter()
        hnsw = faiss.IndexHNSWFlat(d, 32, faiss.METRIC_INNER_PRODUCT)
        hnsw.hnsw.efConstruction = 64
        hnsw.add(vectors)
        built = time.perf_counter() - started
        hnsw.hnsw.efSearch = max(320, k)
        out["hnsw"] = measure(hnsw, built, f"IndexHNSWFlat M=32 efConstruction=64 efSearch={hnsw.hnsw.efSearch}, one thread")
    finally:
        faiss.omp_set_num_threads(threads)
    graph = hnsw
    default_ef = graph.hnsw.efSearch
    try:
        for ef in (128, 640, 1280):
            graph.hnsw.efSearch = ef
            out[f"hnsw_ef{ef}"] = measure(graph, 0.0, f"the HNSW above with efSearch={ef}")
    finally:
        graph.hnsw.efSearch = default_ef
    if total >= 4096 and not quick:
        nlist = int(4 * math.sqrt(total))
        started = time.perf_counter()
        quantizer = faiss.IndexFlatIP(d)
        ivf = faiss.IndexIVFFlat(quantizer, d, nlist, faiss.METRIC_INNER_PRODUCT)
        ivf.train(vectors)
        ivf.add(vectors)
        built = time.perf_counter() - started
        ivf.nprobe = 32
        out["ivf"] = measure(ivf, built, f"IndexIVFFlat nlist={nlist} nprobe=32")
    out["flat_mb"] = round(total * d * 4 / 2**20, 1)
    return out


def worker_search(settings: Settings, spec: dict[str, Any]) -> dict[str, Any]:
    """Load model and index, measure memory, then latency and quality of ours vs both baselines."""
    from index.bench.evaluation import evaluate
    from index.bench.synthetic import SyntheticEmbedder
    from index.build.caches import EmbeddingCache
    from index.search.searcher import DenseBaseline, LexicalBaseline
    from index.service import PlanService

    data_dir = Path(spec["data_dir"])
    real, model_s = _load_model(settings)
    embedder = (
        SyntheticEmbedder(real, _sentence_vectors(settings, real, Path(spec["bench_root"]))) if spec["synthetic"] else real
    )
    scale_settings = settings.with_(data_dir=data_dir, corpus_dir=Path(spec["corpus_dir"]))
    service = PlanService(scale_settings, embedder=embedder, jieba_base=_jieba(settings))
    load_ms, searcher = _time_ms(service.searcher)
    dev, questions = _questions(settings, spec)
    first_search_ms = _time_ms(lambda: searcher.search(questions[0], top_k=3))[0]
    first_ask_ms = _time_ms(lambda: service.ask(questions[1], top_k=3, log=False))[0]
    for question in questions[:3]:
        searcher.search(question, top_k=3)
    loaded = rss_mb()

    tokens = CachedTokens(service.jieba, Path(spec["bench_root"]), spec["scale"])
    lexical_ms, lexical = _time_ms(lambda: LexicalBaseline(searcher.table, tokens))
    tokens.stop_recording()
    cache = EmbeddingCache(data_dir / "embeddings.db")
    try:
        dense_ms, dense = _time_ms(lambda: DenseBaseline(searcher.table, embedder, cache))
    finally:
        cache.close()

    retrievers: dict[str, Callable[[str], Any]] = {
        "ours": lambda q: searcher.search(q, top_k=3).hits,
        "bm25": lambda q: lexical.search(q, top_k=3),
        "dense": lambda q: dense.search(q, top_k=3),
    }
    quality = {}
    if dev:
        runs = {
            "ours": evaluate("hybrid (ours)", lambda q: searcher.search(q, top_k=10).hits, dev),
            "bm25": evaluate("bm25-jieba", lambda q: lexical.search(q, top_k=10), dev),
            "dense": evaluate("dense-plain", lambda q: dense.search(q, top_k=10), dev),
        }
        keep = ("hit@1", "hit@3", "mrr", "recall@5", "agency_accuracy")
        quality = {name: {k: round(s.summary()[k], 3) for k in keep} for name, s in runs.items()}
        quality["questions"] = len(dev)

    names = list(retrievers)
    for question in questions:  # warm every path once
        for name in names:
            retrievers[name](question)
    timings: dict[str, list[float]] = {name: [] for name in names}
    for round_ in range(spec["repeat"]):
        for i, question in enumerate(questions):
            turn = (round_ + i) % len(names)  # rotate who goes first: drift hits all three alike
            for name in names[turn:] + names[:turn]:
                timings[name].append(_time_ms(lambda n=name, q=question: retrievers[n](q))[0])
    result: dict[str, Any] = {name: latency_summary(ms) for name, ms in timings.items()}
    dense_p95 = result["dense"]["p95_ms"]
    result["ours_over_dense_p95"] = round(result["ours"]["p95_ms"] / dense_p95, 2) if dense_p95 else None
    result["ours_over_dense_p50"] = (
        round(result["ours"]["p50_ms"] / result["dense"]["p50_ms"], 2) if result["dense"]["p50_ms"] else None
    )
    result["stages"] = _stage_breakdown(service, searcher, questions, spec["repeat"])
    result["quality"] = quality
    result["questions"] = {"dev": len(dev), "generated": len(questions) - len(dev), "repeat": spec["repeat"]}
    result["clauses"] = len(searcher.table)
    result["passages"] = searcher.dense.ntotal
    result["segments"] = len(searcher.dense.indexes)
    result["documents"] = len(searcher.table.documents)
    result["vectors"] = "synthesised: seed-sentence vectors + noise" if spec["synthetic"] else "real"
    result["load_s"] = {
        "model": round(model_s, 2),
        "index": round(load_ms / 1000, 2),
        "first_search_ms": round(first_search_ms, 1),
        "first_ask_ms": round(first_ask_ms, 1),
        "bm25_baseline_build": round(lexical_ms / 1000, 2),
        "bm25_baseline_tokens_cached": tokens.loaded,
        "dense_baseline_build": round(dense_ms / 1000, 2),
    }
    if spec.get("faiss", True):
        try:
            result["faiss"] = _faiss_choices(searcher, questions, spec.get("quick", False))
        except Exception as exc:  # a comparison that fails must not cost the latency numbers above
            result["faiss"] = {"error": f"{type(exc).__name__}: {exc}"}
    result["rss_mb"] = {"loaded": loaded["peak"], "loaded_current": loaded["current"], "end_peak": rss_mb()["peak"]}
    service.close()
    return result


def worker_add(settings: Settings, spec: dict[str, Any]) -> dict[str, Any]:
    """Seconds for PlanService.add_file of one new document on top of a built index (on a copy)."""
    from index.build.layout import CURRENT, current_build
    from index.build.segments import SEGMENTS_DIR
    from index.service import PlanService

    source = Path(spec["data_dir"])
    live = current_build(source / "index")
    if live is None:
        raise RuntimeError(f"no index under {source}")
    scratch = Path(tempfile.mkdtemp(prefix="add-", dir=spec["bench_root"]))
    try:
        data_dir = scratch / "data"
        (data_dir / "index").mkdir(parents=True)
        started = time.perf_counter()
        for name in ("store.db", "embeddings.db"):
            shutil.copy2(source / name, data_dir / name)
        shutil.copytree(live, data_dir / "index" / live.name)
        shutil.copytree(source / "index" / SEGMENTS_DIR, data_dir / "index" / SEGMENTS_DIR)
        (data_dir / "index" / CURRENT).write_text(live.name + "\n", encoding="utf-8")
        copy_s = time.perf_counter() - started
        corpus_dir = scratch / "corpus"  # add_file copies the file here; the build reads the store only
        corpus_dir.mkdir()
        real, _ = _load_model(settings)
        service = PlanService(settings.with_(data_dir=data_dir, corpus_dir=corpus_dir), embedder=real, jieba_base=_jieba(settings))
        searcher = service.searcher()
        searcher.search("质量强市", top_k=3)
        doc = _generator(settings).document(spec["new_index"])
        new_file = scratch / doc.name
        new_file.write_text(doc.text, encoding="utf-8")
        timer = StageTimer()
        started = time.perf_counter()
        result = service.add_file(new_file, progress=timer)
        end = time.perf_counter()
        timer.origin = started
        ask_ms, answer = _time_ms(lambda: service.ask(f"{doc.region}{doc.headings[0]}", log=False))
        found = bool(answer.hits) and answer.hits[0].document.region == doc.region
        out = {
            "scale": spec["scale"],
            "status": result.status,
            "document_clauses": doc.clause_count,
            "seconds": round(end - started, 2),
            "stages_s": timer.spans(end),
            "embedded": timer.totals.get("embed"),
            "tokenize_stage_passages": timer.totals.get("tokenize"),
            "first_ask_after_ms": round(ask_ms, 1),
            "new_document_found": found,
            "copy_s": round(copy_s, 1),
            "peak_rss_mb": rss_mb()["peak"],
            "note": "embeds only the new document (real model); the rest of the vectors come from the cache",
        }
        service.close()
        return out
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def worker_embed(settings: Settings, spec: dict[str, Any]) -> dict[str, Any]:
    """Passages/s of one backend on the seed plans' real contextual passages, and one query's latency."""
    from index.build.caches import EMBED_BATCH
    from index.build.layout import CLAUSES_DB, current_build
    from index.build.passages import contextual_passages
    from index.store.database import Store

    backend = spec["backend"]
    embedder, load_s = _load_model(settings.with_(embedding_backend=backend))
    live = current_build(Path(spec["seed_data_dir"]) / "index")
    if live is None:
        raise RuntimeError("seed index missing")
    with Store(live / CLAUSES_DB, readonly=True) as snapshot:
        docs = {d.id: d for d in snapshot.documents()}
        clauses = snapshot.clauses()
    by_doc: dict[str, list[Any]] = {}
    for clause in clauses:
        by_doc.setdefault(clause.doc_id, []).append(clause)
    texts = [p.text for doc_id in sorted(by_doc) for p in contextual_passages(docs[doc_id], by_doc[doc_id])]
    texts = texts[: spec["limit"]] if spec.get("limit") else texts
    embedder.embed(texts[:EMBED_BATCH], kind="passage")  # warm-up batch, not timed
    started = time.perf_counter()
    for start in range(0, len(texts), EMBED_BATCH):
        embedder.embed(texts[start : start + EMBED_BATCH], kind="passage")
    seconds = time.perf_counter() - started
    _, questions = _questions(settings, spec)
    samples = [questions[i % len(questions)] for i in range(spec.get("query_samples", 60))]
    query_ms = [_time_ms(lambda q=q: embedder.embed([q], kind="query"))[0] for q in samples]
    # the same questions 16 at a time: what batching concurrent questions would cost per question
    batches = [samples[i : i + 16] for i in range(0, len(samples), 16)]
    batched_ms = sum(_time_ms(lambda b=b: embedder.embed(b, kind="query"))[0] for b in batches)
    return {
        "backend": backend,
        "model_id": embedder.model_id,
        "kind": type(embedder).__name__,
        "load_s": round(load_s, 2),
        "passages": len(texts),
        "mean_chars": round(sum(map(len, texts)) / max(1, len(texts)), 1),
        "batch": EMBED_BATCH,
        "seconds": round(seconds, 2),
        "passages_per_s": round(len(texts) / seconds, 1) if seconds else None,
        "query": latency_summary(query_ms),
        "query_mean_ms": round(sum(query_ms) / len(query_ms), 2),
        "query_batched16_ms_per_question": round(batched_ms / len(samples), 2),
        "peak_rss_mb": rss_mb()["peak"],
    }


def worker_model(settings: Settings, spec: dict[str, Any]) -> dict[str, Any]:
    """Seconds to build the default model on a fresh, empty DATA_DIR (scripts/build_model.py)."""
    script = ROOT / "scripts" / "build_model.py"
    with tempfile.TemporaryDirectory(prefix="model-", dir=spec["bench_root"]) as fresh:
        started = time.perf_counter()
        if script.is_file():
            env = {**os.environ, "DATA_DIR": fresh}
            done = subprocess.run([sys.executable, str(script), "--onnx"], env=env, capture_output=True, text=True)
            if done.returncode != 0:
                return {"error": (done.stderr or done.stdout).strip()[-500:], "how": str(script.name)}
            how = "scripts/build_model.py --onnx (what the first run with EMBEDDING_BACKEND=auto builds)"
        else:
            from index.embed.e5convert import ensure_default_model

            ensure_default_model(Path(fresh) / "models", onnx=True)
            how = "index.embed.e5convert.ensure_default_model (scripts/build_model.py missing)"
        seconds = time.perf_counter() - started
        size = folder_mb(Path(fresh) / "models")
    return {"seconds": round(seconds, 1), "models_mb": size, "how": how}


def worker_bot(settings: Settings, spec: dict[str, Any]) -> dict[str, Any]:
    """scripts/bench_bot.py's scenarios against the seed index, the model loaded once."""
    import logging

    sys.path.insert(0, str(ROOT / "scripts"))
    import bench_bot

    from bot.redact import install_token_filter
    from index.service import PlanService
    from scripts.standin.botapi import BotApiStandIn
    from scripts.standin.harness import RunningBot, bot_settings

    logging.basicConfig(level=logging.WARNING)
    embedder, _ = _load_model(settings)
    asked = bench_bot.questions()
    if spec.get("rounds"):
        asked = (asked * (spec["rounds"] // len(asked) + 1))[: spec["rounds"]]
    with BotApiStandIn() as api:
        bot_config = bot_settings(
            api,
            Path(spec["data_dir"]).parent,
            data_dir=Path(spec["data_dir"]),
            corpus_dir=Path(spec["corpus_dir"]),
            embedding_model=settings.embedding_model,
        )
        install_token_filter(bot_config.telegram_token)
        service = PlanService(bot_config, embedder=embedder, jieba_base=_jieba(settings))
        service.ensure_index()
        for question in asked[:3]:
            service.ask(question, log=False)
        with RunningBot(bot_config, service):
            hello = api.mark()
            api.push_message(1, "/start")
            bench_bot.answer_time(api, 1, hello, spec["timeout"])
            one = bench_bot.one_user(api, asked, spec["timeout"])
            many = bench_bot.many_users(api, asked, spec["users"], spec["timeout"])
        service.close()
    return {"one_user": one, "many_users": many, "peak_rss_mb": rss_mb()["peak"]}


WORKERS: dict[str, Callable[[Settings, dict[str, Any]], dict[str, Any]]] = {
    "build": worker_build,
    "search": worker_search,
    "add": worker_add,
    "embed": worker_embed,
    "model": worker_model,
    "bot": worker_bot,
}


# -- parent side: plan the run, start one process per measurement, print --------------------------


def run_worker(kind: str, spec: dict[str, Any], label: str) -> dict[str, Any]:
    print(f"… {label}", file=sys.stderr, flush=True)
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--worker", kind, "--spec", json.dumps(spec)],
        stdout=subprocess.PIPE,
        text=True,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith(RESULT_TAG)]
    if done.returncode != 0 or not lines:
        return {"error": f"worker {kind} failed (exit {done.returncode}); see stderr above"}
    result = json.loads(lines[-1][len(RESULT_TAG) :])
    result.setdefault("wall_s", round(time.perf_counter() - started, 1))
    return result


def machine_info(settings: Settings) -> dict[str, Any]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram = round(int(line.split()[1]) / 2**20, 1)
    except OSError:
        pass
    versions = {}
    for name in ("torch", "faiss", "onnxruntime", "numpy", "jieba"):
        try:
            module = __import__(name)
            versions[name] = getattr(module, "__version__", "?")
        except ImportError:
            versions[name] = None
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram_gb": ram,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "versions": versions,
        "embedding_model": settings.embedding_model,
        "embedding_backend": settings.embedding_backend,
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "load_avg_1m_at_start": round(os.getloadavg()[0], 2),
    }


def _scale_key(settings: Settings, fingerprint: str) -> str:
    from index.bench.synthetic import GENERATOR_VERSION
    from index.build.layout import CODE_VERSION, FORMAT_VERSION

    return short_hash(GENERATOR_VERSION, fingerprint, settings.embedding_model, str(FORMAT_VERSION), CODE_VERSION)


def _prune_other_keys(bench_root: Path, keep: set[str]) -> None:
    """Cached corpora and indexes of another generator, model, index format or size are removed."""
    for path in bench_root.iterdir():
        owned = path.is_dir() and path.name.split("-")[0] in ("seed", "corpus", "index", "add", "model")
        if owned and path.name not in keep:
            shutil.rmtree(path, ignore_errors=True)


def exponent(n1: float, v1: float, n2: float, v2: float) -> float | None:
    """Growth exponent b in v ∝ n^b between two points."""
    if not (n1 and n2 and v1 and v2) or n1 == n2 or v1 <= 0 or v2 <= 0:
        return None
    return round(math.log(v2 / v1) / math.log(n2 / n1), 2)


def growth_kind(b: float | None) -> str:
    if b is None:
        return "–"
    if b < 0.2:
        return "flat"
    if b < 0.8:
        return "sublinear"
    if b < 1.25:
        return "linear"
    return "superlinear"


def growth(report: dict[str, Any]) -> dict[str, Any]:
    """For each figure measured at several scales: values by clause count and growth exponents."""
    search = report["search"]
    scales = [s for s in SCALES if isinstance(search.get(s), dict) and "clauses" in search[s]]
    figures: dict[str, Callable[[dict[str, Any], str], float | None]] = {
        "ours p50 ms": lambda r, s: r["search"][s]["ours"]["p50_ms"],
        "bm25 p50 ms": lambda r, s: r["search"][s]["bm25"]["p50_ms"],
        "dense p50 ms": lambda r, s: r["search"][s]["dense"]["p50_ms"],
        "ours stage: query embedding p50 ms": lambda r, s: r["search"][s]["stages"]["p50_ms"]["query_embedding"],
        "ours stage: dense search p50 ms": lambda r, s: r["search"][s]["stages"]["p50_ms"]["dense_search"],
        "ours stage: lexical search p50 ms": lambda r, s: r["search"][s]["stages"]["p50_ms"]["lexical_search"],
        "ours stage: question reading p50 ms": lambda r, s: r["search"][s]["stages"]["p50_ms"]["question_reading"],
        "ours stage: fusion and hits p50 ms": lambda r, s: r["search"][s]["stages"]["p50_ms"]["fusion_and_hits"],
        "ask() p50 ms": lambda r, s: r["search"][s]["stages"]["ask"]["p50_ms"],
        "reply added over search p95 ms": lambda r, s: r["search"][s]["stages"]["reply"]["added_over_search_p95_ms"],
        "RSS loaded MB": lambda r, s: r["rss_mb"].get(s),
        "index load s": lambda r, s: r["search"][s]["load_s"]["index"],
        "full build s": lambda r, s: r["index"]["build"].get(s, {}).get("seconds"),
        "index folder MB": lambda r, s: r["index"]["build"].get(s, {}).get("disk_mb", {}).get("index"),
    }
    out: dict[str, Any] = {"clauses": {s: search[s]["clauses"] for s in scales}, "figures": {}}
    for name, get in figures.items():
        values = {}
        for s in scales:
            try:
                values[s] = get(report, s)
            except (KeyError, TypeError):
                values[s] = None
        steps = {}
        for a, b in zip(scales, scales[1:], strict=False):
            e = exponent(out["clauses"][a], values[a] or 0, out["clauses"][b], values[b] or 0)
            steps[f"{a}→{b}"] = {"exponent": e, "kind": growth_kind(e)}
        out["figures"][name] = {"values": values, "steps": steps}
    return out


def check_targets(report: dict[str, Any]) -> list[dict[str, Any]]:
    search, out = report["search"], []

    def add(name: str, value: Any, limit: float, unit: str) -> None:
        met = None if value is None else bool(value <= limit)
        out.append({"target": name, "value": value, "limit": limit, "unit": unit, "met": met})

    seed = search.get("seed", {})
    add("seed: ours p95", seed.get("ours", {}).get("p95_ms"), TARGET_SEED_P95_MS, "ms")
    add("seed: ours p95 / dense p95", seed.get("ours_over_dense_p95"), TARGET_SEED_RATIO, "×")
    if "100k" in search:
        add("100k: ours p95", search["100k"].get("ours", {}).get("p95_ms"), TARGET_100K_P95_MS, "ms")
    add_one = report["index"].get("add_one_document", {})
    if add_one:
        add(f"add one document at {add_one.get('scale')}", add_one.get("seconds"), TARGET_ADD_S, "s")
    largest = [s for s in SCALES if s in report["rss_mb"]]
    if largest:
        add(f"RSS loaded at {largest[-1]}", report["rss_mb"][largest[-1]], TARGET_RSS_MB, "MB")
    bot = report.get("bot", {})
    add("bot p95, one user", bot.get("one_user", {}).get("p95_ms"), TARGET_BOT_ONE_P95_MS, "ms")
    add(f"bot p95, {bot.get('many_users', {}).get('asked', 50)} users at once", bot.get("many_users", {}).get("p95_ms"), TARGET_BOT_MANY_P95_MS, "ms")
    return out


# -- printing ------------------------------------------------------------------------------------


def _fmt(value: Any, width: int = 9, digits: int = 1) -> str:
    if value is None:
        return f"{'–':>{width}}"
    if isinstance(value, float):
        return f"{value:>{width}.{digits}f}"
    return f"{value!s:>{width}}"


def render(report: dict[str, Any]) -> str:
    m = report["machine"]
    v = m["versions"]
    lines = [
        f"Machine: {m['cpu']} · {m['cores']} cores · {m['ram_gb']} GiB · Python {m['python']} · "
        f"torch {v.get('torch')} · faiss {v.get('faiss')} · onnxruntime {v.get('onnxruntime')}",
        f"Model: {m['embedding_model']} (EMBEDDING_BACKEND={m['embedding_backend']}) · run {m['date']}",
        "",
        "1. Search latency, warm, ms per question (dev questions + generated ones; interleaved; one query embedding in ours and dense;",
        "   ask() = PlanService.ask, what the bot calls: the search plus the service's own per-question work)",
    ]
    header = f"{'scale':<6}{'clauses':>9}{'passages':>9} {'vectors':<12}" + "".join(
        f"{name + ' ' + col:>12}" for name in ("ours", "bm25", "dense") for col in ("p50", "p95", "max")
    ) + f"{'ours/dense p95':>16}{'ask() p50':>11}{'ask() p95':>11}"
    lines += [header, "-" * len(header)]
    for scale, r in report["search"].items():
        if "error" in r:
            lines.append(f"{scale:<6} error: {r['error']}")
            continue
        row = f"{scale:<6}{r['clauses']:>9}{r['passages']:>9} {('real' if r['vectors'] == 'real' else 'synthesised'):<12}"
        for name in ("ours", "bm25", "dense"):
            row += "".join(_fmt(r[name][col], 12) for col in ("p50_ms", "p95_ms", "max_ms"))
        ask = r.get("stages", {}).get("ask", {})
        lines.append(row + _fmt(r["ours_over_dense_p95"], 16, 2) + _fmt(ask.get("p50_ms"), 11) + _fmt(ask.get("p95_ms"), 11))
    lines += ["", "   ours by stage, p50 ms (timed inside HybridSearcher.search through its timings seam)"]
    stage_names = ("question_reading", "query_embedding", "dense_search", "lexical_search", "fusion_and_hits", "search_total", "question_log_store_write", "ask_total")
    short = ("reading", "embed", "dense", "lexical", "fusion+hits", "search", "log write", "ask()")
    header = f"{'scale':<6}" + "".join(f"{s:>12}" for s in short) + f"{'search/embed':>14}"
    lines += [header, "-" * len(header)]
    for scale, r in report["search"].items():
        if "stages" in r:
            p = r["stages"]["p50_ms"]
            lines.append(f"{scale:<6}" + "".join(_fmt(p[k], 12, 2) for k in stage_names) + _fmt(r["stages"]["search_over_embedding_p50"], 14, 2))
    lines += ["", "   a conversation turn (PlanService.respond with a session), ms: reply p50 / p95, added over search p95, follow-up 谁牵头？ p50 / p95"]
    for scale, r in report["search"].items():
        reply = r.get("stages", {}).get("reply")
        if reply:
            follow = reply["follow_up"]
            lines.append(f"{scale:<6}{_fmt(reply['p50_ms'], 10)}{_fmt(reply['p95_ms'], 10)}{_fmt(reply['added_over_search_p95_ms'], 12, 2)}{_fmt(follow['p50_ms'], 10)}{_fmt(follow['p95_ms'], 10)}")
    lines += ["", "   quality on the dev set (at 10k/100k: the seed plans among synthetic distractors with synthesised vectors)"]
    header = f"{'scale':<6}{'retriever':<10}" + "".join(f"{c:>10}" for c in ("hit@1", "hit@3", "mrr", "recall@5", "agency"))
    lines += [header, "-" * len(header)]
    for scale, r in report["search"].items():
        for name in ("ours", "bm25", "dense"):
            q = r.get("quality", {}).get(name)
            if q:
                lines.append(f"{scale:<6}{name:<10}" + "".join(_fmt(q[k], 10, 3) for k in ("hit@1", "hit@3", "mrr", "recall@5", "agency_accuracy")))
    lines += ["", "   FAISS index types on the same vectors, unfiltered single-question search (k = 3 × fusion depth; recall vs exact flat)"]
    header = f"{'scale':<6}{'index':<14}{'vectors':>9}{'build s':>9}{'p50 ms':>9}{'p95 ms':>9}{'recall@k':>9}{'@10':>7}  live index"
    lines += [header, "-" * len(header)]
    for scale, r in report["search"].items():
        f = r.get("faiss") or {}
        if "error" in f:
            lines.append(f"{scale:<6}error: {f['error']}")
        for name in ("flat", "flat_1thread", "hnsw", "hnsw_ef128", "hnsw_ef640", "hnsw_ef1280", "ivf"):
            if name in f:
                lines.append(
                    f"{scale:<6}{name:<14}{f['vectors']:>9}" + _fmt(f[name]["build_s"], 9, 2) + _fmt(f[name]["p50_ms"], 9, 2)
                    + _fmt(f[name]["p95_ms"], 9, 2) + _fmt(f[name]["recall"], 9, 3)
                    + _fmt(f[name].get("recall_at_10"), 7, 2) + f"  {f['live']}"
                )

    idx = report["index"]
    lines += ["", "2. Indexing"]
    for backend, e in idx.get("embed", {}).items():
        if "error" in e:
            lines.append(f"   embed {backend}: error: {e['error']}")
        else:
            lines.append(
                f"   embed {backend:<6} {e['passages_per_s']} passages/s ({e['passages']} real seed passages, ~{e['mean_chars']} chars, batch {e['batch']}); "
                f"one query p50 {e['query']['p50_ms']} ms (mean {e.get('query_mean_ms')} ms; in batches of 16: "
                f"{e.get('query_batched16_ms_per_question')} ms each); model load {e['load_s']} s; peak RSS {e['peak_rss_mb']} MB"
            )
    header = f"   {'scale':<6}{'docs':>7}{'clauses':>9}{'passages':>10}{'vectors':>13}{'seconds':>9}{'clauses/s':>11}{'fresh':>7}  stages (s)"
    lines += [header]
    for scale, b in idx.get("build", {}).items():
        if "error" in b:
            lines.append(f"   {scale:<6} error: {b['error']}")
            continue
        stages = ", ".join(f"{k} {val}" for k, val in b.get("stages_s", {}).items() if val >= 0.05)
        lines.append(
            f"   {scale:<6}{b['documents']:>7}{b['clauses']:>9}{b['passages']:>10}{b['vectors']:>13}{_fmt(b['seconds'], 9)}"
            f"{_fmt(b['clauses_per_s'], 11)}{('no' if b.get('cached') else 'yes'):>7}  {stages}"
        )
    add_one = idx.get("add_one_document")
    if add_one:
        if "error" in add_one:
            lines.append(f"   add one document: error: {add_one['error']}")
        else:
            stages = ", ".join(f"{k} {val}" for k, val in add_one["stages_s"].items() if val >= 0.05)
            lines.append(
                f"   add one document ({add_one['document_clauses']} clauses) at {add_one['scale']}: {add_one['seconds']} s "
                f"[{stages}]; embedded {add_one['embedded']} passages; first ask() after it {add_one['first_ask_after_ms']} ms; "
                f"new document found by it: {add_one['new_document_found']}"
            )
    model = idx.get("model_build")
    if model:
        lines.append(f"   model build on a fresh DATA_DIR: {model}")

    lines += ["", "3. Peak RSS of a process with model and index loaded (one process per scale), MB"]
    lines.append("   " + ", ".join(f"{s}: {val}" for s, val in report["rss_mb"].items()))
    bot = report.get("bot", {})
    lines += ["", "4. Bot: update → sendMessage through the Bot API stand-in (seed index)"]
    if "error" in bot or not bot:
        lines.append(f"   {bot.get('error') or bot.get('skipped') or 'not run'}")
    else:
        for key in ("one_user", "many_users"):
            b = bot[key]
            lines.append(f"   {b['scenario']:<22} asked {b['asked']:>3} answered {b['answered']:>3} errors {b['errors']}  p50 {b['p50_ms']} ms  p95 {b['p95_ms']} ms  max {b['max_ms']} ms")
    g = report.get("growth", {})
    if g.get("figures"):
        lines += ["", "5. Growth (exponent b in cost ∝ clauses^b: ≈0 flat, ≈1 linear)"]
        scales = list(g["clauses"])
        header = f"   {'figure':<38}" + "".join(f"{s + ' (' + str(g['clauses'][s]) + ')':>16}" for s in scales) + "".join(
            f"{a + '→' + b:>18}" for a, b in zip(scales, scales[1:], strict=False)
        )
        lines.append(header)
        for name, f in g["figures"].items():
            row = f"   {name:<38}" + "".join(_fmt(f["values"][s], 16, 2) for s in scales)
            row += "".join(f"{(str(st['exponent']) + ' ' + st['kind']):>18}" for st in f["steps"].values())
            lines.append(row)
    loads = []
    for scale, r in report["search"].items():
        if "load_avg" in r:
            loads.append(f"search {scale} {r['load_avg']['before']}→{r['load_avg']['after']}")
    for backend, e in idx.get("embed", {}).items():
        if "load_avg" in e:
            loads.append(f"embed {backend} {e['load_avg']['before']}→{e['load_avg']['after']}")
    for name, part in (("add", idx.get("add_one_document") or {}), ("bot", bot)):
        if "load_avg" in part:
            loads.append(f"{name} {part['load_avg']['before']}→{part['load_avg']['after']}")
    lines += ["", f"Load average (1 min) around each measurement, on {m['cores']} cores: " + "; ".join(loads)]
    lines += ["", "Targets"]
    for t in report.get("targets", []):
        mark = "met" if t["met"] else ("MISSED" if t["met"] is False else "not measured")
        lines.append(f"   {t['target']:<36} {t['value']!s:>10} {t['unit']:<3} (≤ {t['limit']}) {mark}")
    return "\n".join(lines)


def parse_sizes(text: str | None) -> dict[str, int]:
    sizes = dict(SCALES)
    for part in (text or "").split(","):
        if "=" in part:
            name, value = part.split("=", 1)
            if name.strip() in sizes and name.strip() != "seed":
                sizes[name.strip()] = int(value)
    return sizes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="seed and 10k only, fewer repeats (about 3 minutes)")
    parser.add_argument("--json", action="store_true", help="print one JSON object last")
    parser.add_argument("--rebuild", action="store_true", help="rebuild every cached index, 100k included")
    parser.add_argument("--repeat", type=int, help="timed passes over the questions (default 5, quick 2)")
    parser.add_argument("--dev", type=Path, default=DEFAULT_DEV, help="dev questions (jsonl)")
    parser.add_argument("--clauses", help="override scale sizes, e.g. 10k=300,100k=600 (for tests)")
    parser.add_argument("--bot-users", type=int, default=50, help="users asking at once in the bot bench")
    parser.add_argument("--bot-rounds", type=int, default=0, help="sequential bot questions (default: every dev question)")
    parser.add_argument("--skip", default="", help="comma-separated parts to skip: embed,add,model,bot,faiss")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--spec", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    settings = Settings.from_env()
    settings = settings.with_(data_dir=settings.data_dir.resolve(), corpus_dir=settings.corpus_dir.resolve())

    if args.worker:
        load_before = round(os.getloadavg()[0], 2)
        result = WORKERS[args.worker](settings, json.loads(args.spec))
        result["load_avg"] = {"before": load_before, "after": round(os.getloadavg()[0], 2)}
        print(RESULT_TAG + json.dumps(result, ensure_ascii=False), flush=True)
        return 0

    from index.bench.synthetic import GENERATOR_VERSION, read_seed_texts, seed_material

    skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    sizes = parse_sizes(args.clauses)
    scales = ["seed", "10k"] if args.quick else ["seed", "10k", "100k"]
    repeat = args.repeat or (2 if args.quick else 5)
    fake = settings.embedding_model.startswith("fake:")
    bench_root = settings.data_dir / "bench"
    bench_root.mkdir(parents=True, exist_ok=True)
    fingerprint = seed_material(read_seed_texts(settings.corpus_dir)).fingerprint
    key = _scale_key(settings, fingerprint)
    corpus_key = short_hash(GENERATOR_VERSION, fingerprint)  # the text depends on generator and seeds only
    dirs = {"seed": bench_root / f"seed-{key}"}
    corpora = {"seed": settings.corpus_dir}
    for scale in list(SCALES)[1:]:
        dirs[scale] = bench_root / f"index-{key}-{sizes[scale]}"
        corpora[scale] = bench_root / f"corpus-{corpus_key}-{sizes[scale]}"
    _prune_other_keys(bench_root, {p.name for p in (*dirs.values(), *corpora.values())})

    report: dict[str, Any] = {
        "machine": machine_info(settings),
        "mode": "quick" if args.quick else "full",
        "search": {},
        "index": {"build": {}, "embed": {}},
        "rss_mb": {},
        "bot": {},
    }
    common = {"bench_root": str(bench_root), "dev": str(args.dev), "quiet": False}
    started = time.perf_counter()
    for scale in scales:
        synthetic = scale != "seed"
        spec = {
            **common,
            "scale": scale,
            "synthetic": synthetic,
            "data_dir": str(dirs[scale]),
            "corpus_dir": str(corpora[scale]),
            "clauses": sizes[scale],
            "seed_cache": str(dirs["seed"] / "embeddings.db"),
            "fresh": args.rebuild or (not args.quick and scale != "100k"),
        }
        build = run_worker("build", spec, f"index at {scale}")
        report["index"]["build"][scale] = build
        if "error" in build:
            report["search"][scale] = build
            continue
        docs = (build.get("corpus") or {}).get("documents") or 1
        search = run_worker(
            "search",
            {**spec, "repeat": repeat, "generated_docs": docs, "faiss": "faiss" not in skip, "quick": args.quick},
            f"search at {scale}",
        )
        report["search"][scale] = search
        if "rss_mb" in search:
            report["rss_mb"][scale] = search["rss_mb"]["loaded"]

    seed_spec = {**common, "seed_data_dir": str(dirs["seed"]), "generated_docs": 1}
    if "embed" not in skip:
        backends = ["fake"] if fake else ["onnx", "torch"]
        for backend in backends:
            report["index"]["embed"][backend] = run_worker(
                "embed", {**seed_spec, "backend": backend, "limit": 32 if args.quick else 0, "query_samples": 10 if args.quick else 60}, f"embedding throughput ({backend})"
            )
    largest = scales[-1]
    if "add" not in skip and not args.quick and "error" not in report["index"]["build"].get(largest, {}):
        docs = (report["index"]["build"][largest].get("corpus") or {}).get("documents", 0)
        report["index"]["add_one_document"] = run_worker(
            "add", {**common, "scale": largest, "data_dir": str(dirs[largest]), "new_index": docs + 1}, f"add one document at {largest}"
        )
    if "model" not in skip and not args.quick:
        report["index"]["model_build"] = (
            {"skipped": "fake model"} if fake else run_worker("model", common, "model build on a fresh DATA_DIR")
        )
    if "bot" not in skip:
        report["bot"] = run_worker(
            "bot",
            {
                **common,
                "data_dir": str(dirs["seed"]),
                "corpus_dir": str(settings.corpus_dir),
                "users": args.bot_users,
                "rounds": args.bot_rounds,
                "timeout": 60.0,
            },
            "bot through the Bot API stand-in",
        )
    report["growth"] = growth(report)
    report["targets"] = check_targets(report)
    report["seconds"] = round(time.perf_counter() - started, 1)
    print(render(report))
    print(f"\n(bench took {report['seconds']} s; caches under {bench_root})")
    if args.json:
        print(json.dumps(report, ensure_ascii=False))
    failed = [k for k, v in report["search"].items() if "error" in v]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
