"""Webhooks through httpx to a local HTTP server that verifies each signature with the same
`verify_signature()` a receiver would use, and answers as a receiver might."""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from api.notify.backoff import RetryLater
from api.notify.base import DeliveryError, Message
from api.notify.webhook import WebhookNotifier, sign, verify_signature, webhook_url_problem
from handoff.errors import ConfigError
from handoff.settings import Settings
from tests.api.notify.conftest import LocalHTTP, Request, free_port

SECRET = "whsec-global-0123456789abcdef"
OWN = "whsec-own-fedcba9876543210"


def receiver(request: Request) -> tuple[int, dict[str, str], bytes]:
    """Checks the signature with the secret for the path, then answers per path."""
    secret = OWN if request.path.startswith("/own") else SECRET
    if not verify_signature(secret, request.headers.get("x-handoff-signature"), request.body):
        return 401, {}, b'{"error": "bad signature"}'
    answers = {
        "/gone": (410, {}, b""),
        "/down": (502, {}, b"bad gateway"),
        "/busy": (429, {"Retry-After": "30"}, b""),
        "/moved": (301, {"Location": "http://127.0.0.1:1/elsewhere"}, b""),
    }
    if request.path == "/slow":
        time.sleep(1.5)
    return answers.get(request.path, (204, {}, b""))


@pytest.fixture
def hook(local_http: LocalHTTP) -> LocalHTTP:
    local_http.responder = receiver
    return local_http


def test_a_signed_delivery_arrives_with_its_key(hook: LocalHTTP, message: Message) -> None:
    notifier = WebhookNotifier(secret=SecretStr(SECRET))
    notifier.send(message, hook.url + "/hooks/handoff?token=abc")

    [call] = hook.requests
    assert call.path == "/hooks/handoff?token=abc"
    assert call.headers["content-type"] == "application/json"
    assert call.headers["x-handoff-delivery"] == message.key
    assert call.headers["x-handoff-event"] == "blocker_routed"
    assert verify_signature(SECRET, call.headers["x-handoff-signature"], call.body)
    payload = json.loads(call.body)
    assert payload["id"] == message.key and payload["team"] == "payments"
    assert payload["data"] == message.data
    assert payload["actions"][1] == {
        "label": "Resolve with a note",
        "url": "https://handoff.test/a/tok2?x=1&y=2",
    }


def test_a_webhook_with_its_own_secret_is_signed_with_it(hook: LocalHTTP, message: Message) -> None:
    url = hook.url + "/own"
    by_settings = WebhookNotifier(secret=SecretStr(SECRET), secrets={url: OWN})
    by_settings.send(message, url)
    by_lookup = WebhookNotifier(secret=SecretStr(SECRET), secret_for={url: OWN}.get)
    by_lookup.send(message, url)
    assert len(hook.requests) == 2
    # The global secret would not have passed the receiver's check.
    global_only = WebhookNotifier(secret=SecretStr(SECRET))
    with pytest.raises(DeliveryError, match="401") as refused:
        global_only.send(message, url)
    assert refused.value.retryable is False


def test_verify_signature_refuses_tampering_other_secrets_and_old_timestamps() -> None:
    body = b'{"id":"k"}'
    now = 1_765_000_000
    header = sign(SECRET, body, timestamp=now)
    assert verify_signature(SECRET, header, body, now=now + 10)
    assert not verify_signature(SECRET, header, body + b" ", now=now)
    assert not verify_signature("another-secret", header, body, now=now)
    assert not verify_signature(SECRET, header, body, now=now + 301)  # a replay
    assert not verify_signature(SECRET, None, body, now=now)
    assert not verify_signature(SECRET, "t=abc,v1=00", body, now=now)
    rotated = header + "," + sign("old-secret", body, timestamp=now).split(",")[1]
    assert verify_signature("old-secret", rotated, body, now=now)


def test_4xx_is_not_retried_5xx_is(hook: LocalHTTP, message: Message) -> None:
    notifier = WebhookNotifier(secret=SecretStr(SECRET))
    with pytest.raises(DeliveryError, match="410") as gone:
        notifier.send(message, hook.url + "/gone")
    assert gone.value.retryable is False
    with pytest.raises(DeliveryError, match="502") as down:
        notifier.send(message, hook.url + "/down")
    assert down.value.retryable is True
    with pytest.raises(DeliveryError, match="redirect") as moved:
        notifier.send(message, hook.url + "/moved")
    assert moved.value.retryable is False
    with pytest.raises(RetryLater) as busy:
        notifier.send(message, hook.url + "/busy")
    assert busy.value.retry_after == 30.0
    # Not followed: the redirect's target was never called.
    assert [r.path for r in hook.requests] == ["/gone", "/down", "/moved", "/busy"]


def test_timeouts_and_refused_connections_are_retried(hook: LocalHTTP, message: Message) -> None:
    notifier = WebhookNotifier(secret=SecretStr(SECRET), timeout_s=0.5)
    with pytest.raises(DeliveryError, match="timed out") as slow:
        notifier.send(message, hook.url + "/slow")
    assert slow.value.retryable is True
    with pytest.raises(DeliveryError) as refused:
        notifier.send(message, f"http://127.0.0.1:{free_port()}/x?token=do-not-print")
    assert refused.value.retryable is True and "do-not-print" not in str(refused.value)


def test_no_secret_or_no_http_url_is_refused(hook: LocalHTTP, message: Message) -> None:
    with pytest.raises(DeliveryError, match="HANDOFF_WEBHOOK_SECRET") as unsigned:
        WebhookNotifier().send(message, hook.url + "/x")
    assert unsigned.value.retryable is False
    for address in ("ftp://example.com/x", "file:///etc/passwd", "not a url"):
        with pytest.raises(DeliveryError) as bad:
            WebhookNotifier(secret=SecretStr(SECRET)).send(message, address)
        assert bad.value.retryable is False
    assert hook.requests == []


def test_per_webhook_secrets_setting_is_json_and_never_shown() -> None:
    settings = Settings(webhook_secrets=SecretStr('{"https://example.com/hook": "s-1"}'))
    assert settings.webhook_secret_map == {"https://example.com/hook": "s-1"}
    notifier = WebhookNotifier.from_settings(settings)
    assert notifier.secret("https://example.com/hook") == "s-1" and "s-1" not in repr(notifier)
    with pytest.raises(ConfigError, match="HANDOFF_WEBHOOK_SECRETS") as bad:
        _ = Settings(webhook_secrets=SecretStr("[1, 2]")).webhook_secret_map
    assert "[1, 2]" not in str(bad.value)


def test_the_readme_recipe_verifies_a_real_delivery(hook: LocalHTTP, message: Message) -> None:
    """The snippet a receiver pastes from README.md accepts what we send and nothing else."""
    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text()
    section = readme.split("#### Receiving webhooks", 1)[1]
    snippet = section.split("```python\n", 1)[1].split("```", 1)[0]
    namespace: dict[str, Any] = {}
    exec(compile(snippet, "README.md", "exec"), namespace)
    verify = namespace["verify"]

    WebhookNotifier(secret=SecretStr(SECRET)).send(message, hook.url + "/hooks")
    [call] = hook.requests
    header = call.headers["x-handoff-signature"]
    assert verify(SECRET, header, call.body) is True
    assert verify(SECRET, header, call.body.replace(b"payments", b"paymentz")) is False
    assert verify("not-the-secret", header, call.body) is False


def test_production_refuses_private_addresses(hook: LocalHTTP, message: Message) -> None:
    """A webhook URL is typed by a user: in production it may not reach internal services."""
    production = Settings(environment="production", webhook_secret=SecretStr(SECRET))
    notifier = WebhookNotifier.from_settings(production)
    for url in (hook.url + "/x", f"http://[::ffff:127.0.0.1]:{hook.port}/x", "http://10.1.2.3/x"):
        with pytest.raises(DeliveryError, match="not a public address") as refused:
            notifier.send(message, url)
        assert refused.value.retryable is False
        assert webhook_url_problem(url, allow_private=False) is not None
    assert hook.requests == []
    assert webhook_url_problem(hook.url + "/x", allow_private=True) is None
    assert "http(s)" in (webhook_url_problem("gopher://x", allow_private=True) or "")
    allowed = production.model_copy(update={"webhook_private_addresses": True})
    WebhookNotifier.from_settings(allowed).send(message, hook.url + "/x")
    assert len(hook.requests) == 1


def test_no_url_credential_or_secret_reaches_the_logs(
    hook: LocalHTTP, message: Message, caplog: pytest.LogCaptureFixture
) -> None:
    """httpx logs every request at INFO; a webhook URL's query (often its token) is left out."""
    caplog.set_level(logging.DEBUG)
    WebhookNotifier(secret=SecretStr(SECRET)).send(message, hook.url + "/hook?token=tok-abc123")
    assert (
        len(hook.requests) == 1 and "HTTP Request: POST" in caplog.text and "/hook" in caplog.text
    )
    assert "tok-abc123" not in caplog.text and SECRET not in caplog.text
