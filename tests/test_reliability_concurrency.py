"""Concurrency, smaller than scripts/stress.py: questions from many threads while a full
re-index runs in the same service, and two re-indexes started at once."""

from __future__ import annotations

import pytest

from scripts.reliability.scenarios import questions_during_reindex, reindex_beside_the_cli, two_reindexes_in_threads
from scripts.reliability.world import World
from tests.reliability_fixtures import fresh_world

pytestmark = pytest.mark.slow  # subprocesses, kills or the Bot API stand-in: `-m "not slow"` skips them


@pytest.fixture
def world(request: pytest.FixtureRequest) -> World:
    return fresh_world(request, "concurrency")


def test_questions_during_a_full_reindex_are_all_answered_and_cited(world: World) -> None:
    outcome, _ = questions_during_reindex(world, questions=40, threads=8)
    assert outcome.problems == []
    assert outcome.tries == 40 and outcome.data_lost == 0
    assert not outcome.notes[0].startswith("0 of"), "no question overlapped the re-index"


def test_two_reindexes_in_one_process_one_runs_the_other_is_told(world: World) -> None:
    assert two_reindexes_in_threads(world) == []


def test_a_reindex_while_the_cli_builds_is_told_so(world: World) -> None:
    assert reindex_beside_the_cli(world) == []
