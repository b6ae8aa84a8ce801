"""The world a reliability scenario runs in, and the processes it starts.

A World is a temporary folder with `corpus/` and `data/` (the layout of scripts/standin/harness.py),
its Settings and one shared JiebaBase (jieba's dictionary is loaded once per process; its cache
file is copied into DATA_DIR/cache so child processes load it quickly too).

ChildRun runs a command and records its output as it arrives, so a parent can SIGKILL it at a
chosen moment and know which stage it had reached; ChildBot runs scripts/run_bot.py against a
Bot API stand-in (scripts/standin) in the parent.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from index.search.lexical import JiebaBase
from index.service import PlanService
from index.settings import Settings
from scripts.reliability.inputs import write_corpus

ROOT = Path(__file__).resolve().parents[2]
FAKE_MODEL = "fake:64"
JIEBA_CACHE = "jieba.cache"


@dataclass
class World:
    base: Path
    settings: Settings
    jieba: JiebaBase

    def service(self) -> PlanService:
        return PlanService(self.settings, jieba_base=self.jieba)

    def env(self, **extra: str) -> dict[str, str]:
        """Environment for a child process using this world (entry points read Settings.from_env)."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "ADMIN_USER_IDS", "WEBHOOK_"))}
        env.update(
            DATA_DIR=str(self.settings.data_dir),
            CORPUS_DIR=str(self.settings.corpus_dir),
            EMBEDDING_MODEL=self.settings.embedding_model,
            PYTHONUNBUFFERED="1",
            PYTHONDONTWRITEBYTECODE="1",
        )
        env.update(extra)
        return env

    def share_jieba_cache(self) -> None:
        """Copy jieba's dictionary cache into DATA_DIR/cache (where every PlanService looks)."""
        cache = self.settings.data_dir / "cache"
        source = self.base / "jieba-cache" / JIEBA_CACHE
        if source.is_file() and not (cache / JIEBA_CACHE).is_file():
            cache.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, cache / JIEBA_CACHE)


def make_world(base: Path, *, synthetic: int = 0, model: str = FAKE_MODEL, build: bool = True) -> World:
    """A corpus (bundled plans + `synthetic` generated ones) and, with build, its index."""
    base.mkdir(parents=True, exist_ok=True)
    write_corpus(base / "corpus", synthetic)
    settings = Settings(data_dir=base / "data", corpus_dir=base / "corpus", embedding_model=model)
    world = World(base, settings, JiebaBase(base / "jieba-cache"))
    if build:
        service = world.service()
        service.reindex(full=True)
        service.close()
    world.share_jieba_cache()
    return world


def clone_world(template: World, base: Path) -> World:
    """A copy of a (closed) world: its corpus, store, index and jieba cache (a real model's files
    under DATA_DIR/models are linked, not copied)."""
    models = template.settings.models_dir
    shutil.copytree(
        template.base,
        base,
        dirs_exist_ok=True,
        ignore=lambda folder, _: ["models"] if Path(folder) == models.parent else [],
    )
    if models.is_dir():
        (base / "data" / "models").symlink_to(models, target_is_directory=True)
    settings = template.settings.with_(data_dir=base / "data", corpus_dir=base / "corpus")
    return World(base, settings, template.jieba)


def store_documents(settings: Settings) -> dict[str, str]:
    """document id → sha256 in the store, read through a fresh read-only connection."""
    if not settings.store_path.exists():
        return {}
    with sqlite3.connect(f"file:{settings.store_path}?mode=ro", uri=True) as conn:
        return dict(conn.execute("SELECT id, sha256 FROM documents").fetchall())


def store_counts(settings: Settings) -> dict[str, int]:
    with sqlite3.connect(f"file:{settings.store_path}?mode=ro", uri=True) as conn:
        return {
            table: conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
            for table in ("documents", "clauses", "questions", "feedback")
        }


def corpus_hashes(settings: Settings) -> dict[str, str]:
    from index.store.corpus import corpus_files, file_sha256

    return {p.name: file_sha256(p) for p in corpus_files(settings.corpus_dir)}


# -- child processes ---------------------------------------------------------------------------

# What a stage looks like in the output: tqdm labels of scripts/reindex.py, or reliability_child lines.
_STAGE_MARKS = {"解析文件": "parse", "分词": "tokenize", "计算向量": "embed"}
_PROGRESS_LINE = re.compile(r"progress (\w+) (\d+) (\d+)")
_TQDM_COUNT = re.compile(r"(\d+)/(\d+)")


class ChildRun:
    """A child process whose combined output is collected as it arrives."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.args = args
        self.started = time.monotonic()
        self.proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self._text: list[str] = []
        self._lock = threading.Condition()
        self._readers = [
            threading.Thread(target=self._read, args=(stream,), daemon=True)
            for stream in (self.proc.stdout, self.proc.stderr)
        ]
        for reader in self._readers:
            reader.start()

    def _read(self, stream: Any) -> None:
        while chunk := stream.read1(65536):
            with self._lock:
                self._text.append(chunk.decode("utf-8", "replace"))
                self._lock.notify_all()

    @property
    def output(self) -> str:
        with self._lock:
            return "".join(self._text)

    def wait_for_output(self, pattern: str, timeout: float) -> bool:
        """Until pattern appears in the output (True) or the process ends / time runs out (False)."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while not re.search(pattern, "".join(self._text)):
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    return False
                self._lock.wait(0.02)
        return True

    def stage(self) -> str:
        """The stage the output shows: startup, parse, store+snapshot (parsed plans stored, the
        store snapshotted, jieba's dictionary loaded), tokenize, bm25 write, embed, write+swap
        (vectors and manifest written, fsync, CURRENT swapped), finished, exited."""
        if self.proc.poll() is not None:
            return "exited"
        text = self.output
        if "索引已更新" in text or "\ndone" in text:
            return "finished, exiting"
        found: list[tuple[int, str, str]] = []
        for mark, stage in _STAGE_MARKS.items():
            position = text.rfind(mark)
            if position >= 0:
                found.append((position, stage, text[position : position + 80]))
        for match in _PROGRESS_LINE.finditer(text):
            found.append((match.start(), match.group(1), match.group(0)))
        if not found:
            return "startup"
        _, stage, tail = max(found)
        count = _PROGRESS_LINE.search(tail) or _TQDM_COUNT.search(tail)
        done, total = (count.group(count.lastindex - 1), count.group(count.lastindex)) if count else ("0", "1")
        if done != total:
            return stage
        return {"parse": "store+snapshot", "tokenize": "bm25 write", "embed": "write+swap"}.get(stage, f"after {stage}")

    def kill(self) -> str:
        """SIGKILL now; returns the stage it was in."""
        stage = self.stage()
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        self.wait(30)
        return stage

    def wait(self, timeout: float) -> int:
        code = self.proc.wait(timeout)
        for reader in self._readers:
            reader.join(5)
        return code


def reindex_cli(world: World, *, full: bool = True) -> ChildRun:
    """scripts/reindex.py (with its tqdm progress on stderr) in a child process."""
    args = [sys.executable, "scripts/reindex.py"] + (["--full"] if full else [])
    return ChildRun(args, world.env())


def core_child(world: World, operation: str, *args: str, kill_at: str | None = None) -> ChildRun:
    """scripts/reliability/child.py: the core operation, SIGKILLing itself at kill_at."""
    extra = ["--kill-at", kill_at] if kill_at else []
    return ChildRun([sys.executable, "-m", "scripts.reliability.child", operation, *args, *extra], world.env())


class ChildBot:
    """scripts/run_bot.py in a child process, talking to a stand-in that lives in this process."""

    def __init__(
        self,
        world: World,
        api: Any,
        log_path: Path,
        *,
        admins: str = "",
        base_url: str | None = None,
        file_url: str | None = None,
        **env: str,
    ) -> None:
        self.world = world
        self.api = api
        self.log_path = log_path
        self.extra = {
            "TELEGRAM_BOT_TOKEN": api.token,
            "TELEGRAM_BASE_URL": base_url or api.base_url,
            "TELEGRAM_BASE_FILE_URL": file_url or api.base_file_url,
            "ADMIN_USER_IDS": admins,
            **env,
        }
        self.proc: subprocess.Popen | None = None
        self.starts = 0

    def start(self, timeout: float = 120.0) -> ChildBot:
        """Start the bot and wait until it has set its command menu (it polls right after)."""
        mark = self.api.mark()
        log = open(self.log_path, "ab")  # noqa: SIM115 - the child writes to it until killed
        log.write(f"\n--- start {self.starts + 1} ---\n".encode())
        log.flush()
        self.proc = subprocess.Popen(
            [sys.executable, "scripts/run_bot.py"],
            cwd=ROOT,
            env=self.world.env(**self.extra),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        self.starts += 1
        deadline = time.monotonic() + timeout
        while not self.api.calls_of("setMyCommands", since=mark):
            if self.proc.poll() is not None:
                raise RuntimeError(f"the bot exited with {self.proc.returncode}:\n{self.log_tail()}")
            if time.monotonic() > deadline:
                self.kill()
                raise RuntimeError(f"the bot did not start within {timeout} s:\n{self.log_tail()}")
            time.sleep(0.05)
        return self

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(30)

    def stop(self) -> None:
        """A polite stop (SIGINT, as Ctrl-C), then SIGKILL if it lingers."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()

    def log_text(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace") if self.log_path.exists() else ""

    def log_tail(self, lines: int = 30) -> str:
        return "\n".join(self.log_text().splitlines()[-lines:])


# -- a misbehaving file server -----------------------------------------------------------------


class EchoingProxy:
    """A file server on 127.0.0.1 that fails every download with an HTML 502 page quoting the
    requested path — as some reverse proxies and web frameworks do. The path of a Bot API file
    URL carries the bot token, so the error the bot gets back carries it too."""

    def __init__(self) -> None:
        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                body = f"<html><body><h1>502 Bad Gateway</h1><p>upstream failed: GET {self.path}</p></body></html>"
                data = body.encode()
                self.send_response(502)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                """Quiet."""

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_file_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/file/bot"

    def __enter__(self) -> EchoingProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


class CuttableLink:
    """A TCP forwarder on 127.0.0.1 in front of the stand-in. `cut()` drops every open connection
    and stops listening, so the bot's requests fail as they would when the Bot API is unreachable
    (connection reset, then connection refused)."""

    def __init__(self, port: int) -> None:
        self._upstream = ("127.0.0.1", port)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._open = True
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def port(self) -> int:
        return self._listener.getsockname()[1]

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                if not self._open:
                    client.close()
                    return
                try:
                    upstream = socket.create_connection(self._upstream)
                except OSError:
                    client.close()
                    continue
                self._sockets += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                with contextlib.suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        with self._lock:
            self._open = False
            with contextlib.suppress(OSError):
                self._listener.shutdown(socket.SHUT_RDWR)  # wakes the thread blocked in accept()
            self._listener.close()
            for sock in self._sockets:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()


def dev_questions() -> list[str]:
    path = ROOT.parent / "shared" / "eval" / "dev.jsonl"
    if path.is_file():
        return [json.loads(line)["question"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return ["西安市电梯安全隐患整治有什么安排？", "安徽省品牌建设由哪个部门牵头", "太原市标准化工作"]
