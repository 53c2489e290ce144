"""Shared pieces for the channel tests: free ports, a self-signed certificate for 127.0.0.1, a
sample message, a real SMTP server (aiosmtpd) that keeps what arrives, and a local HTTP server that
answers like Slack. Every server these tests talk to is real and listens on 127.0.0.1."""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from api.notify.base import Action, Message


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A certificate (and its key) for 127.0.0.1 and localhost, valid for a day."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@pytest.fixture
def server_tls(tls_files: tuple[Path, Path]) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(*tls_files)
    return ctx


@pytest.fixture
def client_tls(tls_files: tuple[Path, Path]) -> ssl.SSLContext:
    """A client context that trusts only the test certificate (and still checks the host)."""
    return ssl.create_default_context(cafile=str(tls_files[0]))


@pytest.fixture
def message() -> Message:
    return Message(
        key="blocker_routed:item-42:sarah:email",
        team="payments",
        kind="blocker_routed",
        subject="Blocker for you: deploy of payments-api <prod>",
        text=(
            "Blocked: deploy of payments-api <prod>\nWhy: needs the maintenance window approved\n"
            "Raised by: Engineer A\n\nAcknowledge: https://handoff.test/a/tok1"
        ),
        link="https://handoff.test/handoffs/h1",
        actions=(
            Action("Acknowledge", "https://handoff.test/a/tok1"),
            Action("Resolve with a note", "https://handoff.test/a/tok2?x=1&y=2"),
        ),
        data={"item_id": "item-42", "what": "deploy of payments-api <prod>"},
    )


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


#: A responder: given the request, (status, headers, body) to answer with.
Responder = Callable[[Request], tuple[int, dict[str, str], bytes]]


class LocalHTTP:
    """A threaded `http.server` on 127.0.0.1 on a free port: records each request and answers
    with `responder` (set per test)."""

    def __init__(self) -> None:
        self.requests: list[Request] = []
        self.responder: Responder = lambda req: (200, {}, b"{}")
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                request = Request(
                    "POST",
                    self.path,
                    {k.lower(): v for k, v in self.headers.items()},
                    self.rfile.read(length),
                )
                owner.requests.append(request)
                status, headers, body = owner.responder(request)
                try:
                    self.send_response(status)
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = int(self.server.server_address[1])
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def local_http() -> Iterator[LocalHTTP]:
    server = LocalHTTP()
    yield server
    server.close()


# -- a real SMTP server -----------------------------------------------------------------------
class Mailbox:
    """An aiosmtpd handler: refuses nobody@ (550) and busy@ (451), keeps every accepted mail."""

    def __init__(self) -> None:
        self.received: list[tuple[str, list[str], bytes]] = []

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any
    ) -> str:
        if address.startswith("nobody@"):
            return "550 5.1.1 No such user here"
        if address.startswith("busy@"):
            return "451 4.7.1 Greylisted, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted for delivery"


def start_smtp(handler: Mailbox, **options: Any) -> Controller:
    controller = Controller(handler, hostname="127.0.0.1", port=free_port(), **options)
    controller.start()
    return controller


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    handler = Mailbox()
    controller = start_smtp(handler)
    yield handler, controller.port
    controller.stop()


# -- Slack's Web API, as far as chat.postMessage goes --------------------------------------------
SLACK_TOKEN = "xoxb-test-0123456789"


def fake_slack(request: Request) -> tuple[int, dict[str, str], bytes]:
    """Slack's answers: invalid_auth without the token, per-channel failures, else ok."""

    def answer(status: int, payload: dict[str, Any], **headers: str) -> Any:
        return (
            status,
            {"Content-Type": "application/json; charset=utf-8", **headers},
            json.dumps(payload).encode(),
        )

    if request.path != "/api/chat.postMessage":
        return answer(404, {"ok": False, "error": "unknown_method"})
    if request.headers.get("authorization") != f"Bearer {SLACK_TOKEN}":
        return answer(200, {"ok": False, "error": "invalid_auth"})
    channel = json.loads(request.body)["channel"]
    if channel == "C0GONE":
        return answer(200, {"ok": False, "error": "channel_not_found"})
    if channel == "C0BUSY":
        return answer(429, {"ok": False, "error": "ratelimited"}, **{"Retry-After": "7"})
    if channel == "C0DOWN":
        return 503, {"Content-Type": "text/html"}, b"<html>upstream unavailable</html>"
    if channel == "C0SLOW":
        time.sleep(2.5)
    return answer(200, {"ok": True, "channel": channel, "ts": "1765090000.000100"})
