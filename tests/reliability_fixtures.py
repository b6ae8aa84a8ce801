"""Worlds for the reliability tests: the bundled corpus indexed once per test session (with the
fake embedder, jieba's dictionary loaded once), then copied for every test that changes it."""

from __future__ import annotations

import itertools

import pytest

from scripts.reliability.world import World, clone_world, make_world

_TEMPLATE = pytest.StashKey[World]()


def template_world(request: pytest.FixtureRequest) -> World:
    """The session's indexed bundled corpus (kept in the session's stash, built on first use)."""
    stash = request.config.stash
    if _TEMPLATE not in stash:
        factory = request.getfixturevalue("tmp_path_factory")
        stash[_TEMPLATE] = make_world(factory.mktemp("reliability-template"))
    return stash[_TEMPLATE]


def fresh_world(request: pytest.FixtureRequest, name: str) -> World:
    """A private copy of the template world, in a new folder."""
    template = template_world(request)
    root = request.getfixturevalue("tmp_path_factory").getbasetemp()
    for number in itertools.count():
        base = root / f"{name}-{number}"
        if not base.exists():
            return clone_world(template, base)
    raise AssertionError("unreachable")
