"""QueryBatcher: concurrent query embeddings share passes, each caller gets its own rows.

The tests hold the wrapped embedder inside a pass (a gate) while other callers arrive, so what
is batched with what is decided by the test, not by timing. Waits have generous deadlines only to
turn a hang into a failure.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from index.embed.base import FakeEmbedder
from index.embed.batching import QueryBatcher
from index.errors import ModelError
from index.service import PlanService
from index.settings import Settings

HANG = 30.0  # seconds before a stuck wait counts as a failure (never reached when things work)
DIM = 16


class GatedEmbedder:
    """FakeEmbedder that records every call and can hold calls inside until the test opens the gate."""

    def __init__(self, *, fail_calls: Sequence[int] = ()) -> None:
        self.fake = FakeEmbedder(DIM)
        self.calls: list[tuple[str, list[str], str]] = []  # (kind, texts, thread name)
        self.entered = threading.Semaphore(0)
        self.gate = threading.Event()
        self.gate.set()
        self.fail_calls = set(fail_calls)  # numbers (0-based) of the query calls that raise
        self._query_calls = 0
        self._lock = threading.Lock()

    @property
    def model_id(self) -> str:
        return self.fake.model_id

    @property
    def dimension(self) -> int:
        return DIM

    @property
    def backend(self) -> str:
        return "gated"

    def embed(self, texts: Sequence[str], *, kind: str = "passage") -> np.ndarray:
        with self._lock:
            self.calls.append((kind, list(texts), threading.current_thread().name))
            number = self._query_calls
            if kind == "query":
                self._query_calls += 1
        self.entered.release()
        if kind == "query":
            assert self.gate.wait(HANG), "the test never opened the gate"
            if number in self.fail_calls:
                raise ModelError(f"pass {number} failed")
        return self.fake.embed(texts, kind=kind)

    def hold(self) -> None:
        self.gate.clear()

    def wait_entered(self) -> None:
        assert self.entered.acquire(timeout=HANG), "the embedder was never called"

    def query_calls(self) -> list[list[str]]:
        return [texts for kind, texts, _ in self.calls if kind == "query"]


class Caller(threading.Thread):
    """One thread calling batcher.embed(texts, kind=...), keeping its result or error."""

    def __init__(self, batcher: QueryBatcher, texts: list[str], *, kind: str = "query", name: str = "") -> None:
        super().__init__(name=name or "+".join(texts), daemon=True)
        self.batcher = batcher
        self.texts = texts
        self.kind = kind
        self.result: np.ndarray | None = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.result = self.batcher.embed(self.texts, kind=self.kind)
        except BaseException as error:  # handed to the test
            self.error = error

    def finish(self) -> Caller:
        self.join(HANG)
        assert not self.is_alive(), f"{self.name} is still waiting"
        return self


def until(condition: Callable[[], bool]) -> None:
    """Wait until condition() holds (the other threads need a moment to reach the batcher)."""
    deadline = time.monotonic() + HANG
    while not condition():
        assert time.monotonic() < deadline, "condition never held"
        time.sleep(0.001)


def expected(texts: list[str]) -> np.ndarray:
    return FakeEmbedder(DIM).embed(texts, kind="query")


def started_behind_a_pass(batcher: QueryBatcher, inner: GatedEmbedder, groups: list[list[str]]) -> list[Caller]:
    """A first caller ("first") held inside its pass, then callers of groups queued behind it, in order."""
    inner.hold()
    first = Caller(batcher, ["first"])
    first.start()
    inner.wait_entered()
    callers = [first]
    for texts in groups:  # one at a time, so the queue order is the list order
        caller = Caller(batcher, texts)
        caller.start()
        until(lambda n=len(callers): batcher.queued == n)
        callers.append(caller)
    return callers


def test_a_lone_question_is_embedded_at_once_in_the_callers_thread() -> None:
    inner = GatedEmbedder()
    batcher = QueryBatcher(inner)
    caller = Caller(batcher, ["电梯安全"], name="lone")
    caller.start()
    caller.finish()
    assert inner.calls == [("query", ["电梯安全"], "lone")]
    np.testing.assert_array_equal(caller.result, expected(["电梯安全"]))
    assert batcher.queued == 0


def test_questions_arriving_during_a_pass_share_the_next_one() -> None:
    inner = GatedEmbedder()
    batcher = QueryBatcher(inner)
    callers = started_behind_a_pass(batcher, inner, [["电梯"], ["品牌建设"], ["标准化"]])
    inner.gate.set()
    for caller in callers:
        caller.finish()
    assert inner.query_calls() == [["first"], ["电梯", "品牌建设", "标准化"]]
    for caller in callers:
        assert caller.error is None
        np.testing.assert_array_equal(caller.result, expected(caller.texts))


def test_each_pass_is_run_by_a_caller_whose_question_is_in_it() -> None:
    inner = GatedEmbedder()
    batcher = QueryBatcher(inner, max_batch=2)
    started_behind_a_pass(batcher, inner, [["a"], ["b"], ["c"], ["d"], ["e"]])
    inner.gate.set()
    until(lambda: len(inner.query_calls()) == 4)
    for _, texts, thread in inner.calls:
        assert thread in {"+".join([t]) for t in texts}, (thread, texts)


def test_a_pass_holds_at_most_max_batch_texts_whole_callers_only() -> None:
    inner = GatedEmbedder()
    batcher = QueryBatcher(inner, max_batch=3)
    groups = [["a", "b"], ["c"], ["d", "e"], ["f", "g", "h", "i"], ["j"]]
    callers = started_behind_a_pass(batcher, inner, groups)
    inner.gate.set()
    for caller in callers:
        caller.finish()
    # a caller with more texts than max_batch still gets one pass of its own
    assert inner.query_calls() == [["first"], ["a", "b", "c"], ["d", "e"], ["f", "g", "h", "i"], ["j"]]
    for caller in callers:
        assert caller.result.shape == (len(caller.texts), DIM)
        np.testing.assert_array_equal(caller.result, expected(caller.texts))


def test_an_error_reaches_every_caller_of_the_failed_pass_and_the_next_pass_runs() -> None:
    inner = GatedEmbedder(fail_calls=[1])
    batcher = QueryBatcher(inner, max_batch=2)
    callers = started_behind_a_pass(batcher, inner, [["a"], ["b"], ["c"]])
    inner.gate.set()
    first, a, b, c = (caller.finish() for caller in callers)
    assert inner.query_calls() == [["first"], ["a", "b"], ["c"]]
    assert first.error is None and c.error is None
    assert isinstance(a.error, ModelError) and a.error is b.error
    np.testing.assert_array_equal(c.result, expected(["c"]))
    assert batcher.embed(["after"], kind="query").shape == (1, DIM)  # not stuck busy


def test_the_leaders_own_failure_still_hands_over_to_the_queue() -> None:
    inner = GatedEmbedder(fail_calls=[0])
    batcher = QueryBatcher(inner)
    callers = started_behind_a_pass(batcher, inner, [["a"], ["b"]])
    inner.gate.set()
    first, a, b = (caller.finish() for caller in callers)
    assert isinstance(first.error, ModelError)
    assert a.error is None and b.error is None
    np.testing.assert_array_equal(np.vstack([a.result, b.result]), expected(["a", "b"]))


def test_passages_pass_straight_through_even_during_a_query_pass() -> None:
    inner = GatedEmbedder()
    batcher = QueryBatcher(inner)
    [first] = started_behind_a_pass(batcher, inner, [])
    passages = Caller(batcher, ["一、总体要求", "二、主要任务"], kind="passage")
    passages.start()
    passages.finish()
    np.testing.assert_array_equal(passages.result, FakeEmbedder(DIM).embed(passages.texts, kind="passage"))
    inner.gate.set()
    first.finish()
    assert [kind for kind, _, _ in inner.calls] == ["query", "passage"]


def test_results_are_the_callers_own_copies() -> None:
    batcher = QueryBatcher(GatedEmbedder())
    one = batcher.embed(["电梯"], kind="query")
    one[:] = 0
    np.testing.assert_array_equal(batcher.embed(["电梯"], kind="query"), expected(["电梯"]))
    assert batcher.embed([], kind="query").shape == (0, DIM)


def test_it_is_an_embedder_of_the_wrapped_model() -> None:
    inner = GatedEmbedder()
    batcher = QueryBatcher(inner)
    assert batcher.wrapped is inner
    assert (batcher.model_id, batcher.dimension, batcher.backend) == (inner.model_id, DIM, "gated")
    assert QueryBatcher(FakeEmbedder(8)).backend is None
    with pytest.raises(ValueError):
        QueryBatcher(inner, max_batch=0)


def test_many_threads_at_once_all_get_their_own_vectors() -> None:
    batcher = QueryBatcher(FakeEmbedder(DIM), max_batch=4)
    texts = [f"问题{i}" for i in range(40)]
    results: dict[str, Any] = {}

    def ask(text: str) -> None:
        results[text] = batcher.embed([text], kind="query")

    threads = [threading.Thread(target=ask, args=(text,), daemon=True) for text in texts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(HANG)
    assert not any(thread.is_alive() for thread in threads)
    for text in texts:
        np.testing.assert_array_equal(results[text], expected([text]))


def test_the_service_batches_queries_of_any_embedder_once(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", corpus_dir=tmp_path / "corpus", embedding_model="fake:32")
    resolved = PlanService(settings).embedder
    assert isinstance(resolved, QueryBatcher) and isinstance(resolved.wrapped, FakeEmbedder)
    fake = FakeEmbedder(16)
    service = PlanService(settings, fake)
    assert isinstance(service.embedder, QueryBatcher) and service.embedder.wrapped is fake
    assert service.embedder is service.embedder
    batched = QueryBatcher(fake)
    assert PlanService(settings, batched).embedder is batched
