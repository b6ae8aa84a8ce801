"""Tokeniser and BM25: user dictionary per index, no global jieba state, scores for every row."""

import jieba
import numpy as np

from index.lexical import STOPWORDS, BM25Index, agency_aliases, normalize_text, quoted_terms
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
    index = BM25Index.build(rows)
    scores = index.scores(["电梯", "隐患"])
    assert scores.shape == (4,)
    assert scores[0] > scores[3] > 0 and scores[1] == 0 and scores[2] == 0
    index.save(tmp_path / "bm25")
    loaded = BM25Index.load(tmp_path / "bm25")
    assert np.allclose(loaded.scores(["电梯", "隐患"]), scores)


def test_bm25_unknown_or_no_tokens_give_zeros() -> None:
    index = BM25Index.build([["电梯"], ["名牌"]])
    assert not index.scores([]).any()
    assert not index.scores(["不存在的词", ""]).any()
