"""The embedder interface — `embed(texts) -> array` of L2-normalised float32 rows — and the
deterministic `FakeEmbedder` tests use (no model needed)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Protocol

import numpy as np


class Embedder(Protocol):
    """What the index and the searcher need from a model."""

    @property
    def model_id(self) -> str:
        """Identifies the model (and its weights) that produced the vectors; stored in the manifest."""

    @property
    def dimension(self) -> int: ...

    def embed(self, texts: Sequence[str], *, kind: str = "passage") -> np.ndarray:
        """Embed texts as "passage" or "query"; returns shape (len(texts), dimension), float32, unit rows."""


class FakeEmbedder:
    """Deterministic bag-of-character-bigrams hashing embedder, for tests.

    Texts that share characters get similar vectors, so search tests behave sensibly without a model.
    """

    def __init__(self, dimension: int = 64) -> None:
        self._dimension = dimension

    @property
    def model_id(self) -> str:
        return f"fake-bigram-hash-{self._dimension}"

    @property
    def dimension(self) -> int:
        return self._dimension

    def embed(self, texts: Sequence[str], *, kind: str = "passage") -> np.ndarray:
        out = np.zeros((len(texts), self._dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            grams = [text[i : i + 2] for i in range(max(len(text) - 1, 1))]
            for gram in grams:
                digest = hashlib.blake2b(gram.encode("utf-8"), digest_size=8).digest()
                bucket = int.from_bytes(digest[:4], "little") % self._dimension
                sign = 1.0 if digest[4] & 1 else -1.0
                out[row, bucket] += sign
            norm = float(np.linalg.norm(out[row]))
            out[row] = out[row] / norm if norm else 1.0 / np.sqrt(self._dimension)
        return out
