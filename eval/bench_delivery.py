"""`handoff eval bench_delivery`: how long a notification takes from publish to delivered.

A real worker (`handoff worker`, embedded filesystem broker, as `handoff serve` runs it) and this
process sharing a fresh data directory: N handoffs are published one after another (each with a
blocker routed to Sarah, written to the outbox in the publish's transaction, delivery queued
after the commit), and each outbox row's `delivered_at - created_at` is the latency publish ->
delivered on its channel.

Every channel is real and goes over the network to a server this process runs on 127.0.0.1: the
in-app inbox (a database row), email through the EmailNotifier to an SMTP server (aiosmtpd),
Slack through slack_sdk to an HTTP server that answers `chat.postMessage` as Slack does, and a
signed webhook to an HTTP server that answers 200. Each server counts what it received, so a
row marked delivered is checked against an arrival.

Prints one JSON object; a readable line per channel on stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

#: Blockers different enough that the ledger keeps each its own item (one routing each).
SUBJECTS = (
    "waiting on the VPN request from IT",
    "product decision on session timeout",
    "legal sign-off on the refund terms",
    "the staging database is out of disk",
    "vendor API keys have not arrived",
    "security review of the token store",
    "finance approval of the fee table",
    "the design for the onboarding screen",
    "load balancer certificate expired",
    "access to the billing warehouse",
)


class _Received:
    """What the local servers got: (channel, count)."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {"email": 0, "slack": 0, "webhook": 0}
        self._lock = threading.Lock()

    def add(self, channel: str) -> None:
        with self._lock:
            self.counts[channel] += 1


def _http_server(received: _Received) -> ThreadingHTTPServer:
    """Slack's `chat.postMessage` (at /api/...) and a webhook receiver (at /hook), on one port."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.path.startswith("/api/chat.postMessage"):
                received.add("slack")
                body = json.dumps({"ok": True, "channel": "U0SARAH", "ts": "1.0"}).encode()
            else:
                received.add("webhook")
                body = b"{}"
            self.send_response(200)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    ).start()
    return server


def _smtp_server(received: _Received) -> Any:
    from aiosmtpd.controller import Controller

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            received.add("email")
            return "250 OK"

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    return controller


def _channel_env(smtp_port: int, http_port: int) -> dict[str, str]:
    return {
        "HANDOFF_SMTP_HOST": "127.0.0.1",
        "HANDOFF_SMTP_PORT": str(smtp_port),
        "HANDOFF_SMTP_SECURITY": "none",
        "HANDOFF_SLACK_TOKEN": "xoxb-bench-0123456789",
        "HANDOFF_SLACK_BASE_URL": f"http://127.0.0.1:{http_port}/api/",
        "HANDOFF_WEBHOOK_SECRET": secrets.token_urlsafe(32),
        "HANDOFF_WEBHOOK_PRIVATE_ADDRESSES": "true",
    }


def _setup(home: Path, env: dict[str, str], hook: str) -> Any:
    os.environ["HANDOFF_HOME"] = str(home)
    os.environ.update(env)
    from api.wiring.services import build_services
    from handoff.audit import Actor
    from handoff.identity.directory import Directory
    from handoff.settings import get_settings

    get_settings.cache_clear()
    svc = build_services(get_settings())
    svc.store.count()
    directory = Directory(svc.settings.resolved_database_url)
    op = Actor.operator()
    directory.create_team("core", actor=op)
    for username in ("amir", "sarah"):
        directory.create_user(username, display_name=username.capitalize(), actor=op)
        directory.add_member("core", username, "member", actor=op)
    from handoff.db import session_scope
    from handoff.protocol.people import update_profile

    sarah = directory.user("sarah")
    with session_scope(svc.settings.resolved_database_url) as s:
        channels = {"email": "sarah@example.com", "slack_user_id": "U0SARAH", "webhooks": [hook]}
        update_profile(s, sarah.id, {"channels": channels})
    return svc


def _publish(svc: Any, n: int) -> None:
    from api.usecases import lifecycle
    from handoff.declaration import Blocker, Declaration

    decl = Declaration(
        blockers=[
            Blocker(description=f"{SUBJECTS[n % len(SUBJECTS)]} (INC-{n})", needed_from="Sarah")
        ],
        returns_at="Monday 9am SGT",
        stated_empty=["shipped", "in_flight", "decisions", "next_actions"],
    )
    h = svc.store.create(
        team="core",
        author="Amir",
        recorded_at=None,
        source_kind="text",
        source_text="w",
        declaration=decl,
    )
    lifecycle.publish(svc, h.id, actor="Amir", force_reason="bench", index=False)


def _rows(svc: Any) -> list[Any]:
    from sqlalchemy import select

    from handoff.db import session_scope
    from handoff.protocol.models import OutboxRow

    with session_scope(svc.settings.resolved_database_url) as s:
        return list(s.scalars(select(OutboxRow)))


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="handoff eval bench_delivery")
    parser.add_argument("--handoffs", type=int, default=len(SUBJECTS))
    parser.add_argument("--gap-s", type=float, default=0.5, help="Pause between publishes.")
    args = parser.parse_args(argv)
    received = _Received()
    http, smtp = _http_server(received), _smtp_server(received)
    channel_env = _channel_env(smtp.port, int(http.server_address[1]))
    hook = f"http://127.0.0.1:{http.server_address[1]}/hook"
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        svc = _setup(home, channel_env, hook)
        env = {k: v for k, v in os.environ.items() if not k.startswith("HANDOFF_")}
        env |= channel_env | {"HANDOFF_HOME": str(home)}
        worker = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "from api.cli import main; main()",
                "worker",
                "--loglevel",
                "error",
            ],
            env=env,
            cwd=home,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            time.sleep(5)  # the worker is up before the first publish (its start is not latency)
            for n in range(args.handoffs):
                _publish(svc, n)
                time.sleep(args.gap_s)
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                rows = _rows(svc)
                if rows and all(r.status in ("delivered", "failed") for r in rows):
                    break
                time.sleep(0.2)
        finally:
            worker.terminate()
            worker.wait(timeout=30)
            http.shutdown()
            smtp.stop()
        per: dict[str, list[float]] = {}
        for r in _rows(svc):
            if r.delivered_at is not None:
                per.setdefault(r.channel, []).append(
                    (r.delivered_at - r.created_at).total_seconds()
                )
        failed = [r.last_error for r in _rows(svc) if r.status != "delivered"]
    out: dict[str, Any] = {
        "handoffs": args.handoffs,
        "load": os.getloadavg()[0],
        "received": received.counts,
        "not_delivered": failed,
        "channels": {},
    }
    for channel, values in sorted(per.items()):
        values.sort()
        stats = {
            "n": len(values),
            "median_s": round(statistics.median(values), 3),
            "p95_s": round(values[min(len(values) - 1, int(0.95 * len(values)))], 3),
            "max_s": round(values[-1], 3),
        }
        out["channels"][channel] = stats
        print(f"{channel}: {stats}", file=sys.stderr)
    print(json.dumps(out))
    return 0
