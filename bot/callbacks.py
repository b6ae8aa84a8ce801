"""Callback data of inline buttons: short, versioned, at most 64 bytes (Telegram's limit).

Shapes (``v1`` is the version; a future change of shape bumps it, and old buttons then say
"expired" instead of doing something else):

- ``v1:full:<clause>``              full text of a clause
- ``v1:more:<question_id>:<offset>`` next results of a question
- ``v1:fb:<question_id>:<clause>:+`` / ``…:-`` 👍 / 👎 on an answer
- ``v1:ag:<key>:<offset>``          a page of /agency results
- ``v1:ol:<doc>``                   /outline of a document
- ``v1:rg:<question>:<region>``     a question narrowed to one region of a many-places answer
- ``v1:cmp:<question>``             the regions of a many-places answer side by side
- ``v1:up:ok|no:<token>``           confirm / cancel a pending upload (admin)
- ``v1:rm:ok|no:<token>``           confirm / cancel a removal (admin)

Values that could be long or contain ":" (clause ids, agency names) are passed in already
shortened by `BotState.short_ref`, which keeps the mapping.
"""

from __future__ import annotations

from typing import NamedTuple

VERSION = "v1"
MAX_BYTES = 64

FULL = "full"
MORE = "more"
FEEDBACK = "fb"
AGENCY = "ag"
OUTLINE = "ol"
REGION = "rg"
COMPARE = "cmp"
UPLOAD = "up"
REMOVE = "rm"

CONFIRM = "ok"
CANCEL = "no"


class CallbackData(NamedTuple):
    action: str
    args: tuple[str, ...]


def encode(action: str, *args: object) -> str:
    """Join a versioned callback string; refuses anything Telegram would reject."""
    parts = [str(a) for a in args]
    if any(":" in p or not p for p in parts):
        raise ValueError(f"callback argument must be non-empty and free of ':' : {parts!r}")
    data = ":".join([VERSION, action, *parts])
    if len(data.encode("utf-8")) > MAX_BYTES:
        raise ValueError(f"callback data longer than {MAX_BYTES} bytes: {data!r}")
    return data


def decode(data: str | None) -> CallbackData | None:
    """The action and arguments of a callback string, or None for another version or garbage."""
    if not data:
        return None
    parts = data.split(":")
    if len(parts) < 2 or parts[0] != VERSION:
        return None
    return CallbackData(parts[1], tuple(parts[2:]))


def full(clause_ref: str) -> str:
    return encode(FULL, clause_ref)


def more(question_id: int, offset: int) -> str:
    return encode(MORE, question_id, offset)


def feedback(question_id: int, clause_ref: str, positive: bool) -> str:
    return encode(FEEDBACK, question_id, clause_ref, "+" if positive else "-")


def agency_page(key: str, offset: int) -> str:
    return encode(AGENCY, key, offset)


def region(question_ref: str, region_ref: str) -> str:
    return encode(REGION, question_ref, region_ref)


def compare(question_ref: str) -> str:
    return encode(COMPARE, question_ref)


def outline(doc_key: str) -> str:
    return encode(OUTLINE, doc_key)


def upload(confirm: bool, token: str) -> str:
    return encode(UPLOAD, CONFIRM if confirm else CANCEL, token)


def remove(confirm: bool, token: str) -> str:
    return encode(REMOVE, CONFIRM if confirm else CANCEL, token)
