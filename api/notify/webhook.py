"""Webhooks: a JSON POST of the message (httpx), signed with HMAC-SHA256 the way Stripe signs.

Each delivery carries

    Content-Type: application/json
    X-Handoff-Delivery: <the idempotency key; the same on every retry, so a receiver can drop
                         a copy it has already handled>
    X-Handoff-Event: <the message kind, e.g. blocker_routed>
    X-Handoff-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">

The secret is the webhook's own (HANDOFF_WEBHOOK_SECRETS, keyed by URL, or the `secret_for`
lookup the caller passes) or else HANDOFF_WEBHOOK_SECRET; a webhook without any secret is refused,
since an unsigned notification could be forged by anyone who learns the URL. `verify_signature()`
is the receiver's check (README.md shows the same recipe as a snippet to paste): recompute the
HMAC over the timestamp and the raw body, compare in constant time, and refuse a timestamp more
than five minutes away (a replayed delivery).

Failures, as `DeliveryError`:
    not retryable   no secret; a URL that is not http(s), or (in production, unless
                    HANDOFF_WEBHOOK_PRIVATE_ADDRESSES) one whose host is not a public address;
                    any 4xx but 408 and 429; a redirect (the receiver moved: the address needs
                    updating, not a retry)
    retryable       5xx, 408, a timeout or a failed connection; 429 is `RetryLater` with the
                    receiver's Retry-After seconds
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import logging
import socket
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import httpx
from pydantic import SecretStr

from api.notify.backoff import RetryLater, parse_retry_after
from api.notify.base import DeliveryError, Message
from handoff.errors import ConfigError
from handoff.settings import Settings

SIGNATURE_HEADER = "X-Handoff-Signature"
DELIVERY_HEADER = "X-Handoff-Delivery"
EVENT_HEADER = "X-Handoff-Event"
#: A signature older (or newer) than this is refused by `verify_signature`.
TOLERANCE_S = 300

SecretLookup = Callable[[str], str | None]


class _NoQueryInLogs(logging.Filter):
    """httpx logs each request's full URL at INFO (a worker runs at INFO). A webhook URL's query
    or user part often is its credential, so those parts are dropped from httpx's request lines."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and len(record.args) > 1:
            url = record.args[1]
            if isinstance(url, httpx.URL) and (url.query or url.userinfo):
                safe = url.copy_with(query=None, username=None, password=None)
                record.args = (record.args[0], safe, *record.args[2:])
        return True


def _quiet_urls() -> None:
    """Add the filter once per process (the "httpx" logger is shared)."""
    log = logging.getLogger("httpx")
    if not any(isinstance(f, _NoQueryInLogs) for f in log.filters):
        log.addFilter(_NoQueryInLogs())


def sign(secret: str, body: bytes, *, timestamp: int) -> str:
    """The signature header's value for `body` sent at `timestamp`."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


def verify_signature(
    secret: str,
    header: str | None,
    body: bytes,
    *,
    tolerance_s: int = TOLERANCE_S,
    now: float | None = None,
) -> bool:
    """Whether `header` (X-Handoff-Signature) signs the raw `body` with `secret`, within
    `tolerance_s` of `now`. Several v1 values are allowed (a secret being rotated)."""
    if not header:
        return False
    parts = [p.split("=", 1) for p in header.split(",") if "=" in p]
    timestamps = [v for k, v in parts if k.strip() == "t"]
    candidates = [v.strip() for k, v in parts if k.strip() == "v1"]
    if len(timestamps) != 1 or not candidates or not timestamps[0].strip().isdigit():
        return False
    timestamp = int(timestamps[0])
    if abs((time.time() if now is None else now) - timestamp) > tolerance_s:
        return False
    expected = sign(secret, body, timestamp=timestamp).split("v1=", 1)[1]
    return any(hmac.compare_digest(expected, c) for c in candidates)


def webhook_body(message: Message) -> bytes:
    """The JSON a receiver gets: the message's parts, its structured `data` under "data"."""
    payload: dict[str, Any] = {
        "id": message.key,
        "kind": message.kind,
        "team": message.team,
        "subject": message.subject,
        "text": message.text,
        "link": message.link,
        "actions": [{"label": a.label, "url": a.url} for a in message.actions],
        "data": message.data,
    }
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), default=str).encode()


class WebhookNotifier:
    """POSTs each message to the webhook URL (the address), signed with that webhook's secret."""

    name = "webhook"

    def __init__(
        self,
        *,
        secret: SecretStr | None = None,
        secrets: dict[str, str] | None = None,
        secret_for: SecretLookup | None = None,
        timeout_s: float = 10.0,
        allow_private: bool = True,
        transport: httpx.BaseTransport | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._secret = secret
        self._secrets = dict(secrets or {})
        self._secret_for = secret_for
        self._clock = clock
        self.allow_private = allow_private
        _quiet_urls()
        self._client = httpx.Client(
            timeout=timeout_s,
            follow_redirects=False,
            transport=transport,
            headers={"User-Agent": "handoff-webhooks/1"},
        )

    @classmethod
    def from_settings(
        cls, settings: Settings, *, secret_for: SecretLookup | None = None
    ) -> WebhookNotifier:
        return cls(
            secret=settings.webhook_secret,
            secrets=settings.webhook_secret_map,
            secret_for=secret_for,
            timeout_s=settings.webhook_timeout_s,
            allow_private=settings.webhooks_reach_private,
        )

    def __repr__(self) -> str:  # never a secret
        return f"WebhookNotifier(urls_with_own_secret={len(self._secrets)})"

    def close(self) -> None:
        self._client.close()

    def secret(self, url: str) -> str:
        """The secret that signs deliveries to `url`: its own, else the global one."""
        own = self._secret_for(url) if self._secret_for else None
        if own:
            return own
        if self._secrets.get(url):
            return self._secrets[url]
        if self._secret is not None and self._secret.get_secret_value():
            return self._secret.get_secret_value()
        raise DeliveryError(
            "No signing secret for this webhook; set HANDOFF_WEBHOOK_SECRET (or give the webhook "
            "its own in HANDOFF_WEBHOOK_SECRETS).",
            retryable=False,
        )

    def send(self, message: Message, address: str) -> None:
        url = _valid_url(address)
        if not self.allow_private:
            _refuse_private(url)
        body = webhook_body(message)
        headers = {
            "Content-Type": "application/json",
            DELIVERY_HEADER: message.key,
            EVENT_HEADER: message.kind,
            SIGNATURE_HEADER: sign(self.secret(url), body, timestamp=int(self._clock())),
        }
        where = _origin(url)
        try:
            response = self._client.post(url, content=body, headers=headers)
        except httpx.TimeoutException as exc:
            raise DeliveryError(f"The webhook at {where} timed out.", retryable=True) from exc
        except httpx.TransportError as exc:  # refused, reset, DNS, TLS
            raise DeliveryError(
                f"Could not reach the webhook at {where} ({exc.__class__.__name__}).",
                retryable=True,
            ) from exc
        _check(response, where)


def _check(response: httpx.Response, where: str) -> None:
    """Raise the DeliveryError a non-2xx answer means (see the module docstring)."""
    status = response.status_code
    if 200 <= status < 300:
        return
    said = f"The webhook at {where} answered HTTP {status}"
    if status == 429:
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        raise RetryLater(f"{said}.", retry_after=retry_after)
    if status >= 500 or status == 408:
        raise DeliveryError(f"{said}.", retryable=True)
    if 300 <= status < 400:
        raise DeliveryError(f"{said} (a redirect: update the webhook's URL).", retryable=False)
    raise DeliveryError(f"{said}.", retryable=False)


def _valid_url(address: str) -> str:
    url = address.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise DeliveryError("A webhook address must be an http(s) URL.", retryable=False)
    return url


def webhook_url_problem(url: str, *, allow_private: bool) -> str | None:
    """Why `url` cannot be a webhook (one sentence), or None: for the routes that save a person's
    or a team's webhook, so a bad one is refused (422) when it is entered, not at delivery."""
    try:
        checked = _valid_url(url)
        if not allow_private:
            _refuse_private(checked)
    except DeliveryError as exc:
        return str(exc)
    return None


def _refuse_private(url: str) -> None:
    """Refuse a URL whose host is, or resolves to, a loopback, private, link-local or otherwise
    non-public address: a webhook is an address a user typed, and the server must not become
    their way into internal services. (The check resolves before httpx connects; a name that
    resolves differently a moment later is not caught, so keep internal services authenticated.)"""
    host = urlsplit(url).hostname or ""
    try:
        infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise DeliveryError(
            f"The webhook host {host} could not be resolved ({exc.__class__.__name__}).",
            retryable=True,
        ) from exc
    for info in infos:
        ip = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        if not ip.is_global:
            raise DeliveryError(
                f"The webhook host {host} is not a public address; webhooks go to public "
                "addresses only (HANDOFF_WEBHOOK_PRIVATE_ADDRESSES allows others).",
                retryable=False,
            )


def _origin(url: str) -> str:
    """Scheme, host and port only: a URL's path or query may carry a token, so errors omit it."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rsplit('@', 1)[-1]}"


def require_secret(settings: Settings) -> None:
    """Refuse to build the channel when no secret at all is configured (HANDOFF_WEBHOOK_SECRET
    or HANDOFF_WEBHOOK_SECRETS); used by `configured_channels`."""
    if settings.webhook_secret is None and not settings.webhook_secrets:
        raise ConfigError("Webhooks need HANDOFF_WEBHOOK_SECRET (or HANDOFF_WEBHOOK_SECRETS).")
