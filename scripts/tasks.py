"""Task table (任务分解表) of an agency or a document: every clause it leads, then supports.

    python scripts/tasks.py 市场监管局                       # Markdown to stdout
    python scripts/tasks.py 市市场监管局 --doc 太原 --format csv -o tasks.csv
    python scripts/tasks.py --doc 西安 --format xlsx -o 西安任务分解表.xlsx   # the whole document
    python scripts/tasks.py 市场监管局 --due 本季度                # due this quarter (as /due)
    python scripts/tasks.py 市场监管局 --due 全部 --format ics -o 时限.ics   # a calendar of its deadlines

Columns: 序号, 文件, 条款, 任务, 牵头单位, 配合单位, 目标与时限, 完成时限. --due WINDOW (本月, 本季度,
YYYY-MM, 逾期, N天, 全部) keeps the clauses due in it, lead first, then support, by date: the same
rows as /due. --format ics writes an iCalendar file of them (default window 全部). Old agency names are matched and
shown with their current name: 市质监局（现市场监管局）.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import argparse  # noqa: E402

from index import TASK_FORMATS, WINDOWS_HINT, PlanService, QualityPlanError, Settings, render_tasks  # noqa: E402

ICS = "ics"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="某单位（或某文件）的任务分解表")
    parser.add_argument("agency", nargs="?", help="单位名，如 市场监管局、省质监局")
    parser.add_argument("--doc", help="只看这个文件：文号、地区、标题中的词或文件名")
    parser.add_argument("--format", choices=(*TASK_FORMATS, ICS), default="md", help="输出格式（默认 md）")
    parser.add_argument("--due", metavar="WINDOW", help=f"只列这个时间范围内到期的条款：{WINDOWS_HINT}")
    parser.add_argument("-o", "--output", type=Path, help="写入文件（xlsx 必须给出）")
    args = parser.parse_args(argv)
    if not args.agency and not args.doc:
        parser.error("请给出单位名，或用 --doc 给出文件")
    if args.format == "xlsx" and args.output is None:
        print("错误：XLSX 是二进制文件，请用 -o 给出输出文件名", file=sys.stderr)
        return 2
    settings = Settings.from_env()
    if (args.due or args.format == ICS) and not args.agency:
        parser.error("--due 和 --format ics 需要单位名")
    try:
        if args.due or args.format == ICS:
            report = PlanService(settings).due(args.agency, args.due or ("全部" if args.format == ICS else None))
            notes, rows, document, title = report.notes, report.rows, None, report.title
        else:
            table = PlanService(settings).task_table(args.agency, args.doc)
            notes, rows, document, title = table.notes, table.rows, table.document, table.title
        for note in notes:
            print(note, file=sys.stderr)
    except QualityPlanError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    if not rows:
        where = f"（{document.title or document.source}）" if document is not None else ""
        print(f"没有找到{args.agency or ''}负责的条款{where}", file=sys.stderr)
        return 1
    data = report.ics() if args.format == ICS else render_tasks(rows, args.format, title=title)
    try:
        if args.output is not None:
            args.output.write_bytes(data)
            print(f"已写入 {args.output}（{len(rows)} 行）", file=sys.stderr)
        else:
            sys.stdout.buffer.write(data)
            sys.stdout.flush()
    except OSError as exc:
        print(f"错误：无法写入 {args.output or '标准输出'}（{exc.strerror or exc}）", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
