"""`handoff inbox|ack|not-mine|resolve|reassign|me|rules|notify` on the server's machine (acting
for `--as` an account); bad input is one sentence and exit code 2."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from api.cli import cli
from handoff.audit import Actor
from handoff.identity.directory import Directory
from handoff.identity.roles import Role
from tests.api.test_auth_cli import one_sentence_error
from tests.api.test_cli_remote import server  # noqa: F401  (the fixture)
from tests.handoff.protocol_support import session_timeout_wrap


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


@pytest.fixture
def published(home: Path, services: Any) -> str:
    home.mkdir(parents=True, exist_ok=True)
    directory = Directory(services.settings.resolved_database_url)
    op = Actor.operator()
    directory.create_team("core", actor=op)
    for username, display, role in (
        ("amir", "Amir", Role.MEMBER),
        ("sarah", "Sarah", Role.MEMBER),
        ("lars", "Lars", Role.MEMBER),
        ("lena", "Lena", Role.LEAD),
    ):
        directory.create_user(username, display_name=display, actor=op)
        directory.add_member("core", username, role, actor=op)
    h = services.store.create(
        team="core",
        author="Amir",
        recorded_at=None,
        source_kind="text",
        source_text="w",
        declaration=session_timeout_wrap(),
    )
    services.store.publish(h.id, actor="Amir", force_reason="test")
    return str(h.id)


def _json(result: Result) -> Any:
    assert result.exit_code == 0, (result.stdout, result.stderr)
    return json.loads(result.stdout)


def test_inbox_ack_resolve_at_the_terminal(published: str) -> None:
    box = _json(run("inbox", "--as", "sarah"))
    [blocker] = box["blockers"]
    item = blocker["item"]["id"]
    done = _json(run("resolve", item, "--note", "Approved; decided: 12 hours", "--as", "sarah"))
    assert done["resolved_by"] == "Sarah" and done["decision_id"]
    [action] = _json(run("inbox", "--as", "lars"))["to_acknowledge"]
    ack = _json(run("ack", action["item"]["id"], "--read-back", "I ping James", "--as", "lars"))
    assert ack["owner"] == "Lars" and ack["read_back"] == "I ping James"
    [question] = _json(run("inbox", "--as", "lena"))["who_can_clear"]
    moved = _json(run("reassign", question["item"]["id"], "--to", "Lars", "--as", "lena"))
    assert moved["asked_leads"] is False
    delivered = _json(run("notify", "deliver"))
    assert delivered["delivered"] >= 4 and delivered["failed"] == 0


def test_settings_and_rules_at_the_terminal(published: str) -> None:
    out = _json(
        run(
            "me",
            "set",
            "--timezone",
            "Europe/London",
            "--hours",
            "sat=10:00-14:00",
            "--slack",
            "U0LARS",
            "--as",
            "lars",
        )
    )
    assert out["profile"]["hours"]["5"] == ["10:00", "14:00"]
    assert out["profile"]["hours"]["0"] == ["09:00", "17:00"]  # the rest of the week stays
    assert _json(run("me", "show", "--as", "lars"))["channels"]["slack_user_id"] == "U0LARS"
    rules = _json(
        run("rules", "set", "core", "--escalate-after-hours", "6", "--no-flag-unacknowledged")
    )
    assert rules["escalate_after_hours"] == 6.0 and rules["flag_unacknowledged"] is False
    rules = _json(
        run("rules", "set", "core", "--rollup-times", "17:30, 09:00", "--rollup-timezone", "UTC")
    )
    assert rules["rollup_times"] == ["09:00", "17:30"] and rules["escalate_after_hours"] == 6.0
    assert _json(run("rules", "set", "core", "--rollup-times", ""))["rollup_times"] == []
    one_sentence_error(run("rules", "set", "core", "--rollup-times", "9am"), "HH:MM")
    tick = set(_json(run("notify", "tick")))
    assert tick == {"escalated", "reminders", "digests", "rollups"}


def test_bad_input_is_one_sentence(published: str) -> None:
    one_sentence_error(run("inbox"), "--as USERNAME")
    one_sentence_error(run("ack", "nope", "--as", "lars"), "No item")
    one_sentence_error(run("me", "set", "--timezone", "Mars/Base", "--as", "lars"), "IANA")
    one_sentence_error(run("me", "set", "--hours", "funday=1", "--as", "lars"), "--hours")
    one_sentence_error(run("resolve", "nope", "--note", "x", "--as", "nobody"), "nobody")


def test_the_commands_against_a_server_act_as_the_tokens_user(
    server: Any,  # noqa: F811  (the fixture of test_cli_remote)
    example_wrap: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import httpx

    from tests.api.test_cli_remote import handoff
    from tests.api.test_protocol_api import _member

    sarah = _member(server.settings, "sarah", "Sarah")
    posted = httpx.post(
        f"{server.url}/api/handoffs",
        json={"text": example_wrap, "author": "Maya", "team": "payments"},
        headers={"Authorization": f"Bearer {server.lead}"},
    ).json()
    r = handoff(monkeypatch, server.url, server.lead, "publish", posted["id"], "--force", "t")
    assert r.exit_code == 0, r.output
    box = _json(handoff(monkeypatch, server.url, sarah, "inbox"))
    item = box["blockers"][0]["item"]["id"]
    out = _json(handoff(monkeypatch, server.url, sarah, "me", "set", "--hours", "fri=off"))
    assert "4" not in out["profile"]["hours"] and out["profile"]["hours"]["0"] == ["09:00", "17:00"]
    done = _json(handoff(monkeypatch, server.url, sarah, "resolve", item, "--note", "approved"))
    assert done["resolved_by"] == "Sarah"
    again = handoff(monkeypatch, server.url, sarah, "resolve", item, "--note", "again")
    assert again.exit_code == 2 and "already resolved" in again.stderr
