"""Fields an admin supplied at upload survive a full re-index (which parses every corpus file again)."""

from __future__ import annotations

from pathlib import Path

import pytest

from index.service import PlanService
from index.settings import Settings
from index.store.corpus import file_sha256, sync_corpus
from index.store.database import Store
from tests.handmade import shared_jieba

SUPPLIED = "测政办发〔2024〕21号"
PLAN = """测试市人民政府关于印发测试市质量提升行动方案的通知
各区人民政府，市政府各部门：
现将《测试市质量提升行动方案》印发给你们，请认真组织实施。
测试市质量提升行动方案
一、工作目标
到2025年，全市质量总体水平明显提升。
二、重点任务
（一）提升产品质量。市市场监管局牵头，市工信局配合。
（二）提升服务质量。由市商务局负责。
"""


@pytest.fixture()
def service(tmp_path: Path) -> PlanService:
    settings = Settings(data_dir=tmp_path / "data", corpus_dir=tmp_path / "corpus", embedding_model="fake:32")
    settings.corpus_dir.mkdir(parents=True)
    svc = PlanService(settings, jieba_base=shared_jieba())
    yield svc
    svc.close()


def upload(service: PlanService, tmp_path: Path) -> str:
    path = tmp_path / "upload" / "plan.txt"
    path.parent.mkdir()
    path.write_text(PLAN, encoding="utf-8")
    assert service.preview_file(path).document.doc_number is None  # the parse alone finds none
    return service.add_file(path, overrides={"doc_number": "测政办发[2024]21号", "date": "2024年3月5日"}).document.id


def test_supplied_fields_survive_a_full_reindex(service: PlanService, tmp_path: Path):
    doc_id = upload(service, tmp_path)
    assert service.store.document(doc_id).doc_number == SUPPLIED
    service.reindex(full=True)
    document = service.store.document(doc_id)
    assert (document.doc_number, document.date) == (SUPPLIED, "2024-03-05")
    assert "文号由管理员补充" in service.store.document_warnings(doc_id)
    assert service.find_document(SUPPLIED).id == doc_id


def test_a_file_added_to_the_corpus_without_the_admin_gets_none(tmp_path: Path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "plan.txt").write_text(PLAN, encoding="utf-8")
    with Store(tmp_path / "store.db") as store:
        store.save_admin_fields("0" * 64, {"doc_number": SUPPLIED})  # another file's fields
        sync_corpus(corpus, store, reparse=True)
        assert [d.doc_number for d in store.documents()] == [None]


def test_a_stored_value_the_grammar_refuses_now_is_reported_not_fatal(tmp_path: Path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "plan.txt").write_text(PLAN, encoding="utf-8")
    with Store(tmp_path / "store.db") as store:
        store.save_admin_fields(file_sha256(corpus / "plan.txt"), {"date": "下周一"})
        report = sync_corpus(corpus, store)
        assert [d.title for d in store.documents()] == ["测试市质量提升行动方案"]
        assert any("管理员补充的字段未能再次使用" in w for w in report.warnings)
