"""`handoff eval bench_notify`: what one delivery costs each channel's client, end to end.

Each channel sends through its real client to a real server on 127.0.0.1: email through
`smtplib` to an aiosmtpd server (a fresh SMTP session per message, as in production), Slack
through `slack_sdk`'s WebClient to a local HTTP server that answers like `chat.postMessage`,
webhooks through httpx to a local receiver that verifies each signature. A message counts once
the server has it (the SMTP DATA accepted, the HTTP answer read). Reported per channel: the
median, 95th percentile and largest send time in milliseconds over `--count` messages, sent one
after another (the outbox sends one delivery per task). Network time to a real mail server, to
Slack or to a receiver is not in these figures: they are the client's share.

Prints one JSON object; a readable table on stderr.
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import sys
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from api.notify.base import Action, Message
from api.notify.email import EmailNotifier
from api.notify.slack import SlackNotifier
from api.notify.webhook import WebhookNotifier, verify_signature

SECRET = "bench-webhook-secret-0123456789abcdef"
TOKEN = "xoxb-bench-token"


def _message(i: int) -> Message:
    return Message(
        key=f"bench:{i}",
        team="bench",
        kind="blocker_routed",
        subject="Blocker for you: deploy of payments-api",
        text="Blocked: deploy of payments-api\nWhy: window not approved\nRaised by: A\n\n"
        "Acknowledge: https://h.test/actions/t1",
        link="https://h.test/handoffs/h1",
        actions=(Action("Acknowledge", "https://h.test/actions/t1"),),
        data={"item_id": f"i{i}"},
    )


class _Answer(BaseHTTPRequestHandler):
    """Slack's `ok: true` for chat.postMessage; 204 for a webhook whose signature verifies."""

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path.startswith("/api/"):
            ok = self.headers.get("Authorization") == f"Bearer {TOKEN}"
            payload = json.dumps({"ok": ok, "ts": "1.0"} if ok else {"ok": False}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
        else:
            good = verify_signature(SECRET, self.headers.get("X-Handoff-Signature"), body)
            payload = b""
            self.send_response(204 if good else 401)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        pass


def _timed(send: Callable[[Message], None], count: int) -> dict[str, float]:
    send(_message(-1))  # warm-up: imports, first connection
    times = []
    for i in range(count):
        start = time.perf_counter()
        send(_message(i))
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return {
        "p50_ms": round(statistics.median(times), 2),
        "p95_ms": round(times[max(0, int(len(times) * 0.95) - 1)], 2),
        "max_ms": round(times[-1], 2),
        "count": count,
    }


def run(count: int) -> dict[str, Any]:
    from aiosmtpd.controller import Controller

    class Sink:
        received = 0

        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            Sink.received += 1
            return "250 OK"

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        smtp_port = probe.getsockname()[1]
    smtp = Controller(Sink(), hostname="127.0.0.1", port=smtp_port)
    smtp.start()
    http = ThreadingHTTPServer(("127.0.0.1", 0), _Answer)
    threading.Thread(target=http.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    base = f"http://127.0.0.1:{http.server_address[1]}"
    try:
        email = EmailNotifier(host="127.0.0.1", port=smtp_port, security="none")
        from pydantic import SecretStr

        slack = SlackNotifier(token=SecretStr(TOKEN), base_url=base + "/api/")
        webhook = WebhookNotifier(secret=SecretStr(SECRET))
        results = {
            "email": _timed(lambda m: email.send(m, "sarah@example.com"), count),
            "slack": _timed(lambda m: slack.send(m, "U0SARAH01"), count),
            "webhook": _timed(lambda m: webhook.send(m, base + "/hook"), count),
        }
        assert Sink.received == count + 1
        webhook.close()
    finally:
        smtp.stop()
        http.shutdown()
        http.server_close()
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="handoff eval bench_notify", description=__doc__)
    parser.add_argument("--count", type=int, default=200, help="messages per channel")
    args = parser.parse_args(argv)
    results = run(args.count)
    print(json.dumps(results))
    for channel, r in results.items():
        print(
            f"{channel:8} p50 {r['p50_ms']:7.2f} ms  p95 {r['p95_ms']:7.2f} ms  "
            f"max {r['max_ms']:7.2f} ms  ({r['count']} sends)",
            file=sys.stderr,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
