"""Secrets: the bot token appears in no log line, message to a user or stored file — through a
conversation, an upload, network errors (the Bot API cut off) and error pages that quote the
token-bearing URL of a download."""

from __future__ import annotations

import pytest

from bot.redact import redact
from scripts.reliability.bot import upload
from scripts.reliability.checks import secret_hits
from scripts.reliability.scenarios import ADMIN, bot_token, secrets_scenario, token_in_log_records
from scripts.reliability.world import EchoingProxy, World
from scripts.standin.botapi import BotApiStandIn
from scripts.standin.harness import RunningBot, bot_settings
from tests.reliability_fixtures import fresh_world

pytestmark = pytest.mark.slow  # subprocesses, kills or the Bot API stand-in: `-m "not slow"` skips them


@pytest.fixture
def world(request: pytest.FixtureRequest) -> World:
    return fresh_world(request, "secrets")


def test_token_stays_out_of_logs_messages_and_files_through_network_errors(world: World, tmp_path) -> None:
    outcome = secrets_scenario(world, tmp_path, failing_download=False)
    assert outcome.problems == []


def test_token_stays_out_of_an_error_page_quoting_the_download_url(world: World) -> None:
    token = bot_token()
    replies: list[str] = []
    with EchoingProxy() as proxy, BotApiStandIn(token=token) as api:
        settings = bot_settings(api, world.base, admins=frozenset({ADMIN}))
        settings = settings.with_(telegram_base_file_url=proxy.base_file_url)
        service = world.service()

        def conversation() -> None:
            with RunningBot(settings, service):
                replies.append(upload(api, ADMIN, "方案.txt", b"plan").params["text"])

        leaked = token_in_log_records(token, conversation)
        service.close()
    assert "无法从 Telegram 下载" in replies[0]
    assert secret_hits([("reply to the admin", replies[0])], token) == []
    assert leaked == []


def test_redact_covers_the_url_encoded_token() -> None:
    token = bot_token()
    text = f"GET /file/bot{token.replace(':', '%3A')}/documents/file_1.txt"
    assert token.split(":")[1] not in redact(text, [token])
