"""Accounts, teams, tokens and the audit log from the server's own machine.

    handoff users create|list|disable|enable
    handoff teams create|list|add|remove|role
    handoff tokens create|list|revoke
    handoff audit [--team TEAM]

These act directly on the database as an operator (whoever can run them can read the database
anyway); each change is an audit row naming `operator:<login name>`. Errors are one sentence on
stderr and exit code 2, like every other command.
"""

from __future__ import annotations

import sys

import click

from api.cli.base import UserError, echo_json
from handoff.audit import Actor, AuditLog
from handoff.identity.directory import Directory
from handoff.identity.people import PeopleLinks
from handoff.identity.tokens import TokenStore
from handoff.settings import get_settings


def _directory() -> Directory:
    settings = get_settings()
    return Directory(
        settings.resolved_database_url, password_min_length=settings.password_min_length
    )


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline().rstrip("\r\n")
        if not line:
            raise UserError("No password on standard input.")
        return line
    return str(click.prompt("Password", hide_input=True, confirmation_prompt=True))


# -- users ----------------------------------------------------------------------------------------
@click.group()
def users() -> None:
    """Accounts: create, list, disable."""


@users.command("create")
@click.argument("username")
@click.option("--name", "display_name", help="The name people see (default: the username).")
@click.option("--email", help="Email address (single sign-on links accounts by it).")
@click.option("--admin", is_flag=True, help="An instance administrator (users, teams).")
@click.option("--sso", is_flag=True, help="No password: signs in with single sign-on only.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def users_create(
    username: str,
    display_name: str | None,
    email: str | None,
    admin: bool,
    sso: bool,
    password_stdin: bool,
) -> None:
    """Create an account (asks for its password unless --sso)."""
    password = None if sso else _read_password(password_stdin)
    user = _directory().create_user(
        username,
        display_name=display_name,
        email=email,
        password=password,
        is_admin=admin,
        actor=Actor.operator(),
    )
    role = "administrator" if user.is_admin else "account"
    click.echo(f"Created the {role} '{user.username}'.")


@users.command("list")
@click.option("--json", "as_json", is_flag=True, help="JSON instead of a table.")
def users_list(as_json: bool) -> None:
    """Every account, with its teams."""
    directory = _directory()
    rows = []
    for user in directory.users():
        roles = directory.memberships(user.id)
        rows.append(user.to_json() | {"teams": {t: r.label for t, r in sorted(roles.items())}})
    if as_json:
        echo_json(rows)
        return
    for row in rows:
        flags = ("admin " if row["is_admin"] else "") + ("disabled" if row["disabled"] else "")
        where = ", ".join(f"{t} ({r})" for t, r in row["teams"].items()) or "no team"
        click.echo(f"{row['username']:<20} {row['display_name']:<24} {where}  {flags}".rstrip())


@users.command("disable")
@click.argument("username")
def users_disable(username: str) -> None:
    """Disable an account: its sessions and tokens stop working at once."""
    user = _directory().set_disabled(username, True, actor=Actor.operator())
    click.echo(f"Disabled '{user.username}'.")


@users.command("enable")
@click.argument("username")
def users_enable(username: str) -> None:
    """Enable a disabled account again."""
    user = _directory().set_disabled(username, False, actor=Actor.operator())
    click.echo(f"Enabled '{user.username}'.")


# -- teams ----------------------------------------------------------------------------------------
@click.group()
def teams() -> None:
    """Teams and who is in them: create, add, remove, role."""


@teams.command("create")
@click.argument("team")
@click.option("--name", "display_name", help="The name people see (default: the slug).")
def teams_create(team: str, display_name: str | None) -> None:
    """Create a team (a slug: lowercase letters, digits, '-', '_')."""
    created = _directory().create_team(team, display_name=display_name, actor=Actor.operator())
    click.echo(f"Created the team '{created.slug}'.")


@teams.command("list")
def teams_list() -> None:
    """Every team with its members and their roles."""
    directory = _directory()
    for team in directory.teams():
        members = ", ".join(f"{m.username} ({m.role.label})" for m in directory.members(team.slug))
        click.echo(f"{team.slug:<20} {members or 'no members'}")


@teams.command("add")
@click.argument("team")
@click.argument("username")
@click.option("--role", default="member", show_default=True, help="member, reviewer or lead.")
def teams_add(team: str, username: str, role: str) -> None:
    """Add an account to a team."""
    m = _directory().add_member(team, username, role, actor=Actor.operator())
    click.echo(f"'{m.username}' is now a {m.role.label} of '{m.team}'.")
    settings = get_settings()
    for person, user in PeopleLinks(settings.resolved_database_url).auto_link(
        m.team, actor=Actor.operator()
    ):
        click.echo(f"{person} of the team's vocabulary is now linked to '{user}'.")


@teams.command("remove")
@click.argument("team")
@click.argument("username")
def teams_remove(team: str, username: str) -> None:
    """Take an account out of a team."""
    _directory().remove_member(team, username, actor=Actor.operator())
    click.echo(f"'{username}' is no longer in '{team}'.")


@teams.command("role")
@click.argument("team")
@click.argument("username")
@click.argument("role")
def teams_role(team: str, username: str, role: str) -> None:
    """Change an account's role in a team (member, reviewer, lead)."""
    m = _directory().set_role(team, username, role, actor=Actor.operator())
    click.echo(f"'{m.username}' is now a {m.role.label} of '{m.team}'.")


# -- tokens ---------------------------------------------------------------------------------------
@click.group()
def tokens() -> None:
    """API tokens: create (shown once), list, revoke."""


@tokens.command("create")
@click.argument("username")
@click.option("--name", required=True, help="What the token is for, e.g. 'ci'.")
@click.option("--team", "teams_", multiple=True, help="Only this team (repeatable).")
@click.option("--read-only", is_flag=True, help="Only reading and asking.")
def tokens_create(username: str, name: str, teams_: tuple[str, ...], read_only: bool) -> None:
    """Create a token for an account; the token is printed once, on standard output."""
    user = _directory().user(username)
    store = TokenStore(get_settings().resolved_database_url)
    new = store.create(
        user.id,
        name=name,
        teams=list(teams_) if teams_ else None,
        read_only=read_only,
        actor=Actor.operator(),
    )
    click.echo(f"Created the token '{new.info.name}' ({new.info.id}) for '{user.username}'; "
               "it is shown only now:", err=True)  # fmt: skip
    click.echo(new.secret)


@tokens.command("list")
@click.argument("username")
def tokens_list(username: str) -> None:
    """An account's tokens (never their secrets)."""
    user = _directory().user(username)
    for t in TokenStore(get_settings().resolved_database_url).list(user.id):
        state = "revoked" if t.revoked_at else "active"
        scope = ",".join(t.teams) if t.teams is not None else "all teams"
        mode = "read-only" if t.read_only else "read-write"
        click.echo(f"{t.id}  {t.prefix}…  {t.name:<20} {scope}  {mode}  {state}")


@tokens.command("revoke")
@click.argument("token_id")
def tokens_revoke(token_id: str) -> None:
    """Revoke a token by its id (see `handoff tokens list`)."""
    store = TokenStore(get_settings().resolved_database_url)
    info = store.revoke(token_id, owner_id=None, actor=Actor.operator())
    click.echo(f"Revoked the token '{info.name}'.")


# -- audit ----------------------------------------------------------------------------------------
@click.command("audit")
@click.option("--team", help="Only this team's entries.")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 1000))
@click.option("--json", "as_json", is_flag=True, help="JSON instead of one line per entry.")
def audit(team: str | None, limit: int, as_json: bool) -> None:
    """The audit log, newest first."""
    entries = AuditLog(get_settings().resolved_database_url).entries(team=team, limit=limit)
    if as_json:
        echo_json([e.to_json() for e in entries])
        return
    for e in entries:
        resource = f"{e.resource_type}:{e.resource_id}" if e.resource_type else ""
        where = e.team or "-"
        click.echo(
            f"{e.at.isoformat(timespec='seconds')}  {e.actor:<24} {e.action:<20} {where:<12} "
            f"{resource}  {e.address or ''}".rstrip()
        )
