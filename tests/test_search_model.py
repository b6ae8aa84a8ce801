"""The real default model on the seed corpus: the questions officials ask get the right clause.

Marked `model`: it builds (or reuses) the converted e5 model, so it is slow and is not part of
the fast unit suite. Run: .venv/bin/python -m pytest -q -m model tests/test_search_model.py
"""

import shutil

import pytest

from index.service import PlanService
from index.settings import Settings
from tests.conftest import CORPUS_DIR, ROOT

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def service(tmp_path_factory) -> PlanService:
    root = tmp_path_factory.mktemp("model")
    settings = Settings(data_dir=root / "data", corpus_dir=root / "corpus")
    shutil.copytree(CORPUS_DIR, settings.corpus_dir)
    settings.data_dir.mkdir()
    built = ROOT / "data" / "models"
    if built.is_dir():  # reuse a model already built in the project's data folder
        (settings.data_dir / "models").symlink_to(built.resolve(), target_is_directory=True)
    svc = PlanService(settings)
    svc.ensure_index()
    yield svc
    svc.close()


@pytest.mark.parametrize(
    ("question", "region", "must_contain"),
    [
        ("西安电梯安全有什么安排？", "西安市", "电梯安全隐患整治"),
        ("安徽要新增多少个名牌？", "安徽省", "安徽名牌170个"),
        ("克孜勒苏如何设立产品质量伤害救助机制？", "克州", "产品质量伤害鉴定救助基金"),
        ("并政发〔2023〕18号怎么推行首席质量官制度？", "太原市", "首席质量官"),
        ("七台河的森林覆盖率要达到多少？", "七台河市", "森林覆盖率达到48.75%"),
    ],
)
def test_right_clause_first(service: PlanService, question: str, region: str, must_contain: str) -> None:
    answer = service.ask(question, log=False)
    top = answer.hits[0]
    assert top.document.region == region
    assert must_contain in top.clause.text.replace("“", "").replace("”", "")
    assert not answer.low_confidence


def test_clause_reference_and_off_topic(service: PlanService) -> None:
    assert service.ask("西安 二(五)", log=False).hits[0].clause.heading == "坚决维护特种设备安全"
    assert service.ask("今天天气怎么样？推荐一部电影", log=False).low_confidence


def test_colloquial_questions_find_the_clause_first(service: PlanService) -> None:
    """How officials really write: abbreviations, nicknames, typos, traditional characters,
    everyday words, a province's capital (tests/eval/colloquial.jsonl, our own set)."""
    from index.bench.evaluation import evaluate, load_questions

    questions = load_questions(ROOT / "tests" / "eval" / "colloquial.jsonl")
    scores = evaluate("ours", lambda q: service.ask(q, top_k=10, log=False).hits, questions).summary()
    assert scores["hit@1"] >= 0.9 and scores["mrr"] >= 0.93, scores


def test_direct_answers_state_the_figure_or_the_agency(service: PlanService) -> None:
    cases = [
        ("七台河到2020年产品质量监督抽查合格率要达到多少？", "98%"),
        ("七台河的森林覆盖率要达到多少？", "48.75%"),
        ("西安电梯安全隐患整治由谁牵头？", "市质监局"),
        ("安徽国际贸易单一窗口建设由哪个部门负责？", "省商务厅"),
        ("太原食品安全抽检合格率2025年要达到多少？", "98.5%"),
    ]
    right = sum(1 for q, want in cases if (d := service.ask(q, log=False).direct) is not None and want in d.text)
    assert right >= 0.9 * len(cases)


def test_unanswerable_topics_are_flagged(service: PlanService) -> None:
    for question in ("今天天气怎么样", "低空经济无人机航线怎么审批？", "北京的电梯安全怎么管？", "推荐一部好看的电影"):
        answer = service.ask(question, log=False)
        assert answer.notice and answer.notice.startswith("库中没有"), (question, answer.notice)


def test_multi_turn_chats_are_answered_from_context(service: PlanService) -> None:
    """2–3-turn chats (tests/eval/chats.jsonl, our own): the last turn, read against the previous
    ones, is answered with what was asked (the answer line or the clause it cites)."""
    import json

    chats = [json.loads(line) for line in (ROOT / "tests" / "eval" / "chats.jsonl").read_text(encoding="utf-8").splitlines() if line]
    answered = 0
    for number, chat in enumerate(chats):
        for turn in chat["turns"]:
            reply = service.respond(turn, session=f"chat-{number}", log=False)
        data = reply.to_json()
        shown = " ".join([data.get("answer") or ""] + [r["text"] for r in data["results"][:3]])
        answered += bool(data["understood_as"] != chat["turns"][-1] and all(e in shown for e in chat["expect"]))
    assert answered >= 0.9 * len(chats), answered
