"""Rendering: answers, clauses, lists and previews as Telegram HTML, and HTML as terminal text.

Pure functions of the core's dataclasses (Answer, Hit, Document, Clause, ParsedDocument): no
Telegram objects, no I/O, so every rule is testable on its own:

- every dynamic string is escaped (`esc`); matched terms are bolded by cutting the *plain* text
  into segments first and escaping each one, so a term can never split an entity or a tag;
- every block that shows a clause ends with its citation line, 《title》（文号，发文机关，日期）,
  so whichever message a block lands in names the document and its 文号;
- messages are at most 4096 UTF-16 code units *of HTML source* (stricter than Telegram, which
  counts the text after entity parsing) and are split only between blocks, i.e. on clause
  boundaries; a single clause longer than that is cut at paragraph or sentence ends and every
  part repeats the heading and the citation.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from index import (
    EXCERPT_CHARS,
    LEAD,
    SUPPORT,
    Agency,
    Clause,
    Document,
    Hit,
    ParsedDocument,
    body_text,
    deadline_label,
    display_name,
    document_title,
    excerpt,
    format_date,
    missing_fields,
    sentences,
)
from index import citation as cite

MAX_MESSAGE = 4096
INLINE_DESCRIPTION_CHARS = 120
INLINE_TITLE_CHARS = 90
PREVIEW_SAMPLES = 4
ROLE_LABELS = {LEAD: "牵头", SUPPORT: "配合"}
NO_DOC_NUMBER = "无文号"

_TAG = re.compile(r"<[^>]*>")


def tg_len(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def esc(text: object) -> str:
    """Escape a dynamic value for Telegram's HTML parse mode."""
    return html.escape("" if text is None else str(text), quote=False)


def to_plain(text: str) -> str:
    """Telegram HTML as terminal text: tags stripped, entities unescaped."""
    return html.unescape(_TAG.sub("", text))


# -- pieces ---------------------------------------------------------------------------------


def highlight(text: str, terms: Iterable[str]) -> str:
    """Escaped text with every occurrence of the terms in <b>…</b> (longest term wins on overlap)."""
    wanted = sorted({t for t in terms if t and len(t.strip()) >= 2}, key=len, reverse=True)
    if not wanted:
        return esc(text)
    pattern = re.compile("|".join(re.escape(t) for t in wanted), re.IGNORECASE)
    out: list[str] = []
    pos = 0
    for match in pattern.finditer(text):
        out.append(esc(text[pos : match.start()]))
        out.append(f"<b>{esc(match.group(0))}</b>")
        pos = match.end()
    out.append(esc(text[pos:]))
    return "".join(out)


def citation(document: Document, path: str | None = None) -> str:
    """The citation (index.text.citation), escaped for Telegram HTML."""
    return esc(cite(document, path))


def agencies_line(agencies: Sequence[Agency]) -> str:
    """责任单位 with 牵头 and 配合 marked, names as the clause writes them; a renamed body also shows
    its current name, e.g. 市质监局（现市场监管局）."""
    if not agencies:
        return "👥 责任单位：条款未列明"
    groups = []
    for role in (LEAD, SUPPORT):
        names = [display_name(a) for a in agencies if a.role == role]
        if names:
            groups.append(f"<b>{ROLE_LABELS[role]}</b>：{esc('、'.join(dict.fromkeys(names)))}")
    others = [display_name(a) for a in agencies if a.role not in ROLE_LABELS]
    if others:
        groups.append(f"责任单位：{esc('、'.join(dict.fromkeys(others)))}")
    return "👥 " + "；".join(groups)


def location(document: Document, clause: Clause) -> str:
    """region · path heading (escaped): where a clause stands."""
    where = " ".join(part for part in (clause.path, clause.heading.strip()) if part)
    parts = [document.region, where] if document.region else [where]
    return " · ".join(esc(p) for p in parts if p)


def clause_ref(document: Document, clause: Clause) -> str:
    """A reference /clause understands: 文号 (or region) and the clause path, e.g. 西安市 二、(五)."""
    prefix = document.doc_number or document.region or document_title(document)
    return f"{prefix} {clause.path}"


# -- answers --------------------------------------------------------------------------------


def hit_block(hit: Hit, number: int | None = None, *, excerpt_chars: int = EXCERPT_CHARS) -> str:
    """One clause of an answer: header, the excerpt that answers (terms bold), agencies, citation."""
    head = f"{number}. " if number is not None else ""
    text = excerpt(body_text(hit.clause), hit.matched_terms, excerpt_chars)
    lines = [
        f"<b>{head}{location(hit.document, hit.clause)}</b>",
        highlight(text, hit.matched_terms),
        agencies_line(hit.clause.agencies),
        "📄 " + citation(hit.document, hit.clause.path),
    ]
    if hit.clause.deadline is not None:
        lines.insert(3, "⏰ 时限：" + esc(deadline_label(hit.clause.deadline)))
    note = hit.explain.get("version_note")
    if note:
        lines.append("⚠️ " + esc(note))
    return "\n".join(lines)


def answer_header(answer: Any, offset: int = 0, understood: str | None = None) -> str:
    """What comes before the clauses: how a follow-up was read, what the corpus lacks, the answer
    line (in the clauses' words), then what the clauses below are."""
    lines = [f"<i>🔎 {esc(understood)}</i>"] if understood else []
    hits = answer.hits
    notice = getattr(answer, "notice", None)
    direct = getattr(answer, "direct", None)
    overview = getattr(answer, "overview", None) if not offset else None
    if not hits:
        lines.append(f"⚠️ {esc(notice)}。" if notice else "")
        lines.append("没有更多相关条款了。" if offset else "没有找到相关条款。可以换个说法再问，或用 /docs 查看已收录的文件。")
        return "\n".join(line for line in lines if line)
    if notice:
        lines.append(f"⚠️ {esc(notice)}。以下是最接近的条款，请对照原文判断：")
    elif answer.low_confidence:
        lines.append("⚠️ 没有找到直接回答这个问题的条款。以下是最接近的条款，请对照原文判断：")
    if direct is not None:
        lines.append(direct_line(direct))
    if notice or answer.low_confidence:
        return "\n".join(lines)
    if offset:
        lines.append(f"更多相关条款（第 {offset + 1}–{offset + len(hits)} 条）：")
    elif overview:
        lines.append(f"🗺 {len(overview)} 个地区的文件有相关条款，各取最相关的一条：")
    else:
        lines.append("找到以下相关条款：")
    return "\n".join(lines)


def direct_line(direct: Any) -> str:
    """💡 the answer line, then where it comes from (region · clause path)."""
    where = location(direct.hit.document, direct.hit.clause)
    return f"💡 <b>{esc(direct.text)}</b>\n　—— {where}"


def answer_messages(
    answer: Any, *, offset: int = 0, limit: int = MAX_MESSAGE, understood: str | None = None
) -> list[str]:
    """An Answer as Telegram messages: header, then one block per clause (per region when the question
    named no place and several regions answer), split between clauses."""
    overview = getattr(answer, "overview", None) if not offset and not answer.low_confidence else None
    if overview:
        blocks = [hit_block(entry.hit, i + 1) for i, entry in enumerate(overview)]
    else:
        blocks = [hit_block(hit, offset + i + 1) for i, hit in enumerate(answer.hits)]
    return pack(blocks, header=answer_header(answer, offset, understood), limit=limit)


def comparison_message(question: str, rows: Sequence[dict[str, str]], *, limit: int = MAX_MESSAGE) -> list[str]:
    """Regions side by side: region, clause path, the figure or duty, citation."""
    header = f"⚖️ <b>{quote(question, 60)}</b>：各地区对比"
    blocks = [
        f"<b>{esc(row['地区'])}</b> {esc(row['条款'])}\n{esc(row['内容'] or '—')}\n<i>{esc(row['出处'])}</i>" for row in rows
    ]
    return pack(blocks, header=header, limit=limit)


def follow_up_header(understood: str | None, direct: Any) -> str:
    """Before a clause shown in reply to a follow-up (谁牵头？ / 这条的全文)."""
    lines = [f"<i>🔎 {esc(understood)}</i>"] if understood else []
    if direct is not None:
        lines.append(direct_line(direct))
    return "\n".join(lines)


def pack(blocks: Sequence[str], *, header: str = "", limit: int = MAX_MESSAGE, separator: str = "\n\n") -> list[str]:
    """Join blocks into as few messages ≤ limit as possible, never splitting a block."""
    messages: list[str] = []
    current = header
    for block in blocks:
        if tg_len(block) > limit:
            raise ValueError(f"a block of {tg_len(block)} units does not fit one message; cut it first")
        candidate = f"{current}{separator}{block}" if current else block
        if tg_len(candidate) <= limit:
            current = candidate
        else:
            messages.append(current)
            current = block
    if current:
        messages.append(current)
    return messages


def chunk_text(text: str, budget: int, terms: Sequence[str] = ()) -> list[str]:
    """Cut plain text into pieces whose rendered form (escaped, terms bold) fits budget, at
    paragraph or sentence ends; a sentence longer than budget is cut where it must."""

    def size(piece: str) -> int:
        return tg_len(highlight(piece, terms))

    pieces: list[str] = []
    for sentence in sentences(text):
        while size(sentence) > budget:
            cut = _longest_fitting_prefix(sentence, budget, size)
            pieces.append(sentence[:cut])
            sentence = sentence[cut:]
        pieces.append(sentence)
    chunks: list[str] = []
    current = ""
    for piece in pieces:
        if current and size(current + piece) > budget:
            chunks.append(current)
            current = ""
        current += piece
    if current.strip():
        chunks.append(current)
    return [c.strip("\n") for c in chunks if c.strip()]


def _longest_fitting_prefix(text: str, budget: int, size: Callable[[str], int]) -> int:
    low, high = 1, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if size(text[:middle]) <= budget:
            low = middle
        else:
            high = middle - 1
    return low


def clause_messages(hit: Hit, *, number: int | None = None, limit: int = MAX_MESSAGE) -> list[str]:
    """A clause's full text; long ones are cut and every part repeats the header and the citation."""
    head = f"{number}. " if number is not None else ""
    header = f"<b>{head}{location(hit.document, hit.clause)}</b>"
    footer = agencies_line(hit.clause.agencies) + "\n📄 " + citation(hit.document, hit.clause.path)
    text = body_text(hit.clause)
    marker_room = len("（续 99/99）")
    budget = limit - tg_len(header) - tg_len(footer) - marker_room - 4
    chunks = chunk_text(text, budget, hit.matched_terms) or [""]
    total = len(chunks)
    messages = []
    for index, chunk in enumerate(chunks, 1):
        marker = f"（{index}/{total}）" if total > 1 else ""
        messages.append(f"{header}{marker}\n{highlight(chunk, hit.matched_terms)}\n{footer}")
    return messages


def inline_title(hit: Hit) -> str:
    """Plain-text title of an inline result: region · path heading."""
    return _cut(to_plain(location(hit.document, hit.clause)), INLINE_TITLE_CHARS)


def inline_description(hit: Hit) -> str:
    """Plain-text description of an inline result: the excerpt, then where it comes from."""
    text = excerpt(body_text(hit.clause), hit.matched_terms, INLINE_DESCRIPTION_CHARS)
    return _cut(" ".join(text.split()), INLINE_DESCRIPTION_CHARS)


def inline_message(hit: Hit, *, limit: int = MAX_MESSAGE) -> str:
    """The message an inline result sends: the clause (shortened to one message), agencies, citation."""
    messages = clause_messages(hit, limit=limit)
    if len(messages) == 1:
        return messages[0]
    header = f"<b>{location(hit.document, hit.clause)}</b>"
    footer = (
        f"（节选，全文：/clause {esc(clause_ref(hit.document, hit.clause))}）\n"
        + agencies_line(hit.clause.agencies)
        + "\n📄 "
        + citation(hit.document, hit.clause.path)
    )
    budget = limit - tg_len(header) - tg_len(footer) - 4
    first = chunk_text(body_text(hit.clause), budget)[0]
    return f"{header}\n{esc(first)}…\n{footer}"


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def quote(text: object, limit: int = 60) -> str:
    """A user's own words echoed back: shortened (a 4 096-character argument must not overflow the
    reply) and escaped."""
    return esc(_cut(str(text), limit))


# -- lists ----------------------------------------------------------------------------------


def documents_messages(infos: Sequence[Any], *, limit: int = MAX_MESSAGE) -> list[str]:
    """/docs: every document with its 文号, date and clause count."""
    if not infos:
        return ["还没有收录任何文件。管理员可以直接把 .txt/.docx/.pdf/.html 文件发给我来添加。"]
    blocks = []
    for number, info in enumerate(infos, 1):
        doc = info.document
        details = [doc.doc_number or NO_DOC_NUMBER, format_date(doc.date) or "日期未列明", f"{info.clause_count} 条"]
        lines = [f"{number}. <b>《{esc(document_title(doc))}》</b>", "　" + esc(" · ".join(details))]
        meta = [part for part in (doc.region, doc.issuer) if part]
        if meta:
            lines.append("　" + esc(" · ".join(meta)))
        if info.superseded_by is not None:
            lines.append(f"　（已被新版本替代：{citation(info.superseded_by)}）")
        blocks.append("\n".join(lines))
    header = f"📚 已收录 {len(infos)} 份文件（/outline 文件名 查看目录）："
    return pack(blocks, header=header, limit=limit, separator="\n")


def outline_messages(document: Document, clauses: Sequence[Clause], *, limit: int = MAX_MESSAGE) -> list[str]:
    """/outline: the document's numbered hierarchy, indented by level, split between lines."""
    header = f"🗂 <b>目录</b>　{citation(document)}"
    lines = []
    for clause in clauses:
        label = clause.heading.strip() or _cut(body_text(clause).split("\n", 1)[0], 30)
        indent = "　" * max(clause.level - 1, 0)
        lines.append(f"{indent}{esc(clause.number)} {esc(label)}")
    if not lines:
        return [f"{header}\n（没有识别出条款）"]
    chunks = pack(lines, limit=limit - tg_len(header) - len("（续）\n"), separator="\n")
    return [f"{header}{'（续）' if index else ''}\n{chunk}" for index, chunk in enumerate(chunks)]


def agency_page(name: str, hits: Sequence[Hit], offset: int, page_size: int) -> str:
    """/agency: one page of the clauses an agency leads, then supports, grouped by document."""
    total = len(hits)
    if not total:
        return f"没有找到「{quote(name)}」牵头或配合的条款。可以换个写法，例如“市场监管局”或“质监局”。"
    page = hits[offset : offset + page_size]
    lines = [f"🏛 <b>{quote(name)}</b> 负责的条款（第 {offset + 1}–{offset + len(page)} 条，共 {total} 条）"]
    current_role = current_doc = None
    for hit in page:
        role = str(hit.explain.get("role") or "")  # set by the agency matcher; never guessed here
        if role != current_role:
            lines.append(f"\n<b>{ROLE_LABELS.get(role, '相关')}</b>")
            current_role, current_doc = role, None
        if hit.document.id != current_doc:
            lines.append("📄 " + citation(hit.document))
            current_doc = hit.document.id
        lines.append(f"　• {location(hit.document, hit.clause)}")
    text = "\n".join(lines)
    if tg_len(text) > MAX_MESSAGE:  # pathological headings: fall back to the first lines that fit
        return pack(lines, limit=MAX_MESSAGE - 2, separator="\n")[0]
    return text


# -- admin ----------------------------------------------------------------------------------


def preview_message(parsed: ParsedDocument, file_name: str, *, limit: int = MAX_MESSAGE) -> str:
    """What an admin sees before confirming an upload: citation data, counts, samples, warnings."""
    doc = parsed.document
    missing = "（未识别）"
    retrievable = [c for c in parsed.clauses if c.retrievable]
    lines = [
        f"📄 <b>文件预览</b>：{esc(file_name)}",
        f"标题：{esc(doc.title) if doc.title else missing}",
        f"文号：{esc(doc.doc_number) if doc.doc_number else missing}",
        f"发文机关：{esc(doc.issuer) if doc.issuer else missing}",
        f"日期：{esc(format_date(doc.date)) if doc.date else missing}",
        f"地区：{esc(doc.region) if doc.region else missing}",
        f"条款：{len(parsed.clauses)} 个单元，其中可检索 {len(retrievable)} 条",
    ]
    absent = missing_fields(parsed)
    if absent:
        lines.append(f"\n❗ 缺少{esc('、'.join(absent))}：回复本消息补充，每行一项，例如\n"
                     "<code>文号 X政发〔2023〕5号</code>\n<code>日期 2023年3月5日</code>")
    with_agencies = [c for c in retrievable if c.agencies]
    samples = (with_agencies or retrievable)[:PREVIEW_SAMPLES]
    if samples:
        lines.append("\n<b>示例条款</b>")
        for clause in samples:
            label = clause.heading.strip() or _cut(body_text(clause), 40)
            lines.append(f"• {esc(clause.path)} {esc(label)}")
            lines.append("　" + agencies_line(clause.agencies))
    if parsed.warnings:
        lines.append("\n⚠️ <b>提示</b>")
        lines.extend(f"• {esc(w)}" for w in parsed.warnings[:8])
        if len(parsed.warnings) > 8:
            lines.append(f"• ……另有 {len(parsed.warnings) - 8} 条提示")
    lines.append("\n确认后加入索引，几秒钟后就能回答关于它的问题；其他人的提问不受影响。")
    return pack(lines, limit=limit, separator="\n")[0]


STAT_LABELS = {
    "documents": "文件",
    "clauses": "可检索条款",
    "agency_mentions": "责任单位提及",
    "questions": "提问",
    "low_confidence": "低置信回答",
    "feedback_up": "👍",
    "feedback_down": "👎",
    "index": "索引",
    "build": "版本",
    "model": "模型",
    "passages": "段落",
    "created_at": "建于",
    "top_unanswered": "未答好的问题",
}


def stats_message(stats: dict[str, Any], *, limit: int = MAX_MESSAGE) -> str:
    """/stats: counts, feedback and the questions the corpus answers worst."""
    lines = ["📊 <b>统计</b>"]
    lists: list[tuple[str, list[Any]]] = []
    for key, value in stats.items():
        if isinstance(value, list | tuple):
            lists.append((key, list(value)))
        elif isinstance(value, dict):
            inner = "，".join(f"{esc(STAT_LABELS.get(k, k))} {esc(v)}" for k, v in value.items())
            lines.append(f"{esc(STAT_LABELS.get(key, key))}：{inner}")
        else:
            lines.append(f"{esc(STAT_LABELS.get(key, key))}：{esc(value)}")
    for key, items in lists:
        lines.append(f"\n<b>{esc(STAT_LABELS.get(key, key))}</b>")
        if not items:
            lines.append("（无）")
        for number, item in enumerate(items[:10], 1):
            if isinstance(item, dict):
                text = item.get("query") or item.get("question") or item.get("text") or str(item)
                times = item.get("times") or item.get("count")
                suffix = f"（{esc(times)} 次）" if times else ""
                lines.append(f"{number}. {esc(_cut(str(text), 80))}{suffix}")
            else:
                lines.append(f"{number}. {esc(_cut(str(item), 80))}")
    return pack(lines, limit=limit, separator="\n")[0]


STAGE_LABELS = {
    "read": "读取",
    "parse": "解析",
    "store": "入库",
    "snapshot": "快照",
    "embed": "向量化",
    "lexical": "关键词索引",
    "index": "建索引",
    "vectors": "向量索引",
    "swap": "切换",
    "done": "完成",
}


def progress_text(title: str, done: int, total: int, stage: str) -> str:
    """One progress message, edited in place: title, a bar, the stage and its count."""
    label = STAGE_LABELS.get(stage, stage)
    if total > 0:
        share = min(max(done / total, 0.0), 1.0)
        filled = round(share * 10)
        bar = "▓" * filled + "░" * (10 - filled)
        return f"⏳ {esc(title)}\n{bar} {round(share * 100)}%\n{esc(label)} {done}/{total}"
    return f"⏳ {esc(title)}\n{esc(label)}……"


def help_message(commands: Sequence[Any], bot_username: str | None = None) -> str:
    """/help: every command, user commands first, then the admin ones."""
    handle = f"@{esc(bot_username)}" if bot_username else "@我的用户名"
    users = [c for c in commands if not c.admin]
    admins = [c for c in commands if c.admin]
    lines = [
        "🤖 <b>质量强市政策问答</b>",
        "私聊直接发问题即可，例如：<i>西安市电梯安全隐患整治由谁牵头？</i>",
        "群里用 /ask 问题、@我 或回复我的消息来提问。",
        f"任何聊天里输入 {handle} 和关键词（如 {handle} 电梯），可以直接把条款发出去。",
        "",
        "<b>命令</b>",
    ]
    lines += [_command_line(c) for c in users]
    if admins:
        lines += ["", "<b>管理员命令</b>（私聊发送 .txt/.docx/.pdf/.html 文件即可添加新文件）"]
        lines += [_command_line(c) for c in admins]
    return "\n".join(lines)


def _command_line(command: Any) -> str:
    usage = f"/{command.name} {command.args}".strip()
    return f"{esc(usage)} — {esc(command.description)}"
