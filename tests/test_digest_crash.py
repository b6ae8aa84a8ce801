"""kill -9 in the middle of a 1 000-subscriber digest run (scripts/run_bot.py in a child process,
the Bot API stand-in here): after a restart every subscriber has the digest exactly once.

The stand-in holds the digests in flight when the child is killed and then answers them with an
error, i.e. they never reached a chat: what is left to prove is that nothing committed as sent is
sent again and nothing unsent is forgotten. (A message Telegram accepted in the instant before the
kill, its answer lost, would be sent again: the Bot API has no idempotency key.)"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from index.store.database import Store
from scripts.standin.botapi import ApiError, BotApiStandIn
from scripts.standin.harness import copy_corpus
from tests.conftest import ROOT

pytestmark = pytest.mark.slow  # a subprocess killed with SIGKILL, and the Bot API stand-in

SUBSCRIBERS = 1000
HOLD_AFTER = 300  # digests answered before the stand-in starts holding them (the child is killed then)


class GatedStandIn(BotApiStandIn):
    """Holds every digest after the first HOLD_AFTER until released; released ones fail (undelivered)."""

    def __init__(self) -> None:
        super().__init__()
        self.hold_after: int | None = HOLD_AFTER
        self.answered = 0
        self.held = 0
        self.release = threading.Event()
        self._count = threading.Lock()

    def _api_sendMessage(self, params: dict[str, Any], files: dict) -> dict[str, Any]:
        if "每周提醒" in str(params.get("text")) and self.hold_after is not None:
            with self._count:
                holding = self.answered >= self.hold_after
                if holding:
                    self.held += 1
                else:
                    self.answered += 1
            if holding:
                self.release.wait(120)
                raise ApiError(502, "Bad Gateway: the request never reached the chat")
        return super()._api_sendMessage(params, files)


def start_child(api: BotApiStandIn, base: Path, log: Path) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "ADMIN_USER_IDS", "WEBHOOK_"))}
    env.update(
        DATA_DIR=str(base / "data"), CORPUS_DIR=str(base / "corpus"), EMBEDDING_MODEL="fake:64",
        TELEGRAM_BOT_TOKEN=api.token, TELEGRAM_BASE_URL=api.base_url, TELEGRAM_BASE_FILE_URL=api.base_file_url,
        DIGEST_SCHEDULE="MON 09:00 Asia/Shanghai", PYTHONUNBUFFERED="1",
    )  # fmt: skip
    with open(log, "ab") as out:
        return subprocess.Popen([sys.executable, "scripts/run_bot.py"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)


def wait_until(condition: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def digests(api: BotApiStandIn) -> dict[int, int]:
    counts: dict[int, int] = {}
    for call in api.calls_of("sendMessage"):
        if "每周提醒" in call.params["text"]:
            counts[call.params["chat_id"]] = counts.get(call.params["chat_id"], 0) + 1
    return counts


def committed(store_path: Path) -> int:
    with sqlite3.connect(store_path, timeout=30) as db:
        return db.execute("SELECT COUNT(*) FROM deliveries WHERE kind = 'digest' AND state = 'sent'").fetchone()[0]


def test_kill_during_a_thousand_subscriber_digest_run(tmp_path: Path) -> None:
    copy_corpus(tmp_path / "corpus")
    store_path = tmp_path / "data" / "store.db"
    with Store(store_path) as store, store._transaction():
        # Subscribed long before the current period (the last Monday 09:00), so this period's digest is due.
        store.db["subscriptions"].insert_all(
            {"chat_id": 700_000 + i, "agency": "市场监管局", "chat_type": "private",
             "subscribed_at": "2000-01-03T01:00:00+00:00"}
            for i in range(SUBSCRIBERS)
        )  # fmt: skip
    log = tmp_path / "bot.log"
    with GatedStandIn() as api:
        child = start_child(api, tmp_path, log)
        try:
            wait_until(lambda: api.held >= 1, 180, "the child to reach the held digests")
            # Every answered digest is committed as sent before the kill (no answer is in the child's hands).
            wait_until(lambda: committed(store_path) == api.answered, 30, "the answered digests to be committed")
            child.send_signal(signal.SIGKILL)
            assert child.wait(30) == -signal.SIGKILL
            first = dict(digests(api))
            api.hold_after = None
            api.release.set()
            started = time.perf_counter()
            child = start_child(api, tmp_path, log)
            wait_until(lambda: len(digests(api)) >= SUBSCRIBERS, 300, "every subscriber's digest after the restart")
            elapsed = time.perf_counter() - started
            time.sleep(3.0)  # anything sent twice would arrive now
        finally:
            if child.poll() is None:
                child.send_signal(signal.SIGINT)
                try:
                    child.wait(30)
                except subprocess.TimeoutExpired:
                    child.kill()
    counts = digests(api)
    assert len(first) == HOLD_AFTER, log.read_text(errors="replace")[-3000:]
    assert set(counts) == {700_000 + i for i in range(SUBSCRIBERS)}
    assert set(counts.values()) == {1}, {k: v for k, v in counts.items() if v != 1}
    print(f"\nkilled after {HOLD_AFTER} digests; the restart sent the other {SUBSCRIBERS - HOLD_AFTER} in {elapsed:.1f} s")
