"""The answer first: one line on top of the cited clauses, in the documents' own words.

Who (谁 / 哪个部门 / 牵头 / 负责) → the agencies of the clause that answers, with their roles; how
much (多少 / 目标 / 比例 / 几个) → the sentence that states the figure; when (什么时候 / 时限 / 何时) →
the deadline as written; yes/no (有没有 / 要不要 / 是否) → "有：" and the sentence. Nothing is
composed: every word comes from a clause, and there is no line when the clauses do not state one.

Many places, one question: when a question names no place and the best clauses come from several
regions, `region_overview` keeps the best clause of each of the top regions, and `comparison_rows`
lines them up (region, clause path, the figure or duty, citation).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from index.models import LEAD, Hit
from index.search.searcher import best_quantity_sentence
from index.text.agencies import display_name
from index.text.citation import citation, sentences
from index.text.deadlines import scan
from index.text.normalize import normalize_text

WHO, AMOUNT, WHEN, YES_NO = "who", "amount", "when", "yes_no"
_KINDS = (
    (WHEN, re.compile(r"什么时候|何时|啥时候|时限|期限|截止|完成时间|时间节点|哪一?年(?:完成|前|底)|几月份?(?:完成|前)|多久")),
    (WHO, re.compile(r"谁|哪个部门|哪些部门|哪个单位|哪些单位|哪家|什么部门|什么单位|牵头|负责单位|责任单位|主管|配合单位|由哪")),
    (AMOUNT, re.compile(r"多少|几个|几项|几家|几所|几座|几次|几成|比例|比重|占比|百分之|目标是|指标是|达到什么|达到多")),
    (YES_NO, re.compile(r"有没有|有无|是否|要不要|需不需要|需要不需要|会不会|能不能|可不可以|有没")),
)
REGIONS_SHOWN = 5  # regions of a many-places answer
DIRECT_DEPTH = 3  # clauses a direct answer may be drawn from (those shown first)


def question_kind(text: str) -> str | None:
    """What a question asks for, or None for an open question ("…有什么安排？")."""
    for kind, pattern in _KINDS:
        if pattern.search(text or ""):
            return kind
    return None


@dataclass
class DirectAnswer:
    kind: str
    text: str  # the line, in the documents' words
    hit: Hit  # the clause it is drawn from

    def to_json(self) -> dict[str, str]:
        return {"kind": self.kind, "text": self.text, "clause_id": self.hit.clause.id, "path": self.hit.clause.path}


def direct_answer(kind: str | None, hits: Sequence[Hit], terms: Sequence[str] = ()) -> DirectAnswer | None:
    """The line that answers `kind` from the best of `hits`, or None when none of them states it."""
    if kind is None:
        return None
    terms = [normalize_text(t) for t in terms if t]
    for hit in hits[:DIRECT_DEPTH]:
        text = _line(kind, hit, terms or [normalize_text(t) for t in hit.matched_terms])
        if text:
            return DirectAnswer(kind, text, hit)
    return None


def _line(kind: str, hit: Hit, terms: Sequence[str]) -> str | None:
    clause = hit.clause
    if kind == WHO:
        return agencies_text(hit)
    if kind == WHEN:
        deadline = getattr(clause, "deadline", None)
        if deadline is not None and deadline.text:
            return f"时限：{deadline.text}"
        found = scan(clause.text)
        return f"时限：{found[0].text}" if found else None
    if kind == AMOUNT:
        share, sentence = best_quantity_sentence(clause.text, terms)
        return sentence if sentence and share > 0 else None
    if kind == YES_NO:
        sentence = best_sentence(clause.text, terms)
        return f"有：{sentence}" if sentence else None
    return None


def agencies_text(hit: Hit) -> str | None:
    """牵头：A、B；配合：C — names as the clause writes them (renamed bodies with their current name)."""
    agencies = hit.clause.agencies
    if not agencies:
        return None
    leads = list(dict.fromkeys(display_name(a) for a in agencies if a.role == LEAD))
    supports = list(dict.fromkeys(display_name(a) for a in agencies if a.role != LEAD))
    parts = ([f"牵头：{'、'.join(leads)}"] if leads else []) + ([f"配合：{'、'.join(supports)}"] if supports else [])
    return "；".join(parts)


def best_sentence(text: str, terms: Sequence[str]) -> str | None:
    """The clause's sentence naming most of the question's terms (None when it names none)."""
    best, best_score = None, 0
    for sentence in sentences(text):
        score = sum(len(t) for t in terms if t in normalize_text(sentence))
        if score > best_score:
            best, best_score = sentence.strip(), score
    return best


@dataclass
class RegionBest:
    region: str
    hit: Hit
    detail: str | None  # the figure or duty the comparison shows


def region_overview(hits: Sequence[Hit], kind: str | None, terms: Sequence[str] = ()) -> list[RegionBest]:
    """The best clause of each region among `hits` (ranked), top regions first; [] for one region."""
    best: dict[str, Hit] = {}
    for hit in hits:
        region = hit.document.region or hit.document.issuer or hit.document.title or hit.document.source
        best.setdefault(region, hit)
    if len(best) < 2:
        return []
    shown = list(best.items())[:REGIONS_SHOWN]
    return [RegionBest(region, hit, comparison_detail(hit, kind, terms)) for region, hit in shown]


def comparison_detail(hit: Hit, kind: str | None, terms: Sequence[str] = ()) -> str | None:
    """What a comparison row shows for a clause: the figure, the deadline, else its owners."""
    normalized = [normalize_text(t) for t in (terms or hit.matched_terms)]
    for want in (kind, AMOUNT, WHO):
        line = _line(want, hit, normalized) if want and want != YES_NO else None
        if line:
            return line
    return None


def comparison_rows(overview: Sequence[RegionBest]) -> list[dict[str, str]]:
    """A compact table: region, clause path, the figure or duty, citation."""
    return [
        {
            "地区": entry.region,
            "条款": entry.hit.clause.path,
            "内容": entry.detail or (entry.hit.clause.heading or "").strip(),
            "出处": citation(entry.hit.document, entry.hit.clause.path),
        }
        for entry in overview
    ]
