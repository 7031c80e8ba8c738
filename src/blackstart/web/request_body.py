"""Reading a request body once and parsing it as a form the way the handlers will.

The role check in front of the routes (:class:`blackstart.web.auth.AuthGate`) must see the
same fields as the handler behind it. Both go through Starlette's form parser
(``Request.form()``: url-encoded and multipart, the Content-Type matched whatever its
case), and a field given twice counts as the handler counts it (the last value for a
single field; :func:`blackstart.web.auth.saves` looks at every value). The body itself is
read once and replayed to the app. Its size is bounded before this
(:class:`blackstart.web.security.SecurityGate`, 413 over :data:`MAX_BODY`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request

MAX_BODY = 1_000_000
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")

Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]


async def read_body(receive: Receive) -> tuple[bytes, Receive]:
    """Read the whole request body; return it and a ``receive`` that replays it."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    body = b"".join(chunks)
    return body, replay(body, receive)


def replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that gives ``body`` once, then defers to the real one."""
    sent = False

    async def again() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return again


def _content_type(scope: MutableMapping[str, Any]) -> str:
    for name, value in scope.get("headers", []):
        if name == b"content-type":
            return str(value.decode("latin-1")).split(";")[0].strip().lower()
    return ""


async def parse_form(scope: MutableMapping[str, Any], body: bytes) -> FormData | None:
    """The body as the handler's ``Form()`` parameters will see it, or ``None`` if it is
    no form (JSON, say) or cannot be parsed (the handler will refuse it too)."""
    if _content_type(scope) not in FORM_TYPES:
        return None

    async def nothing() -> Message:
        return {"type": "http.disconnect"}

    request = Request(dict(scope), replay(body, nothing))
    try:
        return await request.form()
    except Exception:  # a malformed multipart body: the handler answers 4xx for it
        return None
