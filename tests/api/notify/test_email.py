"""Email through a real SMTP server on 127.0.0.1 (aiosmtpd), which records what arrived."""

from __future__ import annotations

import email
import email.policy
import socket
import ssl
import threading
from typing import Any

import pytest
from aiosmtpd.smtp import AuthResult, LoginPassword
from pydantic import SecretStr

from api.notify.base import DeliveryError, Message
from api.notify.email import EmailNotifier
from handoff.errors import ConfigError
from handoff.settings import Settings
from tests.api.notify.conftest import Mailbox, free_port, start_smtp


def _parsed(raw: bytes) -> email.message.EmailMessage:
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(parsed, email.message.EmailMessage)
    return parsed


def test_a_message_arrives_as_plain_text_and_html(
    mailbox: tuple[Mailbox, int], message: Message
) -> None:
    box, port = mailbox
    notifier = EmailNotifier(host="127.0.0.1", port=port, security="none", sender="handoff@x.test")
    notifier.send(message, "sarah@example.com")

    [(sender, rcpts, raw)] = box.received
    assert sender == "handoff@x.test" and rcpts == ["sarah@example.com"]
    mail = _parsed(raw)
    assert mail["Subject"] == message.subject
    assert mail["X-Handoff-Delivery"] == message.key
    plain = mail.get_body(preferencelist=("plain",))
    html = mail.get_body(preferencelist=("html",))
    assert plain is not None and html is not None
    assert plain.get_content().replace("\r\n", "\n").strip() == message.text
    body = html.get_content()
    # Escaped text and the action links, with & escaped inside the attribute.
    assert "deploy of payments-api &lt;prod&gt;" in body
    assert 'href="https://handoff.test/a/tok2?x=1&amp;y=2"' in body
    assert ">Resolve with a note</a>" in body and "https://handoff.test/handoffs/h1" in body


def test_a_retry_carries_the_same_message_id(
    mailbox: tuple[Mailbox, int], message: Message
) -> None:
    box, port = mailbox
    notifier = EmailNotifier(host="127.0.0.1", port=port, security="none")
    notifier.send(message, "sarah@example.com")
    notifier.send(message, "sarah@example.com")
    ids = {_parsed(raw)["Message-ID"] for _, _, raw in box.received}
    assert len(box.received) == 2 and len(ids) == 1


def test_a_refused_recipient_is_not_retried(mailbox: tuple[Mailbox, int], message: Message) -> None:
    box, port = mailbox
    notifier = EmailNotifier(host="127.0.0.1", port=port, security="none")
    with pytest.raises(DeliveryError) as refused:
        notifier.send(message, "nobody@example.com")
    assert refused.value.retryable is False and "550" in str(refused.value)
    with pytest.raises(DeliveryError) as later:
        notifier.send(message, "busy@example.com")
    assert later.value.retryable is True and "451" in str(later.value)
    assert box.received == []


@pytest.mark.parametrize("address", ["not-an-address", "a@b.test\r\nBcc: evil@x.test", ""])
def test_a_malformed_address_is_refused_before_connecting(message: Message, address: str) -> None:
    notifier = EmailNotifier(host="127.0.0.1", port=free_port(), security="none")
    with pytest.raises(DeliveryError) as err:
        notifier.send(message, address)
    assert err.value.retryable is False


def test_connection_refused_is_retryable(message: Message) -> None:
    notifier = EmailNotifier(host="127.0.0.1", port=free_port(), security="none", timeout_s=2)
    with pytest.raises(DeliveryError) as err:
        notifier.send(message, "sarah@example.com")
    assert err.value.retryable is True


def test_a_server_that_never_answers_times_out_retryably(message: Message) -> None:
    """A listening socket that accepts and says nothing: the greeting never comes."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        port = silent.getsockname()[1]
        notifier = EmailNotifier(host="127.0.0.1", port=port, security="none", timeout_s=0.5)
        with pytest.raises(DeliveryError) as err:
            notifier.send(message, "sarah@example.com")
    assert err.value.retryable is True and "timed out" in str(err.value)


def _authenticator(
    server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and auth_data == (b"handoff", b"s3cret-pass")
    return AuthResult(success=ok, handled=False)


def test_starttls_and_login(
    message: Message, server_tls: ssl.SSLContext, client_tls: ssl.SSLContext
) -> None:
    """The server requires STARTTLS before AUTH; the client upgrades, signs in, sends."""
    box = Mailbox()
    controller = start_smtp(
        box,
        tls_context=server_tls,
        require_starttls=True,
        authenticator=_authenticator,
        auth_require_tls=True,
    )
    try:
        good = EmailNotifier(
            host="127.0.0.1",
            port=controller.port,
            security="starttls",
            user="handoff",
            password=SecretStr("s3cret-pass"),
            ssl_context=client_tls,
        )
        good.send(message, "sarah@example.com")
        assert len(box.received) == 1
        bad = EmailNotifier(
            host="127.0.0.1",
            port=controller.port,
            user="handoff",
            password=SecretStr("wrong-password"),
            ssl_context=client_tls,
        )
        with pytest.raises(DeliveryError) as err:
            bad.send(message, "sarah@example.com")
        assert err.value.retryable is False and "wrong-password" not in str(err.value)
        # The default context does not trust a self-signed certificate: refused, not retried.
        untrusting = EmailNotifier(host="127.0.0.1", port=controller.port)
        with pytest.raises(DeliveryError) as cert:
            untrusting.send(message, "sarah@example.com")
        assert cert.value.retryable is False
    finally:
        controller.stop()
    assert len(box.received) == 1


def test_implicit_tls(
    message: Message, server_tls: ssl.SSLContext, client_tls: ssl.SSLContext
) -> None:
    box = Mailbox()
    controller = start_smtp(box, ssl_context=server_tls)
    try:
        notifier = EmailNotifier(
            host="127.0.0.1", port=controller.port, security="ssl", ssl_context=client_tls
        )
        notifier.send(message, "sarah@example.com")
    finally:
        controller.stop()
    assert [r for _, r, _ in box.received] == [["sarah@example.com"]]


def test_starttls_not_offered_is_a_configuration_problem(
    mailbox: tuple[Mailbox, int], message: Message
) -> None:
    _, port = mailbox
    notifier = EmailNotifier(host="127.0.0.1", port=port, security="starttls")
    with pytest.raises(DeliveryError, match="STARTTLS") as err:
        notifier.send(message, "sarah@example.com")
    assert err.value.retryable is False


def test_from_settings_needs_a_host_and_hides_the_password() -> None:
    with pytest.raises(ConfigError, match="HANDOFF_SMTP_HOST"):
        EmailNotifier.from_settings(Settings())
    notifier = EmailNotifier.from_settings(
        Settings(smtp_host="mail.test", smtp_security="ssl", smtp_password=SecretStr("pw-x"))
    )
    assert notifier.port == 465 and "pw-x" not in repr(notifier)


def test_concurrent_sends_each_arrive(mailbox: tuple[Mailbox, int], message: Message) -> None:
    box, port = mailbox
    notifier = EmailNotifier(host="127.0.0.1", port=port, security="none")
    threads = [
        threading.Thread(target=notifier.send, args=(message, f"p{i}@example.com"))
        for i in range(5)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(r[0] for _, r, _ in box.received) == [f"p{i}@example.com" for i in range(5)]
