"""Slack through the real `slack_sdk` client, its base URL pointed at a local HTTP server that
checks each call (the token, the channel, the blocks) and answers the way Slack does."""

from __future__ import annotations

import json
import logging

import pytest
from pydantic import SecretStr

from api.notify.backoff import RetryLater, delay_for
from api.notify.base import DeliveryError, Message
from api.notify.slack import SlackNotifier, slack_blocks
from handoff.errors import ConfigError
from handoff.settings import Settings
from tests.api.notify.conftest import SLACK_TOKEN, LocalHTTP, fake_slack, free_port

TOKEN = SLACK_TOKEN


@pytest.fixture
def slack(local_http: LocalHTTP) -> tuple[SlackNotifier, LocalHTTP]:
    local_http.responder = fake_slack
    notifier = SlackNotifier(token=SecretStr(TOKEN), base_url=local_http.url + "/api/")
    return notifier, local_http


def test_a_dm_carries_text_context_and_url_buttons(
    slack: tuple[SlackNotifier, LocalHTTP], message: Message
) -> None:
    notifier, server = slack
    notifier.send(message, "U0SARAH01")

    [call] = server.requests
    assert call.path == "/api/chat.postMessage"
    assert call.headers["authorization"] == f"Bearer {TOKEN}"
    assert call.headers["content-type"].startswith("application/json")
    body = json.loads(call.body)
    assert body["channel"] == "U0SARAH01" and body["text"] == message.subject
    assert body["unfurl_links"] is False
    section, context, actions = body["blocks"]
    assert section["type"] == "section" and section["text"]["type"] == "mrkdwn"
    # Escaped for mrkdwn; the lines that only repeated an action's URL went to the buttons.
    assert "*Blocker for you: deploy of payments-api &lt;prod&gt;*" in section["text"]["text"]
    assert "Raised by: Engineer A" in section["text"]["text"]
    assert "https://handoff.test/a/tok1" not in section["text"]["text"]
    assert context["type"] == "context"
    assert "<https://handoff.test/handoffs/h1|Open the handoff>" in context["elements"][0]["text"]
    assert actions["type"] == "actions"
    assert [(b["text"]["text"], b["url"]) for b in actions["elements"]] == [
        ("Acknowledge", "https://handoff.test/a/tok1"),
        ("Resolve with a note", "https://handoff.test/a/tok2?x=1&y=2"),
    ]
    assert len({b["action_id"] for b in actions["elements"]}) == 2


def test_a_channel_gets_the_same_blocks(
    slack: tuple[SlackNotifier, LocalHTTP], message: Message
) -> None:
    notifier, server = slack
    notifier.send(message, "C0PAYMENTS")
    assert json.loads(server.requests[0].body)["blocks"] == slack_blocks(message)


def test_lasting_errors_are_not_retried(
    slack: tuple[SlackNotifier, LocalHTTP], message: Message, local_http: LocalHTTP
) -> None:
    notifier, _ = slack
    with pytest.raises(DeliveryError, match="channel_not_found") as gone:
        notifier.send(message, "C0GONE")
    assert gone.value.retryable is False
    wrong = SlackNotifier(token=SecretStr("xoxb-wrong-token"), base_url=local_http.url + "/api")
    with pytest.raises(DeliveryError, match="invalid_auth") as denied:
        wrong.send(message, "U0SARAH01")
    assert denied.value.retryable is False and "xoxb-wrong-token" not in str(denied.value)


def test_rate_limited_honours_retry_after(
    slack: tuple[SlackNotifier, LocalHTTP], message: Message
) -> None:
    notifier, _ = slack
    with pytest.raises(RetryLater) as limited:
        notifier.send(message, "C0BUSY")
    assert limited.value.retryable is True and limited.value.retry_after == 7.0
    assert delay_for(limited.value, attempt=1) == 7.0


def test_server_errors_and_timeouts_are_retried(
    slack: tuple[SlackNotifier, LocalHTTP], message: Message, local_http: LocalHTTP
) -> None:
    notifier, _ = slack
    with pytest.raises(DeliveryError) as down:
        notifier.send(message, "C0DOWN")
    assert down.value.retryable is True
    impatient = SlackNotifier(
        token=SecretStr(TOKEN), base_url=local_http.url + "/api/", timeout_s=1
    )
    with pytest.raises(DeliveryError) as slow:
        impatient.send(message, "C0SLOW")
    assert slow.value.retryable is True


def test_connection_refused_is_retried(message: Message) -> None:
    notifier = SlackNotifier(token=SecretStr(TOKEN), base_url=f"http://127.0.0.1:{free_port()}/")
    with pytest.raises(DeliveryError) as refused:
        notifier.send(message, "U0SARAH01")
    assert refused.value.retryable is True


@pytest.mark.parametrize("address", ["", "#general", "U0 SARAH", "https://slack.com/x"])
def test_an_address_that_is_no_slack_id_is_refused_before_calling(
    slack: tuple[SlackNotifier, LocalHTTP], message: Message, address: str
) -> None:
    notifier, server = slack
    with pytest.raises(DeliveryError) as err:
        notifier.send(message, address)
    assert err.value.retryable is False and server.requests == []


def test_from_settings_needs_a_token_and_never_shows_it() -> None:
    with pytest.raises(ConfigError, match="HANDOFF_SLACK_TOKEN"):
        SlackNotifier.from_settings(Settings())
    notifier = SlackNotifier.from_settings(Settings(slack_token=SecretStr(TOKEN)))
    assert TOKEN not in repr(notifier)


def test_the_token_never_reaches_the_logs(
    slack: tuple[SlackNotifier, LocalHTTP], message: Message, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    notifier, _ = slack
    notifier.send(message, "U0SARAH01")
    with pytest.raises(DeliveryError):
        notifier.send(message, "C0GONE")
    assert "chat.postMessage" in caplog.text and TOKEN not in caplog.text
