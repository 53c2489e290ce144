"""`handoff users|teams|tokens|audit`: operators manage accounts on the server's machine; bad input
is one sentence on stderr with exit code 2, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from api.cli import cli
from handoff.identity.directory import Directory
from handoff.identity.roles import Role
from handoff.identity.tokens import TokenStore

PASSWORD = "correct horse battery staple"


def run(*args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), input=input)


def one_sentence_error(result: Result, fragment: str) -> None:
    assert result.exit_code == 2, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("handoff: ") and lines[0].endswith(".")
    assert fragment in lines[0]
    assert "Traceback" not in result.stderr + result.stdout


@pytest.fixture
def url(home: Path) -> str:
    return f"sqlite:///{home / 'handoff.db'}"


@pytest.fixture
def accounts(url: str) -> Directory:
    assert run("teams", "create", "payments").exit_code == 0
    made = run("users", "create", "alice", "--admin", "--password-stdin", input=PASSWORD + "\n")
    assert made.exit_code == 0, made.stderr
    assert made.stdout.strip() == "Created the administrator 'alice'."
    assert run("users", "create", "bob", "--sso", "--email", "bob@acme.test").exit_code == 0
    return Directory(url)


def test_users_create_list_disable(accounts: Directory) -> None:
    assert accounts.authenticate("alice", PASSWORD) is not None
    listed = run("users", "list", "--json")
    rows = {r["username"]: r for r in json.loads(listed.stdout)}
    assert rows["alice"]["is_admin"] and rows["bob"]["email"] == "bob@acme.test"
    assert rows["bob"]["sign_in"] == "sso"
    assert "alice" in run("users", "list").stdout
    assert run("users", "disable", "alice").stdout.strip() == "Disabled 'alice'."
    assert accounts.authenticate("alice", PASSWORD) is None
    assert run("users", "enable", "alice").exit_code == 0
    assert accounts.authenticate("alice", PASSWORD) is not None


def test_password_is_prompted_twice_when_not_piped(accounts: Directory) -> None:
    typed = f"{PASSWORD}\n{PASSWORD}\n"
    assert run("users", "create", "carol", input=typed).exit_code == 0
    assert accounts.authenticate("carol", PASSWORD) is not None


@pytest.mark.parametrize(
    ("args", "stdin", "fragment"),
    [
        (("users", "create", "dave", "--password-stdin"), "short\n", "too short"),
        (("users", "create", "alice", "--sso"), None, "taken"),
        (("users", "create", "../root", "--sso"), None, "username"),
        (("users", "disable", "nobody"), None, "no account 'nobody'"),
        (("teams", "create", "../../somewhere"), None, "A team name is 1 to 64"),
        (("teams", "create", "Payments"), None, "A team name is 1 to 64"),
        (("teams", "create", "payments"), None, "already exists"),
        (("teams", "add", "nosuch", "alice"), None, "no team 'nosuch'"),
        (("teams", "add", "payments", "alice", "--role", "owner"), None, "not a role"),
        (("teams", "remove", "payments", "bob"), None, "not in the team"),
        (("tokens", "create", "alice", "--name", "ci", "--team", "platform"), None, "platform"),
        (("tokens", "revoke", "no-such-token"), None, "no token"),
        (("audit", "--team", "../x"), None, "A team name is 1 to 64"),
    ],
)
def test_bad_input_is_one_sentence_and_exit_2(
    accounts: Directory, args: tuple[str, ...], stdin: str | None, fragment: str
) -> None:
    one_sentence_error(run(*args, input=stdin), fragment)


def test_teams_add_role_remove(accounts: Directory) -> None:
    alice = accounts.user("alice").id
    added = run("teams", "add", "payments", "alice")
    assert added.stdout.strip() == "'alice' is now a member of 'payments'."
    assert run("teams", "role", "payments", "alice", "lead").exit_code == 0
    assert accounts.memberships(alice) == {"payments": Role.LEAD}
    assert "alice (lead)" in run("teams", "list").stdout
    assert run("teams", "remove", "payments", "alice").exit_code == 0
    assert accounts.memberships(alice) == {}


def test_tokens_create_prints_the_secret_once_then_revoke(accounts: Directory, url: str) -> None:
    run("teams", "add", "payments", "alice")
    made = run("tokens", "create", "alice", "--name", "ci", "--team", "payments", "--read-only")
    assert made.exit_code == 0, made.stderr
    secret = made.stdout.strip()
    assert secret.startswith("hnd_") and "\n" not in secret
    assert "shown only now" in made.stderr
    store = TokenStore(url)
    grant = store.verify(secret)
    assert grant is not None and grant.read_only and grant.teams == frozenset({"payments"})
    listed = run("tokens", "list", "alice").stdout
    assert "ci" in listed and secret not in listed and "read-only" in listed
    token_id = listed.split()[0]
    assert run("tokens", "revoke", token_id).stdout.strip() == "Revoked the token 'ci'."
    assert store.verify(secret) is None


def test_audit_shows_each_change(accounts: Directory) -> None:
    run("teams", "add", "payments", "alice", "--role", "reviewer")
    lines = run("audit", "--team", "payments").stdout.strip().splitlines()
    assert len(lines) == 2
    assert "member.add" in lines[0] and "operator:" in lines[0]
    assert "team.create" in lines[1]
    entries: list[dict[str, Any]] = json.loads(run("audit", "--json").stdout)
    assert [e["action"] for e in entries] == [
        "member.add",
        "user.create",
        "user.create",
        "team.create",
    ]
    assert entries[0]["detail"] == {"username": "alice", "role": "reviewer"}
