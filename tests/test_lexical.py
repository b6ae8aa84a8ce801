"""Tokeniser and BM25: user dictionary per index, no global jieba state, scores for every row."""

import jieba
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from index.search.lexical import BM25, STOPWORDS, Postings, quoted_terms
from index.text.agencies import agency_aliases
from index.text.normalize import normalize_text
from tests.handmade import shared_jieba


def test_normalize_text_folds_width_case_and_invisible_characters() -> None:
    assert normalize_text("ＰＭ２．５\u200b浓度\ufeff") == "pm2.5浓度"
    assert normalize_text("（五）") == "(五)"


def test_user_words_stay_whole_and_stopwords_go() -> None:
    tokenizer = shared_jieba().tokenizer(["柯尔克孜民俗风情", "市质监局", "质监局"])
    tokens = tokenizer.tokenize("克州打造柯尔克孜民俗风情旅游服务标准化示范区，由市质监局负责？")
    assert "柯尔克孜民俗风情" in tokens
    assert "市质监局" in tokens and "质监局" in tokens
    assert "特种设备" in shared_jieba().tokenizer().tokenize("坚决维护特种设备安全")
    assert not set(tokens) & STOPWORDS
    assert all(t.strip("，？") for t in tokens)


def test_tokenizers_do_not_share_or_touch_global_jieba_state() -> None:
    word = "龘龘质量工程"
    with_word = shared_jieba().tokenizer([word])
    without = shared_jieba().tokenizer()
    assert word in with_word.tokenize(f"推进{word}建设")
    assert word not in without.tokenize(f"推进{word}建设")
    assert word not in jieba.dt.FREQ


def test_question_words_are_not_content_terms() -> None:
    terms = shared_jieba().tokenizer().content_terms("七台河的森林覆盖率要达到多少？")
    assert "森林覆盖率" in terms or "覆盖率" in terms
    assert "多少" not in terms and "的" not in terms


def test_agency_aliases_and_quoted_terms() -> None:
    assert agency_aliases("市质监局") == {"市质监局", "质监局"}
    assert agency_aliases("合肥海关") == {"合肥海关"}
    assert quoted_terms("打造“西安制造”新名片，出台《西安市质量工作考核办法》") == {"西安制造", "西安市质量工作考核办法"}


def test_bm25_scores_every_row_and_survives_save_load(tmp_path) -> None:
    rows = [["电梯", "安全", "隐患"], ["名牌", "安徽"], [], ["电梯", "维保"]]
    index = BM25.build(rows)
    scores = index.scores(["电梯", "隐患"])
    assert scores.shape == (4,)
    assert scores[0] > scores[3] > 0 and scores[1] == 0 and scores[2] == 0
    Postings.build(rows).save(tmp_path / "postings")
    loaded = BM25([Postings.load(tmp_path / "postings")])
    assert np.allclose(loaded.scores(["电梯", "隐患"]), scores)


def test_bm25_is_lucene_bm25() -> None:
    rows = [["电梯", "电梯", "安全"], ["电梯"], ["名牌", "安徽", "品牌", "建设"]]
    scores = BM25.build(rows, k1=1.2, b=0.75).scores(["电梯"])
    average = 8 / 3
    idf = np.log(1 + (3 - 2 + 0.5) / (2 + 0.5))
    expected = [idf * tf / (tf + 1.2 * (0.25 + 0.75 * n / average)) for tf, n in ((2, 3), (1, 1))]
    assert np.allclose(scores[:2], expected) and scores[2] == 0


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.lists(st.sampled_from(["电梯", "安全", "名牌", "标准", "计量", "品牌"]), max_size=6), min_size=1, max_size=30),
    st.data(),
)
def test_bm25_over_parts_and_dead_rows_equals_bm25_over_the_live_rows(rows, data) -> None:
    """Segments combine under one set of statistics: scoring parts laid end to end with some rows
    dead gives exactly the scores of one index over the live rows alone."""
    cut = data.draw(st.integers(0, len(rows)))
    alive = np.array(data.draw(st.lists(st.booleans(), min_size=len(rows), max_size=len(rows))), dtype=bool)
    combined = BM25([Postings.build(rows[:cut]), Postings.build(rows[cut:])], alive)
    alone = BM25.build([r for r, keep in zip(rows, alive, strict=True) if keep])
    query = ["电梯", "品牌", "不存在"]
    assert np.allclose(combined.scores(query)[alive], alone.scores(query), atol=1e-6)
    assert not combined.scores(query)[~alive].any()
    assert set(combined.known(query)) == set(alone.known(query))


def test_bm25_unknown_or_no_tokens_give_zeros() -> None:
    index = BM25.build([["电梯"], ["名牌"]])
    assert not index.scores([]).any()
    assert not index.scores(["不存在的词", ""]).any()
