"""Ask the plan corpus a question.

    python scripts/ask.py "西安电梯安全有什么安排？"        top answers for a person
    python scripts/ask.py "问题" --explain                  … with why each ranked where it did
    python scripts/ask.py --json [--top-k K] [--explain]   one question per stdin line → one JSON line each

Questions are routed as the bot routes them (PlanService.respond): a clause reference gives that
clause, "X牵头哪些任务" the agency's task list, anything else a search. A stdin line may be plain
text or {"query": "…", "session": "id"}: lines of one session are a conversation (follow-ups such
as "那太原呢？" or "谁牵头？" are read against the previous line of that session, as in the bot).
JSON lines: {"query", "kind": "search"|"clause"|"agency", "low_confidence", "answer" (the direct
answer line or null), "understood_as" (the question as read in context), "notice" (what the corpus
lacks, or null), "regions" (best clause per region when several answer), "results": [{"rank",
"score", "clause_id", "path", "heading", "text", "agencies": [{"name", "role"}], "document":
{"title", "doc_number", "issuer", "date", "region", "source"}, "citation", "version_note",
"deadline"}]}; --explain adds "explain" to each result and "filters" to the answer.
Model and index are loaded once; the index is built first when there is none.
Errors: one line on stderr, exit code 1 (2 for an internal error); never a traceback.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402

from index import (  # noqa: E402
    LEAD,
    AgencyReply,
    Answer,
    ClauseReply,
    Hit,
    PlanService,
    QualityPlanError,
    Reply,
    Settings,
    TqdmProgress,
    body_text,
    citation,
    display_name,
    excerpt,
)

EXCERPT_CHARS = 160


def agencies_line(hit: Hit) -> str:
    leads = "、".join(display_name(a) for a in hit.clause.agencies if a.role == LEAD)
    supports = "、".join(display_name(a) for a in hit.clause.agencies if a.role != LEAD)
    parts = []
    if leads:
        parts.append(f"牵头/负责：{leads}")
    if supports:
        parts.append(f"配合：{supports}")
    return "；".join(parts) or "（本条未写明责任单位）"


def format_reply(reply: Reply, *, explain: bool = False) -> str:
    if isinstance(reply, ClauseReply | AgencyReply):
        title = f"{reply.agency} 负责的条款（牵头在前）" if isinstance(reply, AgencyReply) else "按编号找到的条款"
        lines = [f"问题：{reply.question[:200]}"] + ([reply.understood] if reply.understood else []) + [title]
        if isinstance(reply, ClauseReply) and reply.direct is not None:
            lines.append(f"答：{reply.direct.text}")
        for hit in reply.hits:
            role = hit.explain.get("role")
            mark = "" if role is None else ("［牵头］" if role == LEAD else "［配合］")
            lines.append("")
            lines.append(f"{hit.rank}. {mark}{hit.clause.path} {hit.clause.heading}".rstrip())
            lines.append(f"   责任单位：{agencies_line(hit)}")
            lines.append(f"   出处：{citation(hit.document, hit.clause.path)}")
        return "\n".join(lines)
    return format_answer(reply.answer, explain=explain, understood=reply.understood)


def format_answer(answer: Answer, *, explain: bool = False, understood: str | None = None) -> str:
    lines = [f"问题：{answer.query.strip()[:200]}"] + ([understood] if understood else [])
    if answer.notice:
        lines.append(f"注意：{answer.notice}。")
    if answer.direct is not None:
        lines.append(f"答：{answer.direct.text}（{answer.direct.hit.document.region or ''} {answer.direct.hit.clause.path}）")
    if not answer.hits:
        lines.append("没有找到相关条款。请换个说法，或写明地区、文件或部门。")
        return "\n".join(lines)
    if answer.low_confidence and not answer.notice:
        lines.append("注意：没有找到有把握的答案，下面的条款可能不相关。")
    if explain and answer.filters.get("rewrites"):
        lines.append("问题改写：" + "；".join(answer.filters["rewrites"]))
    if explain and answer.filters:
        lines.append("读取到的条件：" + json.dumps(answer.filters, ensure_ascii=False))
    for hit in answer.hits:
        region = f"[{hit.document.region}] " if hit.document.region else ""
        lines.append("")
        lines.append(f"{hit.rank}. {region}{hit.clause.path} {hit.clause.heading}".rstrip())
        lines.append(f"   {' '.join(excerpt(body_text(hit.clause), hit.matched_terms, EXCERPT_CHARS).split())}")
        lines.append(f"   责任单位：{agencies_line(hit)}")
        if hit.clause.deadline is not None:
            lines.append(f"   时限：{hit.clause.deadline.text}")
        lines.append(f"   出处：{citation(hit.document, hit.clause.path)}")
        if hit.explain.get("version_note"):
            lines.append(f"   {hit.explain['version_note']}")
        if explain:
            info = hit.explain
            lines.append(
                f"   排序依据：综合分 {hit.score:.4f}；关键词排名 {info.get('lexical_rank') or '-'}"
                f"（BM25 {info.get('lexical_score', 0):.3f}），语义排名 {info.get('dense_rank') or '-'}"
                f"（相似度 {info.get('dense_score') if info.get('dense_score') is not None else '-'}）"
                + ("；条款编号直达" if info.get("reference") else "")
                + ("；所问部门负责" if info.get("agency_boost") else "")
                + ("；所问年份/省份的文件" if info.get("document_boost") else "")
                + (f"；含数量的句子覆盖问题 {info['quantity_match']:.0%}" if info.get("quantity_match") else "")
                + (f"；命中词：{'、'.join(hit.matched_terms)}" if hit.matched_terms else "")
            )
    return "\n".join(lines)


def read_line(line: str) -> tuple[str, str | None]:
    """A stdin line: plain text is a question of its own; {"query": …, "session": "id"} is read in
    the conversation `id` (follow-ups such as 那太原呢？ continue the previous line of that session)."""
    if line.lstrip().startswith("{"):
        try:
            data = json.loads(line)
        except json.JSONDecodeError:
            return line, None
        if isinstance(data, dict) and isinstance(data.get("query"), str):
            session = data.get("session")
            return data["query"], (f"cli:{session}" if isinstance(session, str | int) and str(session) else None)
    return line, None


def main(argv: list[str] | None = None) -> int:
    for stream in (sys.stdin, sys.stdout):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(encoding="utf-8", errors="replace")
    parser = argparse.ArgumentParser(description="向规划文件库提问")
    parser.add_argument("question", nargs="?", help="问题；省略时（配合 --json）从标准输入逐行读取")
    parser.add_argument("--json", action="store_true", help="每个问题输出一行 JSON")
    parser.add_argument("--top-k", type=int, default=None, help="返回条数（默认 TOP_K 或 3）")
    parser.add_argument("--explain", action="store_true", help="说明每条结果的排序依据")
    args = parser.parse_args(argv)
    if args.question is None and not args.json:
        parser.error("请给出问题，或用 --json 从标准输入读取问题")
    settings = Settings.from_env()
    top_k = max(1, args.top_k if args.top_k is not None else settings.top_k)
    progress = TqdmProgress()
    try:
        service = PlanService(settings)
        service.ensure_index(progress=progress)
        progress.close()
        lines = [args.question] if args.question is not None else (line.rstrip("\r\n") for line in sys.stdin)
        for line in lines:
            question, session = read_line(line) if args.question is None else (line, None)
            reply = service.respond(question, top_k=top_k, explain=args.explain, log=False, session=session)
            if args.json:
                print(json.dumps(reply.to_json(explain=args.explain), ensure_ascii=False), flush=True)
            else:
                print(format_reply(reply, explain=args.explain), flush=True)
    except QualityPlanError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # the reader went away (… | head): stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as exc:  # a bug must still not print a traceback at a user
        print(f"错误：内部错误（{type(exc).__name__}: {exc}）", file=sys.stderr)
        return 2
    finally:
        progress.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
