"""Checks the reliability scenarios share (tests/test_reliability_*.py and scripts/stress.py).

- `telegram_html_problems`: is a message valid for Telegram's HTML parse mode? Written here on
  html.parser, independently of the bot's renderer and of the Bot API stand-in's own check.
- `index_problems`: is the live index one complete build (manifest, FAISS, passages, snapshot
  all agree) and are the SQLite files intact?
- `answer_problems`: does a question get cited clauses from the live build?
- `tree_digest`: sha256 of every file that holds data, to prove "byte-for-byte unchanged".
- `secret_hits`: files or texts that contain a secret.

Every check returns a list of problems (empty when all is well), so a scenario can count
failures and a test can assert on the list and show it.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
from collections.abc import Iterable, Sequence
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

MAX_MESSAGE = 4096

# https://core.telegram.org/bots/api#html-style: the tags and attributes Telegram accepts.
_PLAIN_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "tg-spoiler", "pre"}
_ALLOWED_TAGS = _PLAIN_TAGS | {"a", "code", "span", "blockquote", "tg-emoji"}
_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ENTITY = re.compile(r"&(?:lt|gt|amp|quot|#[0-9]{1,7}|#x[0-9a-fA-F]{1,6});")


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


class _TelegramHtml(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.problems: list[str] = []
        self.stack: list[str] = []
        self.text: list[str] = []

    def _attributes_ok(self, tag: str, attrs: list[tuple[str, str | None]]) -> bool:
        names = [name for name, _ in attrs]
        values = dict(attrs)
        if tag in _PLAIN_TAGS:
            return not attrs
        if tag == "a":
            return names == ["href"] and bool(values["href"])
        if tag == "span":
            return names == ["class"] and values["class"] == "tg-spoiler"
        if tag == "tg-emoji":
            return names == ["emoji-id"] and (values["emoji-id"] or "").isdigit()
        if tag == "code":
            return not attrs or (names == ["class"] and (values["class"] or "").startswith("language-"))
        if tag == "blockquote":
            return not attrs or names == ["expandable"]
        return False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _ALLOWED_TAGS:
            self.problems.append(f"unsupported tag <{tag}>")
        elif not self._attributes_ok(tag, attrs):
            self.problems.append(f"bad attributes on <{tag}>: {attrs}")
        inside = set(self.stack)
        if inside & {"pre", "code"} and not (tag == "code" and self.stack[-1:] == ["pre"]):
            self.problems.append(f"<{tag}> inside pre/code")
        if tag in inside and tag in {"a", "blockquote", "pre", "code"}:
            self.problems.append(f"<{tag}> nested in itself")
        self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.problems.append(f"self-closing tag <{tag}/>")

    def handle_endtag(self, tag: str) -> None:
        if not self.stack:
            self.problems.append(f"end tag </{tag}> without a start tag")
        elif self.stack[-1] != tag:
            self.problems.append(f"end tag </{tag}> closes <{self.stack[-1]}>")
            if tag in self.stack:
                del self.stack[len(self.stack) - 1 - self.stack[::-1].index(tag) :]
        else:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        for char in "<>&":
            if char in data:
                self.problems.append(f"unescaped {char!r} in text near {data[:40]!r}")
        self.text.append(data)

    def handle_entityref(self, name: str) -> None:
        if name not in _ENTITIES:
            self.problems.append(f"unsupported entity &{name};")
        self.text.append(_ENTITIES.get(name, "?"))

    def handle_charref(self, name: str) -> None:
        try:
            code = int(name[1:], 16) if name[:1] in "xX" else int(name)
            self.text.append(chr(code))
        except (ValueError, OverflowError):
            self.problems.append(f"bad character reference &#{name};")

    def handle_comment(self, data: str) -> None:
        self.problems.append("HTML comment")

    def handle_decl(self, decl: str) -> None:
        self.problems.append("declaration")

    def handle_pi(self, data: str) -> None:
        self.problems.append("processing instruction")

    def unknown_decl(self, data: str) -> None:
        self.problems.append("unknown declaration")


def telegram_html_problems(html: Any, limit: int = MAX_MESSAGE) -> list[str]:
    """Why Telegram would refuse this message in HTML parse mode (empty list: it would not)."""
    if not isinstance(html, str):
        return [f"message is {type(html).__name__}, not text"]
    parser = _TelegramHtml()
    problems = [
        f"'&' at {m.start()} starts no supported entity"
        for m in re.finditer("&", html)
        if not _ENTITY.match(html, m.start())
    ]
    try:
        parser.feed(html)
        parser.close()
    except Exception as error:  # html.parser gives up on some malformed input
        return [f"unparsable HTML ({type(error).__name__}: {error})"]
    problems += parser.problems
    if parser.stack:
        problems.append(f"unclosed tags {parser.stack}")
    text = "".join(parser.text)
    if not text.strip():
        problems.append("message text is empty")
    if utf16_len(text) > limit:
        problems.append(f"message is {utf16_len(text)} UTF-16 units long (limit {limit})")
    try:
        html.encode("utf-8")
    except UnicodeEncodeError:
        problems.append("message is not encodable as UTF-8 (lone surrogate)")
    return problems


def visible_text(html: str) -> str:
    """What Telegram displays for a (valid) HTML message."""
    parser = _TelegramHtml()
    parser.feed(html)
    parser.close()
    return "".join(parser.text)


# -- the index ---------------------------------------------------------------------------------


def sqlite_integrity(path: Path) -> str:
    """The verdict of PRAGMA integrity_check ("ok" when intact); read-only, so checking changes nothing."""
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
            return str(conn.execute("PRAGMA integrity_check").fetchone()[0])
    except sqlite3.Error as error:
        return f"{type(error).__name__}: {error}"


def live_build(settings: Any) -> Path | None:
    from index.build.layout import current_build

    return current_build(settings.index_root)


def live_documents(settings: Any) -> dict[str, str]:
    """document id → sha256 of the live build (empty when there is none)."""
    from index.build.layout import read_manifest

    folder = live_build(settings)
    return dict(read_manifest(folder).documents) if folder else {}


def index_problems(settings: Any, model_id: str) -> list[str]:
    """Is the live index one complete, self-consistent build, and are the databases intact?

    A build serves each of its documents from exactly one of its segments (the version the
    manifest names); FAISS holds one vector per passage (a clause may have several), so "vector
    count equals clause count" is checked as: the served passages number the manifest's
    passage_count and cover every served clause, and the served clauses are exactly the
    snapshot's retrievable clauses.
    """
    from index.build.layout import CLAUSES_DB, check_manifest, read_manifest
    from index.build.segments import LoadedSegment, segments_root
    from index.search.dense import load_dense_index
    from index.store.database import Store

    problems: list[str] = []
    for path in (settings.store_path, settings.data_dir / "embeddings.db"):
        if path.exists() and (verdict := sqlite_integrity(path)) != "ok":
            problems.append(f"integrity_check of {path.name}: {verdict}")
    folder = live_build(settings)
    if folder is None:
        return [*problems, "no live index (CURRENT missing or naming an incomplete build)"]
    try:
        manifest = read_manifest(folder)
        check_manifest(manifest, model_id)
        root = segments_root(folder.parent)
        segments = [(LoadedSegment(root / e["name"], load_dense_index), list(e["documents"])) for e in manifest.segments]
    except Exception as error:
        return [*problems, f"live build {folder.name} unreadable: {type(error).__name__}: {error}"]
    if (verdict := sqlite_integrity(folder / CLAUSES_DB)) != "ok":
        return [*problems, f"integrity_check of {folder.name}/{CLAUSES_DB}: {verdict}"]
    with Store(folder / CLAUSES_DB, readonly=True) as snapshot:
        documents = {d.id: d.sha256 for d in snapshot.documents()}
        clauses = snapshot.clauses(retrievable_only=True)
    served_docs: list[str] = []
    clause_ids: list[str] = []
    passages = 0
    for segment, docs in segments:
        served_docs.extend(docs)
        if segment.dense.d != manifest.dimension:
            problems.append(f"FAISS dimension {segment.dense.d} != manifest {manifest.dimension} in {segment.name}")
        if any(segment.info.documents.get(d) != manifest.documents.get(d) for d in docs):
            problems.append(f"segment {segment.name} serves another version of a document than the manifest names")
        local = {i for i, d in enumerate(segment.clause_docs) if d in set(docs)}
        clause_ids.extend(segment.clause_ids[i] for i in sorted(local))
        served_passages = [int(i) for i in segment.passage_clauses if int(i) in local]
        passages += len(served_passages)
        if set(served_passages) != local:
            problems.append(f"the passages of segment {segment.name} do not cover every clause it serves")
    if not clauses:
        problems.append("the live build holds no clauses")
    if len(served_docs) != len(set(served_docs)) or set(served_docs) != set(manifest.documents):
        problems.append("documents are not served by exactly one segment each")
    if passages != manifest.passage_count:
        problems.append(f"segments serve {passages} passages, manifest {manifest.passage_count}")
    if len(clause_ids) != manifest.clause_count or len(clauses) != manifest.clause_count:
        problems.append(
            f"clause count: manifest {manifest.clause_count}, segments {len(clause_ids)}, snapshot {len(clauses)}"
        )
    if set(clause_ids) != {c.id for c in clauses}:
        problems.append("the clause ids of the vectors and of the snapshot differ")
    if documents != manifest.documents:
        problems.append("the manifest's documents differ from the snapshot's (a mixed build)")
    if any(c.doc_id not in documents for c in clauses):
        problems.append("clauses of documents outside the build")
    return problems


def answer_problems(service: Any, question: str, *, top_k: int = 3) -> list[str]:
    """Ask through the PlanService: cited clauses, every hit a clause of the live build."""
    from bot import render

    try:
        answer = service.ask(question, top_k=top_k, log=False)
    except Exception as error:
        return [f"ask({question!r}) raised {type(error).__name__}: {error}"]
    if not answer.hits:
        return [f"ask({question!r}) found nothing"]
    documents = live_documents(service.settings)
    problems = []
    for hit in answer.hits:
        problems += hit_problems(hit)
        if documents and hit.document.id not in documents:
            problems.append(f"hit {hit.clause.id} is from a document outside the live build")
    for message in render.answer_messages(answer):
        problems += telegram_html_problems(message)
    return problems


def hit_problems(hit: Any) -> list[str]:
    """A hit is complete when it has clause text and a citation naming title and 文号/issuer."""
    from bot import render

    problems = []
    if not (hit.clause.text or "").strip():
        problems.append(f"hit {hit.clause.id} has no text")
    if not hit.document.title or not (hit.document.doc_number or hit.document.issuer):
        problems.append(f"hit {hit.clause.id} cites an incomplete document {hit.document}")
    block = render.hit_block(hit)
    if "📄 《" not in block or render.citation(hit.document) not in block:
        problems.append(f"hit {hit.clause.id} rendered without its citation")
    return problems


# -- files -------------------------------------------------------------------------------------


def data_files(settings: Any) -> list[Path]:
    """The files that hold the corpus and the index (the SQLite databases are digested apart).

    Left out: the lock file, jieba's cache and DATA_DIR/uploads (the staging area of files
    waiting for 确认).
    """
    files: list[Path] = []
    for root in (settings.corpus_dir, settings.index_root):
        if root.is_dir():
            files += [p for p in root.rglob("*") if p.is_file()]
    return sorted(files)


def tree_digest(paths: Iterable[Path], base: Path | None = None) -> dict[str, str]:
    """path (relative to base) → sha256 of its bytes."""
    out = {}
    for path in paths:
        key = str(path.relative_to(base)) if base else str(path)
        out[key] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def sqlite_digest(path: Path) -> str:
    """sha256 of a database's content (its SQL dump): what it holds, whatever the state of its
    WAL and shared-memory files, which SQLite creates and checkpoints as it pleases."""
    digest = hashlib.sha256()
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        for line in conn.iterdump():
            digest.update(line.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def data_digest(settings: Any) -> dict[str, str]:
    """Every data file's bytes, and the content of the store and the embedding cache."""
    out = tree_digest(data_files(settings), settings.data_dir.parent)
    for name in ("store.db", "embeddings.db"):
        if (settings.data_dir / name).is_file():
            out[f"{name} (content)"] = sqlite_digest(settings.data_dir / name)
    return out


def digest_changes(before: dict[str, str], after: dict[str, str]) -> list[str]:
    changed = sorted(k for k in before.keys() & after.keys() if before[k] != after[k])
    return (
        [f"changed {k}" for k in changed]
        + [f"new {k}" for k in sorted(after.keys() - before.keys())]
        + [f"gone {k}" for k in sorted(before.keys() - after.keys())]
    )


def secret_forms(token: str) -> list[str]:
    """The token and its secret half (what an attacker needs), as they could appear in text."""
    secret = token.split(":", 1)[-1]
    return [token, secret, token.replace(":", "%3A")]


def secret_hits(texts: Iterable[tuple[str, str]], token: str) -> list[str]:
    """Names of the (name, text) pairs that contain the token in any form."""
    forms = secret_forms(token)
    return [name for name, text in texts if any(form in text for form in forms)]


def files_with_secret(roots: Sequence[Path], token: str) -> list[str]:
    forms = [form.encode() for form in secret_forms(token)]
    forms += [form.encode("utf-16-le") for form in secret_forms(token)]
    hits = []
    for root in roots:
        if not root.exists():
            continue
        for path in [root] if root.is_file() else sorted(root.rglob("*")):
            if path.is_file() and any(form in path.read_bytes() for form in forms):
                hits.append(str(path))
    return hits
