"""Numbered schema migrations for the store. Each runs once, in order, recorded in `_migrations`.

Add a new `mNNN_description(db)` function at the end of MIGRATIONS; never edit an applied one.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import sqlite_utils


def m001_documents_clauses_agencies(db: sqlite_utils.Database) -> None:
    db["documents"].create(
        {
            "id": str,
            "sha256": str,
            "title": str,
            "doc_number": str,
            "issuer": str,
            "date": str,
            "region": str,
            "source": str,
            "supersedes": str,
            "warnings": str,
            "added_at": str,
        },
        pk="id",
    )
    db["documents"].create_index(["sha256"], unique=True)
    db["documents"].create_index(["doc_number"])
    db["clauses"].create(
        {
            "id": str,
            "doc_id": str,
            "number": str,
            "path": str,
            "level": int,
            "kind": str,
            "heading": str,
            "text": str,
            "parent_id": str,
            "ord": int,
            "retrievable": int,
        },
        pk="id",
        foreign_keys=[("doc_id", "documents", "id")],
    )
    db["clauses"].create_index(["doc_id", "ord"])
    db["agencies"].create(
        {"id": int, "clause_id": str, "doc_id": str, "name": str, "role": str, "canonical": str, "ord": int},
        pk="id",
        foreign_keys=[("clause_id", "clauses", "id"), ("doc_id", "documents", "id")],
    )
    db["agencies"].create_index(["clause_id"])
    db["agencies"].create_index(["name"])
    db["agencies"].create_index(["canonical"])


def m002_questions_feedback(db: sqlite_utils.Database) -> None:
    db["questions"].create(
        {
            "id": int,
            "asked_at": str,
            "user_id": int,
            "chat_type": str,
            "query": str,
            "top_clause_id": str,
            "top_score": float,
            "low_confidence": int,
        },
        pk="id",
    )
    db["questions"].create_index(["low_confidence"])
    db["feedback"].create(
        {"id": int, "at": str, "question_id": int, "clause_id": str, "user_id": int, "value": int},
        pk="id",
    )
    db["feedback"].create_index(["question_id"])


def m003_deadlines_subscriptions(db: sqlite_utils.Database) -> None:
    """Deadlines per clause (filled for the documents already stored), subscriptions of chats to
    agencies, and the digest/notice deliveries with their progress (sent once, never lost)."""
    db["clause_deadlines"].create(
        {"clause_id": str, "doc_id": str, "kind": str, "text": str, "due": str, "start": str, "month_day": str,
         "source": str},
        pk="clause_id",
    )  # fmt: skip
    db["clause_deadlines"].create_index(["doc_id"])
    db["clause_deadlines"].create_index(["due"])
    db["subscriptions"].create(
        {"chat_id": int, "agency": str, "chat_type": str, "subscribed_at": str}, pk=("chat_id", "agency")
    )
    db["paused_chats"].create({"chat_id": int, "reason": str, "paused_at": str}, pk="chat_id")
    db["confirmations"].create({"doc_id": str, "confirmed_at": str}, pk="doc_id")
    db["digest_periods"].create({"period": str, "planned_at": str}, pk="period")
    db["deliveries"].create(
        {"id": int, "key": str, "kind": str, "chat_id": int, "period": str, "doc_id": str, "state": str,
         "parts_sent": int, "attempts": int, "created_at": str, "sent_at": str, "error": str},
        pk="id",
    )  # fmt: skip
    db["deliveries"].create_index(["key"], unique=True)
    db["deliveries"].create_index(["state"])
    _backfill_deadlines(db)


def _backfill_deadlines(db: sqlite_utils.Database) -> None:
    from index.models import Clause, Document
    from index.text.deadlines import document_deadlines

    columns = "id, title, doc_number, issuer, date, region, source, sha256, supersedes"
    for row in db.execute(f"SELECT {columns} FROM documents").fetchall():
        document = Document(*row)
        clauses = [
            Clause(cid, document.id, number or "", path or "", level or 1, kind or "", heading or "", text or "", parent,
                   order or 0)
            for cid, number, path, level, kind, heading, text, parent, order in db.execute(
                "SELECT id, number, path, level, kind, heading, text, parent_id, ord FROM clauses WHERE doc_id = ?",
                [document.id],
            ).fetchall()
        ]  # fmt: skip
        db["clause_deadlines"].insert_all(
            ({"clause_id": cid, "doc_id": document.id, **d.to_json()} for cid, d in
             document_deadlines(document, clauses).items()),
            batch_size=500,
        )  # fmt: skip


def m004_conversations(db: sqlite_utils.Database) -> None:
    """What each chat (each user within a group) asked last, so a follow-up is read in context
    across bot restarts; JSON text, never pickles."""
    db["conversations"].create({"session": str, "state": str, "updated_at": float}, pk="session")


def m005_admin_fields(db: sqlite_utils.Database) -> None:
    """Citation fields an admin supplied for a file, keyed by the sha256 of its bytes, so a full
    re-index (which parses every file again) applies them again; JSON {attribute: value as supplied}."""
    db["admin_fields"].create({"sha256": str, "fields": str, "supplied_at": str}, pk="sha256")


MIGRATIONS: list[Callable[[sqlite_utils.Database], None]] = [
    m001_documents_clauses_agencies,
    m002_questions_feedback,
    m003_deadlines_subscriptions,
    m004_conversations,
    m005_admin_fields,
]


def apply_migrations(db: sqlite_utils.Database) -> list[str]:
    """Apply pending migrations, each in its own transaction; returns the names applied."""
    db.execute("CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied_at TEXT)")
    done = {row[0] for row in db.execute("SELECT name FROM _migrations")}
    applied = []
    for migration in MIGRATIONS:
        name = migration.__name__
        if name in done:
            continue
        with db.atomic():
            migration(db)
            db.execute(
                "INSERT INTO _migrations (name, applied_at) VALUES (?, ?)",
                [name, datetime.now(UTC).isoformat(timespec="seconds")],
            )
        applied.append(name)
    return applied
