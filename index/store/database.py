"""The document store: documents, clauses and agencies in SQLite (via sqlite-utils), plus usage.

The store is the registry of what the corpus holds. Search never reads it directly: each index
build takes a consistent snapshot of it (`snapshot`), so an index and the clauses it returns
always belong together. Schema changes are numbered migrations (`index/migrations.py`).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlite_utils

from index.errors import StoreError
from index.models import Agency, Clause, Deadline, Document, ParsedDocument
from index.store.migrations import apply_migrations
from index.text.deadlines import document_deadlines

ADDED = "added"
UNCHANGED = "unchanged"
REPLACED = "replaced"


@dataclass
class AddResult:
    """What adding a parsed document did: added, unchanged (same hash) or replaced (same 文号)."""

    status: str
    document: Document
    replaced: Document | None = None

    @property
    def message(self) -> str:
        name = self.document.title or self.document.source
        if self.status == UNCHANGED:
            return f"文件已在库中，内容未变：{name}"
        if self.status == REPLACED and self.replaced is not None:
            return f"已用新版本替换同文号文件：{name}（{self.document.doc_number}），旧版本 {self.replaced.source} 已移除"
        return f"已加入：{name}"


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class Store:
    """SQLite store. Safe to share between threads: every call holds one lock."""

    def __init__(self, path: Path, *, readonly: bool = False) -> None:
        self.path = Path(path)
        self.readonly = readonly
        if readonly:
            if not self.path.exists():
                raise StoreError(f"找不到数据库文件：{self.path}")
            conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, check_same_thread=False)
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, check_same_thread=False, timeout=30)
        self._lock = threading.RLock()
        self._has_deadlines: bool | None = None
        self._agency_names: list[tuple[str, str | None]] | None = None
        self.db = sqlite_utils.Database(conn)
        if not readonly:
            self.db.execute("PRAGMA busy_timeout = 30000")
            self.db.enable_wal()
            self.db.execute("PRAGMA synchronous = NORMAL")
            apply_migrations(self.db)

    def close(self) -> None:
        with self._lock:
            self.db.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        with self._lock:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            self.db.execute("COMMIT")

    # -- documents -------------------------------------------------------------------------

    def add_document(
        self, parsed: ParsedDocument, *, supersedes: str | None = None, reparse: bool = False
    ) -> AddResult:
        """Store a parsed document in one transaction.

        Same content hash already stored → no-op, unless `reparse` (a full re-index after the parser
        changed): then the stored rows are swapped for the new parse in the same transaction, so
        the store never lacks the document. Same 文号 with new content → the old version is
        replaced (its clauses and agencies removed) in the same transaction.
        """
        doc = parsed.document
        with self._lock:
            existing = self.document_by_sha(doc.sha256)
            if existing is not None and not reparse:
                return AddResult(UNCHANGED, existing)
            previous = existing or (self.document_by_number(doc.doc_number) if doc.doc_number else None)
            with self._transaction():
                if previous is not None:
                    self._delete_document_rows(previous.id)
                row = _document_row(doc, parsed.warnings)
                row["supersedes"] = supersedes or doc.supersedes
                self.db["documents"].insert(row)
                self.db["clauses"].insert_all(_clause_rows(parsed.clauses), batch_size=500)
                self.db["agencies"].insert_all(_agency_rows(parsed.clauses), batch_size=500)
                self.db["clause_deadlines"].insert_all(_deadline_rows(doc, parsed.clauses), batch_size=500)
        stored = self.document(doc.id)
        assert stored is not None
        if previous is not None:
            return AddResult(REPLACED, stored, previous)
        return AddResult(ADDED, stored)

    def remove_document(self, doc_id: str) -> Document:
        with self._lock:
            doc = self.document(doc_id)
            if doc is None:
                raise StoreError(f"库中没有这个文件：{doc_id}")
            with self._transaction():
                self._delete_document_rows(doc_id)
            return doc

    def _delete_document_rows(self, doc_id: str) -> None:
        self.db.execute("DELETE FROM agencies WHERE doc_id = ?", [doc_id])
        self.db.execute("DELETE FROM clause_deadlines WHERE doc_id = ?", [doc_id])
        self.db.execute("DELETE FROM clauses WHERE doc_id = ?", [doc_id])
        self.db.execute("DELETE FROM documents WHERE id = ?", [doc_id])

    def set_supersedes(self, doc_id: str, older_id: str | None) -> None:
        with self._transaction():
            self.db.execute("UPDATE documents SET supersedes = ? WHERE id = ?", [older_id, doc_id])

    def documents(self) -> list[Document]:
        with self._lock:
            rows = self.db.execute(f"SELECT {_DOC_COLUMNS} FROM documents ORDER BY date, title").fetchall()
        return [_document_from_row(r) for r in rows]

    def document(self, doc_id: str) -> Document | None:
        return self._one_document("id = ?", doc_id)

    def document_by_sha(self, sha256: str) -> Document | None:
        return self._one_document("sha256 = ?", sha256)

    def document_by_number(self, doc_number: str) -> Document | None:
        return self._one_document("doc_number = ?", doc_number)

    def document_by_source(self, source: str) -> Document | None:
        return self._one_document("source = ?", source)

    def _one_document(self, where: str, value: str) -> Document | None:
        with self._lock:
            row = self.db.execute(f"SELECT {_DOC_COLUMNS} FROM documents WHERE {where} LIMIT 1", [value]).fetchone()
        return _document_from_row(row) if row else None

    def document_warnings(self, doc_id: str) -> list[str]:
        with self._lock:
            row = self.db.execute("SELECT warnings FROM documents WHERE id = ?", [doc_id]).fetchone()
        return json.loads(row[0]) if row and row[0] else []

    def clause_counts(self) -> dict[str, int]:
        """Retrievable units per document id."""
        with self._lock:
            rows = self.db.execute(
                "SELECT doc_id, COUNT(*) FROM clauses WHERE retrievable = 1 GROUP BY doc_id"
            ).fetchall()
        return {doc_id: n for doc_id, n in rows}

    # -- clauses ---------------------------------------------------------------------------

    def clauses(self, doc_id: str | None = None, *, retrievable_only: bool = False) -> list[Clause]:
        """Units in document order (all documents when doc_id is None), with their agencies."""
        where, params = [], []
        if doc_id is not None:
            where.append("doc_id = ?")
            params.append(doc_id)
        if retrievable_only:
            where.append("retrievable = 1")
        sql = f"SELECT {_CLAUSE_COLUMNS} FROM clauses"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY doc_id, ord"
        with self._lock:
            rows = self.db.execute(sql, params).fetchall()
            agencies = self._agencies_for(doc_id)
            deadlines = self._deadlines_where("doc_id = ?", [doc_id]) if doc_id else self._deadlines_where("1", [])
        return [_clause_from_row(r, agencies.get(r[0], []), deadlines.get(r[0])) for r in rows]

    def clauses_by_ids(self, clause_ids: Iterable[str]) -> dict[str, Clause]:
        """Clauses by id, any number of ids (queried in chunks under SQLite's variable limit)."""
        ids = list(dict.fromkeys(clause_ids))
        rows: list[Any] = []
        agency_rows: list[Any] = []
        deadlines: dict[str, Deadline] = {}
        with self._lock:
            for start in range(0, len(ids), _ID_CHUNK):
                chunk = ids[start : start + _ID_CHUNK]
                marks = ",".join("?" * len(chunk))
                rows += self.db.execute(f"SELECT {_CLAUSE_COLUMNS} FROM clauses WHERE id IN ({marks})", chunk).fetchall()
                agency_rows += self.db.execute(
                    f"SELECT clause_id, name, role, canonical FROM agencies WHERE clause_id IN ({marks}) ORDER BY ord",
                    chunk,
                ).fetchall()
                deadlines.update(self._deadlines_where(f"clause_id IN ({marks})", chunk))
        agencies: dict[str, list[Agency]] = {}
        for clause_id, name, role, canonical in agency_rows:
            agencies.setdefault(clause_id, []).append(Agency(name, role, canonical))
        return {r[0]: _clause_from_row(r, agencies.get(r[0], []), deadlines.get(r[0])) for r in rows}

    def clause(self, clause_id: str) -> Clause | None:
        return self.clauses_by_ids([clause_id]).get(clause_id)

    def _agencies_for(self, doc_id: str | None) -> dict[str, list[Agency]]:
        sql = "SELECT clause_id, name, role, canonical FROM agencies"
        params: list[Any] = []
        if doc_id is not None:
            sql += " WHERE doc_id = ?"
            params.append(doc_id)
        out: dict[str, list[Agency]] = {}
        for clause_id, name, role, canonical in self.db.execute(sql + " ORDER BY clause_id, ord", params).fetchall():
            out.setdefault(clause_id, []).append(Agency(name, role, canonical))
        return out

    def _deadlines_where(self, where: str, params: list[Any]) -> dict[str, Deadline]:
        """Stored deadlines by clause id; none from an index snapshot taken before deadlines existed."""
        if self._has_deadlines is None:
            found = self.db.execute("SELECT 1 FROM sqlite_master WHERE name = 'clause_deadlines'").fetchone()
            self._has_deadlines = found is not None
        if not self._has_deadlines:
            return {}
        sql = f"SELECT clause_id, kind, text, due, start, month_day, source FROM clause_deadlines WHERE {where}"
        return {r[0]: Deadline(*r[1:]) for r in self.db.execute(sql, params).fetchall()}

    def agency_mentions(self, names: Iterable[str] | None = None) -> list[tuple[str, str | None, str, str, str]]:
        """Every (name, canonical, role, clause_id, doc_id) mention — of the bodies written as one of
        `names` when given — for agency lookups and dictionaries."""
        columns = "SELECT name, canonical, role, clause_id, doc_id FROM agencies"
        with self._lock:
            if names is None:
                return [tuple(r) for r in self.db.execute(f"{columns} ORDER BY doc_id, ord")]
            wanted = list(dict.fromkeys(names))
            rows: list[tuple[str, str | None, str, str, str]] = []
            for start in range(0, len(wanted), 500):
                chunk = wanted[start : start + 500]
                marks = ",".join("?" * len(chunk))
                rows += [tuple(r) for r in self.db.execute(f"{columns} WHERE name IN ({marks}) ORDER BY doc_id, ord", chunk)]
            return rows

    def agency_names(self) -> list[tuple[str, str | None]]:
        """Every distinct (name as written, canonical) pair: a few hundred, however many mentions.
        A read-only store (an index's snapshot) never changes, so it reads them once."""
        if self._agency_names is not None:
            return self._agency_names
        with self._lock:
            names = [tuple(r) for r in self.db.execute("SELECT DISTINCT name, canonical FROM agencies")]
        if self.readonly:
            self._agency_names = names
        return names

    # -- follow the work: subscriptions, confirmations, deliveries (features/digest.py) ------

    def subscribe(self, chat_id: int, agency: str, chat_type: str | None) -> bool:
        """Subscribe a chat to an agency (and un-pause it); False when it already was."""
        with self._transaction():
            self.db.execute("DELETE FROM paused_chats WHERE chat_id = ?", [chat_id])
            cursor = self.db.execute(
                "INSERT OR IGNORE INTO subscriptions (chat_id, agency, chat_type, subscribed_at) VALUES (?, ?, ?, ?)",
                [chat_id, agency, chat_type, utc_now()],
            )
            return cursor.rowcount > 0

    def unsubscribe(self, chat_id: int, agency: str | None = None) -> int:
        """Drop one subscription of a chat (all when agency is None); returns how many."""
        with self._transaction():
            where, params = ("chat_id = ? AND agency = ?", [chat_id, agency]) if agency else ("chat_id = ?", [chat_id])
            return self.db.execute(f"DELETE FROM subscriptions WHERE {where}", params).rowcount

    def subscriptions(self, chat_id: int | None = None) -> list[tuple[int, str, str]]:
        """(chat_id, agency, subscribed_at) of active (not paused) chats, or of one chat (paused or not)."""
        with self._lock:
            if chat_id is not None:
                sql, params = "SELECT chat_id, agency, subscribed_at FROM subscriptions WHERE chat_id = ?", [chat_id]
            else:
                sql, params = (
                    "SELECT chat_id, agency, subscribed_at FROM subscriptions "
                    "WHERE chat_id NOT IN (SELECT chat_id FROM paused_chats)",
                    [],
                )
            return [tuple(r) for r in self.db.execute(sql + " ORDER BY chat_id, rowid", params).fetchall()]

    def pause_chat(self, chat_id: int, reason: str) -> None:
        """Stop sending to a chat that blocked the bot or is gone; its open deliveries are paused too."""
        with self._transaction():
            self.db.execute(
                "INSERT OR REPLACE INTO paused_chats (chat_id, reason, paused_at) VALUES (?, ?, ?)",
                [chat_id, reason[:200], utc_now()],
            )
            self.db.execute(
                "UPDATE deliveries SET state = 'paused', error = ? WHERE chat_id = ? AND state = 'pending'",
                [reason[:200], chat_id],
            )

    def paused_reason(self, chat_id: int) -> str | None:
        with self._lock:
            row = self.db.execute("SELECT reason FROM paused_chats WHERE chat_id = ?", [chat_id]).fetchone()
        return row[0] if row else None

    def record_confirmation(self, doc_id: str, chat_ids: Iterable[int]) -> None:
        """An admin confirmed this document: remember when, and queue a notice for each chat."""
        now = utc_now()
        with self._transaction():
            self.db.execute("INSERT OR REPLACE INTO confirmations (doc_id, confirmed_at) VALUES (?, ?)", [doc_id, now])
            for chat_id in chat_ids:
                self._queue("notice", f"notice:{doc_id}:{chat_id}", chat_id, None, doc_id, now)

    def confirmations(self, after: str, until: str) -> list[tuple[str, str]]:
        """(doc_id, confirmed_at) confirmed in (after, until], ISO UTC times."""
        with self._lock:
            return [
                tuple(r)
                for r in self.db.execute(
                    "SELECT doc_id, confirmed_at FROM confirmations WHERE confirmed_at > ? AND confirmed_at <= ? "
                    "ORDER BY confirmed_at",
                    [after, until],
                ).fetchall()
            ]

    def plan_period(self, period: str, chats: Iterable[int]) -> bool:
        """Queue one digest per chat for a period, once: False when the period was planned already.
        One transaction, so a crash plans all of it or none."""
        now = utc_now()
        with self._transaction():
            done = self.db.execute("SELECT 1 FROM digest_periods WHERE period = ?", [period]).fetchone()
            if done:
                return False
            for chat_id in chats:
                self._queue("digest", f"digest:{period}:{chat_id}", chat_id, period, None, now)
            self.db.execute("INSERT INTO digest_periods (period, planned_at) VALUES (?, ?)", [period, now])
            return True

    def _queue(self, kind: str, key: str, chat_id: int, period: str | None, doc_id: str | None, now: str) -> None:
        self.db.execute(
            "INSERT OR IGNORE INTO deliveries (key, kind, chat_id, period, doc_id, state, parts_sent, attempts,"
            " created_at) VALUES (?, ?, ?, ?, ?, 'pending', 0, 0, ?)",
            [key, kind, chat_id, period, doc_id, now],
        )

    def pending_deliveries(self, limit: int = 1000) -> list[dict[str, Any]]:
        """Deliveries not yet sent in full, oldest first (a notice before a digest queued later)."""
        with self._lock:
            cursor = self.db.execute(
                "SELECT id, key, kind, chat_id, period, doc_id, parts_sent, attempts FROM deliveries"
                " WHERE state = 'pending' ORDER BY id LIMIT ?",
                [limit],
            )
            names = [d[0] for d in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def delivery_progress(
        self, delivery_id: int, *, parts_sent: int, state: str = "pending", error: str | None = None,
        failed_attempt: bool = False,
    ) -> None:
        """Record what was sent of a delivery (committed before the next part goes out)."""
        with self._transaction():
            self.db.execute(
                "UPDATE deliveries SET parts_sent = ?, state = ?, error = ?, attempts = attempts + ?,"
                " sent_at = CASE WHEN ? = 'sent' THEN ? ELSE sent_at END WHERE id = ?",
                [parts_sent, state, error, int(failed_attempt), state, utc_now(), delivery_id],
            )

    def delivery_counts(self) -> dict[str, int]:
        with self._lock:
            return dict(self.db.execute("SELECT state, COUNT(*) FROM deliveries GROUP BY state").fetchall())

    # -- fields an admin supplied (kept across a full re-index) ------------------------------

    def save_admin_fields(self, sha256: str, fields: dict[str, str]) -> None:
        """Remember the citation fields an admin supplied for the file with this content hash."""
        with self._transaction():
            self.db["admin_fields"].upsert(
                {"sha256": sha256, "fields": json.dumps(fields, ensure_ascii=False), "supplied_at": utc_now()},
                pk="sha256",
            )

    def admin_fields(self, sha256: str) -> dict[str, str]:
        """{attribute: value as supplied} for the file with this content hash; {} when none."""
        with self._lock:
            row = self.db.execute("SELECT fields FROM admin_fields WHERE sha256 = ?", [sha256]).fetchone()
        return json.loads(row[0]) if row else {}

    # -- usage -----------------------------------------------------------------------------

    def log_question(
        self,
        query: str,
        *,
        user_id: int | None = None,
        chat_type: str | None = None,
        top_clause_id: str | None = None,
        top_score: float | None = None,
        low_confidence: bool = False,
    ) -> int:
        with self._transaction():
            table = self.db["questions"]
            table.insert(
                {
                    "asked_at": utc_now(),
                    "user_id": user_id,
                    "chat_type": chat_type,
                    "query": query[:2000],
                    "top_clause_id": top_clause_id,
                    "top_score": top_score,
                    "low_confidence": int(low_confidence),
                }
            )
            return int(table.last_pk)

    def add_feedback(self, *, question_id: int | None, clause_id: str | None, user_id: int | None, value: int) -> None:
        with self._transaction():
            self.db["feedback"].insert(
                {
                    "at": utc_now(),
                    "question_id": question_id,
                    "clause_id": clause_id,
                    "user_id": user_id,
                    "value": 1 if value > 0 else -1,
                }
            )

    # -- conversations ---------------------------------------------------------------------

    def conversation(self, session: str, *, newer_than: float) -> dict[str, Any] | None:
        """The stored state of a conversation last updated after `newer_than` (epoch seconds)."""
        with self._lock:
            row = self.db.execute(
                "SELECT state FROM conversations WHERE session = ? AND updated_at > ?", [session, newer_than]
            ).fetchone()
        return json.loads(row[0]) if row else None

    def save_conversation(self, session: str, state: dict[str, Any] | None, *, at: float) -> None:
        """Store a conversation's state (None forgets it); conversations idle for a day are dropped."""
        with self._transaction():
            if state is None:
                self.db.execute("DELETE FROM conversations WHERE session = ?", [session])
            else:
                self.db["conversations"].upsert(
                    {"session": session, "state": json.dumps(state, ensure_ascii=False), "updated_at": at},
                    pk="session",
                )
            self.db.execute("DELETE FROM conversations WHERE updated_at < ?", [at - 86400])

    def question(self, question_id: int) -> dict[str, Any] | None:
        with self._lock:
            rows = list(self.db["questions"].rows_where("id = ?", [question_id]))
        return rows[0] if rows else None

    def weak_questions(self, limit: int = 10) -> list[dict[str, Any]]:
        """Questions answered with low confidence or voted 👎, most frequent first."""
        sql = """
            SELECT q.query AS query, COUNT(*) AS times,
                   SUM(q.low_confidence) AS low_confidence,
                   (SELECT COUNT(*) FROM feedback f JOIN questions q2 ON f.question_id = q2.id
                     WHERE q2.query = q.query AND f.value < 0) AS thumbs_down,
                   MAX(q.asked_at) AS last_asked
            FROM questions q
            WHERE q.low_confidence = 1
               OR q.id IN (SELECT question_id FROM feedback WHERE value < 0)
            GROUP BY q.query
            ORDER BY times DESC, last_asked DESC
            LIMIT ?
        """
        with self._lock:
            cursor = self.db.execute(sql, [limit])
            names = [d[0] for d in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def stats(self) -> dict[str, Any]:
        with self._lock:
            one = lambda sql: self.db.execute(sql).fetchone()[0]  # noqa: E731
            return {
                "documents": one("SELECT COUNT(*) FROM documents"),
                "clauses": one("SELECT COUNT(*) FROM clauses WHERE retrievable = 1"),
                "agency_mentions": one("SELECT COUNT(*) FROM agencies"),
                "questions": one("SELECT COUNT(*) FROM questions"),
                "low_confidence": one("SELECT COUNT(*) FROM questions WHERE low_confidence = 1"),
                "feedback_up": one("SELECT COUNT(*) FROM feedback WHERE value > 0"),
                "feedback_down": one("SELECT COUNT(*) FROM feedback WHERE value < 0"),
            }

    # -- maintenance -----------------------------------------------------------------------

    def snapshot(self, dest: Path) -> None:
        """Write a consistent copy of the whole store to dest (used by index builds)."""
        dest = Path(dest)
        if dest.exists():
            dest.unlink()
        with self._lock:
            self.db.execute("VACUUM INTO ?", [str(dest)])

    def integrity_ok(self) -> bool:
        with self._lock:
            return self.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


_ID_CHUNK = 500  # ids per IN (…) query
_DOC_COLUMNS = "id, title, doc_number, issuer, date, region, source, sha256, supersedes"
_CLAUSE_COLUMNS = "id, doc_id, number, path, level, kind, heading, text, parent_id, ord, retrievable"


def _document_row(doc: Document, warnings: list[str]) -> dict[str, Any]:
    return {
        "id": doc.id,
        "title": doc.title,
        "doc_number": doc.doc_number,
        "issuer": doc.issuer,
        "date": doc.date,
        "region": doc.region,
        "source": doc.source,
        "sha256": doc.sha256,
        "supersedes": doc.supersedes,
        "warnings": json.dumps(warnings, ensure_ascii=False),
        "added_at": utc_now(),
    }


def _document_from_row(row: tuple[Any, ...]) -> Document:
    return Document(*row)


def _clause_rows(clauses: list[Clause]) -> Iterator[dict[str, Any]]:
    for c in clauses:
        yield {
            "id": c.id,
            "doc_id": c.doc_id,
            "number": c.number,
            "path": c.path,
            "level": c.level,
            "kind": c.kind,
            "heading": c.heading,
            "text": c.text,
            "parent_id": c.parent_id,
            "ord": c.order,
            "retrievable": int(c.retrievable),
        }


def _agency_rows(clauses: list[Clause]) -> Iterator[dict[str, Any]]:
    for c in clauses:
        for i, a in enumerate(c.agencies):
            yield {
                "clause_id": c.id,
                "doc_id": c.doc_id,
                "name": a.name,
                "role": a.role,
                "canonical": a.canonical,
                "ord": i,
            }


def _deadline_rows(document: Document, clauses: list[Clause]) -> Iterator[dict[str, Any]]:
    for clause_id, deadline in document_deadlines(document, clauses).items():
        yield {"clause_id": clause_id, "doc_id": document.id, **deadline.to_json()}


def _clause_from_row(row: tuple[Any, ...], agencies: list[Agency], deadline: Deadline | None = None) -> Clause:
    cid, doc_id, number, path, level, kind, heading, text, parent_id, order, retrievable = row
    return Clause(
        id=cid,
        doc_id=doc_id,
        number=number,
        path=path,
        level=level,
        kind=kind,
        heading=heading,
        text=text,
        parent_id=parent_id,
        order=order,
        agencies=agencies,
        retrievable=bool(retrievable),
        deadline=deadline,
    )
