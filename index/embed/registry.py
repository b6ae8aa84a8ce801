"""EMBEDDING_MODEL name → embedder: the one place that decides which model a name means.

"fake:N" is the deterministic test embedder of dimension N (tests and CLI contract checks);
anything else is a real model (`load_embedder`: the built-in default, a sentence-transformers
name or a local path), whose heavy imports happen only then.
"""

from __future__ import annotations

from index.embed.base import Embedder, FakeEmbedder
from index.settings import Settings

FAKE_MODEL_PREFIX = "fake:"


def resolve_embedder(settings: Settings) -> Embedder:
    """The embedder `settings.embedding_model` names."""
    name = settings.embedding_model
    if name.startswith(FAKE_MODEL_PREFIX):
        size = name[len(FAKE_MODEL_PREFIX) :]
        return FakeEmbedder(int(size) if size.isdigit() else 64)
    from index.embed.backends import load_embedder  # the model stack is imported only for a real model

    return load_embedder(settings)
