"""The index on disk: one folder per build under DATA_DIR/index, named by the CURRENT pointer,
each with a versioned JSON manifest (never pickles). A manifest that does not match the running
code or model is refused with a message saying how to rebuild.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from index.errors import IndexMismatchError, IndexMissingError

FORMAT_VERSION = 3  # 3: segments
CODE_VERSION = "hybrid-search-3"  # bump when passages or tokens change: indexes are rebuilt

MANIFEST = "manifest.json"
CLAUSES_DB = "clauses.db"
USER_WORDS = "userdict.txt"
CURRENT = "CURRENT"
REBUILD_HINT = "请重建索引：python scripts/reindex.py --full"


@dataclass
class Manifest:
    format_version: int
    code_version: str
    model_id: str
    dimension: int
    clause_count: int
    passage_count: int
    documents: dict[str, str]  # document id → sha256
    created_at: str
    null_similarity: float = 0.0  # best similarity an off-topic probe question reaches
    segments: list[dict[str, Any]] = field(default_factory=list)  # {"name", "documents": [ids served from it]}

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Manifest:
        known = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        return cls(**known)


# -- reading the live build --------------------------------------------------------------------


def current_build(index_root: Path) -> Path | None:
    """The live build folder named by CURRENT, or None when there is no (complete) index."""
    pointer = Path(index_root) / CURRENT
    try:
        name = pointer.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    folder = Path(index_root) / name
    return folder if name and (folder / MANIFEST).is_file() else None


def read_manifest(folder: Path) -> Manifest:
    try:
        data = json.loads((Path(folder) / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise IndexMissingError(f"索引不完整（缺少 {MANIFEST}）：{folder}。{REBUILD_HINT}") from exc
    except (json.JSONDecodeError, TypeError) as exc:
        raise IndexMismatchError(f"索引清单无法读取：{folder / MANIFEST}。{REBUILD_HINT}") from exc
    try:
        return Manifest.from_json(data)
    except TypeError as exc:
        raise IndexMismatchError(f"索引清单缺少字段：{folder / MANIFEST}。{REBUILD_HINT}") from exc


def check_manifest(manifest: Manifest, model_id: str) -> None:
    """Refuse an index built by other code or another model (vectors of two models never mix)."""
    if manifest.format_version != FORMAT_VERSION:
        raise IndexMismatchError(
            f"索引格式版本 {manifest.format_version} 与程序（{FORMAT_VERSION}）不一致。{REBUILD_HINT}"
        )
    if manifest.model_id != model_id:
        raise IndexMismatchError(f"索引由模型 {manifest.model_id} 构建，当前配置的模型是 {model_id}。{REBUILD_HINT}")
