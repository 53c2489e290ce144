"""The protocol walk with the real channels: Amir publishes in Singapore on Friday evening; Sarah
gets the blocker by email through the real EmailNotifier to a real SMTP server on 127.0.0.1 and
by Slack through the real SlackNotifier (slack_sdk) to a local server that answers like Slack;
unacknowledged, it escalates to Maya, the lead, four of Sarah's working hours later (Monday);
Lars in London acknowledges each item at his shift start; Sarah clicks the email's resolve link
(signed in as nobody) and Amir gets the resolution in his own mail."""

from __future__ import annotations

import email
import email.policy
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import bearer
from tests.api.notify.conftest import SLACK_TOKEN, LocalHTTP, Mailbox, fake_slack
from tests.api.test_protocol_api import _member
from tests.api.test_protocol_walk import Frozen, _kinds, _tick

BASE = "http://testserver"


@pytest.fixture
def real_channels(
    home: Any,
    monkeypatch: pytest.MonkeyPatch,
    mailbox: tuple[Mailbox, int],
    local_http: LocalHTTP,
) -> tuple[Mailbox, LocalHTTP]:
    """Email to the local SMTP server, Slack to the local Slack server (requested before
    `client`, so the app reads these settings)."""
    from handoff.settings import get_settings

    box, port = mailbox
    local_http.responder = fake_slack
    for name, value in {
        "HANDOFF_SMTP_HOST": "127.0.0.1",
        "HANDOFF_SMTP_PORT": str(port),
        "HANDOFF_SMTP_SECURITY": "none",
        "HANDOFF_SLACK_TOKEN": SLACK_TOKEN,
        "HANDOFF_SLACK_BASE_URL": local_http.url + "/api/",
        "HANDOFF_PUBLIC_URL": BASE,
    }.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    return box, local_http


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Frozen:
    frozen = Frozen(datetime(2026, 11, 20, 10, 0, tzinfo=UTC))  # Friday 18:00 in Singapore
    for module in (
        "handoff.protocol.routing",
        "api.usecases.protocol",
        "api.usecases.protocol_delivery",
        "api.usecases.protocol_links",
    ):
        monkeypatch.setattr(f"{module}.utcnow", frozen)
    return frozen


def _mails_to(box: Mailbox, to: str) -> list[email.message.EmailMessage]:
    out = []
    for _, rcpts, raw in box.received:
        if to in rcpts:
            mail = email.message_from_bytes(raw, policy=email.policy.default)
            assert isinstance(mail, email.message.EmailMessage)
            out.append(mail)
    return out


def _plain(mail: email.message.EmailMessage) -> str:
    part = mail.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


@pytest.fixture
def browser(app: Any) -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c


def test_sarah_resolves_from_the_mail_the_smtp_server_got(
    real_channels: tuple[Mailbox, LocalHTTP],
    client: TestClient,
    browser: TestClient,
    settings: Any,
    example_wrap: str,
    clock: Frozen,
) -> None:
    box, slack = real_channels
    amir = bearer(_member(settings, "amir", "Amir"))
    sarah = bearer(_member(settings, "sarah", "Sarah"))
    lars = bearer(_member(settings, "lars", "Lars"))
    for who, tz, extra in (
        (amir, "Asia/Singapore", {"email": "amir@example.com"}),
        (sarah, "Asia/Singapore", {"email": "sarah@example.com", "slack_user_id": "U0SARAH"}),
        (lars, "Europe/London", {}),
    ):
        r = client.put("/api/me", headers=who, json={"timezone": tz, "channels": extra})
        assert r.is_success, r.text

    # Friday 18:00 in Singapore: Amir publishes before going offline.
    hid = client.post(
        "/api/handoffs",
        headers=amir,
        json={
            "text": example_wrap.replace("Maya", "Amir"),
            "author": "Amir",
            "team": "payments",
            "recorded_at": "2026-11-20T18:00:00+08:00",
        },
    ).json()["id"]
    r = client.post(f"/api/handoffs/{hid}/publish", headers=amir, json={"force_reason": "walk"})
    assert r.status_code == 200, r.text

    # The SMTP server got one mail for Sarah; the Slack server one DM to her, with the same links.
    [mail] = _mails_to(box, "sarah@example.com")
    text = _plain(mail)
    assert "session timeout" in text and "Raised by: Amir" in text
    assert mail["Subject"].startswith("Needs you:")
    [dm] = [json.loads(r.body) for r in slack.requests]
    assert dm["channel"] == "U0SARAH" and "session timeout" in dm["text"]
    resolve = re.search(r"^Resolve: (\S+)", text, re.MULTILINE)
    assert resolve is not None and resolve.group(1).startswith(f"{BASE}/actions/")
    assert resolve.group(1) in json.dumps(dm["blocks"])  # the Slack button is the same link

    # Saturday: nothing escalates; Monday 13:00 in Singapore (four of Sarah's hours): to Maya.
    assert _tick(datetime(2026, 11, 21, 10, 0, tzinfo=UTC))["escalated"] == 0
    assert _tick(datetime(2026, 11, 23, 5, 0, tzinfo=UTC))["escalated"] == 1
    assert "escalated" in _kinds(client, {})

    # Monday 09:30 in London: Lars takes each in-flight item and next action.
    clock.now = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
    items = client.get("/api/items", params={"team": "payments"}).json()
    for item in [i for i in items if i["kind"] in ("work", "action") and i["state"] != "done"]:
        r = client.post(f"/api/items/{item['id']}/acknowledge", headers=lars, json={})
        assert r.status_code == 200, r.text

    # Monday 18:00 in Singapore: Sarah clicks the mail's resolve link, signed in as nobody.
    clock.now = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    path = resolve.group(1).removeprefix(BASE)
    page = browser.get(path)
    assert page.status_code == 200 and "Sarah" in page.text
    done = browser.post(path, data={"note": "approved. Sarah decided: 12 hours"})
    assert done.status_code == 200 and "Resolved" in done.text
    assert browser.post(path, data={"note": "twice"}).status_code == 409

    # Amir gets the resolution: in the app and in the mail the SMTP server received.
    assert "blocker_resolved" in _kinds(client, amir)
    [resolution] = [
        m for m in _mails_to(box, "amir@example.com") if m["Subject"].startswith("Resolved")
    ]
    assert "Sarah resolved the blocker you raised" in _plain(resolution)
    assert "Note: approved. Sarah decided: 12 hours" in _plain(resolution)
    status = client.get(f"/api/handoffs/{hid}/notifications").json()
    assert "failed" not in status["counts"]
    assert {"inapp", "email", "slack"} <= set(status["latency_s"])


def test_the_team_rollup_reaches_the_team_channels_at_the_leads_time(
    real_channels: tuple[Mailbox, LocalHTTP],
    client: TestClient,
    posted: dict[str, Any],
) -> None:
    """Maya (lead) sets 09:00 London; the tick at 09:02 sends the rollup to the team's Slack
    channel and team email through the real notifiers; the tick at 09:07 sends nothing more."""
    box, slack = real_channels
    r = client.put(
        "/api/teams/payments/rules",
        json={
            "rollup_times": ["09:00"],
            "rollup_timezone": "Europe/London",
            "slack_channel": "C0PAYMENTS",
            "team_email": "payments@example.com",
        },
    )
    assert r.status_code == 200, r.text
    r = client.post(f"/api/handoffs/{posted['id']}/publish", json={"force_reason": "walk"})
    assert r.status_code == 200, r.text
    slack.requests.clear()

    assert _tick(datetime(2026, 11, 23, 8, 59, tzinfo=UTC))["rollups"] == 0
    assert _tick(datetime(2026, 11, 23, 9, 2, tzinfo=UTC))["rollups"] == 1
    assert _tick(datetime(2026, 11, 23, 9, 7, tzinfo=UTC))["rollups"] == 0
    [post] = [json.loads(r.body) for r in slack.requests]
    assert post["channel"] == "C0PAYMENTS" and "payments: state at" in json.dumps(post["blocks"])
    assert f"{BASE}/teams/payments/rollup" in json.dumps(post["blocks"])
    [mail] = _mails_to(box, "payments@example.com")
    assert mail["Subject"] == "Team payments rollup, Mon 23 Nov 09:00"
    text = _plain(mail)
    assert "## Open blockers, oldest first" in text and "session timeout" in text
    assert f"Read it in handoff: {BASE}/teams/payments/rollup" in text
