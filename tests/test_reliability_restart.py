"""Restart: the bot (scripts/run_bot.py) killed mid-conversation and started again loses no stored
document, question or feedback; the question in flight is answered; old buttons still work."""

from __future__ import annotations

import pytest

from scripts.reliability.scenarios import restart_scenario
from scripts.reliability.world import World
from tests.reliability_fixtures import fresh_world

pytestmark = pytest.mark.slow  # subprocesses, kills or the Bot API stand-in: `-m "not slow"` skips them


@pytest.fixture
def world(request: pytest.FixtureRequest) -> World:
    return fresh_world(request, "restart")


def test_killed_bot_restarts_without_losing_anything(world: World, tmp_path) -> None:
    outcome = restart_scenario(world, 1, log_dir=tmp_path, log=lambda line: None)
    assert outcome.problems == []
    assert outcome.data_lost == 0
