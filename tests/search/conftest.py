"""Search fixtures: a small published history through the real services, and a local
OpenAI-compatible chat server that records what it was asked."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from api.usecases import lifecycle, posting

WRAPS = [
    (
        "Maya",
        "2026-11-16T17:00:00+00:00",
        "In-flight: db-migration in progress, schema drafted. Blocker: the db-migration needs "
        "the VPN request approved by Priya. Decision: the job scheduler will use advisory locks, "
        "because they need no new infrastructure. Nothing shipped. Next: I'll write the rollback "
        "script. Back tomorrow 9am UTC.",
    ),
    (
        "Leo",
        "2026-11-17T17:00:00+00:00",
        "Shipped: PR #1842 merged, payments-refund-flow is live. In-flight: auth-session-refresh "
        "in progress. Blocker: auth-session-refresh needs the session timeout decision from "
        "Sarah. No new decisions. Next: I'll review the rollback script. Back Thursday 9am UTC.",
    ),
    (
        "Maya",
        "2026-11-18T17:00:00+00:00",
        "The VPN request came back approved, so the migration can go ahead. In-flight: "
        "db-migration in progress, running on staging. Decision: we switched the job scheduler "
        "from advisory locks to a Redis lease instead, because advisory locks broke under "
        "pgbouncer. No blockers. Nothing shipped. Next: I'll run the migration on production. "
        "Back Friday 9am UTC.",
    ),
]


def load_history(services: Any, team: str = "core") -> list[str]:
    ids = []
    for author, at, text in WRAPS:
        h = posting.ingest_text(
            services, text, author=author, team=team, recorded_at=datetime.fromisoformat(at)
        )
        lifecycle.publish(services, h.id, team=team, actor=author, force_reason="test")
        ids.append(h.id)
    return ids


class ChatServer:
    """Answers /v1/chat/completions with queued replies (streamed or not); keeps the requests."""

    def __init__(self) -> None:
        self.replies: list[str] = []
        self.requests: list[dict[str, Any]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                return None

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                outer.requests.append(body)
                text = outer.replies.pop(0) if outer.replies else "The handoffs do not say."
                if body.get("stream"):
                    self.send_response(200)
                    self.send_header("Content-Type", "text/event-stream")
                    self.end_headers()
                    for piece in [text[i : i + 12] for i in range(0, len(text), 12)]:
                        chunk = {
                            "id": "c",
                            "object": "chat.completion.chunk",
                            "created": 0,
                            "model": body["model"],
                            "choices": [
                                {"index": 0, "delta": {"content": piece}, "finish_reason": None}
                            ],
                        }
                        self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                    self.wfile.write(b"data: [DONE]\n\n")
                    return
                out = {
                    "id": "c",
                    "object": "chat.completion",
                    "created": 0,
                    "model": body["model"],
                    "choices": [
                        {
                            "index": 0,
                            "finish_reason": "stop",
                            "message": {"role": "assistant", "content": text},
                        }
                    ],
                    "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
                }
                data = json.dumps(out).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def enqueue(self, text: str) -> None:
        self.replies.append(text)


@pytest.fixture
def chat_server() -> Iterator[ChatServer]:
    server = ChatServer()
    server.thread.start()
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()
