"""Run the Telegram bot (long polling, or a webhook on servers), or chat in the terminal.

    python scripts/run_bot.py              long polling; needs TELEGRAM_BOT_TOKEN
    python scripts/run_bot.py --webhook    webhook at WEBHOOK_URL, listening on WEBHOOK_LISTEN:WEBHOOK_PORT
    python scripts/run_bot.py --console    no Telegram, no token: ask in the terminal

Environment: TELEGRAM_BOT_TOKEN, TELEGRAM_BASE_URL / TELEGRAM_BASE_FILE_URL (a self-hosted Bot
API server; Telegram's by default), ADMIN_USER_IDS (comma-separated), DATA_DIR, CORPUS_DIR,
EMBEDDING_MODEL, TOP_K, LOG_LEVEL. The index is built from CORPUS_DIR on first start and the
model is warmed up before the bot takes questions.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import argparse  # noqa: E402
import logging  # noqa: E402
import secrets  # noqa: E402
import urllib.parse  # noqa: E402
from collections.abc import Callable  # noqa: E402

from tqdm import tqdm  # noqa: E402

from bot.redact import install_token_filter  # noqa: E402
from index import PlanService, QualityPlanError, Settings  # noqa: E402

MISSING_TOKEN = """缺少 TELEGRAM_BOT_TOKEN，机器人无法连接 Telegram。

  1. 在 Telegram 里找 @BotFather，发送 /newbot 创建机器人，拿到 token；
  2. export TELEGRAM_BOT_TOKEN=123456789:AA……
  3. 再运行 python scripts/run_bot.py

没有 token 也可以先在终端里试用：python scripts/run_bot.py --console"""


def tqdm_progress(description: str) -> tuple[Callable[[int, int, str], None], Callable[[], None]]:
    """A core progress(done, total, stage) callable drawing a tqdm bar, and a function closing it."""
    bar = tqdm(total=0, desc=description, unit="项", leave=False)

    def progress(done: int, total: int, stage: str) -> None:
        if bar.total != total:
            bar.reset(total=total)
        bar.set_description(f"{description}：{stage}")
        bar.n = done
        bar.refresh()

    return progress, bar.close


def prepare_service(settings: Settings):  # -> PlanService
    """The PlanService with an index (built from the corpus on first start) and a warm model."""

    service = PlanService(settings)
    progress, close = tqdm_progress("准备索引")
    try:
        service.ensure_index(progress=progress)
    finally:
        close()
    service.ask("质量强市", log=False)  # loads the model and the index before the first real question
    return service


def webhook_problem(settings: Settings) -> str | None:
    """Why a webhook cannot start here, or None."""
    if not settings.webhook_url:
        return "--webhook 需要 WEBHOOK_URL（Telegram 能访问到的 https 地址，如 https://example.org/telegram）"
    try:
        import tornado  # noqa: F401 - python-telegram-bot's webhook server runs on tornado
    except ImportError:
        return '--webhook 需要 webhook 组件：pip install "python-telegram-bot[webhooks]"（或改用默认的长轮询）'
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--console", action="store_true", help="chat in the terminal, without Telegram")
    mode.add_argument("--webhook", action="store_true", help="receive updates on a webhook instead of polling")
    args = parser.parse_args(argv)

    settings = Settings.from_env()
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s", level=settings.log_level)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request otherwise
    install_token_filter(settings.telegram_token)

    if args.console:
        from bot.console import run_console

        try:
            service = prepare_service(settings)
        except QualityPlanError as error:
            print(f"错误：{error}", file=sys.stderr)
            return 1
        return run_console(
            service, top_k=settings.top_k, stdin=sys.stdin, stdout=sys.stdout, interactive=sys.stdin.isatty()
        )

    if not settings.telegram_token:
        print(MISSING_TOKEN, file=sys.stderr)
        return 2
    if args.webhook:
        problem = webhook_problem(settings)
        if problem:
            print(problem, file=sys.stderr)
            return 2

    from telegram import Update

    from bot.app import build_application

    try:
        service = prepare_service(settings)
    except QualityPlanError as error:
        print(f"错误：{error}", file=sys.stderr)
        return 1
    application = build_application(settings, service)
    if args.webhook:
        application.run_webhook(
            listen=settings.webhook_listen,
            port=settings.webhook_port,
            url_path=urllib.parse.urlsplit(settings.webhook_url).path.lstrip("/"),
            webhook_url=settings.webhook_url,
            secret_token=secrets.token_urlsafe(32),  # Telegram echoes it; other callers are refused
            allowed_updates=Update.ALL_TYPES,
        )
    else:
        application.run_polling(allowed_updates=Update.ALL_TYPES)
    return 0


if __name__ == "__main__":
    sys.exit(main())
