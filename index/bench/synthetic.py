"""Deterministic large corpora built from the seed plans, for benchmarks at 10k–100k clauses.

The seeds are cut into material (section headings, clause headings with their sentences,
agency names), and every synthetic document recombines that material under an invented
region, year and 文号: its clauses take most sentences of one seed clause plus a sentence or
two of another, with numbers varied and the seed's place names swapped for the new region,
and end with a responsibility line in one of the forms the seeds use. The text is plain
Chinese that the real reader and parser take in like any plan file, so the store and the
lexical index hold realistic text and agency lines.

Embedding 100k passages with the real model takes about an hour on two cores, so
`SyntheticEmbedder` gives each synthetic passage a vector derived from real ones: the mean of
the real vectors of the seed sentences it is made of, plus noise seeded by its text, normalised.
Questions are still embedded by the real model. Document i depends only on (seed, i) and the
seed texts, so a corpus of n clauses is the same on every machine.
"""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from index.embed.base import Embedder

GENERATOR_VERSION = "synthetic-1"

# Invented place names are two characters from these sets: rare in plan text, so a name is
# recognisable by its characters alone (see `sentence_key`), and none is a real city.
_FIRST = "岚澄霁璟瀚沅棠栖芷蘅澜珑璞琰翊晗昀湄潆溱"
_SECOND = "屏溪川岭原泽滨峪汀坪垣阳宁丰安和清源"
_LEVELS = (("省", 24), ("州", 36))  # the first 24 regions are provinces, the next 36 prefectures, the rest cities
_YEARS = tuple(range(2013, 2025))

_CN_DIGITS = "零一二三四五六七八九"
_SECTION = re.compile(r"^([一二三四五六七八九十]{1,3})、\s*(.+)$")
_CLAUSE = re.compile(r"^[(（]([一二三四五六七八九十]{1,4})[)）]\s*(.+)$")
_ITEM_MARK = re.compile(r"^\s*(?:\d{1,2}\s*[.．、]|[(（]\d{1,2}[)）]|[①-⑳])\s*")
_TRAILING_PAREN = re.compile(r"[(（]([^()（）]{2,200})[)）]\s*[。.；;]?\s*$")
_RESPONSIBILITY_WORDS = re.compile(r"责任单位|牵头|配合|负责|主办|协办|责任部门")
_AGENCY_NAME = re.compile(r"^(?:市|省|州|县)([\u4e00-\u9fff]{1,10}?(?:局|委|办|厅|中心|院|会))$")
_SENTENCE_END = re.compile(r"(?<=[。；;！!？?])")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_PLACE_OWN = re.compile(r"(我|全|本)(省|市|州)")
_INVENTED_PLACE = re.compile(f"[{_FIRST}][{_SECOND}]")
# An issuer standing alone on a short line (a signature or header field): the seed's own place.
_SEED_PLACE = re.compile(r"(?:^|\s)([\u4e00-\u9fff]{1,6}?)(市|省|州)人民政府(?:办公厅|办公室)?(?=\s|$)")
_STOP_AFTER = re.compile(r"^(?:附件|附表)")

# Agencies plans name, beside those found in the seeds (base names, without the 市/省/州 prefix).
_EXTRA_AGENCIES = (
    "市场监管局", "发展改革委", "工业和信息化局", "财政局", "商务局", "农业农村局", "住房城乡建设局", "交通运输局",
    "卫生健康委", "教育局", "人力资源社会保障局", "科技局", "生态环境局", "文化和旅游局", "司法局", "国资委",
    "统计局", "税务局", "应急管理局", "医保局", "自然资源局", "水利局", "林业和草原局", "数据资源局",
    "营商环境建设局", "乡村振兴局", "知识产权局", "药品监管局", "体育局", "民政局", "公安局", "金融办",
    "质量技术服务中心", "标准化研究院", "计量测试研究院", "质量发展促进会",
)  # fmt: skip
_TITLES = (
    "{region}{year}年质量强{level}行动计划",
    "{region}质量强{level}建设实施方案({year}—{end}年)",
    "{region}关于实施质量强{level}战略的意见",
    "{region}{year}年质量提升行动工作要点",
    "{region}全面推进质量强{level}建设实施方案",
    "{region}贯彻质量发展纲要{year}年行动计划",
)
_DOC_KINDS = ("政办发", "政发", "政办规", "政办函")
_ADDRESSEES = {
    "省": "各市、县人民政府,省政府各部门、各直属机构:",
    "州": "各县(市)人民政府,自治州人民政府各工作部门,州直各单位:",
    "市": "各区、县人民政府,市人民政府各工作部门、各直属机构:",
}
_PREAMBLES = (
    "为深入贯彻质量强国战略,推动{place}经济高质量发展,结合{own}实际,制定本方案。",
    "为进一步提升{place}质量总体水平,加快建设质量强{level},现提出以下实施意见。",
    "为贯彻落实国家和上级关于质量工作的部署要求,推进质量强{level}建设,特制定{year}年行动计划。",
)


def chinese_numeral(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 35 → 三十五 (1 ≤ n ≤ 99)."""
    if not 1 <= n <= 99:
        raise ValueError(f"numeral out of range: {n}")
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else _CN_DIGITS[tens] + "十")
    return head + (_CN_DIGITS[ones] if ones else "")


def split_sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text) if s.strip()]


def sentence_key(sentence: str) -> str:
    """A sentence with what the generator varies (numbers, place names) masked: maps back to its seed sentence."""
    text = sentence.strip().rstrip("。；;！!？?")
    text = _NUMBER.sub("#", text)
    text = _PLACE_OWN.sub("□", text)
    return _INVENTED_PLACE.sub("□", text)


# -- seed material -----------------------------------------------------------------------------


@dataclass(frozen=True)
class SeedClause:
    heading: str
    sentences: tuple[str, ...]


@dataclass(frozen=True)
class SeedSection:
    heading: str
    clauses: tuple[SeedClause, ...]


@dataclass(frozen=True)
class SeedMaterial:
    sections: tuple[SeedSection, ...]
    agencies: tuple[str, ...]  # base names: 质监局, 发改委 …
    places: tuple[str, ...]  # the seeds' own place names, longest first: 七台河市, 七台河, 西安 …
    fingerprint: str  # sha256 of the seed texts: a corpus is only reused for the same seeds

    @property
    def clauses(self) -> list[SeedClause]:
        return [c for s in self.sections for c in s.clauses]

    def sentences(self) -> list[str]:
        """Every distinct body sentence, in order of first appearance."""
        return list(dict.fromkeys(s for c in self.clauses for s in c.sentences))


def _agency_names(paren: str) -> list[str]:
    names = []
    for part in re.split(r"[、,，;；:：\s]+", paren):
        part = re.sub(r"(?:等按职责分工负责|按职责分工负责|等部门|等单位|牵头|配合|负责|等)$", "", part)
        part = re.sub(r"^(?:责任单位|牵头单位|配合单位|由)", "", part)
        match = _AGENCY_NAME.match(part)
        if match:
            names.append(match.group(1))
    return names


def _clause_from_lines(heading_line: str, body: list[str], agencies: list[str]) -> SeedClause | None:
    text = heading_line
    heading = heading_line
    cut = heading_line.find("。")
    if 0 < cut <= 30:
        heading, text = heading_line[:cut], heading_line[cut + 1 :]
    else:
        text = ""
    parts = [text, *body]
    sentences: list[str] = []
    for part in parts:
        part = _ITEM_MARK.sub("", part).strip()
        match = _TRAILING_PAREN.search(part)
        if match and _RESPONSIBILITY_WORDS.search(match.group(1)):
            agencies.extend(_agency_names(match.group(1)))
            part = part[: match.start()].strip()
        sentences += [s for s in split_sentences(part) if 6 <= len(s) <= 300]
    heading = heading.strip().rstrip("。")
    if not sentences or len(heading) > 40:
        return None
    return SeedClause(heading, tuple(sentences))


def _seed_sections(lines: list[str], agencies: list[str]) -> list[SeedSection]:
    """Sections of one seed's body (from its first "一、" line); agency names go to `agencies`."""
    sections: list[SeedSection] = []
    section_heading: str | None = None
    clauses: list[SeedClause] = []
    current: tuple[str, list[str]] | None = None
    start = next((i for i, line in enumerate(lines) if _SECTION.match(line)), len(lines))
    for line in [*lines[start:], "附件"]:  # the sentinel closes the last clause and section
        section = _SECTION.match(line)
        clause = _CLAUSE.match(line)
        if (section or clause or _STOP_AFTER.match(line)) and current is not None:
            built = _clause_from_lines(current[0], current[1], agencies)
            if built is not None:
                clauses.append(built)
            current = None
        if section or _STOP_AFTER.match(line):
            if section_heading and clauses and len(section_heading) <= 40:
                sections.append(SeedSection(section_heading, tuple(clauses)))
            clauses = []
            if not section:
                break
            section_heading = section.group(2).strip().rstrip("。")
        elif clause:
            current = (clause.group(2).strip(), [])
        elif current is not None:
            current[1].append(line)
        else:
            match = _TRAILING_PAREN.search(line)
            if match and _RESPONSIBILITY_WORDS.search(match.group(1)):
                agencies.extend(_agency_names(match.group(1)))
    return sections


def seed_material(texts: Sequence[str]) -> SeedMaterial:
    """Cut seed plan texts into sections, clauses (heading + sentences) and agency names."""
    sections: list[SeedSection] = []
    agencies: list[str] = []
    places: set[str] = set()
    for text in texts:
        lines = [line.strip() for line in text.replace("\r", "").split("\n")]
        lines = [line for line in lines if line]
        for line in lines:
            for match in _SEED_PLACE.finditer(line) if len(line) <= 60 else ():
                short, level = match.group(1), match.group(2)
                places.add(short + level)
                if len(short) >= 2:
                    places.add(short)
        sections += _seed_sections(lines, agencies)
    fingerprint = hashlib.sha256("\x00".join(texts).encode("utf-8")).hexdigest()
    pool = tuple(dict.fromkeys([*agencies, *_EXTRA_AGENCIES]))
    return SeedMaterial(tuple(sections), pool, tuple(sorted(places, key=len, reverse=True)), fingerprint)


def read_seed_texts(folder: Path) -> list[str]:
    """UTF-8 (optionally with BOM) .txt seed plans of a folder, sorted by name."""
    return [p.read_text(encoding="utf-8-sig") for p in sorted(Path(folder).glob("*.txt"))]


# -- documents ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Region:
    name: str  # 岚屏市
    short: str  # 岚屏
    level: str  # 省 | 州 | 市


def invented_regions() -> list[Region]:
    """Every invented region, in a fixed order: provinces, then prefectures, then cities."""
    names = [a + b for a in _FIRST for b in _SECOND]
    random.Random(GENERATOR_VERSION).shuffle(names)
    out: list[Region] = []
    taken = 0
    for level, count in _LEVELS:
        out += [Region(n + level, n, level) for n in names[taken : taken + count]]
        taken += count
    out += [Region(n + "市", n, "市") for n in names[taken:]]
    return out


@dataclass(frozen=True)
class SyntheticDocument:
    index: int
    name: str  # file name
    text: str
    region: str
    year: int
    doc_number: str
    title: str
    clause_count: int  # retrievable clauses written
    agencies: tuple[str, ...] = field(default_factory=tuple)  # full names on its responsibility lines
    headings: tuple[str, ...] = field(default_factory=tuple)  # its clause headings, in order


class CorpusGenerator:
    """`document(i)` is a pure function of (seed material, seed, i)."""

    def __init__(self, material: SeedMaterial, *, seed: int = 0) -> None:
        if not material.sections:
            raise ValueError("seed material has no sections")
        self.material = material
        self.seed = seed
        self.regions = invented_regions()
        self._place = re.compile("|".join(re.escape(p) for p in material.places)) if material.places else None

    def _rng(self, index: int) -> random.Random:
        digest = hashlib.sha256(f"{GENERATOR_VERSION}|{self.material.fingerprint}|{self.seed}|{index}".encode())
        return random.Random(int.from_bytes(digest.digest()[:8], "little"))

    def document(self, index: int) -> SyntheticDocument:
        rng = self._rng(index)
        region = self.regions[index % len(self.regions)]
        round_ = index // len(self.regions)
        year = _YEARS[round_ % len(_YEARS)]
        sequence = 1 + round_ // len(_YEARS)
        kind = _DOC_KINDS[index % len(_DOC_KINDS)]
        doc_number = f"{region.short}{kind}〔{year}〕{3 + 7 * sequence + rng.randrange(7)}号"
        title = rng.choice(_TITLES).format(region=region.name, year=year, end=year + 3, level=region.level)
        month, day = rng.randint(1, 12), rng.randint(1, 28)
        issuer = f"{region.name}人民政府办公{'厅' if region.level == '省' else '室'}"
        own = f"我{region.level}"
        lines = [
            doc_number,
            f"{issuer}关于印发{title.removeprefix(region.name)}的通知",
            _ADDRESSEES[region.level],
            f"《{title}》已经{region.level}人民政府同意,现印发给你们,请认真贯彻执行。",
            issuer,
            f"{year}年{month}月{day}日",
            title,
            rng.choice(_PREAMBLES).format(place=region.name, own=own, level=region.level, year=year),
        ]
        inline = rng.random() < 0.7
        clause_count = 0
        agencies_named: list[str] = []
        headings: list[str] = []
        sections = rng.sample(self.material.sections, k=min(len(self.material.sections), rng.randint(4, 7)))
        for s_no, section in enumerate(sections, 1):
            lines.append(f"{chinese_numeral(s_no)}、{section.heading}")
            n_clauses = rng.randint(3, 8)
            for c_no in range(1, n_clauses + 1):
                source = section.clauses[(c_no - 1) % len(section.clauses)] if rng.random() < 0.6 else rng.choice(
                    self.material.clauses
                )
                body = self._body(rng, source, region, year)
                agencies = self._agencies(rng, region)
                agencies_named += agencies
                responsibility = self._responsibility(rng, agencies)
                number = f"({chinese_numeral(c_no)})"
                heading = self._swap_places(source.heading, region)
                headings.append(heading)
                if inline:
                    lines.append(f"{number}{heading}。{body}{responsibility}")
                else:
                    lines += [f"{number}{heading}", f"{body}{responsibility}"]
                clause_count += 1
        text = "\n".join(lines) + "\n"
        name = f"{region.short}_{year}_{index:06d}.txt"
        return SyntheticDocument(
            index,
            name,
            text,
            region.name,
            year,
            doc_number,
            title,
            clause_count,
            tuple(dict.fromkeys(agencies_named)),
            tuple(headings),
        )

    def _body(self, rng: random.Random, source: SeedClause, region: Region, year: int) -> str:
        sentences = list(source.sentences)
        keep = max(1, round(len(sentences) * rng.uniform(0.6, 1.0)))
        start = rng.randrange(len(sentences) - keep + 1)
        chosen = sentences[start : start + keep]
        other = rng.choice(self.material.clauses)
        for sentence in rng.sample(other.sentences, k=min(len(other.sentences), rng.randint(0, 2))):
            chosen.insert(rng.randint(0, len(chosen)), sentence)
        return "".join(self._vary(rng, s, region, year) for s in chosen)

    def _swap_places(self, text: str, region: Region) -> str:
        """The seeds' place names replaced by the region's, and 我市/全省 … by its level."""
        if self._place is not None:
            text = self._place.sub(lambda m: region.name if m.group(0)[-1] in "市省州" else region.short, text)
        return _PLACE_OWN.sub(lambda m: m.group(1) + region.level, text)

    def _vary(self, rng: random.Random, sentence: str, region: Region, year: int) -> str:
        sentence = self._swap_places(sentence, region)

        def number(match: re.Match[str]) -> str:
            value = match.group(0)
            if "." not in value and len(value) == 4 and value.startswith("20"):
                return str(year + rng.randint(0, 5))
            if "." in value:
                return f"{float(value) * rng.uniform(0.8, 1.2):.{len(value.split('.')[1])}f}"
            scaled = max(1, round(int(value) * rng.uniform(0.8, 1.2)))
            return str(min(scaled, 100) if int(value) <= 100 else scaled)

        sentence = _NUMBER.sub(number, sentence)
        return sentence if sentence.endswith(("。", "；", ";", "！", "？")) else sentence + "。"

    def _agencies(self, rng: random.Random, region: Region) -> list[str]:
        prefix = region.level
        count = min(len(self.material.agencies), rng.choice((1, 1, 2, 2, 3, 3, 4, 5)))
        return [prefix + name for name in rng.sample(self.material.agencies, k=count)]

    def _responsibility(self, rng: random.Random, agencies: list[str]) -> str:
        lead, rest = agencies[0], agencies[1:]
        form = rng.randrange(4)
        if form == 0 or not rest:
            return f"(责任单位:{'、'.join(agencies)})"
        if form == 1:
            return f"(牵头单位:{lead};配合单位:{'、'.join(rest)})"
        if form == 2:
            return f"({'、'.join(agencies)}等按职责分工负责)"
        return f"({lead}牵头,{'、'.join(rest)}配合)"

    def documents(self, clause_count: int) -> Iterator[SyntheticDocument]:
        """Documents 0, 1, 2 … until they hold at least clause_count clauses."""
        total = 0
        index = 0
        while total < clause_count:
            doc = self.document(index)
            total += doc.clause_count
            index += 1
            yield doc


    def questions(self, count: int, documents: int) -> list[str]:
        """Questions officials might ask about the first `documents` documents: each names an
        invented region (or its 文号 or year) and a clause topic or an agency."""
        rng = random.Random(f"{GENERATOR_VERSION}|questions|{self.seed}")
        out: list[str] = []
        for n in range(count):
            doc = self.document(rng.randrange(max(1, documents)))
            heading = rng.choice(doc.headings)
            agency = rng.choice(doc.agencies)
            region = doc.region
            form = n % 5
            if form == 0:
                out.append(f"{region}{heading}有什么安排？")
            elif form == 1:
                out.append(f"{region}{agency[1:]}负责哪些工作？")
            elif form == 2:
                out.append(f"{doc.year}年{region.rstrip('市省州')}关于{heading}的要求是什么")
            elif form == 3:
                out.append(f"{doc.doc_number}里{heading}由哪个部门牵头")
            else:
                out.append(f"{heading}")
        return out


@dataclass
class CorpusInfo:
    documents: int
    clauses: int  # as written; the parser's count is in the index manifest
    characters: int


def write_corpus(folder: Path, generator: CorpusGenerator, clause_count: int) -> CorpusInfo:
    """Write documents until clause_count clauses into folder (created; existing files are kept)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    info = CorpusInfo(0, 0, 0)
    for doc in generator.documents(clause_count):
        (folder / doc.name).write_text(doc.text, encoding="utf-8")
        info.documents += 1
        info.clauses += doc.clause_count
        info.characters += len(doc.text)
    return info


# -- synthesised vectors -----------------------------------------------------------------------


class SentenceVectors:
    """Real vectors of the seed sentences, looked up by `sentence_key`."""

    def __init__(self, keys: Sequence[str], matrix: np.ndarray) -> None:
        self.row_of = {k: i for i, k in enumerate(keys)}
        self.matrix = np.asarray(matrix, dtype=np.float32)

    def __len__(self) -> int:
        return len(self.row_of)

    @classmethod
    def from_sentences(cls, sentences: Sequence[str], matrix: np.ndarray) -> SentenceVectors:
        """sentences[i] has vector matrix[i]; sentences sharing a key keep the first vector."""
        keys: list[str] = []
        rows: list[int] = []
        seen: set[str] = set()
        for i, sentence in enumerate(sentences):
            key = sentence_key(sentence)
            if key not in seen:
                seen.add(key)
                keys.append(key)
                rows.append(i)
        return cls(keys, np.asarray(matrix, dtype=np.float32)[rows])

    def rows_for(self, text: str) -> list[int]:
        """Rows of the seed sentences a passage text contains (its context line matches none)."""
        rows = []
        for line in text.split("\n"):
            for sentence in split_sentences(line):
                row = self.row_of.get(sentence_key(sentence))
                if row is not None:
                    rows.append(row)
        return rows


class SyntheticEmbedder:
    """Embedder whose passages get synthesised vectors and whose queries get the real model's.

    Passage vector = normalise(mean of its seed sentences' real vectors + noise), the noise
    drawn from the passage text's hash (deterministic per text, whatever the batch); a passage with no known sentence takes one seed sentence chosen
    by its hash. model_id is the real model's, so an index built with it loads under the real
    model: keep such an index (and its embedding cache) in a DATA_DIR of its own.
    """

    def __init__(self, base: Embedder, sentences: SentenceVectors, *, noise: float = 0.25) -> None:
        if len(sentences) == 0:
            raise ValueError("no seed sentence vectors")
        self.base = base
        self.sentences = sentences
        self.noise = noise
        self.synthesised = 0  # passages given a synthesised vector so far

    @property
    def model_id(self) -> str:
        return self.base.model_id

    @property
    def dimension(self) -> int:
        return self.base.dimension

    def embed(self, texts: Sequence[str], *, kind: str = "passage") -> np.ndarray:
        if kind != "passage":
            return self.base.embed(texts, kind=kind)
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        matrix = self.sentences.matrix
        # Uniform noise in [-1, 1) from the text's SHAKE-256 stream, scaled to standard deviation 1.
        scale = np.float32(self.noise * np.sqrt(3.0) / np.sqrt(self.dimension) / 32768.0)
        for i, text in enumerate(texts):
            stream = hashlib.shake_256(text.encode("utf-8")).digest(2 * self.dimension + 4)
            rows = self.sentences.rows_for(text) or [int.from_bytes(stream[-4:], "little") % len(matrix)]
            noise = np.frombuffer(stream[: 2 * self.dimension], dtype="<i2").astype(np.float32) * scale
            vector = matrix[rows].mean(axis=0) + noise
            out[i] = vector / max(float(np.linalg.norm(vector)), 1e-12)
        self.synthesised += len(texts)
        return out
