"""A conversation, not a search box: a follow-up is read against the previous question and answer.

Officials chat: after "西安电梯安全有什么安排？" they write "那太原呢？" (the same topic, another place),
"谁牵头？" / "什么时候完成？" / "目标是多少？" (a detail of the last answer's first clause), "这条的全文",
"那质量提升工程呢？" (a sibling topic, same place), "2023年的呢？" (another year) or "还有吗" (more).
`understand` decides which from the words of the message (what the question reader found in it and
the content words left), never from a model; anything with a topic of its own starts afresh.
The state kept between turns (`Turn`) is plain JSON, stored per chat (per user within a group).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from index.features.answers import AMOUNT, WHEN, WHO, question_kind

SESSION_SECONDS = 30 * 60  # a conversation is remembered this long after its last message

NEW, PLACE, YEAR, SIBLING, DETAIL, FULL_TEXT, MORE = "new", "place", "year", "sibling", "detail", "full", "more"

# "还有别的地方吗": the same topic, every place (a many-places answer).
_OTHER_PLACES = re.compile(r"^(?:还有)?(?:别的|其他|其它|另外的?)(?:地方|地区|城市|省份?|市)(?:呢|吗|有吗|有没有|怎么样)?[？?。!！]*$")
_MORE = re.compile(
    r"^(?:更多|更多结果|还有吗|还有呢|还有没有|还有别的吗?|还有其他(?:的)?吗?|其他的?呢|再来(?:点|几条)?|继续|下一页|再多(?:一些|点)|多给几条)"
    r"[？?。.!！~～]*$"
)
_FULL_TEXT = re.compile(r"全文|原文|完整内容|具体内容|详细内容|完整的|展开")
# Words a follow-up uses to point back or to ask, not to name a topic of its own.
_FOLLOW_UP_WORDS = re.compile(
    r"这一?条|这个|那个|那条|这里|那里|这边|那边|上面|刚才|其中|具体|主要|一下|请问|如果|要是|换成|换到|改成|看看|看一下|"
    r"发我|发一下|给我|说说|讲讲|介绍|详细|地区|地方|方面的?规定|"
    r"还|又|也|呢|吗|吧|啊|呀|的|了|是|有|要|那么|那|再|问|说|来|管|抓|做|干|由|归|让|交给|应当|应该|需要|会|能|可以|都|该|得|"
    r"谁|哪个|哪些|哪家|哪一?年|几月|什么|啥|怎么样?|怎样|如何|多少|几个|几项|时候|何时|时限|期限|截止|完成|时间|节点|"
    r"目标|指标|比例|达到|提高到|实现|牵头|负责|配合|单位|部门|主管|责任|承担|落实|实施|执行|"
    r"全文|原文|内容|情况|安排|要求|规定|措施|任务|工作"
)
_SIBLING_START = re.compile(r"^(?:那么?|还有|另外|再问一?下|关于|至于)")
_SIBLING_END = re.compile(r"呢[？?]*$")
_YEAR_WORD = re.compile(r"(?:19|20)\d{2}\s*年?(?:度|的)?")


@dataclass
class Turn:
    """What a conversation remembers of its last answered question."""

    question: str  # as understood (full form)
    places: list[str] = field(default_factory=list)  # the place words it named
    years: list[int] = field(default_factory=list)
    clause_ids: list[str] = field(default_factory=list)  # the clauses shown, best first
    next_offset: int = 0  # where "更多" continues
    kind: str | None = None  # who / amount / when / yes_no asked, if any

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Turn:
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})

    @property
    def core(self) -> str:
        """The topic without its place and year words: what a place or year swap keeps."""
        return topic_core(self.question, self.places)


@dataclass
class Understanding:
    kind: str  # NEW, PLACE, YEAR, SIBLING, DETAIL, FULL_TEXT, MORE
    question: str  # what to answer (the question as read in context)
    asks: str | None = None  # WHO / WHEN / AMOUNT / YES_NO: what the direct answer is about

    @property
    def follow_up(self) -> bool:
        return self.kind != NEW


def topic_core(question: str, places: Sequence[str]) -> str:
    text = question
    for place in sorted(places, key=len, reverse=True):
        text = text.replace(place, " ")
    text = _YEAR_WORD.sub(" ", text)
    return re.sub(r"^[\s,，、的]+|[\s,，、?？。.!！]+$", "", " ".join(text.split()))


def content_left(text: str, named: Sequence[str]) -> str:
    """The message's own topic words: without the places, years and agencies it names and without
    follow-up and question words."""
    for word in sorted(named, key=len, reverse=True):
        text = text.replace(word, " ")
    text = _YEAR_WORD.sub(" ", text)
    text = _FOLLOW_UP_WORDS.sub(" ", text)
    return re.sub(r"[\W_]+", "", text)


def understand(
    text: str,
    previous: Turn | None,
    *,
    places: Sequence[str] = (),
    years: Sequence[int] = (),
    agencies: Sequence[str] = (),
) -> Understanding:
    """How to read `text` after `previous` (None: nothing to follow). `places`, `years` and
    `agencies` are what the question reader found in `text`."""
    asks = question_kind(text)
    if previous is None:
        return Understanding(NEW, text, asks)
    if _MORE.match(text.strip()):
        return Understanding(MORE, previous.question, previous.kind)
    if _OTHER_PLACES.match(text.strip()) and previous.places:
        return Understanding(PLACE, previous.core, asks or previous.kind)
    own = content_left(text, [*places, *agencies])
    if not places and not years and not own and not agencies:
        if _FULL_TEXT.search(text):
            return Understanding(FULL_TEXT, previous.question)
        if asks in (WHO, WHEN, AMOUNT):
            return Understanding(DETAIL, previous.question, asks)
    if places and not own:
        place = "、".join(places)
        question = f"{place} {previous.core}".strip()
        return Understanding(PLACE, question, asks or previous.kind)
    if years and not places and not own:
        year = "、".join(f"{y}年" for y in years)
        place = "、".join(previous.places)
        return Understanding(YEAR, " ".join(p for p in (place, year, previous.core) if p), asks or previous.kind)
    if own and not places and (_SIBLING_START.match(text) or _SIBLING_END.search(text)) and previous.places:
        topic = _SIBLING_END.sub("", _SIBLING_START.sub("", text)).strip(" ,，？?")
        return Understanding(SIBLING, f"{'、'.join(previous.places)} {topic}", asks)
    return Understanding(NEW, text, asks)


def understood_line(understanding: Understanding) -> str | None:
    """The one line a reply shows so that a wrong guess is visible; None for a fresh question."""
    if not understanding.follow_up:
        return None
    labels = {DETAIL: {WHO: "谁负责", WHEN: "什么时候完成", AMOUNT: "目标是多少"}, FULL_TEXT: {None: "全文"}}
    detail = labels.get(understanding.kind, {}).get(understanding.asks)
    if understanding.kind == MORE:
        detail = "更多结果"
    suffix = f"（{detail}）" if detail else ""
    return f"按上文理解为：{understanding.question}{suffix}"
