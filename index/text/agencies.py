"""Agency names across time: what a name as written on a responsibility line means today.

Plans written before the 2018 institutional reform name bodies that no longer exist (市质监局,
省食品药品监管局, 安徽保监局); plans of any year abbreviate (市发改委, 卫计委, 财政部门). This module
splits a written name into a level/place prefix and a body stem, looks the stem up in
`index/resources/agency_renames.json` (bodies, their written forms, and who was renamed into whom, with
the reform that did it) and builds the current name at the same level: 市质监局 → 市市场监管局,
省质监局 → 省市场监管局, 安徽出入境检验检疫局 → 合肥海关. Names it does not know get no canonical
name (None) rather than a guess.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from index.errors import AgencyDataError
from index.models import LEAD, SUPPORT, Agency, Document, ParsedDocument
from index.text.normalize import normalize_text

DATA_PACKAGE = "index.resources"
DATA_FILE = "agency_renames.json"

TIER_NATIONAL = "国家"
PARSE_MEMORY = 100_000  # distinct names remembered by AgencyTable.parse

# Level words that may end a prefix, longest first so 自治区 wins over 区.
_LEVEL_SUFFIXES = ("自治区", "自治州", "县级市", "地区", "省", "市", "州", "盟", "县", "区", "旗")
# What may follow the place in a prefix: 市政府金融办, 省人民政府新闻办, 市委宣传部.
_PREFIX_TAILS = ("人民政府", "政府", "党委", "委")
_NATIONAL_STEM_ENDINGS = ("总局", "总署", "署")
# Written forms of one level used when a question names a body without any level.
_QUERY_LEVELS = ("省", "市", "州", "县", "区", "自治区", "自治州", "盟", "旗", "地区", "国家")


@dataclass(frozen=True)
class Body:
    """One government body (current or historical) of the data file."""

    id: str
    name: str | None  # current short name below province level; None for bodies that were renamed
    tier_names: dict[str, str] = field(default_factory=dict)
    aliases: tuple[str, ...] = ()
    sectors: tuple[str, ...] = ()
    renamed_to: str | None = None
    year: int | None = None
    source: str | None = None
    national: bool = False
    regional: bool = False
    party: bool = False
    successor_by_province: dict[str, str] = field(default_factory=dict)

    def name_for(self, tier: str | None) -> str:
        return self.tier_names.get(tier or "", self.name or self.id)


@dataclass(frozen=True)
class AgencyName:
    """A written agency name split into prefix (level and/or place) and a known body."""

    written: str
    prefix: str  # as written before the stem: "市", "安徽", "省政府", "市委", ""
    stem: str  # the body part as written: "质监局", "财政部门"
    body: Body
    tier: str | None  # 国家 / 省 / 市 / 县, from the prefix (None when it says no level)
    region: str | None  # the place named in the prefix: "安徽", "西安"
    level_word: str | None  # the level word of the prefix as written: "省", "自治州"


@dataclass(frozen=True)
class Canonical:
    """The current name of a written name, in parts: `prefix + name`."""

    prefix: str
    name: str
    renamed: bool  # the body itself was renamed/merged (not just an abbreviation)
    year: int | None  # year of the last rename on the way
    sources: tuple[str, ...]  # source notes of each rename on the way

    @property
    def full(self) -> str:
        return self.prefix + self.name


def _key(text: str) -> str:
    """Spelling-insensitive form of a body stem: 委员会→委, 监督管理→监管, no 和 / 行政管理 / spaces."""
    text = re.sub(r"[\s（）()“”\"]", "", text)
    text = text.replace("监督管理", "监管").replace("委员会", "委").replace("行政管理", "")
    return text.replace("人民政府", "政府").replace("和", "")


class AgencyTable:
    """The loaded data file: bodies by id, and every written stem (normalised) → body."""

    def __init__(self, data: dict[str, Any], *, origin: str = DATA_FILE) -> None:
        try:
            self.level_words: dict[str, str] = dict(data["level_words"])
            self.provinces: tuple[str, ...] = tuple(data["provinces"])
            raw_bodies = list(data["bodies"])
        except (KeyError, TypeError) as exc:
            raise AgencyDataError(f"机构名称数据缺少字段 {exc}：{origin}") from None
        self.bodies: dict[str, Body] = {}
        self._stems: dict[str, Body] = {}
        for raw in raw_bodies:
            body = _body_from_json(raw, origin)
            if body.id in self.bodies:
                raise AgencyDataError(f"机构名称数据中机构 {body.id} 重复：{origin}")
            self.bodies[body.id] = body
        for body in self.bodies.values():
            if body.renamed_to is not None and body.renamed_to not in self.bodies:
                raise AgencyDataError(f"机构名称数据中 {body.id} 改名为未定义的机构 {body.renamed_to}：{origin}")
            if body.renamed_to is None and body.name is None:
                raise AgencyDataError(f"机构名称数据中现行机构 {body.id} 缺少 name：{origin}")
            forms = list(body.aliases) + [s + "部门" for s in body.sectors]
            if body.name:
                forms.append(body.name)
            forms.extend(body.tier_names.values())
            for form in forms:
                key = _key(form)
                other = self._stems.get(key)
                if other is not None and other.id != body.id:
                    raise AgencyDataError(f"机构名称数据中“{form}”同时属于 {other.id} 和 {body.id}：{origin}")
                self._stems[key] = body
        self._max_stem = max((len(k) for k in self._stems), default=0)
        self._parsed: dict[str, AgencyName | None] = {}
        for body in self.bodies.values():
            self._chain(body)  # refuses cycles at load time

    @classmethod
    def load(cls, path: Path | None = None) -> AgencyTable:
        """Load the bundled data file (or `path`)."""
        try:
            if path is None:
                text = resources.files(DATA_PACKAGE).joinpath(DATA_FILE).read_text(encoding="utf-8")
                origin = DATA_FILE
            else:
                text = Path(path).read_text(encoding="utf-8")
                origin = str(path)
        except (OSError, UnicodeDecodeError) as exc:
            raise AgencyDataError(f"无法读取机构名称数据（{type(exc).__name__}）：{path or DATA_FILE}") from None
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise AgencyDataError(f"机构名称数据不是有效的 JSON（第 {exc.lineno} 行）：{origin}") from None
        return cls(data, origin=origin)

    # -- parsing ---------------------------------------------------------------------------

    def parse(self, name: str) -> AgencyName | None:
        """Split a written name into prefix + known body stem; None if no known body ends it."""
        # The table is read-only, so a name parses the same every time: remembered (a corpus
        # writes a few hundred distinct names; an agency question compares against each).
        if name in self._parsed:
            return self._parsed[name]
        parsed = self._parse(name)
        if len(self._parsed) < PARSE_MEMORY:
            self._parsed[name] = parsed
        return parsed

    def _parse(self, name: str) -> AgencyName | None:
        written = re.sub(r"\s+", "", name or "")
        written = written.strip("，,、。；;：:")
        if not written:
            return None
        for start in range(max(0, len(written) - self._max_stem - 8), len(written)):
            stem = written[start:]
            body = self._stems.get(_key(stem))
            if body is None:
                continue
            prefix = written[:start]
            analysed = self._analyse_prefix(prefix, body)
            if analysed is None:
                continue
            tier, region, level_word = analysed
            if not prefix and self._stem_is_national(stem, body):
                tier = TIER_NATIONAL
            return AgencyName(written, prefix, stem, body, tier, region, level_word)
        return None

    def _analyse_prefix(self, prefix: str, body: Body) -> tuple[str | None, str | None, str | None] | None:
        """(tier, region, level word) of a prefix, or None when it cannot stand before a body name."""
        if not prefix:
            return None, None, None
        core = prefix
        for tail in _PREFIX_TAILS:
            if core.endswith(tail) and len(core) > len(tail):
                core = core[: -len(tail)]
                break
        if core in self.level_words:
            return self.level_words[core], None, core
        for word in _LEVEL_SUFFIXES:
            if core.endswith(word) and len(core) > len(word):
                region = core[: -len(word)]
                if _plausible_place(region):
                    return self.level_words.get(word), region, word
        if core in self.provinces:
            return "省", core, None
        if body.regional and _plausible_place(core):
            return None, core, None
        return None

    def _stem_is_national(self, stem: str, body: Body) -> bool:
        if body.party:
            return False
        if stem.endswith(_NATIONAL_STEM_ENDINGS) or (stem.endswith("部") and not stem.endswith("部门")):
            return True
        return body.regional and stem.endswith("监会")

    # -- renames ---------------------------------------------------------------------------

    def _chain(self, body: Body) -> list[Body]:
        """body, its successor, its successor's successor … up to a current body."""
        chain = [body]
        while chain[-1].renamed_to is not None:
            nxt = self.bodies[chain[-1].renamed_to]
            if nxt in chain:
                raise AgencyDataError(f"机构名称数据中改名关系成环：{body.id}")
            chain.append(nxt)
        return chain

    def current(self, body: Body) -> Body:
        return self._chain(body)[-1]

    def predecessors(self, body: Body) -> list[Body]:
        """Every body renamed (directly or through others) into `body`."""
        found: list[Body] = []
        frontier = [body]
        while frontier:
            target = frontier.pop()
            for other in self.bodies.values():
                if other.renamed_to == target.id and other not in found:
                    found.append(other)
                    frontier.append(other)
        return found

    def related(self, body: Body) -> list[Body]:
        """Bodies a question about `body` should also find: its successors and, for the current
        body, everything that was merged into it (a question about 质监局 does not pull in 工商局)."""
        chain = self._chain(body)
        out = list(chain)
        for other in self.predecessors(chain[-1]) if body.renamed_to is None else []:
            if other not in out:
                out.append(other)
        return out

    def canonical(self, name: str, *, level_word: str | None = None) -> Canonical | None:
        """Current name of `name`. `level_word` (省/市/州/县 …, from the document) is put in front
        of a bare name (财政部门 in a 市 plan → 市财政局). None for names the table does not know."""
        parsed = self.parse(name)
        if parsed is None:
            return None
        chain = self._chain(parsed.body)
        current = chain[-1]
        renames = [b for b in chain[:-1]]
        renamed = bool(renames)
        year = renames[-1].year if renames else None
        sources = tuple(b.source for b in renames if b.source)
        region = parsed.region
        if region is None and parsed.prefix in self.provinces:
            region = parsed.prefix
        for step in chain:
            successor = step.successor_by_province.get(_province_of(region or "", self.provinces) or "")
            if successor:
                return Canonical("", successor, renamed, year, sources)
        tier = parsed.tier
        prefix = parsed.prefix
        if not prefix and tier != TIER_NATIONAL and not current.national and level_word:
            prefix = level_word + ("委" if current.party else "")
            tier = self.level_words.get(level_word)
        out_name = current.name_for(tier)
        if tier == TIER_NATIONAL:
            # Ministries stand alone (生态环境部); other national bodies keep or get 国家 (国家卫健委).
            if out_name.endswith(("部", "署")) and prefix in ("国家", "中国", "中央"):
                prefix = ""
            elif not prefix and not out_name.endswith(("部", "署", "总局")) and not current.national:
                prefix = "国家"
        return Canonical(prefix, out_name, renamed, year, sources)

    def canonical_name(self, name: str, *, level_word: str | None = None) -> str | None:
        found = self.canonical(name, level_word=level_word)
        return found.full if found else None

    # -- questions -------------------------------------------------------------------------

    def query_names(self, name: str) -> set[str]:
        """Every written form a question naming `name` should match (exact names on agency lines).

        A name with a level or place keeps it (省市场监管局 → 省质监局, 省工商局 …); a bare name
        (市场监管局) also gets each level word in front. Unknown names give just themselves.
        """
        written = re.sub(r"\s+", "", name or "")
        parsed = self.parse(written)
        if parsed is None:
            return {written} if written else set()
        forms: set[str] = set()
        for body in self.related(parsed.body):
            forms.update(body.aliases)
            forms.update(s + "部门" for s in body.sectors)
            if body.name:
                forms.add(body.name)
            forms.update(body.tier_names.values())
        if parsed.prefix:
            return {parsed.prefix + f for f in forms} | {written}
        out = set(forms)
        for level in _QUERY_LEVELS:
            out.update(level + f for f in forms)
            if parsed.body.party or self.current(parsed.body).party:
                out.update(level + "委" + f for f in forms)
        return out

    def matches(
        self,
        query: str,
        name: str,
        canonical: str | None = None,
        *,
        doc_region: str | None = None,
    ) -> bool:
        """Whether an agency mention (name as written, its stored canonical) answers a question
        about `query`, level-aware: 市场监管局 matches 市质监局 and 省质监局; 省市场监管局 only the
        latter; 安徽省市场监管局 only in 安徽 documents."""
        q = self.parse(query)
        if q is None:
            # A body the table does not know: by its name and short form (市旅游局 ~ 旅游局).
            wanted = agency_aliases(re.sub(r"\s+", "", query))
            return bool(wanted & (agency_aliases(name) | (agency_aliases(canonical) if canonical else set())))
        m = self.parse(name)
        if m is None:
            return False
        if m.body.id not in {b.id for b in self.related(q.body)}:
            return False
        tier = m.tier
        if tier is None and not m.prefix and canonical:
            from_canonical = self.parse(canonical)
            tier = from_canonical.tier if from_canonical else None
        if q.tier and tier and q.tier != tier:
            return False
        if q.region:
            place = m.region or doc_region
            if place and q.region not in place and place not in q.region:
                return False
        return True

    def display(self, name: str, canonical: str | None) -> str:
        """“市质监局（现市场监管局）” for renamed bodies; the name as written otherwise."""
        found = self.canonical(name)
        if not canonical or found is None or not found.renamed or canonical == name:
            return name
        parsed = self.parse(canonical)
        short = canonical
        if parsed is not None and parsed.prefix and parsed.prefix.rstrip("委") in self.level_words:
            short = canonical[len(parsed.prefix) :] if not parsed.body.party else canonical
        return f"{name}（现{short}）"


def _body_from_json(raw: dict[str, Any], origin: str) -> Body:
    try:
        return Body(
            id=str(raw["id"]),
            name=raw.get("name"),
            tier_names=dict(raw.get("tier_names", {})),
            aliases=tuple(raw.get("aliases", ())),
            sectors=tuple(raw.get("sectors", ())),
            renamed_to=raw.get("renamed_to"),
            year=raw.get("year"),
            source=raw.get("source"),
            national=bool(raw.get("national", False)),
            regional=bool(raw.get("regional", False)),
            party=bool(raw.get("party", False)),
            successor_by_province=dict(raw.get("successor_by_province", {})),
        )
    except (KeyError, TypeError, AttributeError) as exc:
        raise AgencyDataError(f"机构名称数据中有一项格式不对（{exc}）：{origin}") from None


def _plausible_place(text: str) -> bool:
    """A place name: 2–12 CJK characters, none of the words that make a prefix a sentence."""
    if not 1 <= len(text) <= 12 or not re.fullmatch(r"[\u4e00-\u9fff]+", text):
        return False
    return not any(word in text for word in ("各", "有关", "其他", "成员", "相关", "部门", "单位", "领导"))


def _province_of(region: str, provinces: tuple[str, ...]) -> str | None:
    for province in provinces:
        if region.startswith(province):
            return province
    return None


# -- documents ---------------------------------------------------------------------------------


def document_level(document: Document) -> str | None:
    """The level word of the body that issued a document (省, 市, 州, 自治区 …), from its region or issuer."""
    for text in (document.region, document.issuer):
        if not text:
            continue
        place = re.split(r"人民政府|政府|办公厅|办公室|党委|委员会", text)[0]
        for word in _LEVEL_SUFFIXES:
            if place.endswith(word):
                return word
    return None


@cache
def default_table() -> AgencyTable:
    """The bundled table, loaded once (it is read-only)."""
    return AgencyTable.load()


def canonical_name(name: str, *, level_word: str | None = None, table: AgencyTable | None = None) -> str | None:
    """Current name of a written agency name, or None when unknown."""
    return (table or default_table()).canonical_name(name, level_word=level_word)


def annotate_canonical(parsed: ParsedDocument, *, table: AgencyTable | None = None) -> None:
    """Fill `Agency.canonical` of every agency of a parsed document in place, using the document's level."""
    table = table or default_table()
    level_word = document_level(parsed.document)
    for clause in parsed.clauses:
        for agency in clause.agencies:
            agency.canonical = table.canonical_name(agency.name, level_word=level_word)


def agency_query_names(name: str, *, table: AgencyTable | None = None) -> set[str]:
    """All written forms (as on agency lines) that a question naming `name` should match."""
    return (table or default_table()).query_names(name)


def agency_matches(
    query: str, agency: Agency, *, doc_region: str | None = None, table: AgencyTable | None = None
) -> bool:
    """Whether `agency` (a stored mention) is the body a question names, old names included."""
    return (table or default_table()).matches(query, agency.name, agency.canonical, doc_region=doc_region)


def agency_role(
    query: str, agencies: Sequence[Agency], *, doc_region: str | None = None, table: AgencyTable | None = None
) -> tuple[str | None, list[Agency]]:
    """The role the body `query` names has among a clause's agencies — lead when any matching
    mention leads, else support, None when it is not named — and the mentions that matched."""
    table = table or default_table()
    matched = [a for a in agencies if table.matches(query, a.name, a.canonical, doc_region=doc_region)]
    if not matched:
        return None, []
    return (LEAD if any(a.role == LEAD for a in matched) else SUPPORT), matched


def display_name(agency: Agency, *, table: AgencyTable | None = None) -> str:
    """The name as written, with its current name when the body was renamed: 市质监局（现市场监管局）."""
    return (table or default_table()).display(agency.name, agency.canonical)


_ADMIN_PREFIX = ("省", "市", "州", "县", "区")


def agency_aliases(name: str) -> set[str]:
    """An agency name and its short forms: 市质监局 → {市质监局, 质监局}."""
    name = normalize_text(name).strip()
    out = {name} if len(name) >= 2 else set()
    if len(name) >= 4 and name.startswith(_ADMIN_PREFIX):
        out.add(name[1:])
    return out
