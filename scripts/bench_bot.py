"""Benchmark the bot: Update → sendMessage latency through a local Bot API stand-in.

    python scripts/bench_bot.py                 the configured model (EMBEDDING_MODEL, default the real one)
    python scripts/bench_bot.py --fake          FakeEmbedder: no model, measures the bot and search plumbing
    python scripts/bench_bot.py --json out.json also write the numbers as JSON

Runs the stand-in (scripts/standin) in a child process — "Telegram and its users", which also
takes the measurements — and the real Application (bot.app) in this one, as in production where
Telegram is another machine (--same-process puts both in one process, sharing one GIL). Builds or
reuses an index of the bundled corpus under --data-dir (a temporary folder by default), warms
the model, then measures from the moment an update is available to the moment the answer's
sendMessage reaches the stand-in:

- one user asking the dev questions one after another;
- N users (default 50) asking at the same moment; all must be answered, with no errors.

The bot runs with its production settings, AIORateLimiter included (Telegram allows ~30
messages per second overall, so the burst's tail is paced by the limiter, as it would be live).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import argparse  # noqa: E402
import contextlib  # noqa: E402
import json  # noqa: E402
import logging  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from types import SimpleNamespace  # noqa: E402
from typing import Any  # noqa: E402

from tqdm import tqdm  # noqa: E402

from bot.handlers.errors import APOLOGY  # noqa: E402
from bot.redact import install_token_filter  # noqa: E402
from bot.state import BotOptions  # noqa: E402
from index.errors import QualityPlanError  # noqa: E402
from index.service import PlanService  # noqa: E402
from index.settings import Settings  # noqa: E402
from scripts.standin.botapi import BotApiStandIn  # noqa: E402
from scripts.standin.harness import RunningBot, bot_settings, copy_corpus  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DEV_QUESTIONS = ROOT.parent / "shared" / "eval" / "dev.jsonl"
FALLBACK_QUESTIONS = [
    "西安市电梯安全隐患整治有什么安排？",
    "安徽省品牌建设由哪个部门牵头",
    "太原市标准化工作",
    "七台河质量强市的目标",
]


def questions() -> list[str]:
    if DEV_QUESTIONS.exists():
        lines = DEV_QUESTIONS.read_text(encoding="utf-8").splitlines()
        found = [json.loads(line)["question"] for line in lines if line.strip()]
        if found:
            return found
    return FALLBACK_QUESTIONS


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]


def summary(name: str, latencies: list[float], errors: int, answered: int, asked: int) -> dict[str, Any]:
    ms = [1000 * x for x in latencies]
    return {
        "scenario": name,
        "asked": asked,
        "answered": answered,
        "errors": errors,
        "p50_ms": round(statistics.median(ms), 1) if ms else None,
        "p95_ms": round(percentile(ms, 0.95), 1) if ms else None,
        "max_ms": round(max(ms), 1) if ms else None,
    }


def answer_time(api: BotApiStandIn, chat_id: int, since: int, timeout: float) -> float:
    [call] = api.wait_for("sendMessage", lambda c: c.params["chat_id"] == chat_id, since=since, timeout=timeout)
    return call.at


def prepare(service: PlanService, warm_up: list[str]) -> float:
    """Build or check the index and warm the model, the index and jieba; returns the seconds taken."""
    started = time.perf_counter()
    with tqdm(desc="index", unit="项", leave=False) as bar:

        def progress(done: int, total: int, stage: str) -> None:
            if bar.total != total:
                bar.reset(total=total)
            bar.set_description(f"index: {stage}")
            bar.update(done - bar.n)

        service.ensure_index(progress=progress)
    for question in warm_up:
        service.ask(question, log=False)
    return time.perf_counter() - started


def one_user(api: BotApiStandIn, asked: list[str], timeout: float) -> dict[str, Any]:
    latencies = []
    user = 10_000
    start = api.mark()
    for question in tqdm(asked, desc="1 user", unit="问"):
        mark = api.mark()
        update_id, _ = api.push_message(user, question)
        latencies.append(answer_time(api, user, mark, timeout) - api.pushed_at[update_id])
    return summary("1 user, sequential", latencies, count_errors(api, start), len(latencies), len(asked))


def many_users(api: BotApiStandIn, asked: list[str], users: int, timeout: float) -> dict[str, Any]:
    mark = api.mark()
    pushed = {}
    for number in range(users):
        user = 20_000 + number
        update_id, _ = api.push_message(user, asked[number % len(asked)])
        pushed[user] = api.pushed_at[update_id]
    latencies = []
    for user, at in pushed.items():
        latencies.append(answer_time(api, user, mark, timeout) - at)
    return summary(f"{users} users at once", latencies, count_errors(api, mark), len(latencies), users)


def count_errors(api: BotApiStandIn, since: int) -> int:
    """Failed Bot API calls and apologies from the error handler."""
    failed = [c for c in api.calls[since:] if not c.ok]
    apologies = [c for c in api.calls_of("sendMessage", since=since) if c.params.get("text") == APOLOGY]
    return len(failed) + len(apologies)


def measure(api: BotApiStandIn, asked: list[str], users: int, timeout: float) -> list[dict[str, Any]]:
    """The scenarios, from the users' side of the stand-in."""
    hello = api.mark()
    api.push_message(1, "/start")
    answer_time(api, 1, hello, timeout)
    return [one_user(api, asked, timeout), many_users(api, asked, users, timeout)]


def standin_child(asked: list[str], users: int, timeout: float) -> int:
    """Child process: serve the stand-in, say where, measure on "go", report, stop on "bye"."""
    with BotApiStandIn() as api:
        endpoint = {"token": api.token, "base_url": api.base_url, "base_file_url": api.base_file_url}
        print(json.dumps(endpoint), flush=True)
        if sys.stdin.readline().strip() != "go":
            return 1
        print(json.dumps(measure(api, asked, users, timeout), ensure_ascii=False), flush=True)
        sys.stdin.readline()  # keep serving until the bot has stopped polling
    return 0


class Users:
    """The stand-in and the measuring users: in a child process (default) or in this one."""

    def __init__(self, args: argparse.Namespace, asked: list[str]) -> None:
        self.args = args
        self.asked = asked
        self.api: BotApiStandIn | None = None
        self.child: subprocess.Popen | None = None
        self.endpoint: Any = None

    def __enter__(self) -> Users:
        if self.args.same_process:
            self.api = BotApiStandIn().start()
            self.endpoint = self.api
            return self
        command = [sys.executable, __file__, "--standin-child", "--users", str(self.args.users)]
        command += ["--timeout", str(self.args.timeout), "--rounds", str(len(self.asked))]
        self.child = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.endpoint = SimpleNamespace(**json.loads(self.child.stdout.readline()))
        return self

    def measure(self) -> list[dict[str, Any]]:
        if self.api is not None:
            return measure(self.api, self.asked, self.args.users, self.args.timeout)
        self.child.stdin.write("go\n")
        self.child.stdin.flush()
        return json.loads(self.child.stdout.readline())

    def __exit__(self, *exc: object) -> None:
        if self.api is not None:
            self.api.stop()
        if self.child is not None:
            with contextlib.suppress(BrokenPipeError):
                self.child.stdin.write("bye\n")
                self.child.stdin.close()
            self.child.wait(timeout=30)


def table(rows: list[dict[str, Any]]) -> str:
    header = f"{'scenario':<24}{'asked':>7}{'answered':>10}{'errors':>8}{'p50 ms':>10}{'p95 ms':>10}{'max ms':>10}"
    lines = [header, "-" * len(header)]
    for r in rows:
        lines.append(
            f"{r['scenario']:<24}{r['asked']:>7}{r['answered']:>10}{r['errors']:>8}"
            f"{r['p50_ms']:>10}{r['p95_ms']:>10}{r['max_ms']:>10}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fake", action="store_true", help="FakeEmbedder instead of the configured model")
    parser.add_argument("--users", type=int, default=50, help="users asking at the same moment (default 50)")
    parser.add_argument("--rounds", type=int, default=0, help="sequential questions (default: every dev question)")
    parser.add_argument("--data-dir", type=Path, help="reuse an index here (default: a temporary folder)")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for one answer")
    parser.add_argument(
        "--typing-delay", type=float, help="seconds before the typing action in private chats (default: the bot's)"
    )
    parser.add_argument("--json", type=Path, help="write the results as JSON to this file")
    parser.add_argument("--same-process", action="store_true", help="run the stand-in in this process too")
    parser.add_argument("--standin-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    env = Settings.from_env()
    model = "fake:64" if args.fake else env.embedding_model
    asked = questions()
    if args.rounds:
        asked = (asked * (args.rounds // len(asked) + 1))[: args.rounds]

    if args.standin_child:
        return standin_child(asked, args.users, args.timeout)

    with tempfile.TemporaryDirectory(prefix="bench-bot-") as scratch, Users(args, asked) as users:
        base = Path(scratch)
        corpus = copy_corpus(base / "corpus")
        data_dir = args.data_dir or base / "data"
        settings = bot_settings(users.endpoint, base, data_dir=data_dir, corpus_dir=corpus, embedding_model=model)
        install_token_filter(settings.telegram_token)
        service = PlanService(settings)
        try:
            seconds = prepare(service, asked[:3])
        except (ImportError, QualityPlanError) as error:  # e.g. the real model cannot be loaded here
            print(f"无法准备模型或索引（{model}）：{error}\n可以先用 --fake 测量机器人本身。", file=sys.stderr)
            return 2
        print(f"model {service.embedder.model_id}: index ready and warm in {seconds:.1f} s")
        options = BotOptions() if args.typing_delay is None else BotOptions(typing_delay_private=args.typing_delay)
        with RunningBot(settings, service, options=options):
            rows = users.measure()
        service.close()

    print(table(rows))
    if args.json:
        args.json.write_text(
            json.dumps(
                {"model": model, "typing_delay": options.typing_delay_private, "results": rows},
                ensure_ascii=False,
                indent=2,
            ),
            encoding="utf-8",
        )
    failed = any(r["errors"] or r["answered"] < r["asked"] for r in rows)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
