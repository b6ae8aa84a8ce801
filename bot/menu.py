"""The bot's commands in one list: /help prints it, the start-up sets it as the menu, and the
application refuses to start when its registered command handlers and this list disagree."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Command:
    name: str
    description: str
    args: str = ""
    admin: bool = False


COMMANDS: tuple[Command, ...] = (
    Command("start", "开始使用"),
    Command("help", "查看全部命令和用法"),
    Command("ask", "提问（群聊里用）", "问题"),
    Command("new", "开始新话题（不再接着上一个问题理解）"),
    Command("docs", "已收录的文件：文号、日期、条款数"),
    Command("outline", "某个文件的目录", "文件"),
    Command("agency", "某单位牵头、配合的条款", "单位名"),
    Command("clause", "按编号查条款，如 西安 二(五)", "编号"),
    Command("tasks", "某单位的任务分解表，可导出 Excel/CSV", "单位名 [文件] [xlsx|csv]"),
    Command("targets", "量化指标跨文件对比，可出图", "指标词 [图]"),
    Command("due", "某单位到期的条款，可导出日历", "[单位] [本月|本季度|YYYY-MM|逾期] [ics]"),
    Command("subscribe", "订阅单位：每周一提醒到期条款", "单位名"),
    Command("unsubscribe", "取消订阅", "[单位名]"),
    Command("subscriptions", "本聊天订阅的单位"),
    Command("reindex", "重建全部索引", admin=True),
    Command("remove", "移除一个文件", "文件", admin=True),
    Command("stats", "使用统计和未答好的问题", admin=True),
)


def user_commands() -> list[Command]:
    return [c for c in COMMANDS if not c.admin]
