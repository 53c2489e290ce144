"""A small OpenAI-compatible chat-completions server on 127.0.0.1 that plays a script.

Each request pops the next scripted reply: a string (the assistant's content), `Status(500)` (an
HTTP error), `Delay(seconds, reply)` (answers late, for timeouts), or `Gate(event, reply)`
(answers once the test sets the event: what a test sees while the model has not answered yet).
Every request body is kept in `requests`, so a test can check what the client asked (the prompt,
the hints, the re-ask).
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Status:
    code: int
    body: str = '{"error": {"message": "scripted failure", "type": "server_error"}}'


@dataclass
class Delay:
    seconds: float
    reply: Any = "{}"


@dataclass
class Gate:
    opened: threading.Event
    reply: Any = "{}"
    timeout_s: float = 60.0


@dataclass
class FakeLLM:
    script: list[Any] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""

    def enqueue(self, *replies: Any) -> None:
        self.script.extend(replies)

    def prompts(self) -> list[str]:
        """The text of every message sent, per request, joined."""
        return [
            "\n".join(str(m.get("content")) for m in r.get("messages", [])) for r in self.requests
        ]


def _completion(content: str, model: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }


@contextmanager
def fake_llm_server() -> Iterator[FakeLLM]:
    fake = FakeLLM()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return None

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            body = json.loads(self.rfile.read(length) or b"{}")
            fake.requests.append(body)
            reply = fake.script.pop(0) if fake.script else Status(500)
            if isinstance(reply, Delay):
                time.sleep(reply.seconds)
                reply = reply.reply
            if isinstance(reply, Gate):
                reply.opened.wait(reply.timeout_s)
                reply = reply.reply
            if isinstance(reply, Status):
                data = reply.body.encode()
                self.send_response(reply.code)
            else:
                data = json.dumps(_completion(str(reply), body.get("model", "test"))).encode()
                self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(data)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    fake.url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
