"""Prove it holds: run every reliability scenario against the real code and print the figures.

    python scripts/stress.py                 the issue's counts, fake embedder (no model needed)
    python scripts/stress.py --quick         small counts (about a minute or two)
    python scripts/stress.py --real-model    the configured real embedding model (EMBEDDING_MODEL)
    python scripts/stress.py --json out.json also write the outcomes (with every problem) as JSON

Scenarios (scripts/reliability/scenarios.py; each is also covered, smaller, by tests/test_reliability_*.py):

1. crash: `scripts/reindex.py --full` SIGKILLed at random moments of its build (seeded), and the
   core SIGKILLed at exact points of each stage; then a fresh look: one complete live build
   (manifest = FAISS = passages = snapshot), intact SQLite files, a cited answer, old-or-new
   documents in index and store; a re-index with no cleanup.
   And an upload confirmed in the bot (`scripts/run_bot.py`) SIGKILLed while it is added:
   after a restart, corpus, store and index are all as before the upload or all as after.
2. concurrency: questions from many threads during a full re-index; two re-indexes at once.
3. hostile questions through the core, the renderer and the bot (valid Telegram HTML).
4. bad uploads through PlanService.preview_file and through the bot.
5. admin only: every admin entry point of the running bot tried by a non-admin; no admins.
6. secrets: the token in no log line (DEBUG), message or stored file, network errors included.
7. restart: the bot SIGKILLed mid-conversation and started again.

Everything runs in a temporary folder on 127.0.0.1 (a local Bot API stand-in replaces Telegram).
"data lost" counts stored documents, questions and feedback missing after a crash or restart.
Exit code 0 when no scenario failed, 1 otherwise.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import argparse  # noqa: E402
import json  # noqa: E402
import shutil  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from typing import Any  # noqa: E402

from tqdm import tqdm  # noqa: E402

from index.settings import DEFAULT_MODEL, Settings  # noqa: E402
from scripts.reliability import scenarios  # noqa: E402
from scripts.reliability.world import FAKE_MODEL, World, clone_world, make_world  # noqa: E402


@dataclass(frozen=True)
class Counts:
    reindex_kills: int
    upload_kills: int
    questions: int
    threads: int
    reindex_pairs: int
    hostile: int
    restarts: int


FULL = Counts(reindex_kills=20, upload_kills=20, questions=200, threads=20, reindex_pairs=5, hostile=1000, restarts=10)
QUICK = Counts(reindex_kills=3, upload_kills=2, questions=40, threads=8, reindex_pairs=1, hostile=100, restarts=2)

SCENARIOS = ("crash", "upload-crash", "concurrency", "hostile", "uploads", "admin", "secrets", "restart")


def run(args: argparse.Namespace) -> list[scenarios.Outcome]:
    counts = QUICK if args.quick else FULL
    model = Settings.from_env().embedding_model if args.real_model else FAKE_MODEL
    if args.real_model and model.startswith("fake:"):
        model = DEFAULT_MODEL
    root = Path(args.work_dir or tempfile.mkdtemp(prefix="stress-"))
    root.mkdir(parents=True, exist_ok=True)
    wanted = set(args.only or SCENARIOS)

    def say(line: str) -> None:
        tqdm.write(line, file=sys.stderr)

    say(f"model: {model} ({'real model' if args.real_model else 'fake embedder, deterministic'}); folder {root}")
    say(f"counts: {counts}")

    say("building the worlds (bundled corpus; bundled + synthetic plans for the re-index crashes) …")
    small = make_world(root / "template", model=model)
    big = make_world(root / "template-big", synthetic=args.synthetic, model=model) if "crash" in wanted else None
    numbers = iter(range(1000))

    def world(template: World | None = None) -> World:
        return clone_world(template or small, root / f"world-{next(numbers)}")

    logs = root / "logs"
    logs.mkdir(exist_ok=True)
    plan: list[tuple[str, Callable[[], Any]]] = []
    if "crash" in wanted:
        plan.append(("crash", lambda: scenarios.crash_reindex(world(big), counts.reindex_kills, args.seed, log=say)))
        plan.append(("crash", lambda: scenarios.crash_reindex_points(world(big))))
    if "upload-crash" in wanted:
        plan.append(
            ("upload-crash", lambda: scenarios.crash_upload(world(), counts.upload_kills, args.seed, say, log_dir=logs))
        )
    if "concurrency" in wanted:
        plan.append(
            ("concurrency", lambda: scenarios.questions_during_reindex(world(), counts.questions, counts.threads))
        )
        plan.append(("concurrency", lambda: scenarios.two_reindexes(world(), counts.reindex_pairs)))
    if "hostile" in wanted:
        plan.append(("hostile", lambda: scenarios.hostile_through_core(world(), counts.hostile, args.seed)))
        plan.append(("hostile", lambda: scenarios.hostile_through_bot(world(), counts.hostile, args.seed)))
    if "uploads" in wanted:
        plan.append(("uploads", lambda: scenarios.bad_uploads_core(fresh := world(), fresh.base / "uploads-in")))
        plan.append(("uploads", lambda: scenarios.bad_uploads_bot(world())))
    if "admin" in wanted:
        plan.append(("admin", lambda: scenarios.admin_only_table(world())))
        plan.append(("admin", lambda: scenarios.admin_off(world())))
    if "secrets" in wanted:
        plan.append(("secrets", lambda: scenarios.secrets_scenario(world(), logs)))
    if "restart" in wanted:
        plan.append(
            ("restart", lambda: scenarios.restart_scenario(world(), counts.restarts, args.seed, log_dir=logs, log=say))
        )

    outcomes: list[scenarios.Outcome] = []
    for name, scenario in tqdm(plan, desc="scenarios", unit="scenario"):
        started = time.monotonic()
        try:
            result = scenario()
        except Exception as error:  # a scenario that cannot run is a failure to report, not a crash
            result = scenarios.Outcome(f"{name} (could not run)", tries=1, failures=1)
            result.problems.append(f"{type(error).__name__}: {error}")
            result.seconds = time.monotonic() - started
        for outcome in result if isinstance(result, tuple) else (result,):
            say(f"{outcome.scenario}: {outcome.failures}/{outcome.tries} failed ({outcome.seconds:.0f} s)")
            outcomes.append(outcome)
    if not args.keep and not args.work_dir:
        shutil.rmtree(root, ignore_errors=True)
    return outcomes


def table(outcomes: list[scenarios.Outcome]) -> str:
    rows = [("scenario", "tries", "failures", "data lost", "seconds")]
    rows += [(o.scenario, str(o.tries), str(o.failures), str(o.data_lost), f"{o.seconds:.0f}") for o in outcomes]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for number, row in enumerate(rows):
        cells = [row[0].ljust(widths[0])] + [cell.rjust(width) for cell, width in zip(row[1:], widths[1:], strict=True)]
        lines.append("| " + " | ".join(cells) + " |")
        if number == 0:
            lines.append(
                "|"
                + "|".join("-" * (w + 2) for w in widths[:1])
                + "|"
                + "|".join("-" * (w + 1) + ":" for w in widths[1:])
                + "|"
            )
    return "\n".join(lines)


def details(outcomes: list[scenarios.Outcome], limit: int = 5) -> str:
    lines = []
    for outcome in outcomes:
        for note in outcome.notes:
            lines.append(f"- {outcome.scenario}: {note}")
        if outcome.problems:
            lines.append(
                f"- {outcome.scenario}: {len(outcome.problems)} problems, first {min(limit, len(outcome.problems))}:"
            )
            lines += [f"    {problem[:300]}" for problem in outcome.problems[:limit]]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small counts")
    parser.add_argument("--real-model", action="store_true", help="the configured embedding model, not the fake one")
    parser.add_argument("--json", metavar="FILE", help="write the outcomes as JSON to FILE ('-' for stdout)")
    parser.add_argument("--only", nargs="+", choices=SCENARIOS, help="run only these scenarios")
    parser.add_argument("--seed", type=int, default=0, help="seed of every random choice (kill moments, queries)")
    parser.add_argument("--synthetic", type=int, default=10, help="synthetic plans added for the re-index crashes")
    parser.add_argument("--work-dir", help="run in this folder (kept) instead of a temporary one")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (logs, worlds)")
    args = parser.parse_args(argv)
    started = time.monotonic()
    outcomes = run(args)
    model = "real model" if args.real_model else f"fake embedder ({FAKE_MODEL})"
    counts = QUICK if args.quick else FULL
    print(f"\nReliability ({model}, seed {args.seed}, {'quick' if args.quick else 'full'} counts)\n")
    print(table(outcomes))
    print()
    print(details(outcomes))
    print(f"\ntotal {time.monotonic() - started:.0f} s")
    if args.json:
        data = {
            "model": model,
            "seed": args.seed,
            "counts": counts.__dict__,
            "seconds": round(time.monotonic() - started, 1),
            "scenarios": [o.to_json() for o in outcomes],
        }
        text = json.dumps(data, ensure_ascii=False, indent=1)
        if args.json == "-":
            print(text)
        else:
            Path(args.json).write_text(text + "\n", encoding="utf-8")
    return 0 if all(o.failures == 0 for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
