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


MIGRATIONS: list[Callable[[sqlite_utils.Database], None]] = [
    m001_documents_clauses_agencies,
    m002_questions_feedback,
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
