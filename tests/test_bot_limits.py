"""The bot's limits: Bot API requests in flight (RateLimiter) and its own pool of question threads.

The requests are fake callbacks held on events, so what runs when is decided by the test.
"""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from telegram.error import TimedOut

from bot.app import RateLimiter, build_application, on_shutdown
from bot.state import BotOptions, get_state
from bot.work import run_in
from index.settings import Settings

pytestmark = pytest.mark.slow  # subprocesses, kills or the Bot API stand-in: `-m "not slow"` skips them

HANG = 30.0  # seconds before a stuck wait counts as a failure


class Requests:
    """Fake HTTP requests: each waits for its own release and records how many ran at once."""

    def __init__(self) -> None:
        self.running = 0
        self.most = 0
        self.started: list[str] = []
        self.release: dict[str, asyncio.Event] = {}

    async def __call__(self, name: str) -> str:
        self.running += 1
        self.most = max(self.most, self.running)
        self.started.append(name)
        try:
            await asyncio.wait_for(self.release.setdefault(name, asyncio.Event()).wait(), HANG)
        finally:
            self.running -= 1
        return f"sent {name}"


def limiter(in_flight: int, slot_timeout: float = HANG) -> RateLimiter:
    return RateLimiter(in_flight=in_flight, slot_timeout=slot_timeout, overall_max_rate=1000, group_max_rate=1000)


def request(limiter: RateLimiter, requests: Requests, name: str, endpoint: str = "sendMessage") -> asyncio.Task:
    data = {"chat_id": 1} if endpoint != "getMe" else {}
    return asyncio.ensure_future(limiter.process_request(requests, (name,), {}, endpoint, data, None))


async def settle() -> None:
    for _ in range(20):  # let every ready task run up to its next real wait
        await asyncio.sleep(0)


def test_at_most_in_flight_requests_run_at_once_and_the_rest_wait_in_order() -> None:
    async def scenario() -> None:
        requests = Requests()
        bound = limiter(2)
        names = ["a", "b", "c", "d", "e"]
        endpoints = ["sendMessage", "sendChatAction", "sendMessage", "sendChatAction", "editMessageText"]
        tasks = [request(bound, requests, n, e) for n, e in zip(names, endpoints, strict=True)]
        await settle()
        assert requests.started == ["a", "b"]
        for name in names:
            requests.release.setdefault(name, asyncio.Event()).set()
            await settle()
        assert [await t for t in tasks] == [f"sent {n}" for n in names]
        assert requests.started == names and requests.most == 2

    asyncio.run(scenario())


def test_a_request_waiting_longer_than_the_slot_timeout_is_not_sent() -> None:
    async def scenario() -> None:
        requests = Requests()
        bound = limiter(1, slot_timeout=0.05)
        first = request(bound, requests, "first")
        await settle()
        with pytest.raises(TimedOut, match="未发送"):
            await request(bound, requests, "late", "sendChatAction")
        assert requests.started == ["first"]
        requests.release["first"].set()
        assert await first == "sent first"
        requests.release["next"] = asyncio.Event()
        requests.release["next"].set()
        assert await request(bound, requests, "next") == "sent next"  # the slot was given back

    asyncio.run(scenario())


def test_a_failed_request_gives_its_slot_back() -> None:
    async def failing(name: str) -> None:
        raise OSError(f"{name}: connection reset")

    async def scenario() -> None:
        bound = limiter(1)
        with pytest.raises(OSError):
            await bound.process_request(failing, ("a",), {}, "sendMessage", {"chat_id": 1}, None)
        requests = Requests()
        requests.release["b"] = asyncio.Event()
        requests.release["b"].set()
        assert await request(bound, requests, "b") == "sent b"

    asyncio.run(scenario())


def test_the_application_bounds_requests_by_its_connection_pool(tmp_path: Any) -> None:
    settings = Settings(data_dir=tmp_path, telegram_token="123:abc", telegram_base_url="http://127.0.0.1:9/bot")
    application = build_application(settings, service=None, options=BotOptions(connection_pool_size=3))
    rate_limiter = application.bot.rate_limiter
    assert isinstance(rate_limiter, RateLimiter)
    assert rate_limiter.in_flight == 3


def test_questions_run_in_the_bots_own_pool_which_ends_with_the_application(tmp_path: Any) -> None:
    settings = Settings(
        data_dir=tmp_path, telegram_token="123:abc", telegram_base_url="http://127.0.0.1:9/bot", ask_threads=5
    )
    application = build_application(settings, service=None)
    pool = get_state(application).question_pool
    assert isinstance(pool, ThreadPoolExecutor) and pool._max_workers == 5

    async def scenario() -> None:
        assert await run_in(pool, threading.current_thread) is not threading.main_thread()
        names = await asyncio.gather(*(run_in(pool, lambda: threading.current_thread().name) for _ in range(3)))
        assert all(name.startswith("question") for name in names)
        await on_shutdown(application)

    asyncio.run(scenario())
    with pytest.raises(RuntimeError):
        pool.submit(print)


def test_ask_threads_setting() -> None:
    assert Settings.from_env({}).ask_threads == 16
    assert Settings.from_env({"ASK_THREADS": "3"}).ask_threads == 3
    assert Settings.from_env({"ASK_THREADS": "0"}).ask_threads == 1
