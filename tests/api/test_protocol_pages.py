"""The protocol's pages: the inbox and the header's count, per-item actions on the handoff and
item pages (htmx posts do what the API does), the person's and the team's settings."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.api.conftest import bearer
from tests.api.test_protocol_api import _member, _published
from tests.api.test_web_pages import HX, Page, page


def test_the_inbox_page_and_the_header_count(
    client: TestClient, posted: dict[str, Any], settings: Any
) -> None:
    sarah = bearer(_member(settings, "sarah", "Sarah"))
    hid = _published(client, posted)
    r = client.get("/inbox", headers=sarah)
    p = Page(r.text).check()
    assert "nav-inbox-count" in p.ids and "session timeout" in r.text
    [blocker] = client.get("/api/inbox", headers=sarah).json()["blockers"]
    item = blocker["item"]["id"]
    assert f"act-{item}" in p.ids

    review = page(client, f"/handoffs/{hid}")
    assert f"act-{item}" in review.ids and "items" in review.ids
    assert f"act-{item}" in page(client, f"/items/{item}").ids

    r = client.post(
        f"/items/{item}/resolve",
        data={"note": "approved, decided: 12 hours"},
        headers={**HX, **sarah},
    )
    assert r.status_code == 200 and "Resolved" in r.text
    Page(r.text).check()
    assert client.get(f"/api/items/{item}").json()["state"] == "resolved"
    after = Page(client.get("/inbox", headers=sarah).text).check()
    assert "nav-inbox-count" not in after.ids


def test_an_item_form_says_what_went_wrong(
    client: TestClient, posted: dict[str, Any], settings: Any
) -> None:
    lars = bearer(_member(settings, "lars", "Lars"))
    _published(client, posted)
    item = client.get("/api/items", params={"team": "payments", "kind": "blocker"}).json()[0]["id"]
    r = client.post(f"/items/{item}/resolve", data={"note": "mine now"}, headers={**HX, **lars})
    assert r.status_code == 200 and "Only the person it was routed to" in r.text
    r = client.post(
        f"/items/{item}/acknowledge", data={"read_back": "I chase Sarah"}, headers={**HX, **lars}
    )
    assert "You have it." in r.text
    hid = client.get(f"/api/items/{item}").json()["events"][0]["handoff_id"]
    assert "Lars acknowledged it" in client.get(f"/handoffs/{hid}").text  # the author sees it
    assert "I chase Sarah" in client.get(f"/handoffs/{hid}").text


def test_settings_pages(client: TestClient) -> None:
    page(client, "/settings")
    r = client.post(
        "/settings",
        data={
            "timezone": "Asia/Singapore",
            "mon_start": "08:00",
            "mon_end": "16:00",
            "days_off": "2026-12-25",
            "email": "maya@example.com",
        },
    )
    assert r.status_code == 200 and "Saved." in r.text
    profile = client.get("/api/me").json()["profile"]
    assert profile["timezone"] == "Asia/Singapore" and profile["hours"] == {"0": ["08:00", "16:00"]}
    assert profile["channels"]["email"] == "maya@example.com"
    r = client.post("/settings", data={"timezone": "Nowhere/Else"})
    assert r.status_code == 422 and "IANA" in r.text
    page(client, "/teams/payments/settings")
    r = client.post(
        "/teams/payments/settings",
        data={
            "escalate_after_hours": "2",
            "reminder_minutes": "15",
            "slack_channel": "C0PAY",
            "rollup_times": "17:00, 08:30",
            "rollup_timezone": "Asia/Singapore",
        },
    )
    assert r.status_code == 200 and "Saved." in r.text and 'value="08:30, 17:00"' in r.text
    rules = client.get("/api/teams/payments/rules").json()
    assert rules["rollup_times"] == ["08:30", "17:00"]
    assert rules["rollup_timezone"] == "Asia/Singapore"
    assert rules["escalate_after_hours"] == 2.0 and rules["flag_unacknowledged"] is False
    assert rules["slack_channel"] == "C0PAY"


def test_the_board_flags_a_handoff_nobody_acknowledged_by_the_next_shift(
    client: TestClient, posted: dict[str, Any], settings: Any
) -> None:
    _member(settings, "lars", "Lars")
    # Recorded Thursday 2026-11-19 18:00 SGT by Maya: the next shift of anyone else (Lars's,
    # 09:00-17:00 UTC by default) started on Friday, long ago.
    hid = _published(client, posted)
    r = client.get("/?team=payments")
    assert "not acknowledged by the next shift" in r.text
    assert client.get("/api/teams/payments/overdue").json()[0]["handoff_id"] == hid
    client.post(f"/api/handoffs/{hid}/acknowledge")
    assert "not acknowledged by the next shift" not in client.get("/?team=payments").text


def test_a_plain_form_goes_back_to_this_site_only(
    client: TestClient, posted: dict[str, Any], settings: Any
) -> None:
    lars = bearer(_member(settings, "lars", "Lars"))
    _published(client, posted)
    item = client.get("/api/items", params={"team": "payments", "kind": "work"}).json()[0]["id"]
    for referer, expected in (
        ("https://evil.example/x", f"/items/{item}"),
        ("//evil.example/x", f"/items/{item}"),
        ("http://testserver/inbox", "/inbox"),
    ):
        r = client.post(
            f"/items/{item}/acknowledge",
            data={},
            headers={**lars, "Referer": referer},
            follow_redirects=False,
        )
        assert r.status_code == 303 and r.headers["location"] == expected
