"""A local stand-in of the Telegram Bot API on 127.0.0.1, for tests and benchmarks.

It speaks the Bot API's request/response shape closely enough for python-telegram-bot's
Application to run against it unchanged (pointed at it by base URL):

- requests: ``POST /bot<token>/<method>`` with form-encoded, JSON or multipart bodies;
  file downloads: ``GET /file/bot<token>/<file_path>``;
- responses: ``{"ok": true, "result": …}`` or ``{"ok": false, "error_code", "description",
  "parameters": {"retry_after": n}}`` with the matching HTTP status;
- ``getUpdates`` is a real long poll: it returns as soon as a test enqueues an update.

It checks what Telegram checks and a bot can get wrong: the token, HTML parse mode (only the
supported tags, balanced, valid entities), 4096 characters of text after entity parsing,
callback_data of at most 64 bytes, inline result ids, file size limits. Every call is recorded
(method, decoded parameters, time, outcome) so tests can wait for and inspect them, and tests can
script failures such as "the next 2 sendMessage calls get a 429 with retry_after=1".
"""

from __future__ import annotations

import email.parser
import email.policy
import itertools
import json
import re
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

MAX_TEXT = 4096
MAX_CALLBACK_DATA = 64
MAX_DOWNLOAD = 20 * 1024 * 1024

# Tags Telegram's HTML parse mode accepts (https://core.telegram.org/bots/api#html-style).
_ALLOWED_TAGS = {
    "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler",
    "a", "code", "pre", "blockquote", "tg-emoji",
}  # fmt: skip
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[^<>]*)?)>")
_ENTITY = re.compile(r"&(lt|gt|amp|quot|#[0-9]+|#x[0-9a-fA-F]+);")
_ENTITY_TEXT = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_INT_PARAMS = {
    "chat_id", "message_id", "offset", "limit", "timeout", "user_id", "cache_time",
    "reply_to_message_id", "message_thread_id",
}  # fmt: skip
_JSON_PARAMS = {
    "reply_markup", "results", "commands", "scope", "entities", "caption_entities", "reply_parameters",
    "link_preview_options", "allowed_updates", "button", "media",
}  # fmt: skip
_COMMAND = re.compile(r"^/[a-z0-9_]{1,32}$")


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit Telegram counts in."""
    return len(text.encode("utf-16-le")) // 2


class ApiError(Exception):
    """A Bot API error answer (``ok: false``)."""

    def __init__(self, code: int, description: str, parameters: dict[str, Any] | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters


def parse_html(text: str) -> str:
    """Validate Telegram HTML the way the Bot API does; return the plain text it displays."""
    out: list[str] = []
    stack: list[str] = []
    pos = 0
    while pos < len(text):
        char = text[pos]
        if char == "<":
            match = _TAG.match(text, pos)
            if not match:
                raise ApiError(400, f"Bad Request: can't parse entities: unexpected '<' at offset {pos}")
            closing, name, _attrs = match.group(1), match.group(2).lower(), match.group(3)
            if name not in _ALLOWED_TAGS:
                raise ApiError(400, f'Bad Request: can\'t parse entities: Unsupported start tag "{name}"')
            if closing:
                if not stack or stack[-1] != name:
                    raise ApiError(400, f'Bad Request: can\'t parse entities: Unmatched end tag "{name}"')
                stack.pop()
            else:
                stack.append(name)
            pos = match.end()
        elif char == "&":
            match = _ENTITY.match(text, pos)
            if not match:
                raise ApiError(400, f"Bad Request: can't parse entities: bad character reference at offset {pos}")
            ref = match.group(1)
            if ref.startswith("#x"):
                out.append(chr(int(ref[2:], 16)))
            elif ref.startswith("#"):
                out.append(chr(int(ref[1:])))
            else:
                out.append(_ENTITY_TEXT[ref])
            pos = match.end()
        elif char == ">":
            raise ApiError(400, f"Bad Request: can't parse entities: unexpected '>' at offset {pos}")
        else:
            out.append(char)
            pos += 1
    if stack:
        raise ApiError(
            400, f"Bad Request: can't parse entities: Can't find end tag corresponding to start tag \"{stack[-1]}\""
        )
    return "".join(out)


@dataclass
class Call:
    """One request the bot made."""

    method: str
    params: dict[str, Any]
    at: float  # time.perf_counter() when it arrived
    ok: bool = True
    result: Any = None
    error: str | None = None
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)


@dataclass
class _Failure:
    remaining: int
    code: int
    description: str
    retry_after: int | None


def _decode_param(name: str, value: str) -> Any:
    if name in _JSON_PARAMS:
        try:
            return json.loads(value)
        except ValueError:
            return value
    if name in _INT_PARAMS and re.fullmatch(r"-?\d+", value):
        return int(value)
    if value in ("true", "false") and name not in ("text", "caption", "query", "message_text"):
        return value == "true"
    return value


class BotApiStandIn:
    """A threaded Bot API server on 127.0.0.1 with a scriptable update queue and a call log."""

    def __init__(
        self, token: str = "123456789:TEST-standin-token_abcdefghijk", *, username: str = "plans_test_bot"
    ) -> None:
        self.token = token
        self.bot_id = int(token.split(":", 1)[0])
        self.username = username
        self.bot_user = {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": "质量规划助手",
            "username": username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": True,
        }
        self.calls: list[Call] = []
        self.commands: dict[str, list[dict[str, Any]]] = {}
        self.pushed_at: dict[int, float] = {}
        self._lock = threading.Condition()
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1000)
        self._query_ids = itertools.count(1)
        self._messages: dict[tuple[int, int], dict[str, Any]] = {}
        self._files: dict[str, tuple[str, bytes]] = {}
        self._failures: dict[str, list[_Failure]] = {}
        self._server: ThreadingHTTPServer | None = None
        self._stopping = False
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> BotApiStandIn:
        standin = self
        self._stopping = False

        class Handler(_Handler):
            api = standin

        self._server = _Server(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, name="botapi-standin", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            with self._lock:
                self._stopping = True
                self._lock.notify_all()
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> BotApiStandIn:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._server is not None, "stand-in not started"
        return self._server.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    # -- what tests feed in ----------------------------------------------------------------

    @staticmethod
    def user(user_id: int, first_name: str = "测试用户") -> dict[str, Any]:
        return {"id": user_id, "is_bot": False, "first_name": first_name, "language_code": "zh-hans"}

    @staticmethod
    def private_chat(user_id: int) -> dict[str, Any]:
        return {"id": user_id, "type": "private", "first_name": "测试用户"}

    @staticmethod
    def group_chat(chat_id: int = -1001234567890, title: str = "质量工作群") -> dict[str, Any]:
        return {"id": chat_id, "type": "supergroup", "title": title}

    def push_update(self, update: dict[str, Any]) -> int:
        with self._lock:
            update_id = next(self._update_ids)
            update = {"update_id": update_id, **update}
            self._updates.append(update)
            self.pushed_at[update_id] = time.perf_counter()
            self._lock.notify_all()
        return update_id

    def push_message(
        self,
        user_id: int,
        text: str | None = None,
        *,
        chat: dict[str, Any] | None = None,
        reply_to: dict[str, Any] | None = None,
        document: dict[str, Any] | None = None,
        caption: str | None = None,
    ) -> tuple[int, dict[str, Any]]:
        """Enqueue a message from a user (private chat unless chat is given); entities are derived."""
        chat = chat or self.private_chat(user_id)
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "from": self.user(user_id),
            "chat": chat,
            "date": int(time.time()),
        }
        if text is not None:
            message["text"] = text
            entities = self._entities(text)
            if entities:
                message["entities"] = entities
        if caption is not None:
            message["caption"] = caption
        if document is not None:
            message["document"] = document
        if reply_to is not None:
            message["reply_to_message"] = reply_to
        with self._lock:
            self._messages[(chat["id"], message["message_id"])] = message
        return self.push_update({"message": message}), message

    def push_callback(self, user_id: int, message: dict[str, Any], data: str) -> int:
        """Enqueue a press of an inline button with this callback data on a message the bot sent."""
        query = {
            "id": str(next(self._query_ids)),
            "from": self.user(user_id),
            "message": message,
            "chat_instance": "standin",
            "data": data,
        }
        return self.push_update({"callback_query": query})

    def push_inline_query(self, user_id: int, query: str, offset: str = "") -> int:
        inline = {"id": str(next(self._query_ids)), "from": self.user(user_id), "query": query, "offset": offset}
        return self.push_update({"inline_query": inline})

    def add_file(self, content: bytes, file_name: str, mime_type: str = "application/octet-stream") -> dict[str, Any]:
        """Make a file downloadable through getFile; returns the Document object a message carries."""
        with self._lock:
            number = len(self._files) + 1
            file_id = f"standin-file-{number}"
            suffix = file_name.rsplit(".", 1)[-1] if "." in file_name else "bin"
            self._files[file_id] = (f"documents/file_{number}.{suffix}", content)
        return {
            "file_id": file_id,
            "file_unique_id": f"unique-{number}",
            "file_name": file_name,
            "mime_type": mime_type,
            "file_size": len(content),
        }

    def fail_next(
        self,
        method: str,
        times: int = 1,
        *,
        code: int = 429,
        description: str | None = None,
        retry_after: int | None = 1,
    ) -> None:
        """Script the next `times` calls of `method` to fail (default: 429 Too Many Requests)."""
        if description is None:
            description = f"Too Many Requests: retry after {retry_after}" if code == 429 else "Bad Request"
        with self._lock:
            self._failures.setdefault(method, []).append(_Failure(times, code, description, retry_after))

    # -- what tests read back --------------------------------------------------------------

    def message(self, chat_id: int, message_id: int) -> dict[str, Any]:
        with self._lock:
            return dict(self._messages[(chat_id, message_id)])

    def calls_of(self, method: str, *, since: int = 0, ok: bool | None = True) -> list[Call]:
        with self._lock:
            return [c for c in self.calls[since:] if c.method == method and (ok is None or c.ok == ok)]

    def mark(self) -> int:
        """Position in the call log, to wait only for calls made after it."""
        with self._lock:
            return len(self.calls)

    def wait_for(
        self,
        method: str,
        predicate: Callable[[Call], bool] | None = None,
        *,
        since: int = 0,
        count: int = 1,
        timeout: float = 10.0,
        ok: bool | None = True,
    ) -> list[Call]:
        """Block until `count` successful calls of `method` (matching predicate) arrived after `since`."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                found = [
                    c
                    for c in self.calls[since:]
                    if c.method == method and (ok is None or c.ok == ok) and (predicate is None or predicate(c))
                ]
                if len(found) >= count:
                    return found
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    seen = [(c.method, c.ok, c.error) for c in self.calls[since:]]
                    raise AssertionError(f"timed out waiting for {count}× {method}; calls since mark: {seen}")
                self._lock.wait(remaining)

    def sent_to(self, chat_id: int, *, since: int = 0) -> list[Call]:
        return [c for c in self.calls_of("sendMessage", since=since) if c.params.get("chat_id") == chat_id]

    # -- the API ---------------------------------------------------------------------------

    def handle(self, method: str, params: dict[str, Any], files: dict[str, tuple[str, bytes]]) -> Any:
        call = Call(method=method, params=params, at=time.perf_counter(), files=files)
        try:
            failure = self._take_failure(method)
            if failure is not None:
                raise ApiError(
                    failure.code,
                    failure.description,
                    {"retry_after": failure.retry_after} if failure.retry_after else None,
                )
            handler = getattr(self, f"_api_{method}", None)
            if handler is None:
                raise ApiError(404, "Not Found: method not found")
            call.result = handler(params, files)
            return call.result
        except ApiError as error:
            call.ok = False
            call.error = error.description
            raise
        finally:
            if method != "getUpdates" or call.result or not call.ok:
                with self._lock:
                    self.calls.append(call)
                    self._lock.notify_all()

    def _take_failure(self, method: str) -> _Failure | None:
        with self._lock:
            queue = self._failures.get(method)
            if not queue:
                return None
            failure = queue[0]
            failure.remaining -= 1
            if failure.remaining <= 0:
                queue.pop(0)
            return failure

    def _api_getMe(self, params: dict[str, Any], files: dict) -> dict[str, Any]:
        return self.bot_user

    def _api_getUpdates(self, params: dict[str, Any], files: dict) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        timeout = float(params.get("timeout") or 0)
        deadline = time.monotonic() + timeout
        with self._lock:
            if offset:
                # Confirming an offset forgets every earlier update, as Telegram does.
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
            while True:
                pending = [u for u in self._updates if u["update_id"] >= offset][:limit]
                remaining = deadline - time.monotonic()
                if pending or remaining <= 0 or self._stopping:
                    return pending
                self._lock.wait(remaining)

    def _api_deleteWebhook(self, params: dict[str, Any], files: dict) -> bool:
        return True

    def _api_setWebhook(self, params: dict[str, Any], files: dict) -> bool:
        return True

    def _api_setMyCommands(self, params: dict[str, Any], files: dict) -> bool:
        commands = params.get("commands") or []
        for command in commands:
            if not _COMMAND.match("/" + command.get("command", "")):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(command.get("description", "")) <= 256:
                raise ApiError(400, "Bad Request: command description is invalid")
        scope = params.get("scope") or {"type": "default"}
        key = json.dumps(scope, sort_keys=True)
        with self._lock:
            self.commands[key] = commands
        return True

    def _api_getMyCommands(self, params: dict[str, Any], files: dict) -> list[dict[str, Any]]:
        scope = params.get("scope") or {"type": "default"}
        with self._lock:
            return self.commands.get(json.dumps(scope, sort_keys=True), [])

    def _api_sendChatAction(self, params: dict[str, Any], files: dict) -> bool:
        self._require(params, "chat_id", "action")
        return True

    def _api_sendMessage(self, params: dict[str, Any], files: dict) -> dict[str, Any]:
        self._require(params, "chat_id", "text")
        text = self._displayed_text(params, "text")
        return self._new_bot_message(params, {"text": text})

    def _api_sendDocument(self, params: dict[str, Any], files: dict) -> dict[str, Any]:
        self._require(params, "chat_id")
        upload = files.get("document")
        if upload is None and not isinstance(params.get("document"), str):
            raise ApiError(400, "Bad Request: there is no document in the request")
        name, content = upload or ("document", b"")
        extra: dict[str, Any] = {"document": self.add_file(content, name)}
        if params.get("caption"):
            extra["caption"] = self._displayed_text(params, "caption", limit=1024)
        return self._new_bot_message(params, extra)

    def _api_editMessageText(self, params: dict[str, Any], files: dict) -> dict[str, Any] | bool:
        self._require(params, "text")
        text = self._displayed_text(params, "text")
        if "inline_message_id" in params:
            return True
        message = self._existing(params)
        if message.get("text") == text and message.get("reply_markup") == params.get("reply_markup"):
            raise ApiError(
                400,
                "Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message",
            )
        with self._lock:
            message["text"] = text
            message["edit_date"] = int(time.time())
            self._set_markup(message, params)
            return dict(message)

    def _api_editMessageReplyMarkup(self, params: dict[str, Any], files: dict) -> dict[str, Any] | bool:
        if "inline_message_id" in params:
            return True
        message = self._existing(params)
        self._check_markup(params.get("reply_markup"))
        with self._lock:
            self._set_markup(message, params)
            return dict(message)

    def _api_deleteMessage(self, params: dict[str, Any], files: dict) -> bool:
        message = self._existing(params)
        with self._lock:
            self._messages.pop((message["chat"]["id"], message["message_id"]), None)
        return True

    def _api_answerCallbackQuery(self, params: dict[str, Any], files: dict) -> bool:
        self._require(params, "callback_query_id")
        if len(params.get("text") or "") > 200:
            raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        return True

    def _api_answerInlineQuery(self, params: dict[str, Any], files: dict) -> bool:
        self._require(params, "inline_query_id")
        results = params.get("results") or []
        if len(results) > 50:
            raise ApiError(400, "Bad Request: RESULTS_TOO_MUCH")
        ids = set()
        for result in results:
            result_id = str(result.get("id", ""))
            if not result_id or len(result_id.encode()) > 64 or result_id in ids:
                raise ApiError(400, "Bad Request: RESULT_ID_INVALID")
            ids.add(result_id)
            if not result.get("title"):
                raise ApiError(400, "Bad Request: RESULT_TITLE_EMPTY")
            content = result.get("input_message_content") or {}
            self._displayed_text(content, "message_text")
            self._check_markup(result.get("reply_markup"))
        return True

    def _api_getFile(self, params: dict[str, Any], files: dict) -> dict[str, Any]:
        file_id = params.get("file_id")
        with self._lock:
            stored = self._files.get(file_id)
        if stored is None:
            raise ApiError(400, "Bad Request: invalid file_id")
        path, content = stored
        if len(content) > MAX_DOWNLOAD:
            raise ApiError(400, "Bad Request: file is too big")
        return {"file_id": file_id, "file_unique_id": file_id, "file_size": len(content), "file_path": path}

    def download(self, file_path: str) -> bytes | None:
        with self._lock:
            for path, content in self._files.values():
                if path == file_path:
                    return content
        return None

    # -- helpers ---------------------------------------------------------------------------

    @staticmethod
    def _require(params: dict[str, Any], *names: str) -> None:
        for name in names:
            if params.get(name) in (None, ""):
                raise ApiError(400, f"Bad Request: {name} is empty")

    def _displayed_text(self, params: dict[str, Any], key: str, limit: int = MAX_TEXT) -> str:
        raw = params.get(key)
        if not isinstance(raw, str) or not raw:
            raise ApiError(400, "Bad Request: message text is empty")
        text = parse_html(raw) if str(params.get("parse_mode", "")).upper() == "HTML" else raw
        if not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if utf16_len(text) > limit:
            raise ApiError(400, "Bad Request: message is too long")
        self._check_markup(params.get("reply_markup"))
        return text

    @staticmethod
    def _check_markup(markup: Any) -> None:
        if not markup:
            return
        for row in markup.get("inline_keyboard", []):
            for button in row:
                if not button.get("text"):
                    raise ApiError(400, "Bad Request: text buttons are unallowed in the inline keyboard")
                data = button.get("callback_data")
                if data is not None and not 1 <= len(data.encode("utf-8")) <= MAX_CALLBACK_DATA:
                    raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")

    def _existing(self, params: dict[str, Any]) -> dict[str, Any]:
        self._require(params, "chat_id", "message_id")
        with self._lock:
            message = self._messages.get((params["chat_id"], params["message_id"]))
        if message is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        return message

    @staticmethod
    def _set_markup(message: dict[str, Any], params: dict[str, Any]) -> None:
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        else:
            message.pop("reply_markup", None)

    def _chat(self, chat_id: int) -> dict[str, Any]:
        if chat_id > 0:
            return self.private_chat(chat_id)
        return self.group_chat(chat_id)

    def _new_bot_message(self, params: dict[str, Any], content: dict[str, Any]) -> dict[str, Any]:
        chat_id = params["chat_id"]
        if not isinstance(chat_id, int):
            raise ApiError(400, "Bad Request: chat not found")
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "from": self.bot_user,
            "chat": self._chat(chat_id),
            "date": int(time.time()),
            **content,
        }
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        reply = params.get("reply_parameters") or {}
        reply_to = reply.get("message_id") or params.get("reply_to_message_id")
        with self._lock:
            if reply_to and (chat_id, reply_to) in self._messages:
                message["reply_to_message"] = dict(self._messages[(chat_id, reply_to)])
            self._messages[(chat_id, message["message_id"])] = message
            return dict(message)

    def _entities(self, text: str) -> list[dict[str, Any]]:
        entities = []
        command = re.match(r"/[A-Za-z0-9_]+(@[A-Za-z0-9_]+)?", text)
        if command:
            entities.append({"type": "bot_command", "offset": 0, "length": utf16_len(command.group(0))})
        for mention in re.finditer(r"(?<![A-Za-z0-9_/])@[A-Za-z][A-Za-z0-9_]{3,31}", text):
            entities.append(
                {"type": "mention", "offset": utf16_len(text[: mention.start()]), "length": utf16_len(mention.group(0))}
            )
        return entities


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True


class _Handler(BaseHTTPRequestHandler):
    api: BotApiStandIn
    protocol_version = "HTTP/1.1"
    # Without this every response waits ~40 ms for the client's delayed ACK (Nagle's algorithm).
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - signature of the base class
        """Quiet: the call log is the record."""

    def do_GET(self) -> None:
        match = re.fullmatch(r"/file/bot([^/]+)/(.+)", urllib.parse.unquote(self.path))
        if match and match.group(1) == self.api.token:
            content = self.api.download(match.group(2))
            if content is not None:
                self._send(200, content, "application/octet-stream")
                return
        if self.path.startswith("/bot"):
            self.do_POST()
            return
        self._send(404, b"Not Found", "text/plain")

    def do_POST(self) -> None:
        parsed = urllib.parse.urlsplit(self.path)
        match = re.fullmatch(r"/bot([^/]+)/([A-Za-z]+)", parsed.path)
        body = self._read_body()
        if not match:
            self._json(404, {"ok": False, "error_code": 404, "description": "Not Found"})
            return
        if match.group(1) != self.api.token:
            self._json(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
            return
        try:
            params, files = self._params(body, parsed.query)
            result = self.api.handle(match.group(2), params, files)
        except ApiError as error:
            answer: dict[str, Any] = {"ok": False, "error_code": error.code, "description": error.description}
            if error.parameters:
                answer["parameters"] = error.parameters
            self._json(error.code, answer)
            return
        self._json(200, {"ok": True, "result": result})

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _params(self, body: bytes, query: str) -> tuple[dict[str, Any], dict[str, tuple[str, bytes]]]:
        content_type = self.headers.get("Content-Type", "")
        raw: dict[str, str] = dict(urllib.parse.parse_qsl(query))
        files: dict[str, tuple[str, bytes]] = {}
        if content_type.startswith("application/json"):
            data = json.loads(body or b"{}")
            return data, files
        if content_type.startswith("multipart/form-data"):
            message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
                b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body
            )
            for part in message.iter_parts():
                name = part.get_param("name", header="content-disposition")
                filename = part.get_filename()
                payload = part.get_payload(decode=True) or b""
                if filename is not None:
                    files[name] = (filename, payload)
                else:
                    raw[name] = payload.decode("utf-8")
        elif body:
            raw.update(urllib.parse.parse_qsl(body.decode("utf-8"), keep_blank_values=True))
        return {name: _decode_param(name, value) for name, value in raw.items()}, files

    def _json(self, status: int, payload: dict[str, Any]) -> None:
        self._send(status, json.dumps(payload, ensure_ascii=False).encode("utf-8"), "application/json")

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            # The client gave up (e.g. a long poll cancelled on shutdown): nothing to answer.
            self.close_connection = True


def texts(calls: Iterable[Call]) -> list[str]:
    """The displayed (entity-parsed) texts of sendMessage/editMessageText calls."""
    return [parse_html(c.params["text"]) if c.params.get("parse_mode") == "HTML" else c.params["text"] for c in calls]
