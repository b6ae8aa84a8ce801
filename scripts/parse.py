"""Show how a plan document parses, without touching any store.

    python scripts/parse.py FILE            outline: path, heading, agencies with roles, warnings
    python scripts/parse.py FILE --json     the parse as JSON (ParsedDocument.to_json())

Unreadable input: exit code 1 and one line on stderr naming the file and the reason.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402

from index import LEAD, ParsedDocument, PlanService, QualityPlanError, Settings  # noqa: E402


def outline(parsed: ParsedDocument) -> str:
    """The parse as a person reads it: citation data, then one line per unit, then warnings."""
    doc = parsed.document
    lines = [
        f"标题：{doc.title or '（未找到）'}",
        f"文号：{doc.doc_number or '（未找到）'}",
        f"发文单位：{doc.issuer or '（未找到）'}",
        f"日期：{doc.date or '（未找到）'}",
        f"地区：{doc.region or '（未找到）'}",
        f"来源：{doc.source}  sha256：{doc.sha256[:12]}…",
        f"单元：{len(parsed.clauses)} 个（可检索 {sum(c.retrievable for c in parsed.clauses)} 个）",
        "",
    ]
    for clause in parsed.clauses:
        leads = "、".join(a.name for a in clause.agencies if a.role == LEAD)
        supports = "、".join(a.name for a in clause.agencies if a.role != LEAD)
        roles = []
        if leads:
            roles.append(f"牵头/负责：{leads}")
        if supports:
            roles.append(f"配合：{supports}")
        flag = "" if clause.retrievable else " [仅标题]"
        agencies = f"  〔{'；'.join(roles)}〕" if roles else ""
        lines.append(f"{'  ' * (clause.level - 1)}{clause.path} {clause.heading}{flag}{agencies}")
    if parsed.warnings:
        lines.append("")
        lines.extend(f"警告：{warning}" for warning in parsed.warnings)
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="解析一份规划文件并显示结果（不写入任何存储）")
    parser.add_argument("file", type=Path, help="文件路径（.txt .docx .pdf .html .htm）")
    parser.add_argument("--json", action="store_true", help="以 JSON 输出完整解析结果")
    args = parser.parse_args(argv)
    try:
        parsed = PlanService(Settings.from_env()).preview_file(args.file)
    except QualityPlanError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 1
    except Exception as exc:  # a bug must still not print a traceback at a user
        print(f"错误：解析时发生内部错误（{type(exc).__name__}）：{args.file.name}", file=sys.stderr)
        return 2
    output = json.dumps(parsed.to_json(), ensure_ascii=False, indent=2) if args.json else outline(parsed)
    try:
        print(output)
        sys.stdout.flush()
    except BrokenPipeError:  # e.g. piped into `head`: the reader has what it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


if __name__ == "__main__":
    sys.exit(main())
