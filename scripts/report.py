"""What the corpus lacks: questions answered with low confidence or voted 👎, most frequent first.

    python scripts/report.py            # top 10, as a table
    python scripts/report.py --limit 30 --json
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import argparse  # noqa: E402
import json  # noqa: E402

from index import PlanService, QualityPlanError, Settings  # noqa: E402

STAT_LABELS = {
    "documents": "文件",
    "clauses": "条款",
    "agency_mentions": "单位提及",
    "questions": "提问",
    "low_confidence": "低置信度回答",
    "feedback_up": "👍",
    "feedback_down": "👎",
}


def format_report(stats: dict[str, int], weak: list[dict[str, object]]) -> str:
    lines = ["## 使用统计", ""]
    lines.append("，".join(f"{label} {stats.get(key, 0)}" for key, label in STAT_LABELS.items()))
    lines += ["", "## 未答好的问题（低置信度或 👎，按次数）", ""]
    if not weak:
        lines.append("暂无。")
        return "\n".join(lines) + "\n"
    lines += ["| # | 问题 | 次数 | 低置信度 | 👎 | 最近一次 |", "|---|---|---|---|---|---|"]
    for i, row in enumerate(weak, 1):
        query = str(row["query"]).replace("|", "\\|").replace("\n", " ")
        lines.append(
            f"| {i} | {query} | {row['times']} | {row['low_confidence'] or 0} | {row['thumbs_down'] or 0} | {row['last_asked']} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="低置信度或被点 👎 的问题（语料缺什么）")
    parser.add_argument("--limit", type=int, default=10, help="列出多少条（默认 10）")
    parser.add_argument("--json", action="store_true", help="输出 JSON")
    args = parser.parse_args(argv)
    if args.limit < 1:
        parser.error("--limit 至少为 1")
    settings = Settings.from_env()
    try:
        report = PlanService(settings).usage_report(args.limit)
    except QualityPlanError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    if report is None:
        print(f"还没有记录任何提问（{settings.store_path} 不存在）", file=sys.stderr)
        return 0
    stats, weak = report
    if args.json:
        out = json.dumps({"stats": stats, "weak_questions": weak}, ensure_ascii=False, indent=1) + "\n"
    else:
        out = format_report(stats, weak)
    sys.stdout.buffer.write(out.encode("utf-8"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
