"""The SQLite store: migrations, add/replace/no-op by hash and 文号, snapshots, usage records."""

import sqlite3
import threading
from pathlib import Path

import pytest

from index.errors import StoreError
from index.models import Agency, Clause, Document, ParsedDocument
from index.store.database import ADDED, REPLACED, UNCHANGED, Store
from index.store.migrations import MIGRATIONS, apply_migrations


def make_parsed(doc_id: str, sha: str, doc_number: str | None, source: str = "a.txt") -> ParsedDocument:
    doc = Document(doc_id, "西安市2017年质量强市行动计划", doc_number, "西安市人民政府办公厅", "2017-02-25", "西安市", source, sha)
    section = Clause(f"{doc_id}:s1", doc_id, "一、", "一、", 1, "section", "强化质量共治", "一、强化质量共治", None, 0, [], False)
    clause = Clause(
        f"{doc_id}:c1",
        doc_id,
        "(一)",
        "一、(一)",
        2,
        "clause",
        "完善质量共治工作机制",
        "(一)完善质量共治工作机制。……(市质监局牵头，市工商局配合)",
        section.id,
        1,
        [Agency("市质监局", "lead", "市市场监管局"), Agency("市工商局", "support")],
    )
    return ParsedDocument(doc, [section, clause], ["未找到文号"] if doc_number is None else [])


@pytest.fixture
def store(tmp_path: Path) -> Store:
    with Store(tmp_path / "store.db") as s:
        yield s


def test_migrations_are_recorded_and_run_once(tmp_path: Path) -> None:
    path = tmp_path / "m.db"
    Store(path).close()
    with Store(path) as again:
        names = [r[0] for r in again.db.execute("SELECT name FROM _migrations ORDER BY name")]
        assert names == [m.__name__ for m in MIGRATIONS]
        assert apply_migrations(again.db) == []
        assert again.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_add_roundtrip_keeps_clauses_agencies_and_order(store: Store) -> None:
    result = store.add_document(make_parsed("d1", "h1", "市政办发〔2017〕17号"))
    assert result.status == ADDED
    clauses = store.clauses("d1")
    assert [c.path for c in clauses] == ["一、", "一、(一)"]
    assert clauses[0].retrievable is False
    assert clauses[1].agencies == [Agency("市质监局", "lead", "市市场监管局"), Agency("市工商局", "support")]
    assert store.clause_counts() == {"d1": 1}
    assert store.clause("d1:c1").heading == "完善质量共治工作机制"
    assert store.agency_mentions()[0] == ("市质监局", "市市场监管局", "lead", "d1:c1", "d1")


def test_same_hash_is_a_noop(store: Store) -> None:
    store.add_document(make_parsed("d1", "h1", "市政办发〔2017〕17号"))
    again = store.add_document(make_parsed("d1", "h1", "市政办发〔2017〕17号", source="copy.txt"))
    assert again.status == UNCHANGED
    assert "未变" in again.message
    assert len(store.documents()) == 1


def test_same_doc_number_with_new_content_replaces_old_version(store: Store) -> None:
    store.add_document(make_parsed("d1", "h1", "市政办发〔2017〕17号"))
    result = store.add_document(make_parsed("d2", "h2", "市政办发〔2017〕17号", source="b.txt"))
    assert result.status == REPLACED
    assert result.replaced is not None and result.replaced.id == "d1"
    assert "替换" in result.message
    assert [d.id for d in store.documents()] == ["d2"]
    assert store.clauses("d1") == []
    assert store.db.execute("SELECT COUNT(*) FROM agencies WHERE doc_id='d1'").fetchone()[0] == 0


def test_failed_add_leaves_store_unchanged(store: Store) -> None:
    store.add_document(make_parsed("d1", "h1", "市政办发〔2017〕17号"))
    broken = make_parsed("d2", "h2", "市政办发〔2017〕17号")
    broken.clauses.append(broken.clauses[0])  # duplicate primary key → insert fails mid-way
    with pytest.raises(sqlite3.IntegrityError):
        store.add_document(broken)
    assert [d.id for d in store.documents()] == ["d1"]
    assert len(store.clauses()) == 2


def test_remove_document(store: Store) -> None:
    store.add_document(make_parsed("d1", "h1", None))
    assert store.remove_document("d1").id == "d1"
    assert store.documents() == []
    with pytest.raises(StoreError):
        store.remove_document("d1")


def test_snapshot_is_a_readonly_consistent_copy(store: Store, tmp_path: Path) -> None:
    store.add_document(make_parsed("d1", "h1", None))
    snap = tmp_path / "snap.db"
    store.snapshot(snap)
    store.add_document(make_parsed("d2", "h2", "X〔2020〕1号"))
    with Store(snap, readonly=True) as copy:
        assert [d.id for d in copy.documents()] == ["d1"]
        assert copy.integrity_ok()
        with pytest.raises(sqlite3.OperationalError):
            copy.db.execute("DELETE FROM documents")


def test_questions_feedback_and_weak_questions(store: Store) -> None:
    q1 = store.log_question("电梯", user_id=1, chat_type="private", top_clause_id="x", top_score=0.9)
    q2 = store.log_question("火星基地", user_id=2, low_confidence=True)
    store.log_question("火星基地", user_id=3, low_confidence=True)
    store.add_feedback(question_id=q1, clause_id="x", user_id=1, value=-1)
    store.add_feedback(question_id=q2, clause_id=None, user_id=2, value=1)
    weak = store.weak_questions()
    assert [w["query"] for w in weak] == ["火星基地", "电梯"]
    assert weak[1]["thumbs_down"] == 1
    stats = store.stats()
    assert stats["questions"] == 3 and stats["feedback_down"] == 1 and stats["feedback_up"] == 1


def test_store_is_safe_across_threads(store: Store) -> None:
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            for i in range(20):
                store.log_question(f"q{n}-{i}", user_id=n)
                store.stats()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert store.stats()["questions"] == 160
    assert store.integrity_ok()


def test_clauses_by_ids_takes_more_ids_than_sqlite_has_variables(tmp_path: Path) -> None:
    from tests.handmade import make_store, xian

    store = make_store(tmp_path / "store.db", [xian()])
    wanted = [c.id for c in xian().clauses]
    found = store.clauses_by_ids([f"missing-{i}" for i in range(300_000)] + wanted)
    assert set(found) == set(wanted)
    assert all(found[c.id].agencies == c.agencies for c in xian().clauses)
