"""PlanService, the facade of bot/ and scripts/: corpus sync, ask, lookups, documents, lifecycle."""

import time
from pathlib import Path

import pytest

from index.embed.base import FakeEmbedder
from index.embed.registry import resolve_embedder
from index.errors import DocumentRefError, IndexMismatchError, IndexMissingError
from index.models import LEAD, SUPPORT
from index.service import Answer, PlanService
from index.settings import Settings
from index.store.database import UNCHANGED
from tests.handmade import anhui, fake_parse, shared_jieba, taiyuan, write_corpus, xian


def make_service(root: Path, documents=None) -> PlanService:
    settings = Settings(data_dir=root / "data", corpus_dir=root / "corpus", embedding_model="fake:64")
    write_corpus(settings.corpus_dir, documents)
    return PlanService(settings, FakeEmbedder(64), jieba_base=shared_jieba(), parse=fake_parse)


@pytest.fixture()
def service(tmp_path: Path) -> PlanService:
    svc = make_service(tmp_path)
    svc.ensure_index()
    yield svc
    svc.close()


def test_resolve_embedder_fake_setting() -> None:
    embedder = resolve_embedder(Settings(embedding_model="fake:32"))
    assert isinstance(embedder, FakeEmbedder) and embedder.dimension == 32


def test_no_index_means_a_clear_error(tmp_path: Path) -> None:
    svc = make_service(tmp_path)
    with pytest.raises(IndexMissingError, match="reindex.py"):
        svc.ask("电梯")


def test_ensure_index_builds_once_from_the_corpus(service: PlanService) -> None:
    assert len(service.documents()) == 3
    service.ensure_index()  # a second call does nothing
    assert service.reindex().status == "unchanged"


def test_ask_answers_cites_and_logs(service: PlanService) -> None:
    answer = service.ask("西安市电梯安全隐患整治有什么安排？", user_id=7, chat_type="private")
    assert isinstance(answer, Answer)
    top = answer.hits[0]
    assert top.clause.path == "二、(五)" and top.document.doc_number == "市政办发〔2017〕17号"
    assert answer.question_id is not None and not answer.low_confidence
    data = answer.to_json(explain=True)
    assert set(data) == {"query", "kind", "low_confidence", "answer", "notice", "regions", "results", "filters"}
    assert set(data["results"][0]) == {"rank", "score", "clause_id", "path", "heading", "text", "agencies", "document", "explain", "citation", "version_note", "deadline"}
    assert set(data["results"][0]["document"]) == {"title", "doc_number", "issuer", "date", "region", "source"}
    assert service.ask("电梯", log=False).question_id is None


def test_ask_pages_and_survives_hostile_input(service: PlanService) -> None:
    first = service.ask("质量", top_k=2)
    more = service.ask("质量", top_k=2, offset=2)
    assert [h.rank for h in more.hits] == [3, 4]
    assert not {h.clause.id for h in first.hits} & {h.clause.id for h in more.hits}
    for question in ("", "？", "😀", "x" * 10_000, "NEAR(", "OR 1=1 --"):
        service.ask(question)
    assert service.ask("").hits == []


def test_lookup_and_clause(service: PlanService) -> None:
    hits = service.lookup("西安 二(五)")
    assert [h.clause.heading for h in hits] == ["坚决维护特种设备安全"]
    assert service.lookup("电梯安全") == []
    hit = service.clause(hits[0].clause.id)
    assert hit is not None and hit.document.region == "西安市"
    assert service.clause("no-such-id") is None


def test_find_document_by_number_region_file_title_and_id(service: PlanService) -> None:
    anhui_id = anhui().document.id
    assert service.find_document("皖政办秘〔2016〕76号").id == anhui_id
    assert service.find_document("安徽").id == anhui_id
    assert service.find_document("皖").id == anhui_id
    assert service.find_document("anhui.txt").id == anhui_id
    assert service.find_document("质量安徽建设").id == anhui_id
    assert service.find_document(anhui_id[:8]).id == anhui_id
    assert service.find_document("太原市的方案").id == taiyuan().document.id
    assert service.find_document("不存在") is None and service.find_document("") is None


def test_outline_and_agency_tasks(service: PlanService) -> None:
    doc, clauses = service.outline("西安")
    assert doc.region == "西安市" and [c.path for c in clauses][:2] == ["一、", "一、(一)"]
    with pytest.raises(DocumentRefError, match="找不到"):
        service.outline("北京")
    tasks = service.agency_tasks("各区县政府")
    roles = [h.explain["role"] for h in tasks]
    assert roles == sorted(roles, key=lambda r: r != LEAD) and SUPPORT in roles and LEAD in roles
    assert {h.clause.path for h in service.agency_tasks("质监局")} >= {"二、(四)", "二、(五)", "一、(一)"}
    assert service.agency_tasks("") == []


def test_feedback_and_stats(service: PlanService) -> None:
    answer = service.ask("北京的电梯安全怎么管？")
    assert answer.low_confidence
    service.record_feedback(question_id=answer.question_id, clause_id=None, user_id=1, value=-1)
    stats = service.stats()
    assert stats["documents"] == 3 and stats["feedback_down"] == 1
    assert stats["top_unanswered"][0]["query"] == "北京的电梯安全怎么管？"
    assert stats["index"]["model"] == "fake-bigram-hash-64"


def test_unreadable_corpus_file_is_skipped_with_its_name(tmp_path: Path) -> None:
    svc = make_service(tmp_path, [xian()])
    (svc.settings.corpus_dir / "broken.txt").write_text("乱码", encoding="utf-8")
    report = svc.reindex()
    assert any("broken.txt" in message for message in report.skipped)
    assert report.documents == 1


def test_add_and_remove_documents(tmp_path: Path) -> None:
    svc = make_service(tmp_path, [xian(), anhui()])
    svc.ensure_index()
    upload = tmp_path / "upload"
    [path] = write_corpus(upload, [taiyuan()])
    result = svc.add_file(path)
    assert result.status == "added" and (svc.settings.corpus_dir / path.name).is_file()
    assert svc.ask("并政发 电梯安全攻坚").hits[0].document.region == "太原市"
    assert svc.add_file(path).status == UNCHANGED

    removed = svc.remove_document("西安")
    assert removed.region == "西安市"
    assert (svc.settings.data_dir / "removed" / "xian.txt").is_file()
    assert not (svc.settings.corpus_dir / "xian.txt").exists()
    assert all(h.document.region != "西安市" for h in svc.ask("电梯安全", top_k=10).hits)
    assert svc.reindex().status == "unchanged"


def test_same_doc_number_keeps_the_newest(tmp_path: Path) -> None:
    newer = xian()
    newer.document.date = "2018-01-01"
    older = xian()
    svc = make_service(tmp_path, [older])
    (svc.settings.corpus_dir / "xian-copy.txt").write_text("xian-2018\n", encoding="utf-8")

    def parse(path: Path):
        if path.name == "xian-copy.txt":
            parsed = xian()
            parsed.document.date = "2018-01-01"
            parsed.document.sha256 = "f" * 64
            parsed.document.id = "f" * 16
            for clause in parsed.clauses:
                clause.doc_id = parsed.document.id
                clause.id = "f" + clause.id
                clause.parent_id = "f" + clause.parent_id if clause.parent_id else None
            return parsed
        return fake_parse(path)

    svc._parse = parse
    report = svc.reindex()
    assert any("文号相同" in w and "xian-copy.txt" in w for w in report.warnings)
    assert [d.document.date for d in svc.documents()] == ["2018-01-01"]


def test_a_new_build_from_elsewhere_is_picked_up_without_blocking(tmp_path: Path) -> None:
    svc = make_service(tmp_path, [xian()])
    svc.ensure_index()
    first = svc.searcher().folder
    other = PlanService(svc.settings, FakeEmbedder(64), jieba_base=shared_jieba(), parse=fake_parse)
    write_corpus(svc.settings.corpus_dir, [anhui()])
    other.reindex()
    svc.ask("电梯")  # answered by the old build while the new one loads
    deadline = time.monotonic() + 10
    while svc.searcher().folder == first and time.monotonic() < deadline:
        time.sleep(0.05)
    assert svc.searcher().folder != first
    assert svc.ask("皖 名牌").hits[0].document.region == "安徽省"


def test_index_of_an_older_format_is_rebuilt_on_first_use(tmp_path: Path) -> None:
    import json

    from index.build.layout import FORMAT_VERSION, current_build

    svc = make_service(tmp_path, [xian()])
    svc.ensure_index()
    manifest_path = current_build(svc.settings.index_root) / "manifest.json"
    data = json.loads(manifest_path.read_text())
    data["format_version"] = FORMAT_VERSION - 1
    manifest_path.write_text(json.dumps(data))
    fresh = PlanService(svc.settings, FakeEmbedder(64), jieba_base=shared_jieba(), parse=fake_parse)
    fresh.ensure_index()
    assert current_build(svc.settings.index_root) != manifest_path.parent
    assert fresh.ask("西安 电梯").hits
    other_model = PlanService(svc.settings, FakeEmbedder(32), jieba_base=shared_jieba(), parse=fake_parse)
    with pytest.raises(IndexMismatchError, match="reindex.py --full"):
        other_model.ensure_index()
