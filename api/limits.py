"""Request body limits, enforced before a body is read into memory.

Every request that carries a body is held to a limit chosen by its content type: JSON and
url-encoded forms to `HANDOFF_MAX_JSON_BYTES` / `HANDOFF_MAX_FORM_BYTES`, multipart uploads to
`HANDOFF_MAX_UPLOAD_BYTES` plus room for the form's other fields. A declared `Content-Length` over
the limit is answered 413 at once, without reading a byte; a body that streams past it (chunked, or
a lying header) is cut off at the limit and answered 413 the same way. The route never sees it, so
nothing is stored. The streamed case raises Starlette's `HTTPException(413)` from `receive`, so
the app's one error handler answers it (JSON under /api, a page elsewhere) and FastAPI's body
parsing passes it through unchanged.

A JSON body is also scanned, as it streams in, for the depth of its brackets
(`JsonDepthScanner`): past `HANDOFF_MAX_JSON_DEPTH` it is answered 422 before any parser sees it,
so a body nested 100,000 deep never reaches Python's recursive JSON decoder (a RecursionError).

This is a pure ASGI middleware rather than a route dependency because FastAPI and Starlette read
JSON and forms into memory before any dependency could count them.

`MAX_OFFSET` and `MAX_ROW_ID` bound numeric query parameters (`Query(le=...)`), so a number no
database column holds is a 422, not an OverflowError.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from starlette.exceptions import HTTPException

from handoff.settings import Settings

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

MULTIPART_OVERHEAD = 256 * 1024
"""Room for a multipart form's boundaries and small text fields beside the file."""

BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

MAX_OFFSET = 1_000_000
"""Largest `offset` a listing accepts (no team has a million handoffs to page through)."""

MAX_ROW_ID = 2**63 - 1
"""Largest row id a query parameter may name: the largest a 64-bit integer column holds."""

# Inside a string only `"` and `\` matter; outside, the four brackets. An escape is a backslash and
# the byte after it (which may start the next chunk).
_JSON_TOKENS = re.compile(rb'\\[\s\S]?|["\[\]{}]')


class JsonDepthScanner:
    """Tracks bracket depth over a JSON body fed in chunks, ignoring brackets inside strings.

    It does not validate JSON (the parser does, once the depth is known to be safe); it only
    answers whether the nesting went deeper than `limit`.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.depth = 0
        self.in_string = False
        self.escaped = False

    def feed(self, chunk: bytes) -> bool:
        """Scan the next chunk; True as soon as the depth passes the limit."""
        start = 0
        if self.escaped and chunk:
            self.escaped, start = False, 1
        for m in _JSON_TOKENS.finditer(chunk, start):
            token = m.group()
            if token[0] == 0x5C:  # a backslash: escapes the next byte, maybe in the next chunk
                self.escaped = len(token) == 1
            elif token == b'"':
                self.in_string = not self.in_string
            elif self.in_string:
                continue
            elif token in (b"[", b"{"):
                self.depth += 1
                if self.depth > self.limit:
                    return True
            else:
                self.depth -= 1
        return False


def body_limit(settings: Settings, content_type: str) -> tuple[int, str]:
    """The byte limit for a body of this content type, and the setting that sets it."""
    ctype = content_type.split(";")[0].strip().lower()
    if ctype == "multipart/form-data":
        return settings.max_upload_bytes + MULTIPART_OVERHEAD, "HANDOFF_MAX_UPLOAD_BYTES"
    if ctype == "application/x-www-form-urlencoded":
        return settings.max_form_bytes, "HANDOFF_MAX_FORM_BYTES"
    return settings.max_json_bytes, "HANDOFF_MAX_JSON_BYTES"


class BodyLimitMiddleware:
    """Refuses bodies over their limit with 413 and `{"detail": one sentence}`."""

    def __init__(self, app: ASGIApp, *, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in BODY_METHODS:
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        limit, setting = body_limit(self.settings, headers.get("content-type", ""))
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            await _refuse(send, limit, setting)
            return
        received = 0
        depth = _depth_scanner(self.settings, headers.get("content-type", ""))

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                chunk = message.get("body", b"")
                received += len(chunk)
                if received > limit:
                    raise HTTPException(413, _sentence(limit, setting))
                if depth is not None and depth.feed(chunk):
                    raise HTTPException(
                        422,
                        f"The JSON body is nested deeper than {depth.limit} levels "
                        "(HANDOFF_MAX_JSON_DEPTH).",
                    )
            return message

        await self.app(scope, counted_receive, send)


def _depth_scanner(settings: Settings, content_type: str) -> JsonDepthScanner | None:
    """A depth scanner for a JSON body (`application/json`, `*+json`, or no type at all, which
    FastAPI still parses as JSON); None for forms and uploads."""
    ctype = content_type.split(";")[0].strip().lower()
    if ctype in ("", "application/json") or ctype.endswith("+json"):
        return JsonDepthScanner(settings.max_json_depth)
    return None


def _sentence(limit: int, setting: str) -> str:
    return f"The request body is larger than {limit:,} bytes ({setting})."


async def _refuse(send: Send, limit: int, setting: str) -> None:
    body = json.dumps({"detail": _sentence(limit, setting)}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
