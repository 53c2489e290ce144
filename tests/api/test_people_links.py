"""People of a team's vocabulary linked to the accounts they are: made by themselves only where
the match is certain and inside the team, shown with the vocabulary, set and removed by a lead."""

from __future__ import annotations

import json
from typing import Any

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from handoff.audit import Actor, AuditLog
from handoff.identity.roles import Role
from tests.api.conftest import bearer, signed_in_token

BASE = "/api/teams/payments/vocabulary"


def _people(client: TestClient, team: str = "payments") -> dict[str, Any]:
    r = client.get(f"/api/teams/{team}/vocabulary")
    assert r.status_code == 200, r.text
    return {p["name"]: p["user"] for p in r.json()["people"]}


def _member(settings: Any, username: str, display: str, team: str, role: Role = Role.MEMBER) -> Any:
    from api.auth.services import get_identity

    directory = get_identity(settings).directory
    user = directory.create_user(username, display_name=display, actor=Actor.operator())
    directory.add_member(team, username, role, actor=Actor.operator())
    return user


def test_certain_matches_link_by_themselves_and_nothing_else(
    client: TestClient, settings: Any
) -> None:
    _member(settings, "sam", "Sam Lee", "payments")
    _member(settings, "ola", "Ola N", "payments")
    _member(settings, "chris1", "Chris", "payments")
    _member(settings, "chris2", "Chris", "payments")
    _member(settings, "nina", "Nina", "ops")  # another team's account
    for body in (
        {"name": "sam lee"},  # display name, ignoring case
        {"name": "Olu", "handle": "@ola"},  # the handle is the username
        {"name": "Chris"},  # two accounts: a lead decides
        {"name": "Nina"},  # not in this team: never linked across teams
        {"name": "James"},  # no account
        {"name": "Maya"},  # the lead's own display name
    ):
        assert client.post(f"{BASE}/people", json=body).status_code == 201
    assert _people(client) == {
        "sam lee": "sam",
        "Olu": "ola",
        "Chris": None,
        "Nina": None,
        "James": None,
        "Maya": "maya",
    }
    rows = AuditLog(settings.resolved_database_url).entries(team="payments", action="person.link")
    assert {r.detail["person"] for r in rows if r.detail and r.detail.get("auto")} == {
        "sam lee",
        "Olu",
        "Maya",
    }


def test_a_lead_links_and_unlinks_members_may_not(client: TestClient, settings: Any) -> None:
    _member(settings, "chris1", "Chris", "payments")
    _member(settings, "chris2", "Chris", "payments")
    _member(settings, "nina", "Nina", "ops")
    client.post(f"{BASE}/people", json={"name": "Chris"})
    r = client.put(f"{BASE}/people/chris/user", json={"username": "chris2"})
    assert r.status_code == 200, r.text
    assert r.json()["name"] == "Chris" and r.json()["user"] == "chris2"
    assert _people(client)["Chris"] == "chris2"

    again = client.put(f"{BASE}/people/Chris/user", json={"username": "chris1"})
    assert again.status_code == 409 and again.json()["detail"]
    outsider = client.put(f"{BASE}/people/Nina/user", json={"username": "nina"})
    assert outsider.status_code in (404, 422)  # Nina is no person here, and not in the team

    member_token = _token(settings, "chris1")
    as_member = client.put(
        f"{BASE}/people/Chris/user", json={"username": "chris1"}, headers=bearer(member_token)
    )
    assert as_member.status_code == 403
    assert client.delete(f"{BASE}/people/Chris/user").status_code == 204
    assert _people(client)["Chris"] is None
    assert client.delete(f"{BASE}/people/Chris/user").status_code == 404


def _token(settings: Any, username: str) -> str:
    from api.auth.services import get_identity

    identity = get_identity(settings)
    user = identity.directory.user(username)
    return identity.tokens.create(user.id, name="t", actor=Actor.operator()).secret


def test_publishing_and_joining_the_team_link_people(
    client: TestClient, settings: Any, example_wrap: str
) -> None:
    # The example wrap names Sarah; Sarah has an account but is not in the team yet.
    from api.auth.services import get_identity
    from api.cli import cli

    get_identity(settings).directory.create_user(
        "sarah", display_name="Sarah", actor=Actor.operator()
    )
    r = client.post("/api/handoffs", json={"text": example_wrap, "team": "payments"})
    assert r.status_code == 202, r.text
    published = client.post(
        f"/api/handoffs/{r.json()['id']}/publish", json={"force_reason": "test"}
    )
    assert published.status_code == 200, published.text
    people = _people(client)
    assert people["Sarah"] is None and people["Maya"] == "maya"  # Maya, the author, is in it

    out = CliRunner().invoke(cli, ["teams", "add", "payments", "sarah"], catch_exceptions=False)
    assert (
        out.exit_code == 0
        and "Sarah of the team's vocabulary is now linked to 'sarah'" in out.output
    )
    assert _people(client)["Sarah"] == "sarah"

    # Leaving the team ends the link: routing stays inside the team.
    out = CliRunner().invoke(cli, ["teams", "remove", "payments", "sarah"])
    assert out.exit_code == 0, out.output
    assert _people(client)["Sarah"] is None


def test_cli_vocab_show_link_unlink(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from api.cli import cli

    signed_in_token(settings)  # teams, and Maya as their lead
    _member(settings, "chris1", "Chris", "payments")
    _member(settings, "chris2", "Chris", "payments")
    run = CliRunner().invoke
    assert run(cli, ["vocab", "add-person", "Chris", "--team", "payments"]).exit_code == 0
    linked = run(cli, ["vocab", "link", "Chris", "chris1", "--team", "payments"])
    assert linked.exit_code == 0, linked.output
    assert json.loads(linked.stdout)["user"] == "chris1"
    shown = json.loads(run(cli, ["vocab", "show", "--team", "payments"]).stdout)
    assert shown["people"][0]["user"] == "chris1"
    assert run(cli, ["vocab", "unlink", "Chris", "--team", "payments"]).exit_code == 0
    shown = json.loads(run(cli, ["vocab", "show", "--team", "payments"]).stdout)
    assert shown["people"][0]["user"] is None
    missing = run(cli, ["vocab", "link", "Nobody", "chris1", "--team", "payments"])
    assert missing.exit_code == 2 and "Traceback" not in missing.output
