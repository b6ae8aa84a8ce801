"""Admin only: every admin command, upload and button of the running bot — read off its
registered handlers — tried by a non-admin is refused and changes nothing; with no admins the
admin features are off and start-up warns."""

from __future__ import annotations

import pytest

from bot.app import build_application
from bot.menu import COMMANDS
from scripts.reliability.bot import entry_points
from scripts.reliability.scenarios import admin_off, admin_only_table
from scripts.reliability.world import World
from scripts.standin.botapi import BotApiStandIn
from scripts.standin.harness import bot_settings
from tests.reliability_fixtures import fresh_world

pytestmark = pytest.mark.slow  # subprocesses, kills or the Bot API stand-in: `-m "not slow"` skips them


@pytest.fixture
def world(request: pytest.FixtureRequest) -> World:
    return fresh_world(request, "admin")


def test_the_table_is_read_off_the_application_and_covers_the_admin_menu(world: World) -> None:
    with BotApiStandIn() as api:
        application = build_application(bot_settings(api, world.base), world.service())
    admin, other = entry_points(application)
    kinds = {p.kind for p in admin}
    assert {"command", "upload", "button"} <= kinds
    assert {c.name for c in COMMANDS if c.admin} <= {p.name for p in admin if p.kind == "command"}
    assert not {c.name for c in COMMANDS if c.admin} & {p.name for p in other if p.kind == "command"}


def test_every_admin_entry_point_refuses_a_non_admin_and_changes_nothing(world: World) -> None:
    outcome = admin_only_table(world)
    assert outcome.problems == []
    assert outcome.tries >= 12


def test_without_admins_the_admin_features_are_off_with_a_warning(world: World) -> None:
    outcome = admin_off(world)
    assert outcome.problems == []
