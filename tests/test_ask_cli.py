"""The command-line contract other tools rely on: scripts/ask.py and scripts/reindex.py, run as
subprocesses on two seed plans with EMBEDDING_MODEL=fake:64 (no model needed)."""

import json
import os
import shutil
import subprocess
import sys

import pytest

from tests.conftest import CORPUS_DIR, ROOT

pytestmark = pytest.mark.slow  # subprocesses, kills or the Bot API stand-in: `-m "not slow"` skips them

SEEDS = ["西安市_2017_质量强市行动计划.txt", "太原市_2023_全面推进质量强市建设实施方案.txt"]
RESULT_KEYS = {"rank", "score", "clause_id", "path", "heading", "text", "agencies", "document", "citation", "version_note", "deadline"}
CONTRACT = {"query", "kind", "low_confidence", "answer", "notice", "regions", "understood_as", "results"}
DOCUMENT_KEYS = {"title", "doc_number", "issuer", "date", "region", "source"}


def run(script: str, *args: str, env: dict[str, str], stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, f"scripts/{script}", *args],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=300,
    )


@pytest.fixture(scope="module")
def env(tmp_path_factory) -> dict[str, str]:
    root = tmp_path_factory.mktemp("cli")
    corpus = root / "corpus"
    corpus.mkdir()
    for name in SEEDS:
        shutil.copy(CORPUS_DIR / name, corpus / name)
    (corpus / "broken.pdf").write_bytes(b"this is not a pdf at all")
    environment = {**os.environ, "DATA_DIR": str(root / "data"), "CORPUS_DIR": str(corpus), "EMBEDDING_MODEL": "fake:64"}
    environment.pop("TOP_K", None)
    first = run("reindex.py", "--quiet", env=environment)
    assert first.returncode == 0, first.stderr
    assert "broken.pdf" in first.stderr and "Traceback" not in first.stderr
    assert "2 个文件" in first.stdout
    return environment


def test_reindex_again_is_a_no_op(env: dict[str, str]) -> None:
    again = run("reindex.py", "--quiet", env=env)
    assert again.returncode == 0 and "索引已是最新" in again.stdout


def test_human_answer_has_path_heading_agencies_and_citation(env: dict[str, str]) -> None:
    result = run("ask.py", "西安电梯安全隐患整治有什么安排？", env=env)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "二、(五) 坚决维护特种设备安全" in out
    assert "责任单位：" in out and "市质监局" in out
    assert "市政办发〔2017〕17号" in out and "西安市人民政府办公厅" in out


def test_json_lines_one_per_question_with_the_contract_fields(env: dict[str, str]) -> None:
    questions = ["西安电梯安全有什么安排？", "", "太原怎么推行首席质量官制度？", 'OR 1=1 -- "*" NEAR(', "😀", "质" * 10_000]
    result = run("ask.py", "--json", "--top-k", "2", env=env, stdin="\n".join(questions) + "\n")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == len(questions)
    answers = [json.loads(line) for line in lines]
    for question, answer in zip(questions, answers, strict=True):
        assert set(answer) == CONTRACT and answer["kind"] == "search"
        assert answer["query"] == question and isinstance(answer["low_confidence"], bool)
        assert len(answer["results"]) <= 2
        for rank, item in enumerate(answer["results"], 1):
            assert set(item) == RESULT_KEYS and item["rank"] == rank
            assert set(item["document"]) == DOCUMENT_KEYS
            assert all(set(a) <= {"name", "role", "canonical"} and a["role"] in ("lead", "support") for a in item["agencies"])
    assert answers[0]["results"][0]["path"] == "二、(五)"
    assert answers[1]["results"] == [] and answers[1]["low_confidence"] and answers[1]["answer"] is None
    assert answers[2]["results"][0]["document"]["region"] == "太原市"
    assert answers[4]["results"] == []


def test_explain_adds_ranks_and_filters(env: dict[str, str]) -> None:
    result = run("ask.py", "--json", "--explain", env=env, stdin="西安电梯安全有什么安排？\n")
    answer = json.loads(result.stdout)
    assert answer["filters"]["regions"] == ["西安"]
    top = answer["results"][0]
    assert top["path"] == "二、(五)"
    assert {"lexical_rank", "lexical_score", "dense_rank", "dense_score"} <= set(top["explain"])
    human = run("ask.py", "西安电梯安全有什么安排？", "--explain", env=env)
    assert "排序依据" in human.stdout


def test_routes_like_the_bot(env: dict[str, str]) -> None:
    """A clause reference gives that clause and an agency task question the task list, as in the bot."""
    lines = run("ask.py", "--json", "--explain", env=env, stdin="西安 二(五)\n市市场监管局牵头哪些任务？\n").stdout
    clause, agency = (json.loads(line) for line in lines.splitlines())
    assert clause["kind"] == "clause" and clause["filters"]["clause_reference"] == "二、(五)"
    assert clause["results"][0]["path"] == "二、(五)"
    assert clause["results"][0]["citation"].startswith("《西安市") and clause["results"][0]["citation"].endswith("二、(五)")
    assert agency["kind"] == "agency" and agency["results"] and agency["results"][0]["role"] == "lead"
    human = run("ask.py", "西安 二(五)", env=env)
    assert "按编号找到的条款" in human.stdout and "市政办发〔2017〕17号" in human.stdout


def test_other_model_is_refused_with_one_line(env: dict[str, str]) -> None:
    result = run("ask.py", "电梯", env={**env, "EMBEDDING_MODEL": "fake:32"})
    assert result.returncode == 1
    assert "reindex.py --full" in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_json_sessions_are_conversations(env: dict[str, str]) -> None:
    """{"query", "session"} lines: each session a conversation (as a chat with the bot); plain lines
    and other sessions stand alone."""
    lines = [
        json.dumps({"query": "西安电梯安全有什么安排？", "session": "a"}, ensure_ascii=False),
        json.dumps({"query": "太原食品安全抽检合格率2025年要达到多少？", "session": "b"}, ensure_ascii=False),
        json.dumps({"query": "谁牵头？", "session": "a"}, ensure_ascii=False),
        json.dumps({"query": "那西安呢？", "session": "b"}, ensure_ascii=False),
        "谁牵头？",
    ]
    result = run("ask.py", "--json", env=env, stdin="\n".join(lines) + "\n")
    assert result.returncode == 0, result.stderr
    first, other, who, swap, alone = (json.loads(line) for line in result.stdout.splitlines())
    assert set(first) == CONTRACT and first["understood_as"] == "西安电梯安全有什么安排？"
    assert "98.5%" in (other["answer"] or "")
    assert who["understood_as"].startswith("西安") and "市质监局" in who["answer"]
    assert swap["understood_as"].startswith("西安") and all(r["document"]["region"] == "西安市" for r in swap["results"])
    assert alone["understood_as"] == "谁牵头？"
