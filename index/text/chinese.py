"""Chinese-script normalisation for parsing: traditional → simplified, pinyin annotations removed.

`to_simplified` keeps the length of its input (character for character), so a span found in the
simplified copy cuts the same span out of the text as written, which is what users are shown.
`strip_pinyin` changes the text itself: "湖(hú)北" is a reading aid, not content.
"""

from __future__ import annotations

import re
from functools import lru_cache

import opencc

_CJK = r"\u3400-\u9fff\uf900-\ufaff"
_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹḿ"
# One pinyin syllable, tone-marked or plain, optionally with a tone digit: "hú", "zhong1", "lüe".
_SYLLABLE = (
    rf"(?:zh|ch|sh|[bpmfdtnlgkhjqxrzcswy])?"
    rf"[aeiouv{_TONED}][aeiouv{_TONED}]{{0,2}}(?:ng|n|r)?[1-5]?"
)
# "字(zì)" / "字（zì）" / "北京(běi jīng)": a bracket of syllables right after a CJK character.
_PINYIN = re.compile(
    rf"(?<=[{_CJK}])\s?[(（]\s*{_SYLLABLE}(?:[\s'’·-]*{_SYLLABLE}){{0,5}}\s*[)）]",
    re.IGNORECASE,
)


@lru_cache(maxsize=1)
def _converter() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


@lru_cache(maxsize=4096)
def _simplified_char(ch: str) -> str:
    converted = _converter().convert(ch)
    return converted if len(converted) == 1 else ch


def to_simplified(text: str) -> str:
    """Simplified-character copy of `text`, same length (號→号, 辦公室→办公室, 牽頭→牵头).

    Phrase-aware conversion when it keeps the length, else character by character.
    """
    if text.isascii():
        return text
    converted = _converter().convert(text)
    if len(converted) == len(text):
        return converted
    return "".join(_simplified_char(ch) for ch in text)


def strip_pinyin(text: str) -> str:
    """`text` without pinyin readings in brackets after a character: "湖(hú)北" → "湖北"."""
    if "(" not in text and "（" not in text:
        return text
    return _PINYIN.sub(lambda match: "" if _has_vowel_syllable(match.group()) else match.group(), text)


def _has_vowel_syllable(bracket: str) -> bool:
    """Latin capitals only ("(AI)", "(OA)") are abbreviations, not readings."""
    letters = re.sub(f"[^A-Za-z{_TONED}]", "", bracket)
    return bool(letters) and letters != letters.upper()


class Restorer:
    """Map fragments of simplified paragraphs back to the paragraphs as written."""

    def __init__(self, written: list[str], simplified: list[str]) -> None:
        self._changed = {s: w for w, s in zip(written, simplified, strict=True) if s != w and len(s) == len(w)}

    @property
    def needed(self) -> bool:
        return bool(self._changed)

    def text(self, joined: str) -> str:
        """A run of whole simplified paragraphs joined by newlines, as written."""
        if not self._changed:
            return joined
        return "\n".join(self._changed.get(line, line) for line in joined.split("\n"))

    def fragment(self, fragment: str, simplified: str, written: str) -> str:
        """`fragment` of `simplified` cut from `written` (its as-written twin), or unchanged if absent."""
        position = simplified.find(fragment)
        if position < 0 or len(simplified) != len(written):
            return fragment
        return written[position : position + len(fragment)]

    def anywhere(self, fragment: str | None) -> str | None:
        """`fragment` as written in whichever paragraph holds it; unchanged if none does."""
        if not fragment or not self._changed:
            return fragment
        for simplified, written in self._changed.items():
            if fragment in simplified:
                return self.fragment(fragment, simplified, written)
        return fragment
