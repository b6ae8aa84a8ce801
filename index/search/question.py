"""Reading a question: which region or document it names, which agency, which clause reference.

Officials ask in their own words: "西安电梯安全……", "皖政办秘〔2016〕76号里……", "克孜勒苏……",
"市旅游局负责哪些工作", "西安 二(五)". Everything here is derived from the stored documents and
agency mentions plus one small table of well-known Chinese place abbreviations, so a new plan
from another city is understood without code changes.

Matching is a scan of the question's substrings against alias dictionaries, so its cost depends
on the question's length, not on the number of clauses.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from index.models import LEAD, Document
from index.search.lexical import agency_aliases, normalize_text

MAX_QUERY_CHARS = 500  # longer input is cut: no plan question needs more, and cost stays bounded

# Provinces and their standard one-character abbreviations (简称).
PROVINCE_ABBREVIATIONS: dict[str, tuple[str, ...]] = {
    "北京": ("京",), "天津": ("津",), "上海": ("沪",), "重庆": ("渝",), "河北": ("冀",), "山西": ("晋",),
    "内蒙古": ("蒙",), "辽宁": ("辽",), "吉林": ("吉",), "黑龙江": ("黑",), "江苏": ("苏",), "浙江": ("浙",),
    "安徽": ("皖",), "福建": ("闽",), "江西": ("赣",), "山东": ("鲁",), "河南": ("豫",), "湖北": ("鄂",),
    "湖南": ("湘",), "广东": ("粤",), "广西": ("桂",), "海南": ("琼",), "四川": ("川", "蜀"), "贵州": ("黔", "贵"),
    "云南": ("滇", "云"), "西藏": ("藏",), "陕西": ("陕", "秦"), "甘肃": ("甘", "陇"), "青海": ("青",),
    "宁夏": ("宁",), "新疆": ("新",),
}  # fmt: skip

# Cities with a well-known short name, and the province they lie in.
CITY_ABBREVIATIONS: dict[str, tuple[str, ...]] = {
    "太原": ("并", "龙城"), "成都": ("蓉",), "广州": ("穗",), "福州": ("榕",), "南宁": ("邕",), "贵阳": ("筑",),
    "宁波": ("甬",), "厦门": ("鹭",), "无锡": ("锡",), "杭州": ("杭",), "武汉": ("汉",), "南京": ("宁",),
    "沈阳": ("沈",), "大连": ("连",), "哈尔滨": ("哈",), "石家庄": ("石",), "郑州": ("郑",), "兰州": ("兰",),
    "银川": ("银",), "乌鲁木齐": ("乌",), "昆明": ("昆",), "南昌": ("洪",), "长沙": ("长",), "合肥": ("庐",),
    "西安": ("镐",), "苏州": ("苏",), "青岛": ("青",), "济南": ("济",), "长春": ("长",), "呼和浩特": ("呼",),
}  # fmt: skip
CITY_PROVINCE: dict[str, str] = {
    "太原": "山西", "成都": "四川", "广州": "广东", "福州": "福建", "南宁": "广西", "贵阳": "贵州", "宁波": "浙江",
    "厦门": "福建", "无锡": "江苏", "杭州": "浙江", "武汉": "湖北", "南京": "江苏", "沈阳": "辽宁", "大连": "辽宁",
    "哈尔滨": "黑龙江", "石家庄": "河北", "郑州": "河南", "兰州": "甘肃", "银川": "宁夏", "乌鲁木齐": "新疆",
    "昆明": "云南", "南昌": "江西", "长沙": "湖南", "合肥": "安徽", "西安": "陕西", "苏州": "江苏", "青岛": "山东",
    "济南": "山东", "长春": "吉林", "呼和浩特": "内蒙古", "海口": "海南", "西宁": "青海", "拉萨": "西藏",
}  # fmt: skip

# Autonomous prefectures are usually called by a short form (克孜勒苏柯尔克孜自治州 → 克州).
PREFECTURE_SHORT_NAMES: dict[str, str] = {
    "克孜勒苏": "克州", "巴音郭楞": "巴州", "博尔塔拉": "博州", "昌吉": "昌吉州", "伊犁": "伊犁州", "延边": "延边州",
    "恩施": "恩施州", "湘西": "湘西州", "黔东南": "黔东南州", "黔南": "黔南州", "黔西南": "黔西南州", "凉山": "凉山州",
    "甘孜": "甘孜州", "阿坝": "阿坝州", "大理": "大理州", "楚雄": "楚雄州", "红河": "红河州", "文山": "文山州",
    "西双版纳": "版纳", "德宏": "德宏州", "怒江": "怒江州", "迪庆": "迪庆州", "临夏": "临夏州", "甘南": "甘南州",
    "海西": "海西州", "玉树": "玉树州", "果洛": "果洛州", "黄南": "黄南州", "海北": "海北州",
}  # fmt: skip
ETHNIC_NAMES = (
    "柯尔克孜", "哈萨克", "蒙古", "回族", "藏族", "羌族", "彝族", "苗族", "土家族", "布依族", "侗族", "傣族", "景颇族",
    "白族", "哈尼族", "壮族", "朝鲜族", "傈僳族", "蒙古族", "藏族羌族", "苗族侗族", "布依族苗族",
)  # fmt: skip
# One-character abbreviations rare enough in ordinary Chinese to count wherever they appear;
# any other one-character alias (并, 新, 青 …) counts only in a 文号-like context (并政发).
STANDALONE_ABBREVIATIONS = frozenset("皖赣闽粤琼蜀黔滇陇鄂湘豫冀沪渝陕蓉穗榕邕甬鹭")
_DOC_NUMBER_CONTEXT = frozenset("政办发字")
_REGION_SUFFIXES = (
    "特别行政区", "维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "自治州", "自治县", "地区", "新区",
    "省", "市", "州", "县", "区", "盟", "旗",
)  # fmt: skip
_ISSUER_PLACE = re.compile(r"^(.{2,14}?)(?:人民政府|政府|委员会|办公厅|办公室|人大)")
_GENERIC_PLACES = frozenset({"省", "市", "州", "县", "区", "自治区", "自治州", "国务院", "中共", "中央"})

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}  # fmt: skip
_NUM = r"[零〇一二两三四五六七八九十百\d]{1,5}"
_CN = r"[一二三四五六七八九十]{1,4}"
# Units of a clause path, in the order they nest.
_PATH_UNIT = re.compile(
    rf"第(?P<chap>{_NUM})章|第(?P<part>{_NUM})节|第(?P<art>{_NUM})条|(?P<sec>{_CN})、"
    rf"|\((?P<cl>{_CN})\)|\((?P<pitem>\d{{1,2}})\)|(?P<item>\d{{1,2}})[.、]|(?P<circ>[①-⑳])"
)
# A clause reference inside a question: 第四条, 第二章第四条, 二(五), 二、(五), (五), 二(一)1.
_QUESTION_REF = re.compile(
    rf"(?:第(?P<chap>{_NUM})章\s*)?第(?P<art>{_NUM})条"
    rf"|(?:(?<![一二三四五六七八九十])(?P<sec>{_CN})\s*[、,.]?\s*)?\((?P<cl>{_CN})\)(?:\s*(?P<item>\d{{1,2}})(?=[.、\s]|$))?"
)
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
_DOC_NUMBER = re.compile(r"([\u4e00-\u9fff]{1,10})[\[(〔【]?((?:19|20)\d{2})[\])〕】]?(\d{1,4})号")
_YEAR_RANGE = re.compile(r"((?:19|20)\d{2})\s*年?\s*[-—–~～至到]+\s*((?:19|20)\d{2})")


def clean_question(question: str) -> str:
    """NFKC, invisible characters removed, whitespace collapsed, cut to MAX_QUERY_CHARS."""
    text = normalize_text(question or "")
    text = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in text)
    return " ".join(text.split())[:MAX_QUERY_CHARS]


def chinese_number(text: str) -> int | None:
    """二十三 → 23, 十五 → 15, 四 → 4, 12 → 12; None when it is not a number."""
    if text.isdigit():
        return int(text)
    total, current = 0, 0
    for ch in text:
        if ch in _CN_DIGITS:
            current = _CN_DIGITS[ch]
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        elif ch == "百":
            total += (current or 1) * 100
            current = 0
        else:
            return None
    return total + current


def path_units(path: str) -> tuple[tuple[str, int], ...]:
    """A clause path as comparable units: "二、(一)1." → (("sec", 2), ("cl", 1), ("item", 1))."""
    units: list[tuple[str, int]] = []
    for m in _PATH_UNIT.finditer(unicodedata.normalize("NFKC", path or "").replace(" ", "")):
        kind = m.lastgroup or ""
        raw = m.group(kind)
        if kind == "circ":
            value: int | None = ord(raw) - ord("①") + 1
        else:
            value = chinese_number(raw)
        if value is None:
            continue
        units.append(("item" if kind in ("pitem", "circ") else kind, value))
    return tuple(units)


def question_reference(text: str) -> tuple[tuple[str, int], ...] | None:
    """The clause reference a (cleaned) question names, as path units, or None."""
    m = _QUESTION_REF.search(text)
    if not m:
        return None
    units: list[tuple[str, int]] = []
    for kind in ("chap", "art", "sec", "cl", "item"):
        raw = m.group(kind)
        if raw:
            value = chinese_number(raw)
            if value is None:
                return None
            units.append((kind, value))
    return tuple(units) or None


def region_aliases(name: str) -> set[str]:
    """A place name with and without its administrative suffix, plus its well-known short forms."""
    name = normalize_text(name).strip()
    if len(name) < 2 or name in _GENERIC_PLACES:
        return set()
    out = {name}
    base = name
    for suffix in _REGION_SUFFIXES:
        if base.endswith(suffix) and len(base) - len(suffix) >= 2:
            base = base[: -len(suffix)]
            break
    prefecture = name.endswith("自治州") or name.endswith("州")
    for ethnic in sorted(ETHNIC_NAMES, key=len, reverse=True):
        if base.endswith(ethnic) and len(base) - len(ethnic) >= 2:
            base = base[: -len(ethnic)]
            prefecture = True
            break
    out.add(base)
    for full, short in PREFECTURE_SHORT_NAMES.items():
        if base in (full, short) or name == short:
            out.update({full, short})
            prefecture = True
    if prefecture and not base.endswith("州") and base not in PROVINCE_ABBREVIATIONS:
        out.add(base + "州")
    out.update(PROVINCE_ABBREVIATIONS.get(base, ()))
    out.update(CITY_ABBREVIATIONS.get(base, ()))
    return {a for a in out if a}


def issuer_place(issuer: str | None) -> str | None:
    """ "西安市人民政府办公厅" → "西安市"."""
    if not issuer:
        return None
    m = _ISSUER_PLACE.match(normalize_text(issuer))
    place = m.group(1) if m else None
    return place if place and place not in _GENERIC_PLACES else None


def doc_number_key(text: str) -> tuple[str, int, int] | None:
    """A 文号 in comparable form: "皖政办秘〔2016〕76号" → ("皖政办秘", 2016, 76)."""
    m = _DOC_NUMBER.search(normalize_text(text or ""))
    if not m:
        return None
    return m.group(1), int(m.group(2)), int(m.group(3))


def doc_number_abbreviation(doc_number: str | None) -> str | None:
    """The issuing place's abbreviation at the head of a 文号: 并政发 → 并, 皖政办秘 → 皖."""
    key = doc_number_key(doc_number or "")
    if not key:
        return None
    m = re.match(r"^([\u4e00-\u9fff]{1,3}?)[政办]", key[0])
    abbreviation = m.group(1) if m else None
    return abbreviation if abbreviation and abbreviation not in _GENERIC_PLACES else None


def document_years(document: Document) -> set[int]:
    """Years a plan is about: its date's year and every year its title covers (2017年—2020年)."""
    years: set[int] = set()
    if document.date and document.date[:4].isdigit():
        years.add(int(document.date[:4]))
    title = normalize_text(document.title or "")
    for m in _YEAR_RANGE.finditer(title):
        start, end = int(m.group(1)), int(m.group(2))
        if 0 <= end - start <= 30:
            years.update(range(start, end + 1))
    years.update(int(y) for y in _YEAR.findall(title))
    return years


@dataclass
class QueryReading:
    """What a question names. Row numbers index the searcher's clause table."""

    text: str
    doc_ids: list[str] = field(default_factory=list)  # documents the question restricts itself to
    regions: list[str] = field(default_factory=list)
    doc_numbers: list[str] = field(default_factory=list)
    soft_doc_ids: list[str] = field(default_factory=list)  # named only loosely (province of a city): boosted
    years: list[int] = field(default_factory=list)
    year_doc_ids: list[str] = field(default_factory=list)
    agencies: list[str] = field(default_factory=list)
    agency_rows: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    agency_weights: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.float32))
    reference: str | None = None
    reference_rows: list[int] = field(default_factory=list)
    unknown_places: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not any(ch.isalnum() for ch in self.text)

    def filters(self) -> dict[str, Any]:
        """What was read from the question, for explanations and logs (only what was found)."""
        data: dict[str, Any] = {
            "documents": self.doc_ids,
            "regions": self.regions,
            "doc_numbers": self.doc_numbers,
            "boosted_documents": self.soft_doc_ids,
            "years": self.years,
            "year_documents": self.year_doc_ids,
            "agencies": self.agencies,
            "clause_reference": self.reference,
            "unknown_places": self.unknown_places,
        }
        return {k: v for k, v in data.items() if v}


class QueryReader:
    """Reads questions against one index's documents, clause paths and agency mentions."""

    def __init__(
        self,
        documents: Sequence[Document],
        clause_doc_ids: Sequence[str],
        clause_paths: Sequence[str],
        agency_mentions: Iterable[tuple[str, str | None, str, int]],
    ) -> None:
        """agency_mentions: (name, canonical, role, clause row) for every agency on every clause."""
        self._documents = {d.id: d for d in documents}
        self._clause_doc_ids = list(clause_doc_ids)
        self._place_docs: dict[str, set[str]] = {}  # alias → documents of that place
        self._doc_context_aliases: dict[str, set[str]] = {}  # one-char aliases valid before 政/办/发/字
        self._soft_docs: dict[str, set[str]] = {}  # province → documents of its cities
        self._known_places: set[str] = set(PROVINCE_ABBREVIATIONS) | set(CITY_PROVINCE)
        self._doc_number_tails: dict[tuple[int, int], list[tuple[str, str]]] = {}
        self._years: dict[int, set[str]] = {}
        for doc in documents:
            self._add_document(doc)
        self._agencies: dict[str, list[tuple[int, float]]] = {}
        # a large corpus names a few hundred agencies in hundreds of thousands of mentions
        aliases_of: dict[tuple[str, str | None], set[str]] = {}
        for name, canonical, role, row in agency_mentions:
            weight = 1.0 if role == LEAD else 0.6
            aliases = aliases_of.get((name, canonical))
            if aliases is None:
                aliases = agency_aliases(name) | (agency_aliases(canonical) if canonical else set())
                aliases_of[(name, canonical)] = aliases
            for alias in aliases:
                self._agencies.setdefault(alias, []).append((row, weight))
        self._agency_arrays = {
            alias: (np.array([r for r, _ in pairs], dtype=np.int64), np.array([w for _, w in pairs], dtype=np.float32))
            for alias, pairs in self._agencies.items()
        }
        self._references: dict[tuple[str, int], list[tuple[int, tuple[tuple[str, int], ...]]]] = {}
        units_of: dict[str, tuple[tuple[str, int], ...]] = {}  # paths repeat from plan to plan
        for row, path in enumerate(clause_paths):
            units = units_of.get(path)
            if units is None:
                units = units_of[path] = path_units(path)
            if units:
                self._references.setdefault(units[-1], []).append((row, units))
        self._place_table = self._place_docs.keys() | self._known_places | self._soft_docs.keys()
        # 陕 → 陕西 → documents of its cities (only abbreviations that are safe on their own)
        self._soft_abbreviations = {
            abbreviation: self._soft_docs[province]
            for province, abbreviations in PROVINCE_ABBREVIATIONS.items()
            if province in self._soft_docs
            for abbreviation in abbreviations
            if abbreviation in STANDALONE_ABBREVIATIONS
        }
        self._alias_lengths = sorted({len(a) for a in (*self._place_table, *self._agencies)}, reverse=True)

    def _add_document(self, doc: Document) -> None:
        places = {p for p in (doc.region, issuer_place(doc.issuer)) if p}
        for place in places:
            for alias in region_aliases(place):
                if len(alias) == 1:
                    self._doc_context_aliases.setdefault(alias, set()).add(doc.id)
                    if alias in STANDALONE_ABBREVIATIONS:
                        self._place_docs.setdefault(alias, set()).add(doc.id)
                else:
                    self._place_docs.setdefault(alias, set()).add(doc.id)
                    province = CITY_PROVINCE.get(alias)
                    if province:
                        self._soft_docs.setdefault(province, set()).add(doc.id)
                self._known_places.add(alias)
        abbreviation = doc_number_abbreviation(doc.doc_number)
        if abbreviation:
            target = self._doc_context_aliases if len(abbreviation) == 1 else self._place_docs
            target.setdefault(abbreviation, set()).add(doc.id)
        key = doc_number_key(doc.doc_number or "")
        if key:
            self._doc_number_tails.setdefault((key[1], key[2]), []).append((key[0], doc.id))
        for year in document_years(doc):
            self._years.setdefault(year, set()).add(doc.id)

    def read(self, question: str) -> QueryReading:
        text = clean_question(question)
        reading = QueryReading(text=text)
        if reading.empty:
            return reading
        covered = [False] * len(text)
        self._read_doc_numbers(text, reading, covered)
        self._read_agencies(text, reading, covered)
        self._read_places(text, reading, covered)
        self._read_years(text, reading)
        self._read_reference(text, reading)
        return reading

    def _matches(self, text: str, table: Collection[str], covered: list[bool]) -> list[tuple[int, str]]:
        """Longest-first, non-overlapping matches of table keys (length ≥ 2) in text."""
        found: list[tuple[int, str]] = []
        for length in self._alias_lengths:
            if length < 2:
                continue
            for start in range(0, len(text) - length + 1):
                if any(covered[start : start + length]):
                    continue
                piece = text[start : start + length]
                if piece in table:
                    found.append((start, piece))
                    for i in range(start, start + length):
                        covered[i] = True
        found.sort()
        return found

    def _read_doc_numbers(self, text: str, reading: QueryReading, covered: list[bool]) -> None:
        for m in _DOC_NUMBER.finditer(text):
            prefix = m.group(1)
            candidates = self._doc_number_tails.get((int(m.group(2)), int(m.group(3))), [])
            # The pattern also takes the words before a 文号 ("请问皖政办秘"), so compare by suffix.
            doc_ids = {doc_id for stored, doc_id in candidates if prefix.endswith(stored) or stored.endswith(prefix)}
            if doc_ids:
                reading.doc_numbers.append(m.group(0))
                reading.doc_ids.extend(sorted(doc_ids - set(reading.doc_ids)))
                for i in range(m.start(), m.end()):
                    covered[i] = True

    def _read_agencies(self, text: str, reading: QueryReading, covered: list[bool]) -> None:
        found = self._matches(text, self._agency_arrays, covered)
        if not found:
            return
        rows, weights = [], []
        for _, alias in found:
            reading.agencies.append(alias)
            alias_rows, alias_weights = self._agency_arrays[alias]
            rows.append(alias_rows)
            weights.append(alias_weights)
        reading.agency_rows = np.concatenate(rows)
        reading.agency_weights = np.concatenate(weights)

    def _read_places(self, text: str, reading: QueryReading, covered: list[bool]) -> None:
        places: set[str] = set()
        soft: set[str] = set()
        for _, alias in self._matches(text, self._place_table, covered):
            if alias in self._place_docs:
                reading.regions.append(alias)
                places |= self._place_docs[alias]
            elif alias in self._soft_docs:
                soft |= self._soft_docs[alias]
            else:
                reading.unknown_places.append(alias)
        for i, ch in enumerate(text):
            if covered[i]:
                continue
            context_ok = i + 1 < len(text) and text[i + 1] in _DOC_NUMBER_CONTEXT
            if ch in self._place_docs and ch in STANDALONE_ABBREVIATIONS:
                reading.regions.append(ch)
                places |= self._place_docs[ch]
            elif context_ok and ch in self._doc_context_aliases:
                reading.regions.append(ch)
                places |= self._doc_context_aliases[ch]
            elif ch in self._soft_abbreviations:
                soft |= self._soft_abbreviations[ch]
        if places:
            reading.doc_ids.extend(sorted(places - set(reading.doc_ids)))
            reading.unknown_places.clear()
        reading.soft_doc_ids = sorted(soft - set(reading.doc_ids))
        if soft:
            reading.unknown_places.clear()

    def _read_years(self, text: str, reading: QueryReading) -> None:
        for m in _YEAR.finditer(text):
            year = int(m.group(1))
            if year not in reading.years:
                reading.years.append(year)
        docs: set[str] = set()
        for year in reading.years:
            docs |= self._years.get(year, set())
        reading.year_doc_ids = sorted(docs)

    def _read_reference(self, text: str, reading: QueryReading) -> None:
        units = question_reference(text)
        if not units:
            return
        candidates = self._references.get(units[-1], [])
        rows = [row for row, path in candidates if path[-len(units) :] == units]
        if reading.doc_ids:
            allowed = set(reading.doc_ids)
            rows = [row for row in rows if self._clause_doc_ids[row] in allowed]
        if rows:
            reading.reference = "".join(_unit_text(u) for u in units)
            reading.reference_rows = rows


def _unit_text(unit: tuple[str, int]) -> str:
    kind, value = unit
    number = _int_to_chinese(value)
    return {
        "chap": f"第{number}章",
        "part": f"第{number}节",
        "art": f"第{number}条",
        "sec": f"{number}、",
        "cl": f"({number})",
    }.get(kind, f"{value}.")


def _int_to_chinese(value: int) -> str:
    digits = "零一二三四五六七八九"
    if value < 10:
        return digits[value]
    if value < 20:
        return "十" + (digits[value % 10] if value % 10 else "")
    if value < 100:
        return digits[value // 10] + "十" + (digits[value % 10] if value % 10 else "")
    return str(value)


_AGENCY_TASKS = re.compile(
    r"^\s*(?P<name>[\u4e00-\u9fff（）()]{1,28}?(?:局|委|厅|办|部|会|政府|院|室|中心|小组|单位|部门|海关|银行|分行))"
    r"(?:都|还|主要|具体)?(?:牵头|负责|承担|配合|参与)(?:了)?"
    r"(?:哪些|什么|几项|多少|那些)(?:任务|工作|事项|条款|事)"
)


def agency_task_subject(question: str) -> str | None:
    """The agency a "who does what" question names — 市市场监管局牵头哪些任务？ → 市市场监管局 — or None."""
    match = _AGENCY_TASKS.match(question or "")
    return match.group("name") if match else None
