"""The reliability scenarios of the issue "Prove it holds", each a function of a World and counts.

scripts/stress.py runs them with the issue's counts and prints the table; tests/test_reliability_*.py
run them (or their parts) with small counts. Each returns an Outcome: tries, failures (tries with at
least one problem), data lost (stored documents, questions or feedback missing afterwards) and the
problems themselves, so a failure can be read, not just counted.

Nothing of the code under test is mocked: child processes run scripts/reindex.py, scripts/run_bot.py
or the core (scripts/reliability/child.py) and are killed with SIGKILL; the bot runs unchanged against
the Bot API stand-in, which replaces only Telegram.
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot import render
from bot.access import ADMIN_OFF, REFUSAL
from bot.handlers.errors import APOLOGY
from bot.redact import install_token_filter
from bot.state import BotOptions
from index import AgencyReply, ClauseReply, SearchReply, clean_question
from index.build.layout import MANIFEST
from index.errors import IndexBusyError, QualityPlanError
from scripts.reliability.bot import (
    button_data,
    buttons,
    entry_points,
    job_result,
    press,
    say,
    upload,
    wait_until,
)
from scripts.reliability.checks import (
    answer_problems,
    data_digest,
    digest_changes,
    files_with_secret,
    hit_problems,
    index_problems,
    live_documents,
    secret_hits,
    telegram_html_problems,
)
from scripts.reliability.inputs import (
    bad_uploads,
    hostile_queries,
    synthetic_documents,
    telegram_deliverable,
)
from scripts.reliability.world import (
    ChildBot,
    CuttableLink,
    EchoingProxy,
    World,
    core_child,
    corpus_hashes,
    dev_questions,
    reindex_cli,
    store_counts,
    store_documents,
)
from scripts.standin.botapi import BotApiStandIn, Call
from scripts.standin.harness import RunningBot, bot_settings

ADMIN = 900001
QUESTION = "西安市电梯安全隐患整治有什么安排？"


@dataclass
class Outcome:
    scenario: str
    tries: int = 0
    failures: int = 0
    data_lost: int = 0
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    answered: dict[str, int] = field(default_factory=dict)  # per kind of query: how many were answered

    def record(self, problems: list[str], *, lost: int = 0, label: str = "") -> None:
        """One try: it fails when it has problems."""
        self.tries += 1
        self.data_lost += lost
        if problems:
            self.failures += 1
            prefix = f"{label}: " if label else ""
            self.problems += [prefix + p for p in problems]

    def to_json(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "tries": self.tries,
            "failures": self.failures,
            "data_lost": self.data_lost,
            "seconds": round(self.seconds, 1),
            "notes": self.notes,
            "problems": self.problems[:50],
        }


@contextmanager
def timed(outcome: Outcome) -> Iterator[Outcome]:
    started = time.monotonic()
    try:
        yield outcome
    finally:
        outcome.seconds = time.monotonic() - started


def _count(values: list[str]) -> str:
    return ", ".join(f"{value} {times}" for value, times in Counter(values).items())


# -- 1. crash-safe re-indexing -----------------------------------------------------------------


@dataclass
class KillTry:
    """One killed re-index: where it died and what it left behind."""

    moment: str  # "1.23 s" after the parse stage began, or a kill point "embed:end"
    stage: str  # the stage the build had reached when it died
    returncode: int
    index: list[str]  # index_problems right after the kill
    answer: list[str]  # answer_problems right after the kill (fresh PlanService)
    recovery: list[str]  # problems of the re-index run afterwards, without any cleanup
    live_is_old_or_new: bool
    store_is_old_or_new: bool
    documents_lost: int  # stored documents missing right after the kill (neither old nor new has them gone)

    @property
    def problems(self) -> list[str]:
        out = self.index + self.answer + self.recovery
        if not self.live_is_old_or_new:
            out.append("the live index holds neither the old nor the new set of documents")
        if not self.store_is_old_or_new:
            out.append(f"the store is half updated ({self.documents_lost} stored documents missing after the kill)")
        return out


def _add_corpus_document(world: World, number: int) -> None:
    [(name, text)] = synthetic_documents(1, start=1000 + number)
    (world.settings.corpus_dir / name).write_text(text, encoding="utf-8")


def _change_corpus(world: World, number: int) -> None:
    """Round n changes the corpus so that the old and the new build differ, and its size stays
    about the same: even rounds add a plan, odd rounds delete the plan added before."""
    if number % 2 == 0:
        _add_corpus_document(world, number // 2)
    else:
        [(name, _)] = synthetic_documents(1, start=1000 + number // 2)
        (world.settings.corpus_dir / name).unlink()


def kill_reindex_once(world: World, number: int, *, delay: float | None = None, kill_at: str | None = None) -> KillTry:
    """Change the corpus (one plan more or less), start a full re-index and kill it (`delay`
    seconds into its parse stage through scripts/reindex.py, or at the exact point `kill_at` of
    the core); then check what a fresh PlanService finds on disk, and re-index without cleanup."""
    settings = world.settings
    old_live, old_store = live_documents(settings), store_documents(settings)
    _change_corpus(world, number)
    if kill_at is not None:
        child = core_child(world, "reindex", "--full", kill_at=kill_at)
        returncode = child.wait(300)
        stage, moment = kill_at.split(":")[0], kill_at
    else:
        child = reindex_cli(world, full=True)
        child.wait_for_output("解析文件", 120)
        time.sleep(delay or 0.0)
        stage = child.kill()
        returncode = child.proc.returncode
        moment = f"{delay:.2f} s"
    index = index_problems(settings, world.service().embedder.model_id)
    killed_live, killed_store = live_documents(settings), store_documents(settings)
    service = world.service()
    try:
        answer = answer_problems(service, QUESTION)
        recovery = []
        try:
            service.reindex()
        except Exception as error:
            recovery.append(f"re-index after the crash failed: {type(error).__name__}: {error}")
        recovery += [f"after recovery: {p}" for p in index_problems(settings, service.embedder.model_id)]
        leftovers = [p.name for p in settings.index_root.glob("build-*") if not (p / MANIFEST).is_file()]
        if leftovers:
            recovery.append(f"partial builds left behind after a successful re-index: {leftovers}")
    finally:
        service.close()
    new_live, new_store = live_documents(settings), store_documents(settings)
    lost = len((old_store.keys() & new_store.keys()) - killed_store.keys())
    return KillTry(
        moment=moment,
        stage=stage,
        returncode=returncode,
        index=index,
        answer=answer,
        recovery=recovery,
        live_is_old_or_new=killed_live in (old_live, new_live),
        store_is_old_or_new=killed_store in (old_store, new_store),
        documents_lost=lost,
    )


def calibrate_reindex(world: World) -> float:
    """Seconds from the start of the parse stage to the end of an uninterrupted full re-index."""
    child = reindex_cli(world, full=True)
    if not child.wait_for_output("解析文件", 120):
        raise RuntimeError(f"scripts/reindex.py did not start a build:\n{child.output[-2000:]}")
    began = time.monotonic()
    code = child.wait(600)
    if code != 0:
        raise RuntimeError(f"scripts/reindex.py --full failed ({code}):\n{child.output[-2000:]}")
    return time.monotonic() - began


def crash_reindex(world: World, kills: int, seed: int = 0, log: Callable[[str], None] = print) -> Outcome:
    """kill -9 a full re-index at `kills` random moments of its build (seeded)."""
    with timed(Outcome("crash: kill -9 during full re-index")) as outcome:
        window = calibrate_reindex(world)
        rng = random.Random(f"crash-reindex|{seed}")
        stages = []
        for number in range(kills):
            delay = rng.uniform(0.0, window)
            attempt = kill_reindex_once(world, number, delay=delay)
            stages.append(attempt.stage)
            outcome.record(
                attempt.problems, lost=attempt.documents_lost, label=f"kill {number + 1} at {attempt.moment}"
            )
            log(f"  kill {number + 1}/{kills} at +{delay:.2f} s ({attempt.stage}): {len(attempt.problems)} problems")
        outcome.notes.append(f"build window {window:.1f} s; killed in stage: {_count(stages)}")
    return outcome


KILL_POINTS = ("parse:1", "parse:half", "tokenize:0", "embed:1", "embed:end")


def crash_reindex_points(world: World) -> Outcome:
    """kill -9 a full re-index at exact points of each stage (random moments can miss a short
    stage): the first and the middle parsed file, the start of tokenizing, the first batch of
    vectors, the last one (then come the writes, fsync and the swap)."""
    with timed(Outcome("crash: kill -9 at each stage of a full re-index")) as outcome:
        files = len(corpus_hashes(world.settings))
        for number, point in enumerate(KILL_POINTS):
            point = point.replace("half", str(max(1, files // 2)))
            attempt = kill_reindex_once(world, number, kill_at=point)
            problems = attempt.problems + (
                [] if attempt.returncode == -9 else [f"exit {attempt.returncode}, not killed"]
            )
            outcome.record(problems, lost=attempt.documents_lost, label=f"kill at {point}")
    return outcome


# -- 1b. an upload confirmed in the bot, killed mid-way ----------------------------------------


@dataclass
class CorpusState:
    corpus: frozenset[str]
    store: frozenset[str]
    live: frozenset[str]

    @classmethod
    def read(cls, world: World) -> CorpusState:
        settings = world.settings
        return cls(
            frozenset(corpus_hashes(settings).values()),
            frozenset(store_documents(settings).values()),
            frozenset(live_documents(settings).values()),
        )

    @property
    def agrees(self) -> bool:
        return self.corpus == self.store == self.live

    def describe(self) -> str:
        return f"corpus {len(self.corpus)}, store {len(self.store)}, live index {len(self.live)} documents"


def upload_state_problems(before: CorpusState, after_sha: str, now: CorpusState) -> list[str]:
    """After a crash and a restart, corpus, store and live index hold the same documents, and
    that set is the one before the upload or the one after it."""
    expected = {before.corpus, before.corpus | {after_sha}}
    problems = []
    if not now.agrees:
        problems.append(f"corpus, store and live index disagree after the restart: {now.describe()}")
    if now.corpus not in expected:
        problems.append(f"the corpus is neither before nor after the upload ({len(now.corpus)} files)")
    return problems


def _bot_answers(api: BotApiStandIn, user_id: int) -> list[str]:
    try:
        messages = say(api, user_id, QUESTION)
    except AssertionError as error:
        return [f"no answer from the bot: {str(error)[:200]}"]
    text = messages[0].params["text"]
    problems = telegram_html_problems(text)
    if "📄 《" not in text:
        problems.append(f"the answer cites nothing: {text[:100]!r}")
    return problems


def _confirm_upload(api: BotApiStandIn, name: str, text: str) -> tuple[Call, str] | None:
    preview = upload(api, ADMIN, name, text.encode("utf-8"))
    data = button_data(preview, "确认")
    return (preview, data) if data else None


@dataclass
class UploadKill:
    """One upload confirmed in the bot and killed: what the disk held, and what the restart found."""

    delay: float
    finished: bool  # the bot had already said ✅ when it was killed
    crash: list[str]  # problems right after the kill, before anything runs again
    restart: list[str]  # problems of the restarted bot (it answers, with citations)
    state: list[str]  # corpus/store/index not all "before" or all "after"
    documents_lost: int

    @property
    def problems(self) -> list[str]:
        return self.crash + self.restart + self.state


def kill_bot_upload_once(
    world: World, api: BotApiStandIn, bot: ChildBot, name: str, text: str, delay: float
) -> UploadKill:
    """The admin uploads and confirms `name`; the bot is killed `delay` seconds after 确认 and
    started again."""
    model_id = world.service().embedder.model_id
    before = CorpusState.read(world)
    confirmed = _confirm_upload(api, name, text)
    if confirmed is None:
        return UploadKill(delay, False, ["the upload got no 确认 button"], [], [], 0)
    preview, data = confirmed
    mark = api.mark()
    press(api, ADMIN, preview.result, data)
    time.sleep(delay)
    finished = any(c.params["text"].startswith("✅") for c in api.calls_of("editMessageText", since=mark))
    bot.kill()
    crash = [f"right after the kill: {p}" for p in index_problems(world.settings, model_id)]
    sha = _sha(text)
    partial = [n for n, h in corpus_hashes(world.settings).items() if h not in before.corpus | {sha}]
    crash += [f"a partial file in the corpus: {n}" for n in partial]
    bot.start()
    now = CorpusState.read(world)
    restart = _bot_answers(api, 700000 + len(before.corpus))
    restart += [f"after the restart: {p}" for p in index_problems(world.settings, model_id)]
    state = upload_state_problems(before, sha, now)
    return UploadKill(delay, finished, crash, restart, state, len(before.store - now.store))


def crash_upload(
    world: World, kills: int, seed: int = 0, log: Callable[[str], None] = print, *, log_dir: Path | None = None
) -> Outcome:
    """An admin confirms an upload in the bot; the bot process is killed at a random moment while
    it adds the file; after a restart the documents are as before or as after, never between."""
    with timed(Outcome("crash: kill -9 bot mid-upload")) as outcome, BotApiStandIn() as api:
        rng = random.Random(f"crash-upload|{seed}")
        bot = ChildBot(world, api, (log_dir or world.base) / "bot-upload.log", admins=str(ADMIN))
        documents = synthetic_documents(kills + 1, start=2000)
        try:
            bot.start()
            # An uninterrupted upload first: how long adding a file takes here.
            name, text = documents[0]
            confirmed = _confirm_upload(api, name, text)
            if confirmed is None:
                raise RuntimeError("the calibration upload got no 确认 button")
            preview, data = confirmed
            mark = api.mark()
            began = time.monotonic()
            press(api, ADMIN, preview.result, data)
            result = job_result(api, ADMIN, mark)
            window = time.monotonic() - began
            if not result.params["text"].startswith("✅"):
                raise RuntimeError(f"the calibration upload failed: {result.params['text']}")
            moments = []
            repairs = 0
            for number in range(1, kills + 1):
                name, text = documents[number]
                attempt = kill_bot_upload_once(world, api, bot, name, text, rng.uniform(0.0, window * 1.1))
                moments.append("after ✅" if attempt.finished else "while adding")
                if not CorpusState.read(world).agrees:  # each kill starts from a consistent state
                    service = world.service()
                    service.reindex()
                    service.close()
                    repairs += 1
                outcome.record(
                    attempt.problems, lost=attempt.documents_lost, label=f"kill {number} at +{attempt.delay:.2f} s"
                )
                log(f"  kill {number}/{kills} at +{attempt.delay:.2f} s: {len(attempt.problems)} problems")
            outcome.notes.append(f"add window {window:.1f} s; killed: {_count(moments)}")
            outcome.notes.append(f"{repairs} times a re-index was needed to bring corpus, store and index in line")
        finally:
            bot.kill()
    return outcome


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# -- 2. concurrency ----------------------------------------------------------------------------


def questions_during_reindex(world: World, questions: int, threads: int) -> tuple[Outcome, Outcome]:
    """`questions` questions from `threads` threads while a full re-index runs in the same service
    (as in the bot). Every answer: no error, cited clauses, logged. Second outcome: the clause
    behind each answer's 全文 button is readable meanwhile (PlanService.clause, the store)."""
    answers = Outcome("concurrency: questions during full re-index")
    full_texts = Outcome("concurrency: 全文 button during full re-index")
    with timed(answers):
        _add_corpus_document(world, 500)
        service = world.service()
        service.ensure_index()
        logged_before = store_counts(world.settings)["questions"]
        pool = dev_questions()
        started = threading.Event()
        finished = threading.Event()
        report: dict[str, Any] = {}

        def rebuild() -> None:
            try:
                report["report"] = service.reindex(full=True, progress=lambda *_: started.set())
            except Exception as error:
                report["error"] = error
            finally:
                started.set()
                finished.set()

        def ask(number: int) -> tuple[list[str], list[str], bool]:
            question = pool[number % len(pool)]
            during = not finished.is_set()
            try:
                answer = service.ask(question, top_k=3, user_id=10_000 + number, chat_type="private")
            except Exception as error:
                return [f"{question}: {type(error).__name__}: {error}"], [], during
            problems = [] if answer.hits else [f"{question}: no clauses"]
            for hit in answer.hits:
                problems += [f"{question}: {p}" for p in hit_problems(hit)]
            if answer.question_id is None:
                problems.append(f"{question}: not logged")
            for message in render.answer_messages(answer):
                problems += telegram_html_problems(message)
            full_text = []
            if answer.hits and service.clause(answer.hits[0].clause.id) is None:
                full_text.append(f"{question}: the clause behind 全文 is not in the store")
            return problems, full_text, during

        builder = threading.Thread(target=rebuild, name="reindex")
        builder.start()
        started.wait(120)
        with ThreadPoolExecutor(max_workers=threads) as executor:
            results = list(executor.map(ask, range(questions)))
        builder.join()
        overlapped = sum(1 for *_, during in results if during)
        for number, (problems, full_text, _) in enumerate(results):
            answers.record(problems, label=f"question {number + 1}")
            full_texts.record(full_text, label=f"question {number + 1}")
        if "error" in report:
            answers.record([f"the re-index failed: {report['error']!r}"], label="re-index")
        answers.notes.append(f"{overlapped} of {questions} questions asked while the re-index ran")
        logged = store_counts(world.settings)["questions"] - logged_before
        service.close()
        answers.data_lost += max(0, questions - logged)
    full_texts.seconds = answers.seconds
    return answers, full_texts


def two_reindexes(world: World, tries: int) -> Outcome:
    """Two re-indexes at once — two threads of one service, and the CLI against a service in
    another process: exactly one runs, the other gets IndexBusyError naming the reason."""
    with timed(Outcome("concurrency: two re-indexes at once")) as outcome:
        for number in range(tries):
            outcome.record(two_reindexes_in_threads(world), label=f"threads {number + 1}")
            outcome.record(reindex_beside_the_cli(world), label=f"processes {number + 1}")
    return outcome


def two_reindexes_in_threads(world: World) -> list[str]:
    """The second starts while the first is building (its progress has been reported)."""
    first, second = world.service(), world.service()
    running = threading.Event()
    results: dict[str, Any] = {}

    def run(name: str, service: Any, progress: Any) -> None:
        try:
            results[name] = service.reindex(full=True, progress=progress)
        except Exception as error:
            results[name] = error
        finally:
            running.set()

    one = threading.Thread(target=run, args=("first", first, lambda *_: running.set()))
    one.start()
    running.wait(120)
    two = threading.Thread(target=run, args=("second", second, None))
    two.start()
    one.join()
    two.join()
    first.close()
    second.close()
    return _one_busy(results)


def reindex_beside_the_cli(world: World) -> list[str]:
    """A service re-indexes while scripts/reindex.py --full builds in another process."""
    child = reindex_cli(world, full=True)
    if not child.wait_for_output("解析文件", 120):
        return [f"the CLI re-index did not start: {child.output[-300:]}"]
    service = world.service()
    results: dict[str, Any] = {}
    try:
        results["service"] = service.reindex(full=True)
    except Exception as error:
        results["service"] = error
    finally:
        service.close()
    code = child.wait(600)
    results["cli"] = "ok" if code == 0 else RuntimeError(f"exit {code}: {child.output[-300:]}")
    return _one_busy(results)


def _one_busy(results: dict[str, Any]) -> list[str]:
    busy = [name for name, value in results.items() if isinstance(value, IndexBusyError)]
    other = [f"{name}: {value!r}" for name, value in results.items() if isinstance(value, Exception)]
    other = [o for o in other if "IndexBusyError" not in o]
    problems = [f"unexpected error {o}" for o in other]
    if len(busy) != 1:
        problems.append(f"{len(busy)} of 2 re-indexes were refused as busy (expected exactly 1)")
    for name in busy:
        if "已有重建索引任务在运行" not in str(results[name]):
            problems.append(f"the refusal does not say why: {results[name]}")
    return problems


# -- 3. hostile questions ----------------------------------------------------------------------


def hostile_through_core(world: World, count: int, seed: int = 0) -> Outcome:
    """Every query through the PlanService paths the edges use and the HTML the bot would send."""
    with timed(Outcome("hostile questions (core + render)")) as outcome:
        service = world.service()
        service.ensure_index()
        for query in hostile_queries(count, seed):
            outcome.record(_hostile_problems(service, query.text), label=f"#{query.number} {query.category}")
        service.close()
    return outcome


def _hostile_problems(service: Any, text: str) -> list[str]:
    problems: list[str] = []

    def attempt(name: str, call: Callable[[], Any]) -> Any:
        try:
            return call()
        except QualityPlanError as error:  # a typed message the edge shows is a fine answer
            return error
        except Exception as error:
            problems.append(f"{name} raised {type(error).__name__}: {error}")
            return None

    def check(messages: Any) -> None:
        for message in messages or []:
            problems.extend(telegram_html_problems(message))

    answer = attempt("ask", lambda: service.ask(text, top_k=3, user_id=1, chat_type="private"))
    if answer is not None and not isinstance(answer, Exception):
        check(attempt("render.answer_messages", lambda: render.answer_messages(answer)))
        check(attempt("render.answer_messages (more)", lambda: render.answer_messages(answer, offset=3)))
    attempt("lookup", lambda: service.lookup(text))
    question = clean_question(text)
    if question:  # what the bot does with a private message
        result = attempt("respond", lambda: service.respond(text, top_k=3, user_id=1, chat_type="private"))
        if isinstance(result, ClauseReply):
            check(
                attempt(
                    "render.clause_messages",
                    lambda: render.pack([m for h in result.hits for m in render.clause_messages(h)]),
                )
            )
        elif isinstance(result, AgencyReply):
            check(attempt("render.agency_page", lambda: [render.agency_page(result.agency, result.hits, 0, 20)]))
        elif isinstance(result, SearchReply):
            check(attempt("render.answer_messages", lambda: render.answer_messages(result.answer)))
        inline = attempt("inline", lambda: service.ask(question, top_k=10, chat_type="inline", log=False))
        if inline is not None and not isinstance(inline, Exception):
            check(attempt("render.inline_message", lambda: [render.inline_message(h) for h in inline.hits]))
        hits = attempt("agency_tasks", lambda: service.agency_tasks(question))
        if isinstance(hits, list):
            check(attempt("render.agency_page", lambda: [render.agency_page(question, hits, 0, 8)]))
        attempt("find_document", lambda: service.find_document(question))
    return problems


@contextmanager
def captured_logs(*names: str, level: int = logging.WARNING) -> Iterator[list[logging.LogRecord]]:
    """Records of these loggers (and their children) at `level` or above, while in the block."""
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    handler = Keep(level)
    loggers = [logging.getLogger(name) for name in names]
    saved = [logger.level for logger in loggers]
    for logger in loggers:
        logger.addHandler(handler)
        if logger.level == logging.NOTSET or logger.level > level:
            logger.setLevel(level)
    try:
        yield records
    finally:
        for logger, old in zip(loggers, saved, strict=True):
            logger.removeHandler(handler)
            logger.setLevel(old)


def hostile_through_bot(world: World, count: int, seed: int = 0, *, max_length: int | None = None) -> Outcome:
    """Queries as Telegram would deliver them — private messages, /ask in a group, /clause,
    /agency, /outline, /tasks, /targets and inline queries — to the real bot: every message it
    sends is valid Telegram HTML and accepted by the Bot API, none is the apology for an
    exception, every query gets a reply, and nothing is logged as an error."""
    shapes = ("private", "group /ask", "/clause", "/agency", "/outline", "inline", "/tasks", "/targets")
    with timed(Outcome("hostile questions (bot)")) as outcome, BotApiStandIn() as api:
        settings = bot_settings(api, world.base).with_(embedding_model=world.settings.embedding_model)
        service = world.service()
        with (
            captured_logs("bot", "telegram", level=logging.ERROR) as errors,
            RunningBot(settings, service, options=BotOptions(typing_delay_group=0.0, typing_delay_private=5.0)),
        ):
            expected: list[tuple[int, str, str, int | None]] = []  # number, shape, text, chat (None: inline)
            mark = api.mark()
            for query in hostile_queries(count, seed):
                text = telegram_deliverable(query.text)
                if text is None or (max_length is not None and len(text) > max_length):
                    continue
                shape = shapes[query.number % len(shapes)]
                user = 600000 + query.number
                if shape == "inline":
                    api.push_inline_query(user, text[:256])
                    expected.append((query.number, shape, text, None))
                elif shape == "group /ask":  # one group per query: Telegram allows 20 messages a minute per group
                    group = BotApiStandIn.group_chat(-1009000000000 - query.number)
                    api.push_message(user, f"/ask {text}"[:4096], chat=group)
                    expected.append((query.number, shape, text, group["id"]))
                elif shape == "private":
                    if text.split():  # a message of blanks only is no question: Telegram users see no reply
                        api.push_message(user, text)
                        expected.append((query.number, shape, text, user))
                else:
                    api.push_message(user, f"{shape} {text}"[:4096])
                    expected.append((query.number, shape, text, user))
            chats = {chat for *_, chat in expected if chat is not None}
            inline_expected = len(expected) - len(chats)

            def all_answered() -> bool:
                sent = {c.params.get("chat_id") for c in api.calls_of("sendMessage", since=mark, ok=None)}
                return len(api.calls_of("answerInlineQuery", since=mark, ok=None)) >= inline_expected and chats <= sent

            wait_until(all_answered, timeout=60 + count * 0.5, interval=0.2)
            time.sleep(0.5)  # a stray second message would arrive now
            calls = list(api.calls[mark:])
        service.close()
        answered = {c.params.get("chat_id") for c in calls if c.method == "sendMessage" and c.ok}
        by_chat: dict[int, list[str]] = {}
        inline_answers: list[list[str]] = []
        for call in calls:
            problems = [] if call.ok else [f"the Bot API refused {call.method}: {call.error}"]
            for sent in _sent_texts(call):
                problems += [f"{call.method} {sent[:60]!r}: {p}" for p in telegram_html_problems(sent)]
                if APOLOGY in sent:
                    problems.append(f"{call.method}: the apology for an internal error")
            if call.method == "answerInlineQuery":
                inline_answers.append(problems)
            elif call.params.get("chat_id") is not None:
                by_chat.setdefault(call.params["chat_id"], []).extend(problems)
        inline_failed = iter([p for p in inline_answers if p])
        for number, shape, text, chat in expected:
            if chat is None:
                problems = next(inline_failed, [])
            else:
                problems = by_chat.get(chat, []) + ([] if chat in answered else ["no reply"])
            if not problems:
                outcome.answered[shape] = outcome.answered.get(shape, 0) + 1
            outcome.record(problems, label=f"#{number} {shape} {text[:30]!r}")
        if errors:
            outcome.record([f"logged {r.levelname}: {r.getMessage()[:200]}" for r in errors], label="error log")
        outcome.notes.append(
            f"{len(expected)} delivered ({_count([s for _, s, _, _ in expected])}); {len(calls)} Bot API calls"
        )
    return outcome


def _sent_texts(call: Any) -> list[str]:
    if call.method in ("sendMessage", "editMessageText"):
        return [call.params.get("text", "")]
    if call.method == "answerInlineQuery":
        return [
            r.get("input_message_content", {}).get("message_text", "")
            for r in call.params.get("results") or []
            if r.get("input_message_content", {}).get("parse_mode") == "HTML"
        ]
    return []


# -- 4. bad uploads ----------------------------------------------------------------------------


def _clear(text: str, file_name: str | None, expect: tuple[str, ...]) -> list[str]:
    """A clear message: says why (one of the expected words) and, when given, names the file."""
    problems = []
    if file_name is not None and file_name not in text:
        problems.append(f"the message does not name {file_name}: {text[:160]!r}")
    if not any(word in text for word in expect):
        problems.append(f"the message does not say {' or '.join(expect)}: {text[:160]!r}")
    if APOLOGY in text or "Traceback" in text:
        problems.append("an internal error instead of a reason")
    return problems


def bad_uploads_core(world: World, folder: Path) -> Outcome:
    """Each bad file through PlanService.preview_file: a typed error naming the file, or (valid
    plans) a preview; the data files are byte-for-byte unchanged."""
    with timed(Outcome("bad uploads (PlanService)")) as outcome:
        service = world.service()
        service.ensure_index()
        folder.mkdir(parents=True, exist_ok=True)
        for item in bad_uploads():
            path = folder / item.name
            path.write_bytes(item.content)
            before = data_digest(world.settings)
            problems: list[str] = []
            try:
                parsed = service.preview_file(path)
            except QualityPlanError as error:
                if item.previewable:
                    problems.append(f"refused a valid plan: {error}")
                else:
                    problems += _clear(str(error), item.name, item.expect)
            except Exception as error:
                problems.append(f"untyped error {type(error).__name__}: {error}")
            else:
                if not item.previewable:
                    problems.append(f"accepted: {len(parsed.clauses)} clauses")
                elif item.label == "no clauses":
                    problems += _clear(" ".join(parsed.warnings), None, item.expect)
            problems += [f"preview changed data: {c}" for c in digest_changes(before, data_digest(world.settings))]
            outcome.record(problems, label=item.label)
        service.close()
    return outcome


def bad_uploads_bot(world: World) -> Outcome:
    """Each bad file sent to the bot by an admin: a clear message; corpus, store and index
    byte-for-byte unchanged until 确认 (and after it, for the same file twice); a newer version
    of a stored 文号 replaces it on 确认 and the live index stays whole."""
    with timed(Outcome("bad uploads (bot)")) as outcome, BotApiStandIn() as api:
        settings = bot_settings(api, world.base, admins=frozenset({ADMIN}))
        settings = settings.with_(embedding_model=world.settings.embedding_model)
        service = world.service()
        service.ensure_index()
        with RunningBot(settings, service, options=BotOptions(progress_interval=0.2)):
            for item in bad_uploads():
                before = data_digest(world.settings)
                problems: list[str] = []
                reply = upload(api, ADMIN, item.name, item.content)
                text = reply.params["text"]
                problems += telegram_html_problems(text)
                confirm, cancel = button_data(reply, "确认"), button_data(reply, "取消")
                if not item.previewable:
                    problems += _clear(text, item.name, item.expect)
                    if confirm:
                        problems.append("offered 确认 for a bad file")
                elif not (confirm and cancel):
                    problems.append(f"no preview with 确认/取消: {text[:160]!r}")
                if item.label == "no clauses":
                    problems += _clear(text, item.name, item.expect)
                problems += [f"before 确认: {c}" for c in digest_changes(before, data_digest(world.settings))]
                if item.previewable and confirm and cancel:
                    if item.label == "no clauses":
                        mark = api.mark()
                        answer = press(api, ADMIN, reply.result, cancel)
                        if "取消" not in answer.params.get("text", ""):
                            problems.append("取消 was not acknowledged")
                        api.wait_for("sendMessage", lambda c: "已取消" in c.params["text"], since=mark)
                        problems += [f"after 取消: {c}" for c in digest_changes(before, data_digest(world.settings))]
                    else:
                        mark = api.mark()
                        press(api, ADMIN, reply.result, confirm)
                        result = job_result(api, ADMIN, mark).params["text"]
                        problems += _clear(result, None, item.expect)
                        if item.label == "same file twice":
                            problems += [
                                f"after 确认: {c}" for c in digest_changes(before, data_digest(world.settings))
                            ]
                        else:
                            problems += [
                                f"after 确认: {p}" for p in index_problems(world.settings, service.embedder.model_id)
                            ]
                            problems += _replaced_problems(world, item.content)
                outcome.record(problems, label=item.label)
        service.close()
    return outcome


def _replaced_problems(world: World, content: bytes) -> list[str]:
    sha = hashlib.sha256(content).hexdigest()
    live = set(live_documents(world.settings).values())
    stored = store_documents(world.settings)
    problems = [] if sha in live else ["the new version is not in the live index"]
    superseded = world.settings.data_dir / "superseded"
    if not superseded.is_dir() or not any(superseded.iterdir()):
        problems.append("the old version was not kept in DATA_DIR/superseded")
    if len(stored) != len(live_documents(world.settings)):
        problems.append("store and live index disagree after the replacement")
    return problems


# -- 5. admin only -----------------------------------------------------------------------------

USER = 424242


def admin_only_table(world: World) -> Outcome:
    """Every admin command, upload and button of the running bot — read off its handlers, not a
    list kept here — tried by a non-admin, in a private chat and in a group: all refused, nothing
    changed, and the admin's pending 确认 still belong to the admin."""
    group = BotApiStandIn.group_chat(-1009000000002)
    with timed(Outcome("admin only")) as outcome, BotApiStandIn() as api:
        settings = bot_settings(api, world.base, admins=frozenset({ADMIN}))
        settings = settings.with_(embedding_model=world.settings.embedding_model)
        service = world.service()
        service.ensure_index()
        with RunningBot(settings, service) as running:
            admin_points, _ = entry_points(running.application)
            outcome.notes.append(f"{len(admin_points)} admin entry points: " + ", ".join(p.name for p in admin_points))
            from bot.menu import COMMANDS

            unguarded = {c.name for c in COMMANDS if c.admin} - {p.name for p in admin_points if p.kind == "command"}
            if unguarded:
                outcome.record([f"admin commands without admin_only: {sorted(unguarded)}"], label="menu")
            if not any(p.kind == "upload" for p in admin_points) or not any(p.kind == "button" for p in admin_points):
                outcome.record(["no admin upload or button handler found: the table would miss them"], label="table")
            # The admin's own pending actions, whose buttons a non-admin will try to press.
            from scripts.reliability.inputs import seed_text

            preview = upload(api, ADMIN, "新方案.txt", seed_text("太原").replace("2023", "2024", 1).encode())
            [removal] = say(api, ADMIN, "/remove 西安")
            admin_buttons = [(preview, b["callback_data"]) for b in buttons(preview)]
            admin_buttons += [(removal, b["callback_data"]) for b in buttons(removal)]
            before = data_digest(world.settings)
            for point in admin_points:
                for chat in (None, group):
                    where = "group" if chat else "private"
                    if point.kind == "command":
                        outcome.record(_refused_command(api, point.name, chat), label=f"/{point.name} ({where})")
                    elif point.kind == "upload" and chat is None:
                        reply = upload(api, USER, "方案.txt", seed_text("七台河").encode())
                        problems = (
                            [] if reply.params["text"] == REFUSAL else [f"not refused: {reply.params['text'][:80]!r}"]
                        )
                        outcome.record(problems, label=f"upload ({where})")
                    elif point.kind == "button" and chat is None:
                        matching = [(m, d) for m, d in admin_buttons if d.startswith(point.name)]
                        forged = [(preview, f"{point.name}ok:forged"), (preview, f"{point.name}no:forged")]
                        for message, data in matching + forged:
                            answer = press(api, USER, message.result, data)
                            problems = [] if answer.params.get("text") == REFUSAL else [f"not refused: {answer.params}"]
                            outcome.record(problems, label=f"button {data}")
                        if not matching:
                            outcome.record([f"no real button matches {point.name}"], label=f"button {point.name}")
            outcome.record(
                [f"a non-admin changed data: {c}" for c in digest_changes(before, data_digest(world.settings))],
                label="data after all attempts",
            )
            # The admin's pending actions survived every attempt: 取消 still works for the admin.
            for message, data in admin_buttons:
                if ":no:" in data:
                    answer = press(api, ADMIN, message.result, data)
                    problems = (
                        [] if answer.params.get("text") == "已取消" else [f"admin's 取消 failed: {answer.params}"]
                    )
                    outcome.record(problems, label=f"admin {data}")
        service.close()
    return outcome


def _refused_command(api: BotApiStandIn, name: str, chat: dict | None, expected: str = REFUSAL) -> list[str]:
    try:
        [reply] = say(api, USER, f"/{name} 西安", chat=chat)
    except AssertionError as error:
        return [f"no answer: {str(error)[:120]}"]
    return [] if reply.params["text"] == expected else [f"not refused: {reply.params['text'][:80]!r}"]


def admin_off(world: World) -> Outcome:
    """Empty ADMIN_USER_IDS: a warning at start-up, and every admin entry point says it is off."""
    with timed(Outcome("admin features off")) as outcome, BotApiStandIn() as api:
        settings = bot_settings(api, world.base).with_(embedding_model=world.settings.embedding_model)
        service = world.service()
        service.ensure_index()
        with captured_logs("bot", level=logging.WARNING) as records, RunningBot(settings, service) as running:
            warned = [r for r in records if "ADMIN_USER_IDS" in r.getMessage()]
            outcome.record([] if warned else ["no warning about empty ADMIN_USER_IDS at start-up"], label="start-up")
            admin_points, _ = entry_points(running.application)
            before = data_digest(world.settings)
            for point in admin_points:
                if point.kind == "command":
                    outcome.record(_refused_command(api, point.name, None, ADMIN_OFF), label=f"/{point.name}")
            reply = upload(api, ADMIN, "方案.txt", b"\xe4\xb8\x80")
            outcome.record(
                [] if reply.params["text"] == ADMIN_OFF else [f"upload: {reply.params['text'][:80]!r}"], label="upload"
            )
            outcome.record([f"changed: {c}" for c in digest_changes(before, data_digest(world.settings))], label="data")
        service.close()
    return outcome


# -- 6. secrets --------------------------------------------------------------------------------


def bot_token(seed: int = 0) -> str:
    rng = random.Random(f"token|{seed}")
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"
    return f"{rng.randint(10**9, 10**10 - 1)}:AA{''.join(rng.choice(alphabet) for _ in range(33))}"


def secrets_scenario(world: World, log_dir: Path, *, failing_download: bool = True) -> Outcome:
    """The bot (scripts/run_bot.py, LOG_LEVEL=DEBUG) through a conversation, an admin upload (whose
    download fails with an error page quoting the token-bearing URL, with failing_download) and
    the Bot API going away (connection reset, then refused): the token is in no log line, no
    message to a user, no stored file."""
    with timed(Outcome("secrets")) as outcome, EchoingProxy() as proxy, BotApiStandIn(token=bot_token()) as api:
        link = CuttableLink(api.port)
        bot = ChildBot(
            world,
            api,
            log_dir / "bot-secrets.log",
            admins=str(ADMIN),
            base_url=f"http://127.0.0.1:{link.port}/bot",
            file_url=proxy.base_file_url if failing_download else None,
            LOG_LEVEL="DEBUG",
        )
        try:
            bot.start()
            [answer] = say(api, 301, QUESTION)
            data = button_data(answer, "📄 全文")
            if data:
                press(api, 301, answer.result, data)
            reply = upload(api, ADMIN, "方案.txt", b"plan")
            outcome.notes.append(f"the upload told the admin: {reply.params['text'][:60]!r}…")
            say(api, ADMIN, "/stats")
            link.cut()  # the Bot API becomes unreachable: polling fails with network errors
            wait_until(lambda: "ConnectError" in bot.log_text(), timeout=20)
        finally:
            bot.kill()
        log = bot.log_text()
        outcome.record(
            [f"in the log: {line[:160]}" for line in log.splitlines() if secret_hits([("log", line)], api.token)],
            label="log lines",
        )
        if "HTTP Request" not in log and "getUpdates" not in log:
            outcome.notes.append("warning: the DEBUG log shows no requests; check LOG_LEVEL reached the bot")
        network = [line for line in log.splitlines() if "NetworkError" in line or "ConnectError" in line]
        outcome.notes.append(f"{len(log.splitlines())} log lines checked, {len(network)} about network errors")
        if not network:
            outcome.record(["no network error was logged: the scenario did not cut the Bot API off"], label="setup")
        sent = [
            (f"{c.method} to {c.params.get('chat_id')}", json.dumps(c.params, ensure_ascii=False)) for c in api.calls
        ]
        outcome.record([f"sent to a user: {name}" for name in secret_hits(sent, api.token)], label="messages")
        stored = files_with_secret([world.settings.data_dir, world.settings.corpus_dir], api.token)
        outcome.record([f"stored: {path}" for path in stored], label="files")
    return outcome


def token_in_log_records(token: str, run: Callable[[], None]) -> list[str]:
    """In-process: log lines carrying the token while run() runs, with a DEBUG root handler that
    exists before the bot is built (as scripts/run_bot.py sets up logging)."""
    lines: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(self.format(record))

    handler = Keep(logging.DEBUG)
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        install_token_filter(token)
        run()
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
    return [line for line in lines if secret_hits([("", line)], token)]


# -- 7. restart --------------------------------------------------------------------------------


def restart_scenario(
    world: World, kills: int, seed: int = 0, *, log_dir: Path, log: Callable[[str], None] = print
) -> Outcome:
    """The bot is killed mid-conversation and started again, `kills` times: no stored document,
    question or feedback is lost; the question in flight is answered after the restart; buttons of
    answers sent before the restart still work."""
    with timed(Outcome("restart: kill -9 bot mid-conversation")) as outcome, BotApiStandIn() as api:
        rng = random.Random(f"restart|{seed}")
        bot = ChildBot(world, api, log_dir / "bot-restart.log", admins=str(ADMIN))
        questions = dev_questions()
        try:
            bot.start()
            for number in range(kills):
                user = 800000 + number
                problems: list[str] = []
                [answer] = say(api, user, questions[number % len(questions)])
                vote = button_data(answer, "👍")
                if vote:
                    ack = press(api, user, answer.result, vote)
                    problems += [] if "谢谢" in ack.params.get("text", "") else [f"vote not acknowledged: {ack.params}"]
                else:
                    problems.append("the answer has no 👍 button")
                before = store_counts(world.settings)
                mark = api.mark()
                api.push_message(user, questions[(number + 1) % len(questions)])  # in flight when killed
                time.sleep(rng.uniform(0.0, 0.4))
                bot.kill()
                killed = store_counts(world.settings)
                bot.start()
                after_start = store_counts(world.settings)
                try:
                    api.wait_for("sendMessage", lambda c, u=user: c.params["chat_id"] == u, since=mark)
                except AssertionError:
                    problems.append("the question in flight was not answered after the restart")
                if vote:
                    ack = press(api, user + 50000, answer.result, vote)
                    problems += (
                        []
                        if "谢谢" in ack.params.get("text", "")
                        else ["👍 of an answer sent before the restart failed"]
                    )
                more = button_data(answer, "更多结果")
                if more:
                    mark = api.mark()
                    api.push_callback(user, answer.result, more)
                    try:
                        api.wait_for("sendMessage", lambda c, u=user: c.params["chat_id"] == u, since=mark)
                    except AssertionError:
                        problems.append("更多结果 of an answer sent before the restart failed")
                lost = sum(max(0, before[k] - min(killed[k], after_start[k])) for k in before)
                if lost:
                    problems.append(f"lost: before {before}, after the kill {killed}, after the restart {after_start}")
                problems += index_problems(world.settings, world.service().embedder.model_id)
                outcome.record(problems, lost=lost, label=f"restart {number + 1}")
                log(f"  restart {number + 1}/{kills}: {len(problems)} problems")
            final = store_counts(world.settings)
            outcome.notes.append(f"store after {kills} kills: {final}")
        finally:
            bot.kill()
    return outcome
