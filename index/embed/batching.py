"""Coalescing the query embeddings of concurrent questions into shared forward passes.

Why: the query embedding is most of a question's cost, and one forward pass over several short
questions costs less per question than a pass each: built-in model on ONNX Runtime, 2 cores, the
dev questions, ~13 ms alone vs ~9-10 ms each in a pass of 16 on a quiet machine. Under a burst the
gap widens, because every pass also pays for contention with the bot's event loop: in a 50-user
burst a pass of one question took 25-34 ms, a pass of 13 took ~190 ms. When many users ask at the
same moment, running their embeddings one after another makes the last one wait for all the
others; running them together shortens the whole burst (README, Performance: bot).

How (leader/follower, no timer): a thread that finds the embedder idle embeds at once whatever is
queued — when it asks alone, just its own question, with no added delay. Threads that arrive
while a pass is running queue their texts and sleep. When the pass ends, its results go to their
callers and the oldest queued caller is woken to lead the next pass over everything queued by
then (up to `max_batch` texts). So each thread runs at most the one pass that holds its own
texts, and at most one query pass runs at a time (which also means a model that is not
thread-safe is never entered twice for queries).

Passages (indexing) pass straight through to the wrapped embedder: they come in large batches
already, and an index build must not hold questions back.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Sequence

import numpy as np

from index.embed.base import Embedder

QUERY_KIND = "query"
# Texts per coalesced pass. The ONNX embedder cuts inputs into forward passes of 16 anyway
# (index.embed.backends.DEFAULT_BATCH_SIZE); a cap of 16 lets the first callers of a burst have their answer
# after one such pass instead of waiting for the passes of everyone queued behind them.
DEFAULT_MAX_BATCH = 16


class _Waiting:
    """One caller's texts and, once its pass has run, its vectors or the pass's error."""

    __slots__ = ("texts", "woken", "lead", "vectors", "error")

    def __init__(self, texts: list[str]) -> None:
        self.texts = texts
        self.woken = threading.Event()
        self.lead = False  # set before `woken` when this caller must run the next pass itself
        self.vectors: np.ndarray | None = None
        self.error: BaseException | None = None

    def outcome(self) -> np.ndarray:
        if self.error is not None:
            raise self.error
        assert self.vectors is not None  # a pass always sets one of the two
        return self.vectors


class QueryBatcher:
    """An `Embedder` that shares query forward passes between concurrent callers (see the module).

    Thread-safe. Results are exactly what the wrapped embedder returns for the same texts (each
    caller gets its own rows, copied); an error raised by a pass is raised to every caller in it.
    """

    def __init__(self, embedder: Embedder, *, max_batch: int = DEFAULT_MAX_BATCH) -> None:
        if max_batch < 1:
            raise ValueError(f"max_batch must be at least 1, not {max_batch}")
        self._embedder = embedder
        self._max_batch = max_batch
        self._lock = threading.Lock()  # guards _queue and _busy
        self._queue: deque[_Waiting] = deque()
        self._busy = False  # a query pass is running (or its leader is about to start it)

    @property
    def wrapped(self) -> Embedder:
        """The embedder doing the work."""
        return self._embedder

    @property
    def queued(self) -> int:
        """Callers waiting for a pass that has not started yet (for tests and monitoring)."""
        with self._lock:
            return len(self._queue)

    @property
    def model_id(self) -> str:
        return self._embedder.model_id

    @property
    def dimension(self) -> int:
        return self._embedder.dimension

    @property
    def backend(self) -> str | None:
        """The wrapped embedder's backend ("onnx", "torch"), None when it does not name one."""
        return getattr(self._embedder, "backend", None)

    def embed(self, texts: Sequence[str], *, kind: str = "passage") -> np.ndarray:
        if kind != QUERY_KIND or not texts:
            return self._embedder.embed(texts, kind=kind)
        mine = _Waiting(list(texts))
        with self._lock:
            self._queue.append(mine)
            leading = not self._busy
            self._busy = True
        if not leading:
            mine.woken.wait()
            if not mine.lead:
                return mine.outcome()
        self._run_pass(mine)
        return mine.outcome()

    def _run_pass(self, leader: _Waiting) -> None:
        """Embed the queue's head (which is the leader's own texts) in one call, then hand over."""
        with self._lock:
            batch = [self._queue.popleft()]
            size = len(batch[0].texts)
            while self._queue and size + len(self._queue[0].texts) <= self._max_batch:
                batch.append(self._queue.popleft())
                size += len(batch[-1].texts)
        assert batch[0] is leader  # only the head of the queue is ever made leader
        try:
            vectors = self._embedder.embed([text for waiting in batch for text in waiting.texts], kind=QUERY_KIND)
            start = 0
            for waiting in batch:
                end = start + len(waiting.texts)
                waiting.vectors = np.array(vectors[start:end], dtype=np.float32)
                start = end
        except BaseException as error:  # every caller of the pass must wake, whatever went wrong
            for waiting in batch:
                waiting.error = error
        finally:
            self._hand_over()
            for waiting in batch[1:]:
                waiting.woken.set()

    def _hand_over(self) -> None:
        """Wake the oldest queued caller to lead the next pass, or mark the embedder idle."""
        with self._lock:
            if not self._queue:
                self._busy = False
                return
            successor = self._queue[0]
            successor.lead = True
            successor.woken.set()
