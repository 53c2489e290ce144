"""Slack through `slack_sdk`'s `WebClient`: `chat.postMessage` to a user id (a DM from the app)
or a channel id, with Block Kit blocks: the text, a context line, and a URL button per action.

The token (`HANDOFF_SLACK_TOKEN`, a bot token with `chat:write`) is a `SecretStr`; it is handed to
the client only and never logged or put in an error. The client's own retry handlers are turned
off: retrying is the outbox's job, and a slow retry inside a task would hold a worker.

Failures, as `DeliveryError`:
    not retryable   Slack answered `ok: false` with a lasting error (channel_not_found,
                    not_in_channel, is_archived, invalid_auth, token_revoked, missing_scope, ...)
    retryable       rate limited (`RetryLater` with Slack's Retry-After seconds); internal_error,
                    service_unavailable, request_timeout or any 5xx; a connection that failed or
                    timed out; an answer that was not Slack's JSON
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.error import URLError

from pydantic import SecretStr
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from api.notify.backoff import RetryLater, parse_retry_after
from api.notify.base import DeliveryError, Message
from handoff.errors import ConfigError
from handoff.settings import Settings

DEFAULT_BASE_URL = "https://slack.com/api/"
#: Slack errors that a later try can get past; every other `ok: false` is lasting.
RETRYABLE_ERRORS = frozenset(
    {"ratelimited", "rate_limited", "internal_error", "fatal_error", "service_unavailable",
     "request_timeout"}
)  # fmt: skip
#: Block Kit limits: section text, button label, buttons per actions block.
MAX_SECTION_CHARS = 3000
MAX_BUTTON_LABEL = 75
MAX_BUTTONS = 25
_ADDRESS = re.compile(r"^[A-Z0-9][A-Z0-9_-]{1,79}$", re.IGNORECASE)


class SlackNotifier:
    """Posts each message with one `chat.postMessage` call."""

    name = "slack"

    def __init__(
        self, *, token: SecretStr, base_url: str | None = None, timeout_s: float = 10.0
    ) -> None:
        base = base_url or DEFAULT_BASE_URL
        self._client = WebClient(
            token=token.get_secret_value(),
            base_url=base if base.endswith("/") else base + "/",
            timeout=max(1, round(timeout_s)),
            retry_handlers=[],
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> SlackNotifier:
        if settings.slack_token is None or not settings.slack_token.get_secret_value():
            raise ConfigError("Slack notifications need HANDOFF_SLACK_TOKEN (a bot token).")
        return cls(
            token=settings.slack_token,
            base_url=settings.slack_base_url,
            timeout_s=settings.slack_timeout_s,
        )

    def __repr__(self) -> str:  # never the token
        return f"SlackNotifier(base_url={self._client.base_url!r})"

    def send(self, message: Message, address: str) -> None:
        """Post to `address`: a user id (U..., W...) for a DM, or a channel id (C..., G...)."""
        channel = address.strip()
        if not _ADDRESS.match(channel):
            raise DeliveryError(
                f"{address!r} is not a Slack user or channel id (like U0123ABCD or C0123ABCD).",
                retryable=False,
            )
        try:
            self._client.chat_postMessage(
                channel=channel,
                text=message.subject,
                blocks=slack_blocks(message),
                unfurl_links=False,
                unfurl_media=False,
            )
        except SlackApiError as exc:
            raise _api_failure(exc, channel) from exc
        except (URLError, OSError) as exc:  # refused, reset, timed out (TimeoutError is one)
            raise DeliveryError(f"Could not reach Slack ({_reason(exc)}).", retryable=True) from exc
        except (SlackClientError, json.JSONDecodeError) as exc:
            raise DeliveryError(
                f"Slack's answer could not be read ({exc.__class__.__name__}).", retryable=True
            ) from exc


def slack_blocks(message: Message) -> list[dict[str, Any]]:
    """The text as a section (lines that only repeat an action's URL are left to the buttons),
    a context line naming the team and linking the handoff, and one URL button per action."""
    action_lines = {f"{a.label}: {a.url}" for a in message.actions}
    if message.link:
        action_lines.add(f"Open the handoff: {message.link}")
    body = "\n".join(line for line in message.text.splitlines() if line not in action_lines)
    section = f"*{_escape(message.subject)}*\n{_escape(body.strip())}"
    context = f"handoff · team {_escape(message.team)}"
    if message.link:
        context += f" · <{message.link}|Open the handoff>"
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": _clip(section, MAX_SECTION_CHARS)}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": context}]},
    ]
    buttons = [
        {
            "type": "button",
            "text": {"type": "plain_text", "text": _clip(action.label, MAX_BUTTON_LABEL)},
            "url": action.url,
            "action_id": f"handoff_action_{i}",
            **({"style": "primary"} if i == 0 else {}),
        }
        for i, action in enumerate(message.actions[:MAX_BUTTONS])
    ]
    if buttons:
        blocks.append({"type": "actions", "block_id": "handoff_actions", "elements": buttons})
    return blocks


def _api_failure(exc: SlackApiError, channel: str) -> DeliveryError:
    response = exc.response
    error = str(response.get("error") or "unknown_error") if response is not None else "no_answer"
    status = response.status_code if response is not None else 0
    said = f"Slack refused the message to {channel}: {error}"
    if error in ("ratelimited", "rate_limited") or status == 429:
        headers = response.headers if response is not None else {}
        retry_after = parse_retry_after(_header(headers, "Retry-After"))
        return RetryLater(f"{said} (retry after {retry_after} s).", retry_after=retry_after)
    retryable = error in RETRYABLE_ERRORS or status >= 500
    return DeliveryError(f"{said} (HTTP {status}).", retryable=retryable)


def _header(headers: Any, name: str) -> str | None:
    """A header from slack_sdk's response headers (a dict whose values may be lists)."""
    for key, value in dict(headers or {}).items():
        if str(key).lower() == name.lower():
            return str(value[0] if isinstance(value, list) and value else value)
    return None


def _reason(exc: Exception) -> str:
    reason = getattr(exc, "reason", None)
    return f"{exc.__class__.__name__}: {reason}" if reason else exc.__class__.__name__


def _escape(text: str) -> str:
    """Slack mrkdwn's three control characters."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
