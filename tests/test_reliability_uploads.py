"""Bad uploads: empty, binary, 25 MB, wrong extension, renamed executables, encrypted docx/pdf, a
zip bomb posing as docx, no clauses, the same file twice, a newer version of a stored 文号 —
through PlanService.preview_file and through the bot as an admin. Each gets a clear message and
the corpus, store and index stay byte-for-byte unchanged until 确认."""

from __future__ import annotations

import pytest

from scripts.reliability.checks import data_digest
from scripts.reliability.inputs import bad_uploads, compound_file
from scripts.reliability.scenarios import bad_uploads_bot, bad_uploads_core
from scripts.reliability.world import World
from tests.reliability_fixtures import fresh_world

pytestmark = pytest.mark.slow  # subprocesses, kills or the Bot API stand-in: `-m "not slow"` skips them


@pytest.fixture
def world(request: pytest.FixtureRequest) -> World:
    return fresh_world(request, "uploads")


def test_the_bad_files_are_what_they_claim() -> None:
    files = {u.label: u for u in bad_uploads()}
    assert files["empty"].content == b""
    assert len(files["25 MB"].content) == 25 * 1024 * 1024
    assert files["renamed executable (.docx)"].content.startswith(b"MZ")
    assert files["encrypted docx"].content.startswith(b"\xd0\xcf\x11\xe0")
    assert "EncryptedPackage".encode("utf-16-le") in files["encrypted docx"].content
    assert files["encrypted pdf"].content.startswith(b"%PDF") and b"/Encrypt" in files["encrypted pdf"].content
    bomb = files["zip bomb as docx"].content
    assert len(bomb) < 2 * 1024 * 1024 and bomb.startswith(b"PK")
    assert len(compound_file({"A": b"x"})) % 512 == 0


def test_bad_uploads_through_plan_service(world: World, tmp_path) -> None:
    before = data_digest(world.settings)
    outcome = bad_uploads_core(world, tmp_path / "uploads")
    assert outcome.problems == []
    assert outcome.tries == len(bad_uploads())
    assert data_digest(world.settings) == before


def test_bad_uploads_through_the_bot(world: World) -> None:
    outcome = bad_uploads_bot(world)
    assert outcome.problems == []
    assert outcome.tries == len(bad_uploads())
