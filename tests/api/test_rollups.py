"""Rollups: a team's state for a lead who was away, and a pod's with cross-team blockers first."""

from __future__ import annotations

from typing import Any

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from handoff.audit import Actor
from handoff.identity.roles import Role
from handoff.rollups.pods import Pods
from tests.api.conftest import bearer

PERIOD = {"since": "2026-11-18T00:00:00+00:00", "until": "2026-11-19T12:00:00+00:00"}


def _publish(client: TestClient, team: str, author: str, at: str, decl: dict[str, Any]) -> str:
    r = client.post(
        "/api/handoffs",
        json={"text": "A short wrap.", "author": author, "team": team, "recorded_at": at},
    )
    assert r.status_code == 202, r.text
    hid = str(r.json()["id"])
    assert client.patch(f"/api/handoffs/{hid}", json=decl).status_code == 200
    r = client.post(f"/api/handoffs/{hid}/publish", json={"force_reason": "test"})
    assert r.status_code == 200, r.text
    return hid


@pytest.fixture
def days(client: TestClient, settings: Any) -> dict[str, str]:
    """Two days of payments (one of them before the period) and one of ops."""
    directory = _directory(settings)
    op = Actor.operator()
    directory.create_user("olu", display_name="Olu", actor=op)
    directory.add_member("ops", "olu", Role.MEMBER, actor=op)
    directory.create_user("ines", display_name="Ines", actor=op)
    directory.add_member("payments", "ines", Role.MEMBER, actor=op)
    old = _publish(
        client,
        "payments",
        "Maya",
        "2026-11-16T17:00:00+08:00",
        {
            "blockers": [{"description": "Staging VPN access", "needed_from": "Olu"}],
            "decisions": [{"decision": "Keep the old refund path", "rationale": "less risk"}],
        },
    )
    new = _publish(
        client,
        "payments",
        "Maya",
        "2026-11-18T17:00:00+08:00",
        {
            "in_flight": [
                {"item": "refund flow", "status": "in_review", "owner": "Maya"},
                {"item": "ledger export", "status": "in_progress", "owner": "Tomas"},
            ],
            "blockers": [{"description": "Card network sandbox keys", "needed_from": None}],
            "decisions": [
                {"decision": "Retry refunds three times", "rationale": "the network drops calls"}
            ],
            "shipped": [{"summary": "invoice emails"}],
            "returns_at": "Friday 9am SGT",
        },
    )
    ops = _publish(
        client,
        "ops",
        "Olu",
        "2026-11-18T09:00:00+00:00",
        {"in_flight": [{"item": "VPN rollout", "status": "in_progress", "owner": "Olu"}]},
    )
    return {"old": old, "new": new, "ops": ops}


def _directory(settings: Any) -> Any:
    from api.auth.services import get_identity

    return get_identity(settings).directory


def test_team_rollup_is_the_state_now_with_citations(
    client: TestClient, days: dict[str, str]
) -> None:
    r = client.get("/api/teams/payments/rollup", params=PERIOD)
    assert r.status_code == 200, r.text
    roll = r.json()
    # Open blockers oldest first, with who can clear each (nobody named is said so).
    assert [b["text"] for b in roll["blockers"]] == [
        "Staging VPN access",
        "Card network sandbox keys",
    ]
    assert roll["blockers"][0]["who"] == "Olu" and roll["blockers"][1]["who"] is None
    assert roll["blockers"][0]["age_hours"] > roll["blockers"][1]["age_hours"] > 0
    assert roll["blockers"][0]["cite"]["handoff_id"] == days["old"]
    # In-flight work grouped by owner.
    assert {o: [w["text"] for w in ws] for o, ws in roll["in_flight"].items()} == {
        "Maya": ["refund flow"],
        "Tomas": ["ledger export"],
    }
    assert roll["in_flight"]["Maya"][0]["status"] == "in_review"
    # Only the period's decisions, with their why.
    assert [(d["text"], d["detail"]) for d in roll["decisions"]] == [
        ("Retry refunds three times", "the network drops calls")
    ]
    assert [s["text"] for s in roll["shipped"]] == ["invoice emails"]
    assert roll["returns"][0]["who"] == "Maya" and roll["returns"][0]["at"].startswith("2026-11-20")
    assert roll["unacknowledged"] == []  # published (today) after the period's end
    assert roll["not_posted"] == ["Ines"]  # Maya posted; Ines did not
    lines = roll["blockers"] + roll["decisions"] + roll["shipped"] + roll["returns"]
    assert all(x["cite"]["handoff_id"] in days.values() for x in lines)


def test_unacknowledged_until_someone_acknowledges(
    client: TestClient, days: dict[str, str]
) -> None:
    since = {"since": "2026-11-18T00:00:00+00:00"}  # until now: both published since
    roll = client.get("/api/teams/payments/rollup", params=since).json()
    assert [u["cite"]["handoff_id"] for u in roll["unacknowledged"]] == [days["new"]]
    ack = client.post(f"/api/handoffs/{days['new']}/acknowledge", json={"by": "Ines"})
    assert ack.status_code == 200, ack.text
    roll = client.get("/api/teams/payments/rollup", params=since).json()
    assert roll["unacknowledged"] == []


def test_markdown_and_page_read_the_same(client: TestClient, days: dict[str, str]) -> None:
    md = client.get("/api/teams/payments/rollup", params=PERIOD | {"format": "markdown"})
    assert md.headers["content-type"].startswith("text/markdown")
    text = md.text
    assert "Staging VPN access: Olu can clear it" in text
    assert "nobody named can clear it" in text
    assert f"(/handoffs/{days['new']})" in text
    assert text.index("Open blockers") < text.index("In flight") < text.index("Decisions")
    page = client.get("/teams/payments/rollup")
    assert page.status_code == 200 and "Staging VPN access" in page.text


def test_pod_rollup_puts_cross_team_blockers_first(
    client: TestClient, days: dict[str, str], settings: Any
) -> None:
    pods = Pods(settings.resolved_database_url)
    pods.create("apac", actor=Actor.operator())
    pods.add_team("apac", "payments", actor=Actor.operator())
    pods.add_team("apac", "ops", actor=Actor.operator())
    r = client.get("/api/pods/apac/rollup", params=PERIOD)
    assert r.status_code == 200, r.text
    roll = r.json()
    assert [t["team"] for t in roll["teams"]] == ["ops", "payments"]
    cross = roll["cross_team_blockers"]
    assert [(b["team"], b["waits_on_team"], b["text"]) for b in cross] == [
        ("payments", "ops", "Staging VPN access")
    ]
    md = client.get("/api/pods/apac/rollup", params=PERIOD | {"format": "markdown"}).text
    print(md)
    assert md.index("Blockers waiting on another team") < md.index("## ops")
    assert "Pod apac" in client.get("/pods/apac/rollup").text


def test_pod_of_other_teams_is_404_like_a_missing_one(
    client: TestClient, app: Any, settings: Any
) -> None:
    from api.auth.services import get_identity

    identity = get_identity(settings)
    op = Actor.operator()
    identity.directory.create_team("platform", actor=op)
    outsider = identity.directory.create_user("zed", actor=op)
    identity.directory.add_member("platform", "zed", Role.LEAD, actor=op)
    token = identity.tokens.create(outsider.id, name="t", actor=op).secret
    Pods(settings.resolved_database_url).create("emea", actor=op)
    Pods(settings.resolved_database_url).add_team("emea", "payments", actor=op)
    with TestClient(app, headers=bearer(token)) as zed:
        missing = zed.get("/api/pods/nowhere/rollup")
        hidden = zed.get("/api/pods/emea/rollup")
        assert missing.status_code == hidden.status_code == 404
        assert hidden.json()["detail"] == "No pod named 'emea'."
        assert zed.get("/api/teams/payments/rollup").status_code == 404


@pytest.mark.parametrize(
    "params",
    [
        {"since": "2026-11-19T00:00:00+00:00", "until": "2026-11-18T00:00:00+00:00"},
        {"since": "2026-01-01T00:00:00+00:00", "until": "2026-11-18T00:00:00+00:00"},
        {"since": "2026-11-18T00:00:00"},
    ],
)
def test_bad_periods_are_one_sentence(client: TestClient, params: dict[str, str]) -> None:
    r = client.get("/api/teams/payments/rollup", params=params)
    assert r.status_code == 422 and isinstance(r.json()["detail"], str)


def test_cli_rollup_and_pods(client: TestClient, days: dict[str, str]) -> None:
    from api.cli import cli

    runner = CliRunner()
    made = runner.invoke(cli, ["pods", "create", "apac", "--team", "payments", "--team", "ops"])
    assert made.exit_code == 0 and made.output.strip() == "apac  ops, payments"
    assert runner.invoke(cli, ["pods", "add", "apac", "nope"]).exit_code == 2
    out = runner.invoke(cli, ["rollup", "--team", "payments", *_cli_period()])
    assert out.exit_code == 0, out.output
    assert "Staging VPN access: Olu can clear it" in out.output
    pod = runner.invoke(cli, ["rollup", "--pod", "apac", *_cli_period()])
    assert "Blockers waiting on another team" in pod.output
    assert runner.invoke(cli, ["pods", "remove", "apac", "ops"]).output.strip() == "apac  payments"


def _cli_period() -> list[str]:
    return ["--since", PERIOD["since"], "--until", PERIOD["until"]]
