"""The notifier seam: what a message is, what a channel must do with it, and how channels are found.

Every channel (in-app, email, Slack, webhook) receives the same `Message`. Delivery is at-least-once
from the outbox, so each message carries an idempotency `key`; a channel that can deduplicate on
its side (webhooks: a header) passes the key on. A channel signals failure with `DeliveryError`,
saying whether trying again later can help (a refused address cannot; a timeout can).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from handoff.errors import ConfigError
from handoff.settings import Settings


@dataclass(frozen=True, slots=True)
class Action:
    """A one-click action offered with a message ("Acknowledge", "Resolve"): a label and a URL."""

    label: str
    url: str


@dataclass(frozen=True, slots=True)
class Message:
    """One notification for one recipient, rendered once and sent through any channel.

    `key` is unique per (event, recipient, channel) and stable across retries. `kind` names the
    event (for example "blocker_routed", "blocker_resolved", "escalated", "reminder", "digest").
    `text` is plain text that stands on its own: the recipient can act without a follow-up
    conversation. `data` is the structured form that webhooks send as JSON.
    """

    key: str
    team: str
    kind: str
    subject: str
    text: str
    link: str | None = None
    actions: tuple[Action, ...] = ()
    data: dict[str, Any] = field(default_factory=dict)


class DeliveryError(Exception):
    """A channel could not deliver; `retryable` says whether trying again later can help."""

    def __init__(self, message: str, *, retryable: bool) -> None:
        super().__init__(message)
        self.retryable = retryable


class Notifier(Protocol):
    """A delivery channel. `address` is channel-specific: an email address, a Slack user or
    channel id, a webhook URL, a user id for the in-app inbox."""

    name: str

    def send(self, message: Message, address: str) -> None: ...


NotifierFactory = Callable[[Settings], Notifier]

_REGISTRY: dict[str, NotifierFactory] = {}


def register(name: str, factory: NotifierFactory) -> None:
    """Add a channel under `name`; registering a name twice replaces the factory (tests do)."""
    _REGISTRY[name] = factory


def channel_names() -> list[str]:
    return sorted(_REGISTRY)


def notifier_for(name: str, settings: Settings) -> Notifier:
    """The notifier for a channel name; an unknown name lists the valid ones."""
    try:
        factory = _REGISTRY[name]
    except KeyError:
        valid = ", ".join(channel_names()) or "none registered"
        raise ConfigError(f"Unknown notification channel {name!r}; valid: {valid}.") from None
    return factory(settings)
