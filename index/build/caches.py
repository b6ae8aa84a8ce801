"""Caches in DATA_DIR/embeddings.db: passage vectors keyed by sha256(model id + text), and tokens
with the dictionary they were cut with — so re-indexing unchanged text embeds and cuts nothing.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

from index.embed.base import Embedder
from index.models import Progress
from index.search.lexical import ChineseTokenizer
from index.text.normalize import normalize_text

EMBED_BATCH = 32


def passage_key(model_id: str, text: str) -> str:
    return hashlib.sha256(f"{model_id}\x00{text}".encode()).hexdigest()


class _CacheDb:
    """One SQLite file (WAL, shared by readers and the builder) and key lookups in chunks below
    SQLite's variable limit."""

    def __init__(self, path: Path, *tables: str) -> None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(path, timeout=30)
        self._conn.execute("PRAGMA journal_mode = WAL")
        for table in tables:
            self._conn.execute(f"CREATE TABLE IF NOT EXISTS {table}")

    def close(self) -> None:
        self._conn.close()

    def _rows_for(self, select: str, keys: Sequence[str]) -> Iterator[tuple]:
        """Rows of `select` (ending in "WHERE key IN") for every distinct key."""
        unique = list(dict.fromkeys(keys))
        for start in range(0, len(unique), 500):
            chunk = unique[start : start + 500]
            yield from self._conn.execute(f"{select} ({','.join('?' * len(chunk))})", chunk)


class EmbeddingCache(_CacheDb):
    """sha256(model id + passage text) → float32 vector, in DATA_DIR/embeddings.db."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, "vectors (key TEXT PRIMARY KEY, dim INTEGER, vector BLOB)")

    def get_many(self, keys: Sequence[str], dimension: int) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        for key, dim, blob in self._rows_for("SELECT key, dim, vector FROM vectors WHERE key IN", keys):
            if dim == dimension and len(blob) == 4 * dimension:
                found[key] = np.frombuffer(blob, dtype=np.float32)
        return found

    def put_many(self, items: Sequence[tuple[str, np.ndarray]]) -> None:
        with self._conn:
            self._conn.executemany(
                "INSERT OR REPLACE INTO vectors (key, dim, vector) VALUES (?, ?, ?)",
                [(key, int(vec.shape[0]), np.asarray(vec, dtype=np.float32).tobytes()) for key, vec in items],
            )


class TokenCache(_CacheDb):
    """Tokens of passage texts, in DATA_DIR/embeddings.db, with the dictionary they were cut with.

    A user word changes the segmentation only of texts that contain it (the tokenizer keeps
    jieba's total frequency fixed), so tokens cut under an older dictionary are still valid for
    a text that contains none of the words added or removed since: re-indexing after adding a
    document re-tokenises only the texts the new words touch.
    """

    def __init__(self, path: Path) -> None:
        super().__init__(
            path,
            "tokens (key TEXT PRIMARY KEY, dictionary TEXT, tokens TEXT)",
            "dictionaries (key TEXT PRIMARY KEY, signature TEXT, words TEXT)",
        )

    @staticmethod
    def text_key(text: str) -> str:
        return hashlib.sha256(f"tokens\x00{text}".encode()).hexdigest()

    def dictionary_key(self, tokenizer: ChineseTokenizer) -> str:
        words = "\n".join(tokenizer.user_words)
        key = hashlib.sha256(f"{tokenizer.signature}\x00{words}".encode()).hexdigest()
        with self._conn:
            self._conn.execute(
                "INSERT OR IGNORE INTO dictionaries (key, signature, words) VALUES (?, ?, ?)",
                (key, tokenizer.signature, words),
            )
        return key

    def changed_words(self, old_key: str, new_key: str) -> set[str] | None:
        """Words added or removed between two dictionaries; None when they cannot be compared."""
        rows = dict(
            (key, (signature, words))
            for key, signature, words in self._conn.execute(
                "SELECT key, signature, words FROM dictionaries WHERE key IN (?, ?)", (old_key, new_key)
            )
        )
        if old_key not in rows or new_key not in rows or rows[old_key][0] != rows[new_key][0]:
            return None
        old, new = (set(filter(None, rows[k][1].split("\n"))) for k in (old_key, new_key))
        return old ^ new

    def get_many(self, keys: Sequence[str]) -> dict[str, tuple[str, list[str]]]:
        return {
            key: (dictionary, tokens.split(" ") if tokens else [])
            for key, dictionary, tokens in self._rows_for("SELECT key, dictionary, tokens FROM tokens WHERE key IN", keys)
        }

    def put_many(self, dictionary: str, items: Sequence[tuple[str, list[str]]]) -> None:
        with self._conn:
            self._conn.executemany(
                "INSERT OR REPLACE INTO tokens (key, dictionary, tokens) VALUES (?, ?, ?)",
                [(key, dictionary, " ".join(tokens)) for key, tokens in items],
            )


def tokenize_with_cache(
    tokenizer: ChineseTokenizer,
    texts: Sequence[str],
    cache: TokenCache,
    *,
    use_cached: bool = True,
    progress: Progress | None = None,
) -> tuple[list[list[str]], int]:
    """Tokens of each text (cached ones reused when still valid); returns (tokens, texts cut now)."""
    dictionary = cache.dictionary_key(tokenizer)
    keys = [TokenCache.text_key(t) for t in texts]
    cached = cache.get_many(keys) if use_cached else {}
    changes: dict[str, set[str] | None] = {}
    out: list[list[str]] = []
    fresh: list[tuple[str, list[str]]] = []
    cut_now = 0
    total = len(texts)
    if progress:
        progress(0, total, "tokenize")
    for i, (key, text) in enumerate(zip(keys, texts, strict=True)):
        hit = cached.get(key)
        if hit is not None and hit[0] != dictionary:
            if hit[0] not in changes:
                changes[hit[0]] = cache.changed_words(hit[0], dictionary)
            changed = changes[hit[0]]
            normalized = normalize_text(text)
            if changed is None or any(word in normalized for word in changed):
                hit = None
            else:
                fresh.append((key, hit[1]))  # still valid: record it under the current dictionary
        if hit is None:
            tokens = tokenizer.tokenize(text)
            fresh.append((key, tokens))
            out.append(tokens)
            cut_now += 1
        else:
            out.append(hit[1])
        if progress and (i + 1) % 500 == 0:
            progress(i + 1, total, "tokenize")
    cache.put_many(dictionary, fresh)
    if progress:
        progress(total, total, "tokenize")
    return out, cut_now


def embed_with_cache(
    embedder: Embedder,
    texts: Sequence[str],
    cache: EmbeddingCache,
    *,
    use_cached: bool = True,
    progress: Progress | None = None,
    stage: str = "embed",
) -> tuple[np.ndarray, int, int]:
    """Vectors for texts (passage kind); returns (matrix, embedded now, reused from cache)."""
    dimension = embedder.dimension
    keys = [passage_key(embedder.model_id, t) for t in texts]
    cached = cache.get_many(keys, dimension) if use_cached else {}
    text_of = dict(zip(keys, texts, strict=True))
    # Shortest first: each batch pads to its longest text, so similar lengths waste the least.
    missing = sorted(dict.fromkeys(k for k in keys if k not in cached), key=lambda k: len(text_of[k]))
    missing_set = set(missing)
    total = len(missing)
    if progress:
        progress(0, total, stage)
    for start in range(0, total, EMBED_BATCH):
        batch = missing[start : start + EMBED_BATCH]
        vectors = np.asarray(embedder.embed([text_of[k] for k in batch], kind="passage"), dtype=np.float32)
        cache.put_many(list(zip(batch, vectors, strict=True)))
        cached.update(zip(batch, vectors, strict=True))
        if progress:
            progress(min(start + len(batch), total), total, stage)
    matrix = np.zeros((len(texts), dimension), dtype=np.float32)
    for i, key in enumerate(keys):
        matrix[i] = cached[key]
    return matrix, total, sum(1 for k in keys if k not in missing_set)
