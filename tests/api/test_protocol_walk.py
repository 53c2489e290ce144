"""The whole protocol across two time zones with a frozen clock, through the HTTP API: Amir
publishes in Singapore on Friday evening; Sarah gets the blocker by email and Slack (recording
channels registered through the notifier registry); nobody acknowledges it, so four of Sarah's
working hours later (Monday morning in Singapore, not Friday night) it escalates to Maya, the
lead; Lars in London gets his digest at his shift start and acknowledges each item; Sarah
resolves with a note and Amir hears; near the end of Lars's shift, not having posted, he is
reminded."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import bearer
from tests.api.test_protocol_api import Recorder, _member, channels  # noqa: F401


@dataclass
class Frozen:
    now: datetime

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Frozen:
    frozen = Frozen(datetime(2026, 11, 20, 10, 0, tzinfo=UTC))  # Friday 18:00 in Singapore
    for module in (
        "handoff.protocol.routing",
        "api.usecases.protocol",
        "api.usecases.protocol_delivery",
    ):
        monkeypatch.setattr(f"{module}.utcnow", frozen)
    return frozen


def _tick(at: datetime) -> dict[str, int]:
    from api.usecases import protocol
    from api.usecases.protocol_delivery import deliver_due
    from handoff.settings import get_settings

    made = protocol.tick(get_settings(), now=at)
    deliver_due(get_settings(), now=at)
    return made


def _kinds(client: TestClient, who: dict[str, str]) -> list[str]:
    return [n["kind"] for n in client.get("/api/inbox", headers=who).json()["notifications"]]


def test_the_protocol_across_singapore_and_london(
    client: TestClient,
    settings: Any,
    example_wrap: str,
    clock: Frozen,
    channels: dict[str, Recorder],  # noqa: F811
) -> None:
    amir = bearer(_member(settings, "amir", "Amir"))
    sarah = bearer(_member(settings, "sarah", "Sarah"))
    lars = bearer(_member(settings, "lars", "Lars"))
    for who, tz, extra in (
        (amir, "Asia/Singapore", {}),
        (sarah, "Asia/Singapore", {"email": "sarah@example.com", "slack_user_id": "U0SARAH"}),
        (lars, "Europe/London", {}),
    ):
        assert client.put(
            "/api/me", headers=who, json={"timezone": tz, "channels": extra}
        ).is_success

    # Friday 18:00 in Singapore: Amir publishes before going offline.
    posted = client.post(
        "/api/handoffs",
        headers=amir,
        json={
            "text": example_wrap.replace("Maya", "Amir"),
            "author": "Amir",
            "team": "payments",
            "recorded_at": "2026-11-20T18:00:00+08:00",
        },
    ).json()
    hid = posted["id"]
    r = client.post(f"/api/handoffs/{hid}/publish", headers=amir, json={"force_reason": "walk"})
    assert r.status_code == 200, r.text
    [(mail, mail_to)] = channels["email"].sent
    [(dm, dm_to)] = channels["slack"].sent
    assert (mail_to, dm_to) == ("sarah@example.com", "U0SARAH")
    assert mail.key != dm.key and "session timeout" in mail.text and "Raised by: Amir" in mail.text
    assert [a.label for a in mail.actions] == ["Acknowledge", "Resolve", "Not mine"]

    # Saturday: nothing escalates (Sarah does not work weekends).
    assert _tick(datetime(2026, 11, 21, 10, 0, tzinfo=UTC))["escalated"] == 0
    # Monday 13:00 in Singapore: four of Sarah's working hours have passed.
    assert _tick(datetime(2026, 11, 23, 5, 0, tzinfo=UTC))["escalated"] == 1
    assert "escalated" in _kinds(client, {})  # Maya, the lead (the client's own token)

    # Monday 09:30 in London: Lars's digest, then he takes each item.
    clock.now = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
    assert _tick(clock.now)["digests"] >= 1
    assert "digest" in _kinds(client, lars)
    items = client.get("/api/items", params={"team": "payments"}).json()
    taken = [i for i in items if i["kind"] in ("work", "action") and i["state"] != "done"]
    assert taken
    for item in taken:
        r = client.post(
            f"/api/items/{item['id']}/acknowledge", headers=lars, json={"read_back": "on it"}
        )
        assert r.status_code == 200, r.text
    acks = client.get(f"/api/handoffs/{hid}/acknowledgments").json()
    assert acks["seconds_to_acknowledge"] == pytest.approx(71.5 * 3600)
    assert {a["acknowledgments"][0]["name"] for a in acks["items"]} == {"Lars"}

    # Sarah resolves with a note; Amir hears.
    clock.now = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    [blocker] = client.get("/api/inbox", headers=sarah).json()["blockers"]
    r = client.post(
        f"/api/items/{blocker['item']['id']}/resolve",
        headers=sarah,
        json={"note": "approved. Sarah decided: 12 hours"},
    )
    assert r.status_code == 200 and r.json()["notified"]
    assert "blocker_resolved" in _kinds(client, amir)

    # Monday 16:35 in London: Lars has not posted a wrap today.
    assert _tick(datetime(2026, 11, 23, 16, 35, tzinfo=UTC))["reminders"] >= 1
    assert "reminder" in _kinds(client, lars)
    status = client.get(f"/api/handoffs/{hid}/notifications").json()
    assert status["counts"]["delivered"] >= 3 and "failed" not in status["counts"]
