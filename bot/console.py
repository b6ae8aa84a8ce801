"""Try the bot without Telegram: a terminal chat through the same answer logic and renderer.

Questions go through the same router as the Telegram handler (`PlanService.respond`) and come back as the
same HTML messages, shown as plain text (tags stripped, entities unescaped). A few commands
mirror the bot's: /docs, /outline, /agency, /clause, 更多 (next results), /help, /quit.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TextIO

from index import AgencyReply, ClauseReply, PlanService, QualityPlanError

from . import render
from .handlers.ask import clean_question

HELP = """直接输入问题，例如：西安市电梯安全隐患整治有什么安排？
/docs                 已收录的文件
/outline 文件         文件目录（文号、地区或标题里的词）
/agency 单位名        某单位牵头、配合的条款
/clause 编号          按编号查条款，如 /clause 西安 二(五)
更多 / 还有吗          上一个问题的更多结果（接着上一个问题理解：那太原呢？ 谁牵头？ 这条的全文）
/new                  开始新话题
/quit                 退出"""


class ConsoleChat:
    """One terminal conversation; `handle` turns a line into the plain-text reply."""

    def __init__(
        self, service: PlanService, *, top_k: int = 3, agency_page_size: int = 20, session: str = "console"
    ) -> None:
        self.service = service
        self.top_k = top_k
        self.agency_page_size = agency_page_size
        self.session = session  # follow-ups are read in context, as in a private chat with the bot

    def handle(self, line: str) -> str:
        text = clean_question(line)
        if not text:
            return ""
        command, _, arg = text.partition(" ")
        commands: dict[str, Callable[[str], list[str]]] = {
            "/help": lambda _: [HELP],
            "/start": lambda _: [HELP],
            "/docs": lambda _: render.documents_messages(self.service.documents()),
            "/outline": self._outline,
            "/agency": self._agency,
            "/clause": self._clause,
            "/new": lambda _: self._new(),
        }
        try:
            if command in commands:
                messages = commands[command](arg.strip())
            else:
                messages = self._ask(text)
        except QualityPlanError as error:
            messages = [f"⚠️ {render.esc(error)}"]
        return "\n\n".join(render.to_plain(m) for m in messages)

    def _ask(self, question: str) -> list[str]:
        result = self.service.respond(question, top_k=self.top_k, chat_type="console", session=self.session)
        if isinstance(result, ClauseReply):
            header = render.follow_up_header(result.understood, result.direct)
            return ([header] if header else []) + [m for hit in result.hits for m in render.clause_messages(hit)]
        if isinstance(result, AgencyReply):
            return [render.agency_page(result.agency, result.hits, 0, self.agency_page_size)]
        return render.answer_messages(result.answer, offset=result.answer.offset, understood=result.understood)

    def _new(self) -> list[str]:
        self.service.forget(self.session)
        return ["好的，换个话题。"]

    def _outline(self, ref: str) -> list[str]:
        if not ref:
            return ["用法：/outline 文件（文号、地区或标题里的词）"]
        document, clauses = self.service.outline(ref)
        return render.outline_messages(document, clauses)

    def _agency(self, name: str) -> list[str]:
        if not name:
            return ["用法：/agency 单位名"]
        hits = self.service.agency_tasks(name)
        return [render.agency_page(name, hits, 0, self.agency_page_size)]

    def _clause(self, ref: str) -> list[str]:
        hits = self.service.lookup(ref) if ref else []
        if not hits:
            return ["没有找到条款。格式示例：/clause 西安 二(五)"]
        return [m for hit in hits for m in render.clause_messages(hit)]


def run_console(service: PlanService, *, top_k: int, stdin: TextIO, stdout: TextIO, interactive: bool) -> int:
    """Read questions line by line until EOF or /quit; returns an exit status."""
    chat = ConsoleChat(service, top_k=top_k)
    if interactive:
        stdout.write("质量强市政策问答（终端版）。输入问题，/help 查看命令，/quit 退出。\n")
    while True:
        if interactive:
            stdout.write("\n问> ")
            stdout.flush()
        line = stdin.readline()
        if not line or line.strip() in ("/quit", "/exit", "退出"):
            return 0
        reply = chat.handle(line)
        if reply:
            stdout.write(reply + "\n")
            stdout.flush()
