"""Keep the bot token out of logs.

httpx logs every request URL and Telegram's URLs contain the token (``/bot<id>:<secret>/``), as
can exception texts. `TokenFilter` rewrites a record's message, arguments and traceback text;
`install_token_filter` attaches it to the root logger's handlers (which every propagated record
passes) and to the loggers of httpx, httpcore and telegram (for handlers added to them).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

REDACTED = "<redacted>"
# A bot token in a URL path or anywhere else: digits, a colon, then the 30+ character secret.
# httpx percent-encodes the colon in URLs it logs or quotes in errors, so %3A counts as one too.
_COLON = r"(?::|%3[Aa])"
_URL_TOKEN = re.compile(r"/bot\d+" + _COLON + r"[A-Za-z0-9_-]+")
_BARE_TOKEN = re.compile(r"\b\d{6,}" + _COLON + r"[A-Za-z0-9_-]{30,}\b")
LOGGERS = ("httpx", "httpcore", "telegram", "telegram.ext", "telegram.ext.Updater", "telegram.ext.Application")


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    for secret in secrets:
        if not secret:
            continue
        _, _, private_part = secret.partition(":")
        forms = {secret, secret.replace(":", "%3A"), secret.replace(":", "%3a"), private_part}
        for form in sorted((f for f in forms if len(f) >= 8), key=len, reverse=True):
            text = text.replace(form, REDACTED)
    text = _URL_TOKEN.sub(f"/bot{REDACTED}", text)
    return _BARE_TOKEN.sub(REDACTED, text)


class TokenFilter(logging.Filter):
    """Replaces the token (and anything shaped like one) in every record it sees."""

    def __init__(self, *secrets: str | None) -> None:
        super().__init__()
        self.secrets = tuple(s for s in secrets if s)

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: let logging report it as it normally would
            return True
        cleaned = redact(message, self.secrets)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text, self.secrets)
        if record.stack_info:
            record.stack_info = redact(record.stack_info, self.secrets)
        return True


def install_token_filter(token: str | None) -> TokenFilter:
    """Attach a TokenFilter to the root handlers and the HTTP/Telegram loggers (once per token)."""
    token_filter = TokenFilter(token)
    root = logging.getLogger()
    for holder in [*root.handlers, root, *map(logging.getLogger, LOGGERS)]:
        if not any(isinstance(f, TokenFilter) and f.secrets == token_filter.secrets for f in holder.filters):
            holder.addFilter(token_filter)
    return token_filter
