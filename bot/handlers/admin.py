"""Admin work: add a plan from a phone, rebuild, remove, statistics.

- A .txt/.docx/.pdf/.html file sent in a private chat (≤ 20 MB, the Bot API's download limit) is
  downloaded under DATA_DIR/uploads/<token>/, parsed (a scanned PDF's OCR pages counted in the
  same message), and answered with a preview (title, 文号, issuer, date, clause count, sample
  clauses with agencies, warnings, the fields still missing) and two buttons, 确认加入索引 / 取消.
  Replying to the preview with lines such as "文号 X政发〔2023〕5号" supplies missing fields: the
  preview is parsed again with them and 确认 stores them, noted as supplied by the admin.
  确认 adds it incrementally in the background with its own progress message; questions keep
  being answered meanwhile and reach the new plan within seconds.
- /reindex rebuilds everything, its progress edited into one message.
- /remove <文件> asks for confirmation, then removes the document (its file moves to
  DATA_DIR/removed/).
- /stats: documents, clauses, questions, feedback and the questions answered worst.

Every entry point, buttons included, goes through `access.admin_only`. Index jobs run one at a
time (queued on `BotState.index_lock`), each in a worker thread.
"""

from __future__ import annotations

import logging
import re
import secrets
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop, ContextTypes

from index import ACCEPTED_SUFFIXES, QualityPlanError, read_field_lines

from .. import callbacks, render
from ..access import admin_only
from ..state import BotState, PendingRemoval, PendingUpload, get_state
from ..work import ProgressMessage, edit_text, run_blocking, send_messages

logger = logging.getLogger(__name__)

REMOVE_USAGE = "请输入要移除的文件，例如：<code>/remove 市政办发〔2017〕17号</code>（用 /docs 查看文件）"
GONE = "这个操作已处理或已过期。"


def safe_file_name(name: str | None) -> str:
    """A file name safe to write: no directories, no control or reserved characters."""
    base = Path(name or "").name
    base = re.sub(r'[\\/:*?"<>|\x00-\x1f]', "_", base).lstrip(".").strip()
    stem, suffix = Path(base).stem, Path(base).suffix.lower()
    return (stem[:100] or "upload") + suffix


def _drop_stale_uploads(state: BotState) -> None:
    now = time.monotonic()
    for token, pending in list(state.uploads.items()):
        if now - pending.created > state.options.upload_ttl:
            state.uploads.pop(token, None)
            shutil.rmtree(pending.path.parent, ignore_errors=True)


@admin_only
async def upload(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    state = get_state(context)
    message = update.effective_message
    document = message.document
    name = safe_file_name(document.file_name)
    if Path(name).suffix.lower() not in ACCEPTED_SUFFIXES:
        accepted = "、".join(ACCEPTED_SUFFIXES)
        await message.reply_text(f"不支持的文件格式：{render.quote(name)}。可以发送 {accepted} 文件。")
        return
    limit_mb = state.options.max_upload_bytes // (1024 * 1024)
    if document.file_size and document.file_size > state.options.max_upload_bytes:
        await message.reply_text(
            f"文件超过 {limit_mb} MB（Telegram 机器人能下载的上限）：{render.quote(name)}。请压缩或拆分后再发。"
        )
        return
    _drop_stale_uploads(state)
    token = secrets.token_urlsafe(6)
    folder = state.settings.uploads_dir / token
    path = folder / name
    status = await message.reply_text(f"📥 正在下载并解析 {render.quote(name)}……")
    # OCR of a scanned PDF reports its pages into this same message, which then becomes the preview.
    progress = ProgressMessage(context.bot, status.chat.id, status.message_id, f"解析 {name}",
                               interval=state.options.progress_interval)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        telegram_file = await context.bot.get_file(document.file_id)
        await telegram_file.download_to_drive(path)
        parsed = await run_blocking(state.service.preview_file, path, progress=progress.report)
    except QualityPlanError as error:
        shutil.rmtree(folder, ignore_errors=True)
        await progress.finish(f"❌ 无法加入 {render.quote(name)}：{render.quote(error, 500)}")
        return
    except TelegramError as error:
        shutil.rmtree(folder, ignore_errors=True)
        logger.warning("download of %s failed: %s", name, error)
        # The error text can quote the download URL, which carries the token: never show it.
        await progress.finish(f"❌ 无法从 Telegram 下载 {render.quote(name)}，请稍后重发。")
        return
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    state.uploads[token] = PendingUpload(
        token, path, name, update.effective_user.id, message.chat.id, preview_id=status.message_id
    )
    await progress.finish(render.preview_message(parsed, name), _upload_keyboard(token))


def _upload_keyboard(token: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("确认加入索引", callback_data=callbacks.upload(True, token)),
                InlineKeyboardButton("取消", callback_data=callbacks.upload(False, token)),
            ]
        ]
    )


def _replied_preview(update: Update, context: ContextTypes.DEFAULT_TYPE) -> PendingUpload | None:
    """The pending upload whose preview this message replies to, if any."""
    message = update.effective_message
    replied = message.reply_to_message if message is not None else None
    if replied is None:
        return None
    return next(
        (pending for pending in get_state(context).uploads.values()
         if pending.chat_id == message.chat.id and pending.preview_id == replied.message_id),
        None,
    )


async def preview_reply(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A reply to an upload preview supplies its missing fields (admins only); any other reply
    goes on to be answered as a question."""
    if _replied_preview(update, context) is None:
        return
    await supply_fields(update, context)
    raise ApplicationHandlerStop


@admin_only
async def supply_fields(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """"文号 X政发〔2023〕5号" / "日期 2023年3月5日" … : re-parse with them and show the preview again."""
    state = get_state(context)
    message = update.effective_message
    pending = _replied_preview(update, context)
    if pending is None:
        await message.reply_text(GONE)
        return
    try:
        fields = {**pending.fields, **read_field_lines(message.text or "")}
        parsed = await run_blocking(state.service.preview_file, pending.path, overrides=fields)
    except QualityPlanError as error:
        await message.reply_text(f"❌ 没有补充：{render.quote(error, 500)}")
        return
    pending.fields = fields
    preview = render.preview_message(parsed, pending.file_name)
    await edit_text(context.bot, pending.chat_id, pending.preview_id, preview, _upload_keyboard(pending.token))
    await message.reply_text("✅ 已更新上面的预览，核对后按“确认加入索引”。")


@admin_only
async def upload_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    state = get_state(context)
    data = callbacks.decode(query.data)
    pending = state.uploads.pop(data.args[1], None) if data and len(data.args) == 2 else None
    if pending is None:
        await query.answer(GONE, show_alert=True)
        return
    await context.bot.edit_message_reply_markup(
        chat_id=query.message.chat.id, message_id=query.message.message_id, reply_markup=None
    )
    if data.args[0] != callbacks.CONFIRM:
        shutil.rmtree(pending.path.parent, ignore_errors=True)
        await query.answer("已取消")
        await send_messages(
            context.bot, query.message.chat.id, [f"❎ 已取消，{render.esc(pending.file_name)} 没有加入。"]
        )
        return
    await query.answer("开始加入索引")
    progress = await ProgressMessage.send(
        context.bot, query.message.chat.id, f"加入 {pending.file_name}", interval=state.options.progress_interval
    )

    def done(result: Any) -> str:
        return f"✅ {render.esc(result.message)}\n现在就可以提问了。"

    job = run_index_job(state, progress, done, state.service.add_file, pending.path, cleanup=pending.path.parent,
                        overrides=pending.fields or None)
    context.application.create_task(job, update=update, name=f"add-{pending.token}")


async def run_index_job(
    state: BotState,
    progress: ProgressMessage,
    done: Callable[[Any], str],
    func: Callable[..., Any],
    *args: Any,
    cleanup: Path | None = None,
    **kwargs: Any,
) -> None:
    """Run one index job in a worker thread after any earlier one, reporting into `progress`."""
    try:
        async with state.index_lock:
            await progress.update("开始")
            result = await run_blocking(func, *args, progress=progress.report, **kwargs)
    except QualityPlanError as error:
        await progress.finish(f"❌ {render.esc(progress.title)}没有完成：{render.esc(error)}")
        return
    except Exception:
        await progress.finish(f"❌ {render.esc(progress.title)}出错了，详情见日志。")
        raise
    finally:
        if cleanup is not None:
            shutil.rmtree(cleanup, ignore_errors=True)
    await progress.finish(done(result))


@admin_only
async def reindex(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    state = get_state(context)
    progress = await ProgressMessage.send(
        context.bot, update.effective_chat.id, "重建索引", interval=state.options.progress_interval
    )

    def done(report: Any) -> str:
        return f"✅ {render.esc(report.message)}"

    context.application.create_task(
        run_index_job(state, progress, done, state.service.reindex, full=True), update=update, name="reindex"
    )


@admin_only
async def remove(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    state = get_state(context)
    ref = " ".join(context.args or [])
    if not ref:
        await update.effective_message.reply_text(REMOVE_USAGE)
        return
    document = await run_blocking(state.service.find_document, ref)
    if document is None:
        await update.effective_message.reply_text(f"没有找到文件：{render.quote(ref)}。用 /docs 查看已收录的文件。")
        return
    token = secrets.token_urlsafe(6)
    state.removals[token] = PendingRemoval(token, document.id, render.document_title(document), update.effective_user.id)
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("确认移除", callback_data=callbacks.remove(True, token)),
                InlineKeyboardButton("取消", callback_data=callbacks.remove(False, token)),
            ]
        ]
    )
    text = f"将移除：{render.citation(document)}\n文件会移到 DATA_DIR/removed/，需要时可以重新上传。"
    await send_messages(context.bot, update.effective_chat.id, [text], keyboard=keyboard)


@admin_only
async def remove_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    state = get_state(context)
    data = callbacks.decode(query.data)
    pending = state.removals.pop(data.args[1], None) if data and len(data.args) == 2 else None
    if pending is None:
        await query.answer(GONE, show_alert=True)
        return
    if data.args[0] != callbacks.CONFIRM:
        await query.answer("已取消")
        await edit_text(
            context.bot,
            query.message.chat.id,
            query.message.message_id,
            f"❎ 已取消，《{render.esc(pending.title)}》保留。",
        )
        return
    await query.answer("开始移除")
    await context.bot.edit_message_reply_markup(
        chat_id=query.message.chat.id, message_id=query.message.message_id, reply_markup=None
    )
    progress = await ProgressMessage.send(
        context.bot, query.message.chat.id, f"移除《{pending.title}》", interval=state.options.progress_interval
    )

    def done(document: Any) -> str:
        return f"✅ 已移除：{render.citation(document)}"

    job = run_index_job(state, progress, done, state.service.remove_document, pending.doc_id)
    context.application.create_task(job, update=update, name=f"remove-{pending.token}")


@admin_only
async def stats(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    state = get_state(context)
    numbers = await run_blocking(state.service.stats)
    await send_messages(context.bot, update.effective_chat.id, [render.stats_message(numbers)])
