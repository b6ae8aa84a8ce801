"""Lexical side of search: a jieba tokeniser with a corpus-built user dictionary, and BM25 over it.

jieba's module-level tokenizer is process-global state, so every index gets its own
`jieba.Tokenizer` instance. Loading jieba's default dictionary costs about a second; a
`JiebaBase` loads it once (from jieba's marshal cache) and hands out cheap copies that each
carry one corpus's user dictionary.

BM25 keeps term frequencies term by term (`Postings`) and scores at question time over the
question's terms only: parts built at different times (index segments) combine under one set
of corpus statistics, and the result is a full numpy row, so restricting a search to some
documents is a mask, not a loop over clauses.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path

import jieba
import numpy as np

from index.text.normalize import normalize_text

# Function words and question words: they say nothing about which clause is meant.
_STOPWORD_TEXT = """
    的 了 和 与 及 以及 或 或者 在 对 于 把 被 将 从 向 为 为了 以 由 等 等等 是 有 也 都 又 并 并且 而 之 其 该 此 这 那
    这些 那些 这个 那个 各 个 各项 有关 相关 进行 要 会 能 可 可以 应 应当 需要 需 让 使 给 吗 呢 吧 啊 呀 么 嘛
    什么 多少 几 几个 几项 第几 哪 哪些 哪个 哪里 哪儿 怎么 怎么样 怎样 如何 为何 为什么 是否 有没有 谁 何 何时 啥
    请问 请 问 一下 关于 提出 提出了 安排 要求 负责 做 做什么 干 搞 我 我们 你 你们 他们 它
    年 个 项 到 中 里 上 下 内 前 后
"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())

# Domain terms jieba's general dictionary cuts apart; corpus-derived words are added to these.
DOMAIN_TERMS = (
    "特种设备",
    "质量强市",
    "质量强省",
    "质量强州",
    "质量强区",
    "质量强县",
    "质量强国",
    "质量兴市",
    "质量兴州",
    "标准化",
    "首席质量官",
    "监督抽查",
    "抽查合格率",
    "合格率",
    "名牌产品",
    "质量奖",
    "政府质量奖",
    "质量基础设施",
    "检验检测",
    "认证认可",
    "计量",
    "知识产权",
    "品牌建设",
    "质量提升",
    "质量安全",
    "食品安全",
    "药品安全",
    "工程质量",
    "服务质量",
    "产品质量",
    "环境质量",
    "质量追溯",
    "质量诚信",
    "质量信用",
    "失信惩戒",
    "电梯安全",
    "单一窗口",
    "示范城市",
    "示范区",
    "地理标志",
    "团体标准",
    "国家标准",
    "行业标准",
    "地方标准",
    "森林覆盖率",
)

_QUOTED = re.compile(r"[“\"「『《]([^”\"」』》]{2,16})[”\"」』》]")
_WORD_CHAR = re.compile(r"[0-9a-z\u3400-\u9fff]")


def quoted_terms(text: str) -> set[str]:
    """Short quoted or 《》-titled phrases: names of programmes and brands (“西安制造”)."""
    return {m.group(1) for m in _QUOTED.finditer(normalize_text(text)) if _WORD_CHAR.search(m.group(1))}


class JiebaBase:
    """jieba's default dictionary, loaded once per process; `tokenizer(words)` copies it cheaply."""

    def __init__(self, cache_dir: Path | None = None) -> None:
        self._cache_dir = Path(cache_dir) if cache_dir else None
        self._base: jieba.Tokenizer | None = None
        self._lock = threading.Lock()

    def _loaded(self) -> jieba.Tokenizer:
        with self._lock:
            if self._base is None:
                jieba.setLogLevel(logging.WARNING)
                base = jieba.Tokenizer()
                if self._cache_dir is not None:
                    self._cache_dir.mkdir(parents=True, exist_ok=True)
                    base.tmp_dir = str(self._cache_dir)
                base.initialize()
                self._base = base
            return self._base

    def tokenizer(self, user_words: Iterable[str] = ()) -> ChineseTokenizer:
        base = self._loaded()
        copy = jieba.Tokenizer()
        copy.FREQ = dict(base.FREQ)
        copy.total = base.total
        copy.initialized = True
        words = sorted({normalize_text(w).strip() for w in user_words} - {""})
        words = [w for w in words if len(w) >= 2 and " " not in w]
        for word in words:
            copy.add_word(word)
        # add_word raises the dictionary's total frequency, which shifts every segmentation a
        # little; keeping the total fixed means a user word changes only texts that contain it
        # (so cached tokens of other texts stay valid when the dictionary grows).
        copy.total = base.total
        return ChineseTokenizer(copy, words)


class ChineseTokenizer:
    """Search-mode jieba segmentation of normalised text, minus punctuation and stopwords."""

    VERSION = "jieba-search-1"  # bump when tokenize() changes: cached tokens are keyed by it

    def __init__(self, jieba_tokenizer: jieba.Tokenizer, user_words: Sequence[str] = ()) -> None:
        self._jieba = jieba_tokenizer
        self.user_words = list(user_words)

    @property
    def signature(self) -> str:
        """Identifies how this tokenizer splits text apart from its user words."""
        stop = hashlib.sha256("\n".join(sorted(STOPWORDS)).encode()).hexdigest()[:12]
        return f"{self.VERSION}:{jieba.__version__}:{stop}"

    def tokenize(self, text: str) -> list[str]:
        tokens = []
        for token in self._jieba.cut_for_search(normalize_text(text)):
            token = token.strip()
            if token and token not in STOPWORDS and _WORD_CHAR.search(token):
                tokens.append(token)
        return tokens

    def content_terms(self, text: str) -> list[str]:
        """Distinct tokens of a question, in order (for overlap checks and explanations)."""
        return list(dict.fromkeys(self.tokenize(text)))


class Postings:
    """Term → (row, term frequency) lists over one set of rows, plus each row's length in tokens.

    Stored term by term (CSC order): scoring a query reads only its terms' lists. Frequencies,
    not scores, are kept, so parts built at different times combine under one set of corpus
    statistics (`BM25`).
    """

    FILES = ("indptr.npy", "rows.npy", "tf.npy", "lengths.npy")
    VOCAB = "vocab.json"

    def __init__(
        self, terms: Sequence[str], indptr: np.ndarray, rows: np.ndarray, tf: np.ndarray, lengths: np.ndarray
    ) -> None:
        self.terms = list(terms)
        self.vocab = {term: i for i, term in enumerate(self.terms)}
        self.indptr = indptr
        self.rows = rows
        self.tf = tf
        self.lengths = lengths

    @property
    def n_rows(self) -> int:
        return len(self.lengths)

    @classmethod
    def build(cls, rows: Sequence[Sequence[str]]) -> Postings:
        vocab: dict[str, int] = {}
        lengths = np.fromiter((len(tokens) for tokens in rows), dtype=np.int64, count=len(rows))
        ids = np.fromiter(
            (vocab.setdefault(token, len(vocab)) for tokens in rows for token in tokens),
            dtype=np.int64,
            count=int(lengths.sum()),
        )
        row_of_token = np.repeat(np.arange(len(rows), dtype=np.int64), lengths)
        # one sort of (term, row) keys gives every term's rows in order, with their counts
        keys, counts = np.unique(ids * max(len(rows), 1) + row_of_token, return_counts=True)
        term_of_key = keys // max(len(rows), 1)
        indptr = np.zeros(len(vocab) + 1, dtype=np.int64)
        np.cumsum(np.bincount(term_of_key, minlength=len(vocab)), out=indptr[1:])
        return cls(
            list(vocab),
            indptr,
            (keys % max(len(rows), 1)).astype(np.int32),
            counts.astype(np.float32),
            lengths.astype(np.float32),
        )

    def postings(self, term: str) -> tuple[np.ndarray, np.ndarray] | None:
        """(rows, frequencies) of a term, or None when no row has it."""
        i = self.vocab.get(term)
        if i is None:
            return None
        start, end = self.indptr[i], self.indptr[i + 1]
        return self.rows[start:end], self.tf[start:end]

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        for name, array in zip(self.FILES, (self.indptr, self.rows, self.tf, self.lengths), strict=True):
            np.save(folder / name, array, allow_pickle=False)
        (folder / self.VOCAB).write_text(json.dumps(self.terms, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> Postings:
        arrays = [np.load(folder / name, allow_pickle=False) for name in cls.FILES]
        terms = json.loads((folder / cls.VOCAB).read_text(encoding="utf-8"))
        return cls(terms, *arrays)


class BM25:
    """Lucene-variant BM25 over one or more `Postings` laid end to end (row numbers continue from
    one part to the next); rows outside `alive` count for nothing, not even in the statistics."""

    def __init__(
        self, parts: Sequence[Postings], alive: np.ndarray | None = None, *, k1: float = 1.2, b: float = 0.75
    ) -> None:
        self.parts = list(parts)
        self.offsets = np.cumsum([0] + [p.n_rows for p in self.parts])
        self.n_rows = int(self.offsets[-1])
        self.alive = alive
        lengths = np.concatenate([p.lengths for p in self.parts]) if self.parts else np.zeros(0, dtype=np.float32)
        live_lengths = lengths if alive is None else lengths[alive]
        self.count = len(live_lengths)
        self.average_length = float(live_lengths.mean()) if len(live_lengths) and live_lengths.sum() else 1.0
        self.lengths = lengths
        self.k1 = k1
        self.b = b

    @classmethod
    def build(cls, rows: Sequence[Sequence[str]], *, k1: float = 1.2, b: float = 0.75) -> BM25:
        return cls([Postings.build(rows)], k1=k1, b=b)

    def _postings(self, term: str) -> tuple[np.ndarray, np.ndarray] | None:
        found = []
        for offset, part in zip(self.offsets, self.parts, strict=False):
            hit = part.postings(term)
            if hit is not None:
                found.append((hit[0].astype(np.int64) + offset, hit[1]))
        if not found:
            return None
        rows = np.concatenate([r for r, _ in found])
        tf = np.concatenate([f for _, f in found])
        if self.alive is not None:
            keep = self.alive[rows]
            rows, tf = rows[keep], tf[keep]
        return (rows, tf) if len(rows) else None

    def known(self, tokens: Iterable[str]) -> list[str]:
        """The tokens some live row contains."""
        return [t for t in dict.fromkeys(tokens) if t and self._postings(t) is not None]

    def scores(self, tokens: Sequence[str]) -> np.ndarray:
        """BM25 score of every row for the query tokens (zeros when no live row has any of them)."""
        out = np.zeros(self.n_rows, dtype=np.float32)
        for term in dict.fromkeys(tokens):
            found = self._postings(term) if term else None
            if found is None:
                continue
            rows, tf = found
            df = len(rows)
            idf = np.log1p((self.count - df + 0.5) / (df + 0.5))
            norm = self.k1 * (1.0 - self.b + self.b * self.lengths[rows] / self.average_length)
            out[rows] += (idf * tf / (tf + norm)).astype(np.float32)
        return out
