"""Email over SMTP (stdlib `smtplib`): one multipart message per delivery, plain text first.

The plain part is the message's text as written (it stands on its own); the HTML part is the same
text, escaped, with the one-click actions as links. The Message-ID is derived from the delivery's
idempotency key, so a retried delivery carries the same id and mail clients thread or drop the
copy; the key also travels as `X-Handoff-Delivery`.

Failures, as `DeliveryError`:
    not retryable   the address is malformed, or the server refused the recipient, sender or data
                    with a 5xx code; authentication failed; STARTTLS is not offered; the server's
                    certificate does not verify (each needs a person to change something)
    retryable       connection refused, reset or timed out; a 4xx answer (greylisting, a full
                    mailbox, a busy server); the server hung up mid-conversation
The password is a `SecretStr` and is never logged or put in an error.
"""

from __future__ import annotations

import hashlib
import html
import smtplib
import ssl
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate

from pydantic import SecretStr

from api.notify.base import DeliveryError, Message
from handoff.errors import ConfigError
from handoff.settings import Settings

DEFAULT_PORTS = {"ssl": 465, "starttls": 587, "none": 25}


class EmailNotifier:
    """Sends each message over one short SMTP session (connect, TLS, login, send, quit)."""

    name = "email"

    def __init__(
        self,
        *,
        host: str,
        port: int | None = None,
        security: str = "starttls",
        user: str | None = None,
        password: SecretStr | None = None,
        sender: str = "handoff <handoff@localhost>",
        timeout_s: float = 10.0,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        if security not in DEFAULT_PORTS:
            raise ConfigError("HANDOFF_SMTP_SECURITY must be starttls, ssl or none.")
        self.host = host
        self.port = port or DEFAULT_PORTS[security]
        self.security = security
        self.user = user
        self._password = password
        self.sender = sender
        self.timeout_s = timeout_s
        # The default context verifies the server's certificate and host name.
        self._ssl_context = ssl_context or ssl.create_default_context()

    @classmethod
    def from_settings(cls, settings: Settings) -> EmailNotifier:
        if not settings.smtp_host:
            raise ConfigError("Email notifications need HANDOFF_SMTP_HOST (the SMTP server).")
        return cls(
            host=settings.smtp_host,
            port=settings.smtp_port,
            security=settings.smtp_security,
            user=settings.smtp_user,
            password=settings.smtp_password,
            sender=settings.smtp_from,
            timeout_s=settings.smtp_timeout_s,
        )

    def __repr__(self) -> str:  # never the password
        return f"EmailNotifier(host={self.host!r}, port={self.port}, security={self.security!r})"

    def send(self, message: Message, address: str) -> None:
        mail = build_email(message, sender=self.sender, to=_valid_address(address))
        try:
            with self._connect() as smtp:
                self._secure_and_login(smtp)
                smtp.send_message(mail)
        except smtplib.SMTPException as exc:
            raise _smtp_failure(exc) from exc
        except ssl.SSLCertVerificationError as exc:
            raise DeliveryError(
                f"The SMTP server's certificate did not verify ({exc.verify_message}).",
                retryable=False,
            ) from exc
        except OSError as exc:  # refused, reset, unreachable, timed out (TimeoutError is one)
            raise DeliveryError(
                f"Could not reach the SMTP server {self.host}:{self.port} "
                f"({exc.__class__.__name__}).",
                retryable=True,
            ) from exc

    def _connect(self) -> smtplib.SMTP:
        if self.security == "ssl":
            return smtplib.SMTP_SSL(
                self.host, self.port, timeout=self.timeout_s, context=self._ssl_context
            )
        return smtplib.SMTP(self.host, self.port, timeout=self.timeout_s)

    def _secure_and_login(self, smtp: smtplib.SMTP) -> None:
        if self.security == "starttls":
            smtp.ehlo()
            if not smtp.has_extn("starttls"):
                raise DeliveryError(
                    f"The SMTP server {self.host} does not offer STARTTLS; set "
                    "HANDOFF_SMTP_SECURITY=ssl or none.",
                    retryable=False,
                )
            smtp.starttls(context=self._ssl_context)
            smtp.ehlo()
        if self.user:
            password = self._password.get_secret_value() if self._password else ""
            smtp.login(self.user, password)


def build_email(message: Message, *, sender: str, to: str) -> EmailMessage:
    """The multipart/alternative mail for `message`: plain text, then the same as simple HTML."""
    mail = EmailMessage()
    mail["Subject"] = " ".join(message.subject.split())
    mail["From"] = sender
    mail["To"] = to
    mail["Date"] = formatdate(localtime=False)
    digest = hashlib.sha256(message.key.encode()).hexdigest()[:40]
    mail["Message-ID"] = f"<{digest}@handoff>"
    mail["X-Handoff-Delivery"] = message.key
    mail["X-Handoff-Kind"] = message.kind
    mail.set_content(message.text)
    mail.add_alternative(email_html(message), subtype="html")
    return mail


def email_html(message: Message) -> str:
    """The text, escaped, one paragraph per blank-line block, with the actions as links."""
    blocks = [b for b in message.text.split("\n\n") if b.strip()]
    paragraphs = "\n".join(
        "<p>" + "<br>\n".join(html.escape(line) for line in block.splitlines()) + "</p>"
        for block in blocks
    )
    links = [(a.label, a.url) for a in message.actions]
    if message.link:
        links.append(("Open in handoff", message.link))
    buttons = " ".join(
        f'<a href="{html.escape(url, quote=True)}" style="display:inline-block;padding:6px 12px;'
        f'margin:0 6px 6px 0;border:1px solid #555;border-radius:4px;text-decoration:none">'
        f"{html.escape(label)}</a>"
        for label, url in links
    )
    actions = f"<p>{buttons}</p>" if buttons else ""
    return (
        '<!doctype html><html><body style="font-family:sans-serif;line-height:1.4">\n'
        f"{paragraphs}\n{actions}\n</body></html>\n"
    )


def _valid_address(address: str) -> str:
    """The address as a header value; a malformed one (or one smuggling a header) is refused."""
    if "\n" in address or "\r" in address:
        raise DeliveryError("The email address contains a line break.", retryable=False)
    try:
        parsed = Address(addr_spec=address.strip())
    except (ValueError, IndexError) as exc:
        raise DeliveryError(f"{address!r} is not an email address.", retryable=False) from exc
    if not parsed.username or not parsed.domain:
        raise DeliveryError(f"{address!r} is not an email address.", retryable=False)
    return parsed.addr_spec


def _smtp_failure(exc: smtplib.SMTPException) -> DeliveryError:
    """An SMTP error as a DeliveryError: 4xx answers and hang-ups are worth retrying, 5xx not."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        temporary = all(400 <= code < 500 for code in codes)
        reply = "; ".join(_reply(code, text) for code, text in exc.recipients.values())
        return DeliveryError(
            f"The SMTP server refused the recipient ({reply}).", retryable=temporary
        )
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return DeliveryError(
            f"SMTP sign-in failed ({exc.smtp_code}); check HANDOFF_SMTP_USER and "
            "HANDOFF_SMTP_PASSWORD.",
            retryable=False,
        )
    if isinstance(exc, smtplib.SMTPResponseException):
        temporary = 400 <= exc.smtp_code < 500
        return DeliveryError(
            f"The SMTP server answered {_reply(exc.smtp_code, exc.smtp_error)}.",
            retryable=temporary,
        )
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return DeliveryError(f"The SMTP server does not support this: {exc}.", retryable=False)
    # SMTPServerDisconnected and the rest: the conversation broke off.
    return DeliveryError(f"The SMTP conversation broke off ({exc}).", retryable=True)


def _reply(code: int, text: bytes | str) -> str:
    said = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    return f"{code} {' '.join(said.split())[:200]}"
