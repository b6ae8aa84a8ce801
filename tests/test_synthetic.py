"""The synthetic corpus generator: deterministic, parseable like a real plan, vectors derived from real ones."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from index.bench.synthetic import (
    CorpusGenerator,
    SentenceVectors,
    SyntheticEmbedder,
    chinese_numeral,
    invented_regions,
    read_seed_texts,
    seed_material,
    sentence_key,
    split_sentences,
    write_corpus,
)
from index.embed.base import FakeEmbedder
from index.ingest.parse import parse_file
from tests.conftest import CORPUS_DIR


@pytest.fixture(scope="module")
def material():
    return seed_material(read_seed_texts(CORPUS_DIR))


@pytest.fixture(scope="module")
def generator(material):
    return CorpusGenerator(material)


@pytest.fixture(scope="module")
def vectors(material):
    sentences = material.sentences()
    return SentenceVectors.from_sentences(sentences, FakeEmbedder(64).embed(sentences))


def test_chinese_numerals():
    assert [chinese_numeral(n) for n in (1, 9, 10, 11, 19, 20, 21, 35, 99)] == [
        "一", "九", "十", "十一", "十九", "二十", "二十一", "三十五", "九十九",
    ]  # fmt: skip
    with pytest.raises(ValueError):
        chinese_numeral(0)


def test_seed_material_reads_every_seed(material):
    assert len(material.sections) >= 20
    assert len(material.clauses) >= 80
    assert all(c.heading and c.sentences for c in material.clauses)
    assert {"西安市", "太原市", "七台河市", "安徽省", "克州"} <= set(material.places)
    assert "质监局" in material.agencies and "市场监管局" in material.agencies
    # responsibility lines are cut off the sentences, never kept as body text
    assert not any("责任单位" in s for s in material.sentences())


def test_invented_regions_are_distinct_and_absent_from_the_seeds():
    regions = invented_regions()
    names = [r.name for r in regions]
    assert len(names) == len(set(names)) >= 300
    seeds = "".join(read_seed_texts(CORPUS_DIR))
    assert not any(r.short in seeds for r in regions)
    assert {r.level for r in regions} == {"省", "州", "市"}


def test_documents_are_deterministic(material, generator):
    again = CorpusGenerator(material)
    for i in (0, 1, 359, 360, 5000):
        assert generator.document(i) == again.document(i)
    assert CorpusGenerator(material, seed=1).document(0).text != generator.document(0).text


def test_document_numbers_are_unique(generator):
    numbers = [generator.document(i).doc_number for i in range(1500)]
    assert len(set(numbers)) == len(numbers)


def test_documents_stop_at_the_requested_clause_count(generator):
    docs = list(generator.documents(500))
    total = sum(d.clause_count for d in docs)
    assert total >= 500
    assert total - docs[-1].clause_count < 500


def test_write_corpus(tmp_path, generator):
    info = write_corpus(tmp_path, generator, 120)
    files = sorted(tmp_path.glob("*.txt"))
    assert len(files) == info.documents
    assert info.clauses >= 120
    assert sum(len(p.read_text(encoding="utf-8")) for p in files) == info.characters


@settings(max_examples=15, deadline=None)
@given(st.integers(min_value=0, max_value=200_000))
def test_a_document_parses_as_written(tmp_path_factory, generator, index):
    doc = generator.document(index)
    path = Path(tmp_path_factory.mktemp("doc")) / doc.name
    path.write_text(doc.text, encoding="utf-8")
    parsed = parse_file(path)
    assert parsed.document.region == doc.region
    assert parsed.document.doc_number == doc.doc_number
    assert parsed.document.title == doc.title
    assert parsed.document.date.startswith(str(doc.year))
    clauses = [c for c in parsed.clauses if c.retrievable]
    assert len(clauses) == doc.clause_count
    assert [c.heading for c in clauses] == list(doc.headings)
    assert all(c.agencies for c in clauses)
    named = {a.name for c in clauses for a in c.agencies}
    assert named == set(doc.agencies)


def test_sentences_map_back_to_seed_sentences(generator, vectors):
    doc = generator.document(7)
    body = [s for line in doc.text.splitlines()[8:] for s in split_sentences(line)]
    found = [s for s in body if sentence_key(s) in vectors.row_of]
    assert len(found) >= 0.6 * len(body)


def test_sentence_key_masks_what_the_generator_varies():
    assert sentence_key("到2020年,全市合格率达到98.5%以上。") == sentence_key("到2023年,全省合格率达到91.2%以上")
    assert sentence_key("岚屏市要加强计量。") == sentence_key("澄溪市要加强计量。")


def test_synthetic_embedder(generator, vectors):
    base = FakeEmbedder(64)
    embedder = SyntheticEmbedder(base, vectors)
    assert embedder.model_id == base.model_id and embedder.dimension == 64
    texts = [generator.document(i).text[:380] for i in range(6)] + ["没有任何种子句子的文字"]
    out = embedder.embed(texts)
    assert out.shape == (7, 64) and out.dtype == np.float32
    assert np.allclose(np.linalg.norm(out, axis=1), 1.0, atol=1e-5)
    # deterministic per text, whatever the batch it comes in
    assert np.allclose(embedder.embed(texts[3:4])[0], out[3])
    assert not np.allclose(out[0], out[1])
    # questions go to the real model
    assert np.allclose(embedder.embed(["西安电梯安全"], kind="query"), base.embed(["西安电梯安全"], kind="query"))
    assert embedder.synthesised == 8


def test_synthetic_vectors_stay_near_their_sentences(vectors):
    sentence = next(iter(vectors.row_of))
    row = vectors.row_of[sentence]
    embedder = SyntheticEmbedder(FakeEmbedder(64), vectors, noise=0.25)
    text = "某市｜某方案\n" + sentence + "。"
    vector = embedder.embed([text])[0]
    seed = vectors.matrix[row] / np.linalg.norm(vectors.matrix[row])
    assert float(vector @ seed) > 0.9


def test_questions_name_invented_places(generator):
    questions = generator.questions(10, 50)
    assert questions == generator.questions(10, 50)
    regions = {generator.document(i).region.rstrip("市省州") for i in range(50)}
    named = [q for q in questions if any(r in q for r in regions)]
    assert len(named) >= 6
