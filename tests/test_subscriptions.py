"""Subscriptions and deliveries in the store, the digest schedule, and who is notified of a
confirmed plan (old agency names included): fast, no bot."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from index import PlanService, QualityPlanError, Settings
from index.features.digest import Schedule, chats_to_notify, period_key
from index.models import LEAD, Agency, Clause, Document
from index.store.database import Store


@pytest.fixture
def store(tmp_path: Path) -> Store:
    with Store(tmp_path / "store.db") as store:
        yield store


def test_subscribe_unsubscribe_and_pause(store: Store) -> None:
    assert store.subscribe(1, "市场监管局", "private") is True
    assert store.subscribe(1, "市场监管局", "private") is False
    store.subscribe(1, "市住建局", "private")
    store.subscribe(2, "市场监管局", "group")
    assert [a for _, a, _ in store.subscriptions(1)] == ["市场监管局", "市住建局"]
    store.pause_chat(2, "403 Forbidden")
    assert {c for c, _, _ in store.subscriptions()} == {1} and store.paused_reason(2) == "403 Forbidden"
    store.subscribe(2, "市场监管局", "group")  # subscribing again resumes
    assert store.paused_reason(2) is None
    assert store.unsubscribe(1, "市住建局") == 1 and store.unsubscribe(1) == 1 and store.unsubscribe(1) == 0


def test_a_period_is_planned_once_and_progress_is_kept(store: Store) -> None:
    assert store.plan_period("2025-06-02T01:00:00+00:00", [1, 2, 3]) is True
    assert store.plan_period("2025-06-02T01:00:00+00:00", [1, 2, 3, 4]) is False
    pending = store.pending_deliveries()
    assert [d["chat_id"] for d in pending] == [1, 2, 3]
    store.delivery_progress(pending[0]["id"], parts_sent=1, state="sent")
    store.delivery_progress(pending[1]["id"], parts_sent=1, state="pending")
    store.pause_chat(3, "400 chat not found")
    [left] = store.pending_deliveries()
    assert left["chat_id"] == 2 and left["parts_sent"] == 1
    assert store.delivery_counts() == {"sent": 1, "pending": 1, "paused": 1}


def test_notices_are_queued_once_per_chat_and_document(store: Store) -> None:
    store.record_confirmation("doc", [1, 2])
    store.record_confirmation("doc", [1, 2])
    assert [d["key"] for d in store.pending_deliveries()] == ["notice:doc:1", "notice:doc:2"]
    assert [doc for doc, _ in store.confirmations("2000-01-01", "2999-01-01")] == ["doc"]


def test_schedule() -> None:
    schedule = Schedule.parse("MON 09:00 Asia/Shanghai")
    assert schedule is not None
    sunday_night = datetime(2025, 6, 8, 23, 0, tzinfo=UTC)  # Monday 07:00 in Shanghai
    assert schedule.period_at(sunday_night).isoformat() == "2025-06-02T09:00:00+08:00"
    assert schedule.next_after(sunday_night).isoformat() == "2025-06-09T09:00:00+08:00"
    monday_nine = datetime(2025, 6, 9, 1, 0, tzinfo=UTC)
    assert schedule.period_at(monday_nine).isoformat() == "2025-06-09T09:00:00+08:00"
    assert period_key(schedule.period_at(monday_nine)) == "2025-06-09T01:00:00+00:00"
    berlin = Schedule.parse("FRI 17:30 Europe/Berlin")
    assert berlin is not None and berlin.next_after(datetime(2025, 3, 28, 17, 0, tzinfo=UTC)).utcoffset().seconds == 7200
    assert Schedule.parse("off") is None
    for bad in ("MONDAY 9", "MON 25:00", "MON 09:00 Mars/Base"):
        with pytest.raises(QualityPlanError):
            Schedule.parse(bad)


def test_old_names_are_notified() -> None:
    document = Document("d", "某市2017年质量工作要点", None, None, "2017-01-01", "某市", "d.txt", "0")
    clauses = [Clause("c", "d", "(一)", "一、(一)", 2, "clause", "计量", "开展计量检定。", None, 0, [Agency("市质监局", LEAD)])]
    subscriptions = [(1, "市场监管局", ""), (2, "市住建局", ""), (3, "质监局", "")]
    assert chats_to_notify(document, clauses, subscriptions) == [1, 3]


def test_service_subscribe_validates_and_counts(tmp_path: Path) -> None:
    service = PlanService(Settings(data_dir=tmp_path / "data", corpus_dir=tmp_path / "empty", embedding_model="fake:64"))
    try:
        assert service.subscribe(5, "  市场监管局 ", "private") == (True, 0)
        assert service.subscriptions(5) == ["市场监管局"]
        with pytest.raises(QualityPlanError):
            service.subscribe(5, "", "private")
        assert service.plan_digest(datetime(2999, 1, 1, tzinfo=UTC)) == "2998-12-31T01:00:00+00:00"
        assert [d.chat_id for d in service.pending_deliveries()] == [5]
    finally:
        service.close()
