"""The built-in delivery channels, registered under the names the outbox uses.

    email     EmailNotifier   (HANDOFF_SMTP_*)       address: an email address
    slack     SlackNotifier   (HANDOFF_SLACK_*)      address: a Slack user id (DM) or channel id
    webhook   WebhookNotifier (HANDOFF_WEBHOOK_*)    address: the webhook's http(s) URL

`register_builtin_channels()` is called once per process by the wiring
(`api.wiring.notify.build_notifier`); the in-app inbox registers itself beside these. Each factory
keeps one notifier per settings (the webhook's HTTP connection pool is reused) and imports its
client library only when first asked for. A channel whose settings are missing raises
ConfigError naming the variable; `configured_channels()` says which are ready, so the router can
skip the others instead of queueing deliveries that cannot succeed.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from api.notify.base import channel_names, register
from handoff.errors import ConfigError
from handoff.settings import Settings

if TYPE_CHECKING:
    from api.notify.email import EmailNotifier
    from api.notify.slack import SlackNotifier
    from api.notify.webhook import WebhookNotifier

BUILTIN = ("email", "slack", "webhook")


@lru_cache(maxsize=8)
def email_notifier(settings: Settings) -> EmailNotifier:
    from api.notify.email import EmailNotifier

    return EmailNotifier.from_settings(settings)


@lru_cache(maxsize=8)
def slack_notifier(settings: Settings) -> SlackNotifier:
    try:
        from api.notify.slack import SlackNotifier
    except ImportError as exc:  # pragma: no cover - slack_sdk is a dependency
        raise ConfigError("Slack notifications need slack_sdk: pip install slack_sdk.") from exc
    return SlackNotifier.from_settings(settings)


@lru_cache(maxsize=8)
def webhook_notifier(settings: Settings) -> WebhookNotifier:
    from api.notify.webhook import WebhookNotifier, require_secret

    require_secret(settings)
    return WebhookNotifier.from_settings(settings)


def register_builtin_channels(*, replace: bool = True) -> None:
    """Register email, Slack and webhooks. With `replace` (the default) a re-registration
    replaces the factories; without it a name already registered keeps its factory, so a
    channel someone registered first (a deployment's own, a test's recorder) is not overwritten
    by the wiring's lazy first registration."""
    taken = set(channel_names())
    for name, factory in (
        ("email", email_notifier),
        ("slack", slack_notifier),
        ("webhook", webhook_notifier),
    ):
        if replace or name not in taken:
            register(name, factory)


def configured_channels(settings: Settings) -> frozenset[str]:
    """The built-in channels whose settings are present (the in-app inbox always is)."""
    ready = set()
    if settings.smtp_host:
        ready.add("email")
    if settings.slack_token is not None and settings.slack_token.get_secret_value():
        ready.add("slack")
    if settings.webhook_secret is not None or settings.webhook_secrets is not None:
        ready.add("webhook")
    return frozenset(ready)
