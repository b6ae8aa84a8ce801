"""Quantified targets in plan clauses: indicator, value, unit, comparator, deadline, owner, citation.

Plans state targets in a few recurring shapes, which is what this reads (no list of indicators):
  A  指标 + 比较词 + 数值单位 (+以上/以下):   产品质量监督抽查合格率达到98%以上 · 有害生物成灾率控制在2.7‰以下
     with 分别 pairing lists:                  造林成活率和保存率分别提高到85%和80%以上
  B  动词 + 对象 + 数值单位, 、-lists:          新增安徽省政府质量奖企业5家、安徽名牌170个
  C  动词 + 数值单位 + 对象:                     培育2-3个省级名牌服务企业 · 建立1个自治区级质量检验中心
A sentence's deadline (到2020年, 2025年底前, 2020年，…, “十三五”期间, 年度内) applies to the targets
after it in the same paragraph; a unit without one inherits its parent's, then the plan title's year
(西安市2017年质量强市行动计划 → 2017, 质量强市(2017年—2020年) → 2020).
Numbers in quotes, titles and parentheses, years, ordinals and codes (PM2.5, 96333, 5G, 3·15) are not targets.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from index.models import LEAD, Clause, Document
from index.text.citation import citation
from index.text.deadlines import YEAR_WORDS, Horizon, find_deadline, horizons, own_texts, strip_deadlines, title_year
from index.text.normalize import norm

if TYPE_CHECKING:
    from index.store.database import Store

GE, LE, EQ, APPROX = ">=", "<=", "=", "~"
KIND_LEVEL, KIND_CHANGE, KIND_COUNT = "level", "change", "count"


@dataclass
class Target:
    """One quantified target as written in one clause."""

    indicator: str  # 产品质量监督抽查合格率
    value: float  # 98.0 (lower bound of a range)
    value_text: str  # 98%以上, as written
    unit: str  # %, ‰, 个, 项, 微克/标立米, 分, "" (an index)
    comparator: str  # >=, <=, =, ~
    comparator_text: str  # the words that say it: 达到…以上, 控制在…以下, 不低于
    year: int | None  # 2020
    deadline: str | None  # 到2020年 / 2018年底前 / 年度内, as written (None when only the title gives the year)
    clause_id: str
    path: str
    agencies: list[str] = field(default_factory=list)  # lead agencies first, names as written
    citation: str = ""
    doc_id: str = ""
    region: str | None = None
    value_max: float | None = None  # upper bound of a range (2-3个 → 3)
    kind: str = KIND_LEVEL  # level | change (提高2个百分点) | count (新增…170个)
    year_source: str | None = None  # text | parent | title
    sentence: str = ""  # the sentence it was read from

    def to_json(self) -> dict[str, Any]:
        return {
            "indicator": self.indicator,
            "value": self.value,
            "value_max": self.value_max,
            "value_text": self.value_text,
            "unit": self.unit,
            "comparator": self.comparator,
            "comparator_text": self.comparator_text,
            "kind": self.kind,
            "year": self.year,
            "deadline": self.deadline,
            "year_source": self.year_source,
            "region": self.region,
            "agencies": list(self.agencies),
            "clause_id": self.clause_id,
            "doc_id": self.doc_id,
            "path": self.path,
            "citation": self.citation,
            "sentence": self.sentence,
        }

    @property
    def value_display(self) -> str:
        """≥ 98%, ≤ 2.7‰, 2–3 个, = 80."""
        number = _fmt_number(self.value)
        if self.value_max is not None:
            number += "–" + _fmt_number(self.value_max)
        unit = self.unit if self.unit in ("%", "‰") else (" " + self.unit if self.unit else "")
        sign = {GE: "≥ ", LE: "≤ ", EQ: "", APPROX: "≈ "}[self.comparator]
        if self.value_max is not None:
            sign = ""
        return f"{sign}{number}{unit}"


# -- vocabulary ------------------------------------------------------------------------------

_UNITS = (
    "个百分点", "百分点", "微克/标立方米", "微克/标立米", "微克/立方米", "毫克/立方米", "毫克/升", "μg/m3", "mg/L", "%", "‰",
    "平方公里", "平方千米", "平方米", "公顷", "亩", "公里", "千米", "米", "吨标准煤", "吨", "千瓦时", "千瓦", "立方米",
    "亿元", "元", "人次", "家次", "户次", "个", "项", "件", "家", "所", "座", "条", "种", "人", "名", "户", "分",
    "天", "小时", "次", "批", "套", "台", "处", "场", "部", "类", "本", "篇", "枚", "只", "头", "株", "辆", "艘", "倍",
    "支", "位", "张", "份", "间", "栋", "片", "宗", "例", "门", "期", "级", "星",
)
_UNIT_RE = "(?:(?:万|亿|千|百)?(?:" + "|".join(re.escape(u) for u in sorted(_UNITS, key=len, reverse=True)) + r")|万|亿)"
_SUFFIXES = {"及以上": GE, "以上": GE, "及以下": LE, "以下": LE, "以内": LE, "之内": LE, "左右": APPROX, "上下": APPROX}
_SUFFIX_RE = "(?:" + "|".join(sorted(_SUFFIXES, key=len, reverse=True)) + ")"
_NUMBER = re.compile(
    r"(?<![A-Za-z0-9.·+\-/_])"
    r"(?P<num>\d+(?:\.\d+)?)"
    r"(?:\s*(?:-|~|—|–|至|到)\s*(?P<num2>\d+(?:\.\d+)?))?"
    r"\s*(?P<unit>" + _UNIT_RE + r")?"
    r"(?P<suffix>" + _SUFFIX_RE + r")?"
    r"(?![A-Za-z0-9·+_.])"
)
# Comparator words right before the number, longest first; value: (normalised comparator, kind).
_COMPARATORS: dict[str, tuple[str, str]] = {
    "达到或超过": (GE, KIND_LEVEL), "不低于": (GE, KIND_LEVEL), "不少于": (GE, KIND_LEVEL),
    "不小于": (GE, KIND_LEVEL), "至少": (GE, KIND_LEVEL), "超过": (GE, KIND_LEVEL), "高于": (GE, KIND_LEVEL),
    "大于": (GE, KIND_LEVEL), "多于": (GE, KIND_LEVEL), "提高到": (GE, KIND_LEVEL), "提高至": (GE, KIND_LEVEL),
    "提升到": (GE, KIND_LEVEL), "提升至": (GE, KIND_LEVEL), "增加到": (GE, KIND_LEVEL), "增加至": (GE, KIND_LEVEL),
    "增长到": (GE, KIND_LEVEL), "增长至": (GE, KIND_LEVEL), "扩大到": (GE, KIND_LEVEL), "扩大至": (GE, KIND_LEVEL),
    "控制在": (LE, KIND_LEVEL), "控制到": (LE, KIND_LEVEL), "不超过": (LE, KIND_LEVEL), "不高于": (LE, KIND_LEVEL),
    "不大于": (LE, KIND_LEVEL), "低于": (LE, KIND_LEVEL), "少于": (LE, KIND_LEVEL), "小于": (LE, KIND_LEVEL),
    "降低到": (LE, KIND_LEVEL), "降低至": (LE, KIND_LEVEL), "下降到": (LE, KIND_LEVEL), "下降至": (LE, KIND_LEVEL),
    "降到": (LE, KIND_LEVEL), "降至": (LE, KIND_LEVEL), "减少到": (LE, KIND_LEVEL), "减少至": (LE, KIND_LEVEL),
    "压减到": (LE, KIND_LEVEL), "压减至": (LE, KIND_LEVEL),
    "达到": (EQ, KIND_LEVEL), "稳定在": (EQ, KIND_LEVEL), "保持在": (EQ, KIND_LEVEL), "维持在": (EQ, KIND_LEVEL),
    "实现": (EQ, KIND_LEVEL), "达": (EQ, KIND_LEVEL), "为": (EQ, KIND_LEVEL),
    "约为": (APPROX, KIND_LEVEL), "约": (APPROX, KIND_LEVEL), "接近": (APPROX, KIND_LEVEL),
    "≥": (GE, KIND_LEVEL), ">=": (GE, KIND_LEVEL), ">": (GE, KIND_LEVEL), "≤": (LE, KIND_LEVEL), "<=": (LE, KIND_LEVEL),
    "<": (LE, KIND_LEVEL), "≈": (APPROX, KIND_LEVEL),
    "提高": (GE, KIND_CHANGE), "提升": (GE, KIND_CHANGE), "增长": (GE, KIND_CHANGE), "增加": (GE, KIND_CHANGE),
    "下降": (GE, KIND_CHANGE), "降低": (GE, KIND_CHANGE), "减少": (GE, KIND_CHANGE), "压减": (GE, KIND_CHANGE),
}
# Comparators that also start ordinary phrases (为2家企业提供…, 实现3个突破…): accepted only when the
# number ends the phrase.
_WEAK_COMPARATORS = {"为", "实现", "约", "达"}
_COMPARATOR_AT_END = re.compile(
    r"(?P<each>分别|(?<!年)均|都|各)?(?P<verb>" + "|".join(re.escape(c) for c in sorted(_COMPARATORS, key=len, reverse=True))
    + r")\s*$"
)
# Verbs that set a count (新增…170个, 培育2-3个…).
_COUNT_VERBS = (
    "新增", "培育", "创建", "建设", "建成", "打造", "认定", "制修订", "制定", "修订", "立项", "培养", "引进", "争创",
    "创成", "获得", "推动", "新建", "改造", "完成", "建立", "组建", "扶持", "评选", "申报", "淘汰", "培训", "举办",
    "设立", "形成", "力争", "发布", "推广", "创评", "选树", "认证", "注册", "实施", "开展", "整治", "创作", "推出",
    "发展", "扶优", "遴选", "招引", "新培育", "新认定", "新创建", "累计",
)
_COUNT_VERB_RE = "(?:" + "|".join(sorted(_COUNT_VERBS, key=len, reverse=True)) + ")"
_COUNT_VERB_RUN = re.compile(_COUNT_VERB_RE + r"(?:(?:或|和|及|、|并)" + _COUNT_VERB_RE + ")*")
_COUNT_VERB_AT_END = re.compile(r"(?:" + _COUNT_VERB_RUN.pattern + r")\s*$")

_SENTENCE_END = re.compile(r"[。;!?\n]")
_SEGMENT_END = re.compile(r"[,:]")
_LIST_JOIN = re.compile(r"[、和及与]")
_OPENERS = {"(": ")", "“": "”", "\"": "\"", "《": "》", "〈": "〉", "[": "]", "【": "】", "‘": "’"}

_LEADING_NOISE = re.compile(
    r"^(?:[、和及与并且而,\s]|其中|主要目标|工作目标|目标|力争|确保|争取|努力|使得|使|让|全市|全州|全省|全区|全县|全盟|全旗|"
    r"全国|要|同时|基本|进一步|逐步|年度内|年内|本年度|当年|期间|以上|以下)+"
)
_TRAILING_NOISE = re.compile(
    r"(?:要在[^,。]{0,12}基础上|在[^,。]{0,12}基础上|要|应|须|必须|需要|需|将|(?<!年)均|都|分别|各|总体|稳步|持续)+$"
)


def _fmt_number(value: float) -> str:
    return str(int(value)) if value == int(value) else f"{value:g}"


def _masked(text: str) -> list[bool]:
    """Positions inside quotes, titles or parentheses: numbers there are names, not targets."""
    mask = [False] * len(text)
    stack: list[str] = []
    for i, ch in enumerate(text):
        if stack and ch == stack[-1]:
            stack.pop()
            mask[i] = True
            continue
        if ch in _OPENERS and not (ch == '"' and stack and stack[-1] == '"'):
            stack.append(_OPENERS[ch])
            mask[i] = True
            continue
        mask[i] = bool(stack)
        if len(stack) > 3:
            stack.clear()  # unbalanced text: stop masking rather than hide the rest of the clause
    return mask


def _clean_indicator(text: str) -> str:
    text = re.sub(r"\s+", "", text)
    text = strip_deadlines(text)
    previous = None
    while previous != text:
        previous = text
        text = _LEADING_NOISE.sub("", text)
        text = _TRAILING_NOISE.sub("", text)
    return text.strip("、,:;·")


@dataclass
class _Number:
    start: int
    end: int
    value: float
    value_max: float | None
    unit: str
    suffix: str


def _numbers(text: str, mask: list[bool]) -> list[_Number]:
    out = []
    for m in _NUMBER.finditer(text):
        start, end = m.span()
        if mask[start]:
            continue
        after = text[end : end + 1]
        before = text[max(0, start - 1) : start]
        if after in ("年", "月", "日", "号", "届", "周", "岁", "时") or before == "第":
            continue
        unit = m.group("unit") or ""
        if not unit and not m.group("suffix") and len(m.group("num")) > 4:
            continue  # a code or a phone number (96333, 12315)
        num2 = m.group("num2")
        out.append(
            _Number(start, end, float(m.group("num")), float(num2) if num2 else None, unit, m.group("suffix") or "")
        )
    return out


def _comparator(verb: str, suffix: str, ranged: bool, default: str = EQ) -> str:
    if ranged:
        return APPROX
    if suffix:
        return _SUFFIXES[suffix]
    if verb in _COMPARATORS:
        return _COMPARATORS[verb][0]
    return default


def _object_after(text: str, start: int, limit: int = 30) -> str:
    """The noun phrase after a count (40个|行业标杆企业…), up to the next list or clause break."""
    tail = re.split(r"[、,;。:!?\n]", text[start:], maxsplit=1)[0]
    return tail[:limit]


class _Reader:
    """Reads the targets of one text (a unit's own text) with a starting deadline."""

    def __init__(self, text: str, deadline: Horizon | None, fallback_year: int | None) -> None:
        self.original = text
        self.text = norm(text)
        self.mask = _masked(self.text)
        self.deadline = deadline
        self.fallback_year = fallback_year
        self.found: list[tuple[str, _Number, str, str, str, Horizon | None, str]] = []
        self.deadlines: list[tuple[int, int, Horizon]] = []  # (start, end of what it governs, deadline)

    def read(self) -> list[tuple[str, _Number, str, str, str, Horizon | None, str]]:
        """(indicator, number, comparator, comparator words, kind, deadline, sentence) per target."""
        numbers = _numbers(self.text, self.mask)
        for paragraph_start, paragraph in _spans(self.text, "\n"):
            paragraph_end = paragraph_start + len(paragraph)
            for sentence_start, sentence in _spans(paragraph, _SENTENCE_END):
                offset = paragraph_start + sentence_start
                for start, _, found in horizons(sentence, self.fallback_year):
                    scope_end = paragraph_end if found.horizon else offset + len(sentence)
                    self.deadlines.append((offset + start, scope_end, found))
            for sentence_start, sentence in _spans(paragraph, _SENTENCE_END):
                offset = paragraph_start + sentence_start
                in_sentence = [n for n in numbers if offset <= n.start < offset + len(sentence)]
                self._sentence(offset, sentence, in_sentence)
        return self.found

    def _sentence(self, offset: int, sentence: str, in_sentence: list[_Number]) -> None:
        carried_verb = ""
        previous_segment = ""
        sentence_text = self.original[offset : offset + len(sentence)].strip()
        for seg_start, segment in _spans(sentence, _SEGMENT_END):
            start = offset + seg_start
            numbers = [n for n in in_sentence if start <= n.start < start + len(segment)]
            cursor = start
            last: tuple[str, str, str, str] | None = None  # (indicator, comparator, words, kind) of the previous number
            index = 0
            while index < len(numbers):
                number = numbers[index]
                before = self.text[cursor : number.start]
                orig_before = self.original[cursor : number.start]
                cmp_match = _COMPARATOR_AT_END.search(before)
                after_char = self.text[number.end : number.end + 1]
                ends_phrase = not after_char or not re.match(r"[\u4e00-\u9fffA-Za-z]", after_char)
                if cmp_match and (cmp_match.group("verb") not in _WEAK_COMPARATORS or ends_phrase):
                    verb = cmp_match.group("verb")
                    indicator_text = orig_before[: cmp_match.start()]
                    known = len(self.found)
                    used = self._compare(numbers, index, indicator_text, verb, bool(cmp_match.group("each")),
                                         previous_segment, sentence_text)
                    added = self.found[-1] if len(self.found) > known else None
                    last = (added[0], added[2], verb, added[4]) if added else None
                    index += max(used, 1)
                    cursor = numbers[index - 1].end
                    continue
                verb_at_end = _COUNT_VERB_AT_END.search(before)
                if verb_at_end and number.unit and not ends_phrase:
                    verb = verb_at_end.group(0).strip()
                    obj = _object_after(self.original, number.end)
                    indicator = _clean_indicator(orig_before[: verb_at_end.start()] + verb + obj)
                    self._add(indicator, number, _comparator(verb, number.suffix, number.value_max is not None),
                              verb, KIND_COUNT, sentence_text)
                    carried_verb = verb
                    last = None
                elif number.unit and ends_phrase and self._count_verb(cursor, before) and not before.endswith("的"):
                    verb = self._count_verb(cursor, before)
                    carried_verb = verb
                    indicator = _clean_indicator(orig_before)
                    self._add(indicator, number, _comparator(verb, number.suffix, number.value_max is not None),
                              verb, KIND_COUNT, sentence_text)
                    last = None
                else:
                    self._continuation(number, orig_before, carried_verb, last, previous_segment, sentence_text,
                                       ends_phrase)
                cursor = number.end
                index += 1
            previous_segment = self.original[start : start + len(segment) + 1]

    def _count_verb(self, cursor: int, before: str) -> str:
        """The last count verb in `before` that is not inside quotes or a title."""
        verbs = [m for m in _COUNT_VERB_RUN.finditer(before) if not self.mask[cursor + m.start()]]
        return verbs[-1].group(0) if verbs else ""

    def _compare(
        self,
        numbers: list[_Number],
        index: int,
        indicator_text: str,
        verb: str,
        each: bool,
        previous_segment: str,
        sentence: str,
    ) -> int:
        """Targets of `指标 + 比较词 + 数值`; with 分别, pairs listed indicators with listed values."""
        values = [numbers[index]]
        if each:
            while index + len(values) < len(numbers):
                gap = self.text[values[-1].end : numbers[index + len(values)].start]
                if not _LIST_JOIN.fullmatch(gap.strip()):
                    break
                values.append(numbers[index + len(values)])
        kind = _COMPARATORS[verb][1]
        if values[-1].unit in ("个百分点", "百分点"):
            kind = KIND_CHANGE
        indicators = [_clean_indicator(indicator_text)]
        if len(values) > 1:
            parts = [p for p in _LIST_JOIN.split(indicator_text) if p.strip()]
            if len(parts) == len(values):
                indicators = _complete_parts([_clean_indicator(p) for p in parts])
            else:
                indicators = indicators * len(values)
        shared_suffix = values[-1].suffix
        shared_unit = values[-1].unit
        for indicator, number in zip(indicators, values, strict=True):
            if not number.unit and shared_unit:
                number.unit = shared_unit
            suffix = number.suffix or shared_suffix
            indicator = self._with_heading(indicator, previous_segment)
            words = verb + ("…" + suffix if suffix else "")
            self._add(indicator, number, _comparator(verb, suffix, number.value_max is not None), words, kind,
                      sentence)
        return len(values)

    def _continuation(
        self,
        number: _Number,
        orig_before: str,
        carried_verb: str,
        last: tuple[str, str, str, str] | None,
        previous_segment: str,
        sentence: str,
        ends_phrase: bool,
    ) -> None:
        """A number with no verb of its own: the next item of a list begun earlier in the sentence."""
        obj = _clean_indicator(orig_before)
        if not obj and not ends_phrase and carried_verb and number.unit:
            obj = _clean_indicator(_object_after(self.original, number.end))
        if not obj or not number.unit and not number.suffix and last is None:
            return
        if last is not None:
            indicator = self._with_heading(obj, previous_segment)
            comparator = _comparator(last[2], number.suffix, number.value_max is not None, default=last[1])
            self._add(indicator, number, comparator, last[2], last[3], sentence)
        elif carried_verb:
            self._add(_clean_indicator(carried_verb + obj), number, _comparator(carried_verb, number.suffix, number.value_max is not None),
                      carried_verb, KIND_COUNT, sentence)
        elif number.suffix:
            self._add(obj, number, _comparator("", number.suffix, number.value_max is not None), number.suffix,
                      KIND_COUNT if number.unit not in ("%", "‰") else KIND_LEVEL, sentence)

    @staticmethod
    def _with_heading(indicator: str, previous_segment: str) -> str:
        """畜禽进点屠宰率：乡镇达到95% → 畜禽进点屠宰率(乡镇): a short subject continues a lead-in."""
        if len(indicator) <= 3 and previous_segment.rstrip().endswith((":", "：")):
            head = _clean_indicator(previous_segment.rstrip()[:-1])
            if head:
                return f"{head}({indicator})"
        return indicator

    def _add(
        self,
        indicator: str,
        number: _Number,
        comparator: str,
        words: str,
        kind: str,
        sentence: str,
    ) -> None:
        if not indicator or len(indicator) > 60:
            return
        if not re.search(r"[\u4e00-\u9fff]", indicator):
            return
        self.found.append((indicator, number, comparator, words, kind, self._deadline_at(number.start), sentence))

    def _deadline_at(self, position: int) -> Horizon | None:
        """The last deadline written before `position` that still governs it, else the inherited one."""
        governing = [d for start, end, d in self.deadlines if start <= position < end]
        # 年内/年度内 only count when nothing firmer governs (“十三五”期间，力争实现年内不发生…).
        firm = [d for d in governing if d.year is not None and d.text not in YEAR_WORDS]
        if firm:
            return firm[-1]
        if self.deadline is not None:
            return self.deadline
        return governing[-1] if governing else None


_SUBJECTS = re.compile(r"^.*?(?:公路|工程|产品|食品|药品|农产品|企业|服务|项目|行业|建筑|造林|林木|用户|顾客|消费者)")


def _complete_parts(parts: list[str]) -> list[str]:
    """Listed indicators sharing words: 县、乡公路优良路率 → 县公路优良路率, 乡公路优良路率 (a bare first
    item borrows the last item's tail); 造林成活率和保存率 → 造林成活率, 造林保存率 (a bare later item
    borrows the first item's subject)."""
    first, last = parts[0], parts[-1]
    subject = _SUBJECTS.match(first)
    out = []
    for i, part in enumerate(parts):
        if i < len(parts) - 1 and len(part) <= 2 < len(last):
            out.append(part + last[len(part) :])
        elif i > 0 and len(part) <= 4 and subject and not part.startswith(subject.group(0)):
            out.append(subject.group(0) + part)
        else:
            out.append(part)
    return out


def _spans(text: str, separator: str | re.Pattern[str]) -> Iterable[tuple[int, str]]:
    """(start, piece) of text cut at the separator (kept out of the pieces)."""
    pattern = separator if isinstance(separator, re.Pattern) else re.compile(re.escape(separator))
    start = 0
    for match in pattern.finditer(text):
        yield start, text[start : match.start()]
        start = match.end()
    yield start, text[start:]


# -- public API ------------------------------------------------------------------------------


def extract_targets(
    clause: Clause,
    document: Document,
    *,
    text: str | None = None,
    inherited: tuple[int | None, str | None] | None = None,
) -> list[Target]:
    """Every quantified target in one clause.

    `text` is the part of the clause to read (default its whole text; pass its own text when its
    children are read separately), `inherited` the (year, deadline words) of its enclosing units.
    """
    source_text = clause.text if text is None else text
    fallback = title_year(document)
    start: Horizon | None = None
    if inherited and inherited[0] is not None:
        start = Horizon(inherited[0], inherited[1], "parent")
    found = _Reader(source_text, start, fallback).read()
    leads = [a.name for a in clause.agencies if a.role == LEAD]
    others = [a.name for a in clause.agencies if a.role != LEAD]
    cite = citation(document, clause.path)
    targets = []
    for indicator, number, comparator, words, kind, deadline, sentence in found:
        year = deadline.year if deadline else fallback
        year_source = deadline.source if deadline else ("title" if fallback else None)
        targets.append(
            Target(
                indicator=indicator,
                value=number.value,
                value_text=_value_text(source_text, number),
                unit=number.unit,
                comparator=comparator,
                comparator_text=words,
                year=year,
                deadline=deadline.text if deadline else None,
                clause_id=clause.id,
                path=clause.path,
                agencies=leads + others,
                citation=cite,
                doc_id=document.id,
                region=document.region,
                value_max=number.value_max,
                kind=kind,
                year_source=year_source,
                sentence=sentence,
            )
        )
    return targets


def _value_text(text: str, number: _Number) -> str:
    return re.sub(r"\s+", "", text[number.start : number.end])


def extract_document_targets(clauses: list[Clause], document: Document) -> list[Target]:
    """Targets of a whole document, each read once from the unit that states it, with deadlines
    inherited from enclosing units (二、工作目标 … 到2020年 → its items)."""
    clauses = sorted(clauses, key=lambda c: c.order)
    texts = own_texts(clauses)
    by_id = {c.id: c for c in clauses}
    own_deadline: dict[str, Horizon | None] = {}
    fallback = title_year(document)
    out: list[Target] = []
    for clause in clauses:
        own_deadline[clause.id] = find_deadline(texts[clause.id], fallback)
        inherited = None
        parent = by_id.get(clause.parent_id or "")
        while parent is not None:
            found = own_deadline.get(parent.id)
            if found is not None:
                inherited = (found.year, found.text)
                break
            parent = by_id.get(parent.parent_id or "")
        out.extend(extract_targets(clause, document, text=texts[clause.id], inherited=inherited))
    return out


def collect_targets(
    store: Store, keyword: str | None = None, documents: Sequence[Document] | None = None
) -> list[Target]:
    """Targets of the stored documents (or of `documents`), filtered by a keyword of the indicator."""
    chosen = store.documents() if documents is None else documents
    found: list[Target] = []
    for document in chosen:
        found.extend(extract_document_targets(store.clauses(document.id), document))
    return filter_targets(found, keyword)


def filter_targets(targets: Iterable[Target], keyword: str | None) -> list[Target]:
    """Targets whose indicator (or, failing that, unit) contains the keyword; all when none given."""
    targets = list(targets)
    if not keyword:
        return targets
    needle = norm(keyword).strip()
    return [t for t in targets if needle in norm(t.indicator)]


def comparison_rows(
    targets: Iterable[Target],
    documents: dict[str, Document] | None = None,
    *,
    superseded: set[str] | None = None,
) -> list[dict[str, str]]:
    """Rows comparing targets across documents: sorted by indicator, then year, then place.
    Targets of a document in `superseded` are marked as coming from an older version."""
    documents = documents or {}
    superseded = superseded or set()
    rows = []
    ordered = sorted(targets, key=lambda t: (_indicator_family(t.indicator), t.indicator, t.year or 0, t.region or ""))
    for t in ordered:
        doc = documents.get(t.doc_id)
        rows.append(
            {
                "指标": t.indicator,
                "地区": (t.region or (doc.issuer if doc else "") or "") + ("（旧版本）" if t.doc_id in superseded else ""),
                "目标": t.value_display,
                "原文": t.value_text,
                "年份": str(t.year) if t.year else "",
                "时限": t.deadline or "",
                "责任单位": "、".join(t.agencies),
                "出处": t.citation,
            }
        )
    return rows


def _indicator_family(indicator: str) -> str:
    """合格率 / 满意度 / 覆盖率 …: the indicator's last word, so like indicators sort together."""
    match = re.search(r"(合格率|优良率|覆盖率|满意度|采标率|普及率|达标率|符合率|正点率|使用率|采用率|成活率|保存率|"
                      r"浓度|指数|比例|比重|产值率|获证率|[\u4e00-\u9fff]{1,2}率)$", indicator)
    return match.group(1) if match else "~" + indicator
