from pathlib import Path

from index.settings import DEFAULT_MODEL, TELEGRAM_API, Settings


def test_defaults_when_environment_is_empty() -> None:
    s = Settings.from_env({})
    assert s.data_dir == Path("data")
    assert s.corpus_dir == Path("corpus")
    assert s.embedding_model == DEFAULT_MODEL
    assert s.telegram_token is None
    assert s.telegram_base_url == TELEGRAM_API
    assert s.admin_user_ids == frozenset()
    assert s.store_path == Path("data/store.db")


def test_values_from_environment() -> None:
    s = Settings.from_env(
        {
            "DATA_DIR": "/tmp/x",
            "CORPUS_DIR": "/tmp/c",
            "EMBEDDING_MODEL": "intfloat/multilingual-e5-small",
            "TELEGRAM_BOT_TOKEN": "123:abc",
            "TELEGRAM_BASE_URL": "http://127.0.0.1:9/bot",
            "ADMIN_USER_IDS": "1, 22,x,333",
            "TOP_K": "5",
        }
    )
    assert s.index_root == Path("/tmp/x/index")
    assert s.corpus_dir == Path("/tmp/c")
    assert s.embedding_model == "intfloat/multilingual-e5-small"
    assert s.telegram_token == "123:abc"
    assert s.telegram_base_url == "http://127.0.0.1:9/bot"
    assert s.admin_user_ids == frozenset({1, 22, 333})
    assert s.top_k == 5
