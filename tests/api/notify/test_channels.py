"""The registry of built-in channels, the wiring that registers them, the rendering every channel
shares, and the backoff helper the outbox uses."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import SecretStr

from api.notify.backoff import RetryLater, backoff_seconds, delay_for, parse_retry_after
from api.notify.base import Action, DeliveryError, channel_names, notifier_for
from api.notify.channels import configured_channels, register_builtin_channels
from api.notify.email import EmailNotifier
from api.notify.rendering import (
    BlockerNotice,
    ResolutionNotice,
    format_since,
    render_blocker,
    render_resolved,
)
from api.notify.slack import SlackNotifier
from api.notify.webhook import WebhookNotifier
from handoff.errors import ConfigError
from handoff.settings import Settings

NOW = datetime(2026, 12, 7, 4, 40, tzinfo=UTC)
NOTICE = BlockerNotice(
    team="payments",
    item_id="itm_42",
    what="Deploy of payments-api to prod",
    why="the 12 h maintenance window is not approved",
    since=NOW - timedelta(hours=3),
    raised_by="Engineer A",
    needed_from="Sarah",
    quote="we can't ship until Sarah signs off on the window",
    clip_url="https://h.test/handoffs/h1/media#t=134",
    handoff_url="https://h.test/handoffs/h1",
    actions=(
        Action("Acknowledge", "https://h.test/actions/t1"),
        Action("Resolve with a note", "https://h.test/actions/t2"),
    ),
)


def test_the_three_channels_register_and_build_from_settings() -> None:
    register_builtin_channels()
    assert {"email", "slack", "webhook"} <= set(channel_names())
    settings = Settings(
        smtp_host="127.0.0.1",
        slack_token=SecretStr("xoxb-1"),
        webhook_secret=SecretStr("s" * 32),
    )
    assert configured_channels(settings) == {"email", "slack", "webhook"}
    assert isinstance(notifier_for("email", settings), EmailNotifier)
    assert isinstance(notifier_for("slack", settings), SlackNotifier)
    webhook = notifier_for("webhook", settings)
    assert isinstance(webhook, WebhookNotifier)
    assert notifier_for("webhook", settings) is webhook  # one per settings: its pool is reused
    with pytest.raises(ConfigError, match=r"valid: .*email"):
        notifier_for("pager", settings)


def test_an_unconfigured_channel_names_its_setting() -> None:
    register_builtin_channels()
    bare = Settings()
    assert configured_channels(bare) == frozenset()
    for channel, variable in (
        ("email", "HANDOFF_SMTP_HOST"),
        ("slack", "HANDOFF_SLACK_TOKEN"),
        ("webhook", "HANDOFF_WEBHOOK_SECRET"),
    ):
        with pytest.raises(ConfigError, match=variable):
            notifier_for(channel, bare)


def test_the_services_container_hands_out_notifiers(services: object) -> None:
    from api.wiring.services import Services

    assert isinstance(services, Services)
    configured = services.settings.model_copy(update={"smtp_host": "127.0.0.1"})
    assert isinstance(Services(configured).notifier("email"), EmailNotifier)


def test_a_routed_blocker_reads_on_its_own() -> None:
    message = render_blocker(NOTICE, key="k1", timezone="Asia/Singapore", now=NOW)
    assert message.kind == "blocker_routed" and message.team == "payments"
    assert message.subject == "Blocker for you: Deploy of payments-api to prod"
    assert message.text.splitlines()[:5] == [
        "Blocked: Deploy of payments-api to prod",
        "Why: the 12 h maintenance window is not approved",
        "Blocked since: Mon 7 Dec 2026, 09:40 +08 (3 h ago)",
        "Raised by: Engineer A",
        "Needs: Sarah",
    ]
    assert '"we can\'t ship until Sarah signs off on the window" (Engineer A)' in message.text
    assert "Hear it in the clip: https://h.test/handoffs/h1/media#t=134" in message.text
    assert "Resolve with a note: https://h.test/actions/t2" in message.text
    assert message.data["since"] == "2026-12-07T01:40:00+00:00"
    assert message.data["actions"][0] == {
        "label": "Acknowledge",
        "url": "https://h.test/actions/t1",
    }
    assert message.link == NOTICE.handoff_url and message.actions == NOTICE.actions


def test_an_unknown_resolver_asks_the_leads() -> None:
    from dataclasses import replace

    unknown = replace(NOTICE, needed_from="the DBA", needed_from_known=False)
    message = render_blocker(unknown, key="k2", timezone="Europe/London", now=NOW)
    assert message.kind == "blocker_needs_resolver"
    assert message.subject.startswith("Who can clear this?")
    assert message.text.startswith('This blocker names "the DBA" as who can clear it')
    assert "Needs:" not in message.text and "01:40 GMT" in message.text


def test_times_read_in_the_readers_zone() -> None:
    since = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    assert (
        format_since(since, timezone="Europe/London", now=NOW)
        == "Tue 1 Dec 2026, 08:00 GMT (5 days ago)"
    )
    assert format_since(since, timezone="No/Such_Zone", now=since + timedelta(minutes=5)).endswith(
        "UTC (5 min ago)"
    )


def test_backoff_doubles_with_jitter_up_to_the_cap() -> None:
    rng = random.Random(7)
    delays = [backoff_seconds(n, base_s=10, cap_s=100, rng=rng) for n in range(1, 8)]
    for n, delay in enumerate(delays, start=1):
        ceiling = min(100, 10 * 2 ** (n - 1))
        assert ceiling / 2 <= delay <= ceiling
    assert backoff_seconds(1000, base_s=10, cap_s=100) <= 100
    with pytest.raises(ValueError):
        backoff_seconds(0)


def test_retry_after_wins_over_backoff() -> None:
    assert parse_retry_after("12") == 12.0 and parse_retry_after("soon") is None
    assert parse_retry_after("-1") is None and parse_retry_after("99999999") == 24 * 3600
    assert delay_for(RetryLater("busy", retry_after=42), attempt=5) == 42
    plain = delay_for(DeliveryError("down", retryable=True), attempt=1, base_s=10)
    assert 5 <= plain <= 10


def test_the_raiser_hears_who_resolved_it_and_the_note() -> None:
    notice = ResolutionNotice(
        team="payments",
        item_id="itm_42",
        what="Deploy of payments-api to prod",
        resolved_by="Sarah",
        resolved_at=NOW - timedelta(minutes=10),
        note="approved, 12 h",
        handoff_url="https://h.test/handoffs/h1",
    )
    message = render_resolved(notice, key="k3", timezone="Asia/Singapore", now=NOW)
    assert message.kind == "blocker_resolved"
    assert message.subject == "Resolved by Sarah: Deploy of payments-api to prod"
    assert message.text.splitlines() == [
        "Resolved: Deploy of payments-api to prod",
        "By: Sarah",
        "When: Mon 7 Dec 2026, 12:30 +08 (10 min ago)",
        "Note: approved, 12 h",
        "",
        "Open the handoff: https://h.test/handoffs/h1",
    ]
    assert message.data["note"] == "approved, 12 h" and message.actions == ()
