"""The bot's small parts: callback data, short refs, log redaction, the console, run_bot's entry."""

from __future__ import annotations

import io
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot import callbacks
from bot.console import ConsoleChat, run_console
from bot.handlers.admin import safe_file_name
from bot.redact import TokenFilter, redact
from bot.state import BotState
from index.service import PlanService
from index.settings import Settings
from scripts.standin.harness import copy_corpus

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"


def test_callback_data_is_versioned_and_at_most_64_bytes() -> None:
    samples = [
        callbacks.full("!d3c6590f829f.6f8759a7d1"),
        callbacks.more(2_147_483_647, 9999),
        callbacks.feedback(2_147_483_647, "!d3c6590f829f.6f8759a7d1", False),
        callbacks.agency_page("~0123456789ab", 120),
        callbacks.upload(True, "AbC-_12345678"),
        callbacks.remove(False, "AbC-_12345678"),
    ]
    for data in samples:
        assert data.startswith("v1:") and len(data.encode()) <= callbacks.MAX_BYTES
        assert callbacks.decode(data) is not None
    assert callbacks.decode("v1:more:12:3") == callbacks.CallbackData("more", ("12", "3"))
    assert callbacks.decode("v0:more:12:3") is None and callbacks.decode("") is None
    with pytest.raises(ValueError):
        callbacks.full("x" * 60)
    with pytest.raises(ValueError):
        callbacks.full("a:b")


def test_short_refs_fit_and_resolve(tmp_path: Path) -> None:
    state = BotState(settings=Settings(data_dir=tmp_path), service=None)
    for value in ["d3c6590f829f:6f8759a7d1", "市场监督管理局", "a" * 80, "f8a5b6d69f1c", "~looks-like-a-key", "x.y:z"]:
        ref = state.short_ref(value)
        assert len(ref.encode()) <= 24 and ":" not in ref
        assert state.resolve_ref(ref) == value
        assert len(callbacks.feedback(4_000_000_000, ref, True).encode()) <= 64
    assert state.short_ref("d3c6590f829f:6f8759a7d1") == "!d3c6590f829f.6f8759a7d1"  # survives a restart
    assert state.resolve_ref("~unknown") is None


def test_token_is_redacted_from_messages_arguments_and_tracebacks() -> None:
    url = f"https://api.telegram.org/bot{TOKEN}/getUpdates"
    assert TOKEN not in redact(f"POST {url}")
    assert redact("/bot42:short-secret/sendMessage", ["42:short-secret"]) == "/bot<redacted>/sendMessage"
    assert "AAHdqTcv" not in redact(f"token={TOKEN}")

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(TokenFilter(TOKEN))
    logger = logging.getLogger("test_bot_parts.redact")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("HTTP Request: POST %s", url)
        try:
            raise RuntimeError(f"failed calling {url}")
        except RuntimeError:
            logger.exception("boom")
    finally:
        logger.removeHandler(handler)
    output = stream.getvalue()
    assert "HTTP Request: POST https://api.telegram.org/bot<redacted>/getUpdates" in output
    assert "RuntimeError: failed calling" in output
    assert TOKEN not in output and "AAHdqTcv" not in output


def test_safe_file_names() -> None:
    assert safe_file_name("../../etc/passwd") == "passwd"
    assert safe_file_name("西安 计划<1>.DOCX") == "西安 计划_1_.docx"
    assert safe_file_name(None) == "upload"
    assert safe_file_name(".hidden.txt") == "hidden.txt"


@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    base = tmp_path_factory.mktemp("console")
    copy_corpus(base / "corpus")
    settings = Settings(data_dir=base / "data", corpus_dir=base / "corpus", embedding_model="fake:64")
    service = PlanService(settings)
    service.ensure_index()
    service.close()
    return settings


def test_console_uses_the_same_answers_as_plain_text(indexed: Settings) -> None:
    service = PlanService(indexed)
    chat = ConsoleChat(service)
    reply = chat.handle("西安市电梯安全隐患整治有什么安排？")
    assert "《西安市2017年质量强市行动计划》（市政办发〔2017〕17号" in reply
    assert "<b>" not in reply and "&lt;" not in reply
    assert "第 4–6 条" in chat.handle("更多")
    assert "皖政办秘〔2016〕76号" in chat.handle("/docs")
    assert "坚决维护特种设备安全" in chat.handle("/clause 西安 二(五)")
    assert "库中找不到" in chat.handle("/outline 不存在")

    out = io.StringIO()
    assert run_console(service, top_k=3, stdin=io.StringIO("电梯\n/quit\n"), stdout=out, interactive=False) == 0
    assert "📄 《" in out.getvalue()


def test_which_tasks_an_agency_leads_lists_them_with_old_names_resolved(indexed: Settings) -> None:
    service = PlanService(indexed)
    reply = ConsoleChat(service).handle("市市场监管局牵头哪些任务？")
    service.close()
    assert reply.startswith("🏛 市市场监管局 负责的条款")
    # 太原 names it as written; 西安's 2017 plan names 市质监局, which is now the 市场监管局.
    assert "太原市 · 二、(三) 强化农产品食品药品质量安全" in reply
    assert "西安市 · 二、(五) 坚决维护特种设备安全" in reply


def _run_bot(args: list[str], env: dict[str, str], stdin: str = "") -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in ("TELEGRAM_BOT_TOKEN", "ADMIN_USER_IDS")}
    return subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "run_bot.py"), *args],
        env={**clean, **env},
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )


def test_run_bot_without_token_explains_and_offers_the_console(tmp_path: Path) -> None:
    result = _run_bot([], {"DATA_DIR": str(tmp_path)})
    assert result.returncode == 2
    assert "TELEGRAM_BOT_TOKEN" in result.stderr and "--console" in result.stderr


def test_run_bot_console_answers_from_stdin(indexed: Settings) -> None:
    env = {"DATA_DIR": str(indexed.data_dir), "CORPUS_DIR": str(indexed.corpus_dir), "EMBEDDING_MODEL": "fake:64"}
    result = _run_bot(["--console"], env, stdin="西安市电梯安全隐患整治有什么安排？\n")
    assert result.returncode == 0, result.stderr
    assert "市政办发〔2017〕17号" in result.stdout and "<b>" not in result.stdout


def test_standin_rejects_what_telegram_rejects() -> None:
    import httpx

    from scripts.standin.botapi import ApiError, BotApiStandIn, parse_html

    assert parse_html("<b>a &lt; b</b> &amp; <i>c</i>") == "a < b & c"
    for bad in ["a < b", "<br>", "<b>x", "<b>x</i>", "&nbsp;", "x > y"]:
        with pytest.raises(ApiError):
            parse_html(bad)

    with BotApiStandIn() as api, httpx.Client() as client:
        url = f"{api.base_url}{api.token}"

        def post(method: str, **data: str) -> httpx.Response:
            return client.post(f"{url}/{method}", data=data)

        assert (
            post("sendMessage", chat_id="1", text="x" * 4097).json()["description"]
            == "Bad Request: message is too long"
        )
        assert post("sendMessage", chat_id="1", text="好" * 4096).json()["ok"] is True
        markup = '{"inline_keyboard": [[{"text": "b", "callback_data": "' + "x" * 65 + '"}]]}'
        too_long = post("sendMessage", chat_id="1", text="x", reply_markup=markup).json()
        assert too_long["description"] == "Bad Request: BUTTON_DATA_INVALID"
        assert post("sendMessage", chat_id="1", text="<p>x</p>", parse_mode="HTML").status_code == 400
        assert client.post(f"{api.base_url}0:wrong/getMe").status_code == 401
        api.fail_next("getMe", retry_after=3)
        limited = post("getMe")
        assert limited.status_code == 429 and limited.json()["parameters"] == {"retry_after": 3}
        assert post("getMe").json()["result"]["username"] == api.username
