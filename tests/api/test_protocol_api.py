"""The protocol over HTTP: a publish routes the blocker to Sarah on every channel she set (each
delivered once through the notifier registry), her inbox shows it, she resolves it with a note
and Maya (who raised it) hears; per-item acknowledgment with a read-back; a lead re-routes; the
person's settings and the team's rules."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.notify import base
from api.notify.base import DeliveryError, Message
from tests.api.conftest import bearer


class Recorder:
    """A channel that records what it was asked to send; `fail` makes the next sends fail."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.sent: list[tuple[Message, str]] = []
        self.fail: list[DeliveryError] = []

    def send(self, message: Message, address: str) -> None:
        if self.fail:
            raise self.fail.pop(0)
        self.sent.append((message, address))


def _factory(rec: Recorder) -> Any:
    def make(settings: Any) -> Recorder:
        return rec

    return make


@pytest.fixture
def channels(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Recorder]]:
    from api.wiring import notify

    monkeypatch.setattr(base, "_REGISTRY", dict(base._REGISTRY))
    # the wiring registers the built-in channels on first use; in a fresh process that would
    # replace these recorders with the real (unconfigured) email and Slack notifiers
    monkeypatch.setattr(notify, "_registered", True)
    recorders = {name: Recorder(name) for name in ("email", "slack")}
    for name, rec in recorders.items():
        base.register(name, _factory(rec))
    yield recorders


def _member(settings: Any, username: str, display: str, team: str = "payments") -> str:
    from api.auth.services import get_identity
    from handoff.audit import Actor

    identity = get_identity(settings)
    op = Actor.operator()
    user = identity.directory.create_user(username, display_name=display, actor=op)
    identity.directory.add_member(team, username, "member", actor=op)
    return identity.tokens.create(user.id, name="t", actor=op).secret


@pytest.fixture
def sarah(client: TestClient, settings: Any) -> dict[str, str]:
    token = _member(settings, "sarah", "Sarah")
    r = client.put(
        "/api/me",
        headers=bearer(token),
        json={
            "timezone": "Asia/Singapore",
            "channels": {"email": "sarah@example.com", "slack_user_id": "U0SARAH"},
        },
    )
    assert r.status_code == 200, r.text
    return bearer(token)


def _published(client: TestClient, posted: dict[str, Any]) -> str:
    hid = posted["handoff_id"] if "handoff_id" in posted else posted["id"]
    r = client.post(f"/api/handoffs/{hid}/publish", json={"force_reason": "test"})
    assert r.status_code == 200, r.text
    return str(hid)


def test_a_published_blocker_reaches_sarah_once_on_each_channel_and_she_resolves_it(
    client: TestClient,
    posted: dict[str, Any],
    sarah: dict[str, str],
    channels: dict[str, Recorder],
) -> None:
    hid = _published(client, posted)
    [(mail, to)] = channels["email"].sent
    assert to == "sarah@example.com" and mail.kind == "blocker_routed"
    assert "session timeout" in mail.text and "Raised by: Maya" in mail.text
    [(_, slack_to)] = channels["slack"].sent
    assert slack_to == "U0SARAH"
    status = client.get(f"/api/handoffs/{hid}/notifications").json()
    assert status["counts"] == {"delivered": 3}
    assert set(status["latency_s"]) == {"inapp", "email", "slack"}
    assert all(v >= 0 for v in status["latency_s"].values())

    box = client.get("/api/inbox", headers=sarah).json()
    [blocker] = box["blockers"]
    assert box["count"] == 1 and blocker["item"]["needed_from"] == "Sarah"
    assert box["notifications"][0]["kind"] == "blocker_routed"

    item = blocker["item"]["id"]
    r = client.post(
        f"/api/items/{item}/resolve", headers=sarah, json={"note": "Approved. decided: 12 hours"}
    )
    assert r.status_code == 200, r.text
    assert r.json()["decision_id"]
    resolved = client.get(f"/api/items/{item}").json()
    assert resolved["state"] == "resolved" and resolved["resolved_by"] == "Sarah"
    maya = client.get("/api/inbox").json()
    assert any(n["kind"] == "blocker_resolved" for n in maya["notifications"])
    assert client.get("/api/inbox", headers=sarah).json()["count"] == 0
    # delivered rows are never sent again
    from api.usecases.protocol_delivery import deliver_due
    from handoff.settings import get_settings

    assert deliver_due(get_settings()).delivered == []
    assert len(channels["email"].sent) == 1


def test_a_failed_channel_is_retried_with_backoff_and_not_doubled(
    client: TestClient, posted: dict[str, Any], sarah: dict[str, str], channels: dict[str, Recorder]
) -> None:
    from datetime import timedelta

    from api.usecases.protocol_delivery import deliver_due
    from handoff.models import utcnow
    from handoff.settings import get_settings

    channels["email"].fail = [DeliveryError("the SMTP server timed out", retryable=True)]
    hid = _published(client, posted)
    rows = client.get(f"/api/handoffs/{hid}/notifications").json()["notifications"]
    [email] = [r for r in rows if r["channel"] == "email"]
    assert (email["status"], email["attempts"]) == ("pending", 1)
    assert "timed out" in email["last_error"]
    assert deliver_due(get_settings()).delivered == []  # not due yet: backing off
    later = deliver_due(get_settings(), now=utcnow() + timedelta(minutes=5))
    assert len(later.delivered) == 1
    assert len(channels["email"].sent) == 1


def test_a_refused_address_fails_without_retrying(
    client: TestClient, posted: dict[str, Any], sarah: dict[str, str], channels: dict[str, Recorder]
) -> None:
    channels["slack"].fail = [DeliveryError("user_not_found", retryable=False)]
    hid = _published(client, posted)
    rows = client.get(f"/api/handoffs/{hid}/notifications").json()["notifications"]
    [slack] = [r for r in rows if r["channel"] == "slack"]
    assert slack["status"] == "failed" and slack["last_error"] == "user_not_found"


def test_acknowledging_each_item_with_a_read_back_the_author_sees(
    client: TestClient, posted: dict[str, Any], settings: Any
) -> None:
    lars = bearer(_member(settings, "lars", "Lars"))
    hid = _published(client, posted)
    items = client.get("/api/items", params={"team": "payments", "kind": "work"}).json()
    work = next(i for i in items if "refund" in i["name"])
    r = client.post(
        f"/api/items/{work['id']}/acknowledge",
        headers=lars,
        json={"read_back": "chase James for the last review of #1842"},
    )
    assert r.status_code == 200, r.text
    assert client.get(f"/api/items/{work['id']}").json()["owner"] == "Lars"
    acks = client.get(f"/api/handoffs/{hid}/acknowledgments").json()
    [entry] = acks["items"]
    assert entry["acknowledgments"][0]["read_back"] == "chase James for the last review of #1842"
    assert acks["seconds_to_acknowledge"] >= 0
    r = client.post(
        f"/api/items/{work['id']}/acknowledge", headers=lars, json={"read_back": "a\nb"}
    )
    assert r.status_code == 422 and "one line" in r.json()["detail"]


def test_the_whole_handoff_acknowledgment_takes_each_live_item(
    client: TestClient, posted: dict[str, Any], settings: Any
) -> None:
    lars = bearer(_member(settings, "lars", "Lars"))
    hid = _published(client, posted)
    assert client.post(f"/api/handoffs/{hid}/acknowledge", headers=lars).status_code == 200
    acks = client.get(f"/api/handoffs/{hid}/acknowledgments").json()
    assert len(acks["items"]) >= 3
    assert all(i["acknowledgments"][0]["name"] == "Lars" for i in acks["items"])


def test_only_the_routed_person_or_a_lead_resolves_and_only_a_lead_reassigns(
    client: TestClient, posted: dict[str, Any], sarah: dict[str, str], settings: Any
) -> None:
    lars = bearer(_member(settings, "lars", "Lars"))
    _published(client, posted)
    [blocker] = client.get("/api/inbox", headers=sarah).json()["blockers"]
    item = blocker["item"]["id"]
    r = client.post(f"/api/items/{item}/resolve", headers=lars, json={"note": "done"})
    assert r.status_code == 403
    r = client.post(f"/api/items/{item}/reassign", headers=lars, json={"to": "Lars"})
    assert r.status_code == 403
    r = client.post(f"/api/items/{item}/reassign", json={"to": "Lars"})  # Maya is lead
    assert r.status_code == 200 and r.json()["user_id"]
    assert client.get("/api/inbox", headers=sarah).json()["blockers"] == []
    [moved] = client.get("/api/inbox", headers=lars).json()["blockers"]
    assert moved["item"]["needed_from"] == "Lars"
    r = client.post(f"/api/items/{item}/not-mine", headers=lars, json={"belongs_to": "Sarah"})
    assert r.status_code == 200
    assert client.get("/api/inbox", headers=sarah).json()["blockers"][0]["item"]["id"] == item


def test_settings_and_rules(client: TestClient, settings: Any) -> None:
    me = client.get("/api/me").json()
    assert me["profile"]["timezone"] == "UTC" and me["profile"]["channels"]["inapp"] is True
    r = client.put("/api/me", json={"timezone": "Mars/Olympus"})
    assert r.status_code == 422 and "IANA" in r.json()["detail"]
    r = client.put(
        "/api/me",
        json={
            "timezone": "Europe/London",
            "hours": {"mon": ["08:00", "16:00"], "sat": None},
            "days_off": ["2026-12-24"],
            "channels": {"webhooks": ["https://hooks.example.com/a"]},
        },
    )
    assert r.status_code == 200, r.text
    profile = client.get("/api/me").json()["profile"]
    assert profile["hours"]["0"] == ["08:00", "16:00"] and profile["days_off"] == ["2026-12-24"]
    assert profile["channels"]["webhooks"] == ["https://hooks.example.com/a"]
    assert client.get("/api/teams/payments/rules").json()["escalate_after_hours"] == 4.0
    r = client.put(
        "/api/teams/payments/rules", json={"escalate_after_hours": 6, "slack_channel": "C1"}
    )
    assert r.status_code == 200 and r.json()["escalate_after_hours"] == 6.0
    r = client.put(
        "/api/teams/payments/rules",
        json={"rollup_times": ["09:00"], "rollup_timezone": "Europe/London"},
    )
    assert r.json()["rollup_times"] == ["09:00"] and r.json()["slack_channel"] == "C1"
    r = client.put("/api/teams/payments/rules", json={"rollup_timezone": "Mars/Base"})
    assert r.status_code == 422 and "Unknown time zone" in r.json()["detail"]
    member = bearer(_member(settings, "lars", "Lars"))
    assert client.get("/api/teams/payments/rules", headers=member).status_code == 403
    assert client.get("/api/teams/payments/overdue", headers=member).json() == []


def test_answers_cite_the_resolution(
    client: TestClient, posted: dict[str, Any], sarah: dict[str, str]
) -> None:
    _published(client, posted)
    [blocker] = client.get("/api/inbox", headers=sarah).json()["blockers"]
    note = "Approved, decided: 12 hours"
    r = client.post(
        f"/api/items/{blocker['item']['id']}/resolve", headers=sarah, json={"note": note}
    )
    assert r.status_code == 200, r.text
    body = client.post(
        "/api/ask", json={"question": "what's blocking auth?", "team": "payments"}
    ).json()
    assert "by Sarah" in body["answer"], body["answer"]
    assert note in {c["quote"] for c in body["citations"]}
