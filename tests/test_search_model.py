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
