"""Crash-safe re-indexing, smaller than scripts/stress.py: kill -9 at exact points of a full
re-index and of an upload, then check what a fresh process finds (a complete index, old or new,
intact databases, cited answers) and that a later re-index needs no cleanup."""

from __future__ import annotations

from typing import Any

import pytest

from index.build.layout import MANIFEST
from scripts.reliability.inputs import synthetic_documents
from scripts.reliability.scenarios import ADMIN, CorpusState, kill_bot_upload_once, kill_reindex_once
from scripts.reliability.world import ChildBot, World, core_child, store_documents
from scripts.standin.botapi import BotApiStandIn
from tests.reliability_fixtures import fresh_world

pytestmark = pytest.mark.slow  # subprocesses, kills or the Bot API stand-in: `-m "not slow"` skips them


@pytest.fixture
def world(request: pytest.FixtureRequest) -> World:
    return fresh_world(request, "crash")


# The stages of a build: the corpus parsed into the store, the store snapshotted and tokenized,
# vectors computed, then files written, fsynced and CURRENT swapped (right after embed:end).
@pytest.mark.parametrize("kill_at", ["parse:2", "tokenize:0", "embed:end"])
def test_a_killed_full_reindex_leaves_one_complete_index_and_needs_no_cleanup(world: World, kill_at: str) -> None:
    attempt = kill_reindex_once(world, 0, kill_at=kill_at)
    assert attempt.returncode == -9, "the child was not killed where intended"
    assert attempt.index == []
    assert attempt.answer == []
    assert attempt.live_is_old_or_new
    assert attempt.recovery == []
    assert not [p for p in world.settings.index_root.glob("build-*") if not (p / MANIFEST).is_file()]


def test_a_full_reindex_killed_while_parsing_leaves_the_store_old_or_new(world: World) -> None:
    before = store_documents(world.settings)
    child = core_child(world, "reindex", "--full", kill_at="parse:1")
    assert child.wait(300) == -9
    assert store_documents(world.settings) == before


def test_stored_documents_stay_readable_while_a_full_reindex_parses(world: World) -> None:
    service = world.service()
    expected = len(service.documents())
    clause_id = service.ask("西安市电梯安全隐患整治", log=False).hits[0].clause.id
    seen: list[tuple[int, bool]] = []

    def progress(done: int, total: int, stage: str) -> None:
        if stage == "parse" and done == 1:
            seen.append((len(service.documents()), service.clause(clause_id) is not None))

    service.reindex(full=True, progress=progress)
    service.close()
    assert seen == [(expected, True)]


def test_after_a_crash_mid_upload_the_start_up_brings_the_index_in_line(world: World) -> None:
    [(name, text)] = synthetic_documents(1, start=3000)
    upload_path = world.base / name
    upload_path.write_text(text, encoding="utf-8")
    child = core_child(world, "add", str(upload_path), kill_at="tokenize:0")
    assert child.wait(300) == -9
    service = world.service()
    service.ensure_index()  # what scripts/run_bot.py does at start-up (prepare_service)
    service.close()
    state = CorpusState.read(world)
    assert state.agrees, state.describe()


@pytest.fixture
def bot_world(world: World, tmp_path_factory: pytest.TempPathFactory) -> Any:
    with BotApiStandIn() as api:
        bot = ChildBot(world, api, tmp_path_factory.mktemp("logs") / "bot.log", admins=str(ADMIN))
        try:
            yield world, api, bot.start()
        finally:
            bot.kill()


def test_an_upload_killed_in_the_bot_restarts_with_a_whole_index_that_answers(bot_world: Any) -> None:
    world, api, bot = bot_world
    [(name, text)] = synthetic_documents(1, start=4000)
    attempt = kill_bot_upload_once(world, api, bot, name, text, delay=0.3)
    assert attempt.crash == []
    assert attempt.restart == []
    assert attempt.documents_lost == 0
