"""Quantified targets across plans: indicator, value, unit, comparator, year, owner, citation.

    python scripts/targets.py 合格率            # a comparison table (Markdown) of every 合格率 target
    python scripts/targets.py 合格率 --json     # the same as JSON
    python scripts/targets.py --doc 七台河       # every target of one document
    python scripts/targets.py 合格率 --chart 合格率.png
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import argparse  # noqa: E402
import json  # noqa: E402

from index import PlanService, QualityPlanError, Settings, targets_chart  # noqa: E402


def markdown(rows: list[dict[str, str]]) -> str:
    if not rows:
        return ""
    header = list(rows[0])
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    for row in rows:
        lines.append("| " + " | ".join(row[k].replace("|", "\\|").replace("\n", " ") for k in header) + " |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="各文件的量化目标对比")
    parser.add_argument("keyword", nargs="?", help="指标中的词，如 合格率、满意度、PM2.5")
    parser.add_argument("--doc", help="只看这个文件：文号、地区、标题中的词或文件名")
    parser.add_argument("--json", action="store_true", help="输出 JSON")
    parser.add_argument("--chart", type=Path, help="另存一张对比图（PNG）")
    args = parser.parse_args(argv)
    settings = Settings.from_env()
    try:
        report = PlanService(settings).targets(args.keyword, args.doc)
        for note in report.notes:
            print(note, file=sys.stderr)
        targets, superseded = report.targets, report.superseded
        if args.chart is not None and targets:
            args.chart.write_bytes(targets_chart(targets, title=args.keyword or "目标对比"))
            print(f"已写入图表 {args.chart}", file=sys.stderr)
    except QualityPlanError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"错误：无法写入 {args.chart}（{exc.strerror or exc}）", file=sys.stderr)
        return 2
    if args.json:
        items = []
        for target in targets:
            item = target.to_json()
            item["superseded"] = target.doc_id in superseded
            items.append(item)
        sys.stdout.buffer.write((json.dumps(items, ensure_ascii=False, indent=1) + "\n").encode("utf-8"))
        return 0
    if not targets:
        print(f"没有找到含“{args.keyword}”的量化目标" if args.keyword else "没有找到量化目标", file=sys.stderr)
        return 1
    sys.stdout.buffer.write(markdown(report.rows).encode("utf-8"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
