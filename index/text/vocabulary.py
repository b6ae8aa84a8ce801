"""How officials talk versus how plans are written: a question rewritten before it is read.

`index/resources/vocabulary.json` holds general tables (typos, everyday names of bodies, everyday
words for formal terms, city nicknames). A rewrite never touches a word the corpus itself uses
(`known`): "发改委" stays when the plans write 市发改委, and "电梯" is not expanded where plans say
电梯. Traditional characters are read as simplified. Every change is noted for `--explain`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

from index.text.chinese import to_simplified

DATA_PACKAGE = "index.resources"
DATA_FILE = "vocabulary.json"
REPLACING = ("typos", "bodies", "place_nicknames")


@dataclass
class Rewrite:
    text: str
    notes: list[str] = field(default_factory=list)  # "市监局→市场监管局", "打假+打击假冒伪劣", "繁→简"


class Vocabulary:
    def __init__(self, data: dict[str, dict[str, str]]) -> None:
        self.replacements: dict[str, str] = {}
        for table in REPLACING:
            self.replacements.update(data.get(table, {}))
        self.expansions: dict[str, str] = dict(data.get("terms", {}))
        for province, capital in data.get("capitals", {}).items():
            for form in (f"{province}省会", f"{province}省省会", f"{province}的省会", f"{province}省的省会", f"{province}首府"):
                self.replacements[form] = capital
        self._replace = _alternation(self.replacements)
        self._expand = _alternation(self.expansions)

    @classmethod
    def load(cls) -> Vocabulary:
        raw = resources.files(DATA_PACKAGE).joinpath(DATA_FILE).read_text(encoding="utf-8")
        return cls({k: v for k, v in json.loads(raw).items() if isinstance(v, dict)})

    def rewrite(self, text: str, known: Callable[[str], bool] = lambda _: False) -> Rewrite:
        """`text` (a cleaned question) as the plans would word it."""
        notes: list[str] = []
        simplified = to_simplified(text)
        if simplified != text:
            notes.append("繁→简")

        def replace(match: re.Match[str]) -> str:
            word = match.group(0)
            if known(word):
                return word
            notes.append(f"{word}→{self.replacements[word]}")
            return self.replacements[word]

        out = self._replace.sub(replace, simplified) if self._replace else simplified
        added: list[str] = []
        for match in self._expand.finditer(out) if self._expand else ():
            word = match.group(0)
            if known(word):
                continue
            new = [t for t in self.expansions[word].split() if t not in out and t not in added]
            if new:
                added += new
                notes.append(f"{word}+{'、'.join(new)}")
        if added:
            out = f"{out} {' '.join(added)}"
        return Rewrite(out, notes)


def _alternation(table: dict[str, str]) -> re.Pattern[str] | None:
    words = sorted((w for w in table if w), key=len, reverse=True)
    return re.compile("|".join(re.escape(w) for w in words)) if words else None


@cache
def default_vocabulary() -> Vocabulary:
    """The bundled tables, loaded once (read-only)."""
    return Vocabulary.load()
