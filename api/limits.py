"""Request body limits, enforced before a body is read into memory.

Every request that carries a body is held to a limit chosen by its content type: JSON and
url-encoded forms to `HANDOFF_MAX_JSON_BYTES` / `HANDOFF_MAX_FORM_BYTES`, multipart uploads to
`HANDOFF_MAX_UPLOAD_BYTES` plus room for the form's other fields. A declared `Content-Length` over
the limit is answered 413 at once, without reading a byte; a body that streams past it (chunked, or
a lying header) is cut off at the limit and answered 413 the same way. The route never sees it, so
nothing is stored. The streamed case raises Starlette's `HTTPException(413)` from `receive`, so
the app's one error handler answers it (JSON under /api, a page elsewhere) and FastAPI's body
parsing passes it through unchanged.

This is a pure ASGI middleware rather than a route dependency because FastAPI and Starlette read
JSON and forms into memory before any dependency could count them.
"""

from __future__ import annotations

import json
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

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise HTTPException(413, _sentence(limit, setting))
            return message

        await self.app(scope, counted_receive, send)


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
