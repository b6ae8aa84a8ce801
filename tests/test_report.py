"""The feedback loop: questions answered with low confidence or 👎 are listed by scripts/report.py."""

import json
import os
import subprocess
import sys
from pathlib import Path

from index.store.database import Store
from tests.conftest import ROOT


def run_report(*args: str, data_dir: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATA_DIR": str(data_dir)}
    return subprocess.run([sys.executable, "scripts/report.py", *args], cwd=ROOT, env=env, capture_output=True, timeout=60)


def fill_questions(data_dir: Path) -> None:
    with Store(data_dir / "store.db") as store:
        for _ in range(3):
            store.log_question("上海的质量奖奖金是多少？", low_confidence=True)
        answered = store.log_question("西安电梯安全怎么管？", top_clause_id="c1", top_score=0.9)
        store.add_feedback(question_id=answered, clause_id="c1", user_id=7, value=-1)
        good = store.log_question("太原首席质量官", top_clause_id="c2", top_score=0.95)
        store.add_feedback(question_id=good, clause_id="c2", user_id=7, value=1)


def test_report_lists_the_weak_questions_most_frequent_first(tmp_path: Path) -> None:
    fill_questions(tmp_path)
    result = run_report(data_dir=tmp_path)
    assert result.returncode == 0, result.stderr.decode()
    text = result.stdout.decode("utf-8")
    assert "提问 5" in text and "👎 1" in text and "低置信度回答 3" in text
    rows = [line for line in text.splitlines() if line.startswith("| 1 ") or line.startswith("| 2 ")]
    assert "上海的质量奖奖金是多少？ | 3 | 3 | 0" in rows[0]
    assert "西安电梯安全怎么管？ | 1 | 0 | 1" in rows[1]
    assert "太原首席质量官" not in text


def test_report_json_and_limit(tmp_path: Path) -> None:
    fill_questions(tmp_path)
    result = run_report("--json", "--limit", "1", data_dir=tmp_path)
    data = json.loads(result.stdout.decode("utf-8"))
    assert data["stats"]["questions"] == 5
    assert [q["query"] for q in data["weak_questions"]] == ["上海的质量奖奖金是多少？"]


def test_report_without_a_store_or_questions(tmp_path: Path) -> None:
    missing = run_report(data_dir=tmp_path / "none")
    assert missing.returncode == 0 and "还没有记录任何提问" in missing.stderr.decode("utf-8")
    Store(tmp_path / "store.db").close()
    empty = run_report(data_dir=tmp_path)
    assert empty.returncode == 0 and "暂无" in empty.stdout.decode("utf-8")
    garbage = tmp_path / "bad"
    garbage.mkdir()
    (garbage / "store.db").write_bytes(b"not a database at all" * 100)
    broken = run_report(data_dir=garbage)
    assert broken.returncode == 2 and b"Traceback" not in broken.stderr and len(broken.stderr.splitlines()) == 1
