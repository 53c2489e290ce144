"""Demo accounts for `make run`: an admin, a lead, a reviewer and members of two teams, with
known passwords — for development only, and shown on the sign-in page only there.

Also the hint a first start prints when there are no accounts at all.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field

from handoff.audit import Actor
from handoff.errors import ConfigError, ConflictError, NotFound
from handoff.identity.directory import Directory
from handoff.identity.roles import Role


@dataclass(frozen=True, slots=True)
class DemoAccount:
    username: str
    display_name: str
    is_admin: bool = False
    #: slot -> role, where slot 0 is the first demo team and 1 the second
    roles: dict[int, Role] = field(default_factory=dict)

    @property
    def password(self) -> str:
        """Known on purpose: printed on the development sign-in page."""
        return f"{self.username}-handoff-demo"

    def summary(self, teams: tuple[str, str]) -> str:
        where = ", ".join(f"{r.label} of {teams[slot]}" for slot, r in self.roles.items())
        return "admin" if self.is_admin and not where else where


DEMO_ACCOUNTS: tuple[DemoAccount, ...] = (
    DemoAccount("admin", "Ada Admin", is_admin=True),
    DemoAccount("lena", "Lena Lead", roles={0: Role.LEAD}),
    DemoAccount("rui", "Rui Reviewer", roles={0: Role.REVIEWER}),
    DemoAccount("maya", "Maya Chen", roles={0: Role.MEMBER}),
    DemoAccount("tomas", "Tomás Ruiz", roles={0: Role.MEMBER}),
    DemoAccount("priya", "Priya Platform", roles={1: Role.MEMBER}),
    DemoAccount("omar", "Omar Platform Lead", roles={1: Role.LEAD}),
)
SECOND_DEMO_TEAM = "platform"


def demo_teams(default_team: str) -> tuple[str, str]:
    second = SECOND_DEMO_TEAM if default_team != SECOND_DEMO_TEAM else "platform-2"
    return (default_team, second)


def create_demo_accounts(
    directory: Directory, *, environment: str, default_team: str, actor: Actor | None = None
) -> list[DemoAccount]:
    """Create whatever of the demo accounts, teams and memberships is missing (so it can run at
    every `make run`); returns the accounts created now. Refused outside development."""
    if environment != "development":
        raise ConfigError(
            "Demo accounts have known passwords and exist only in development; "
            "unset HANDOFF_ENVIRONMENT=production to create them."
        )
    who = actor or Actor.operator()
    teams = demo_teams(default_team)
    known_teams = {t.slug for t in directory.teams()}
    for team in teams:
        if team not in known_teams:
            directory.create_team(team, actor=who)
    created: list[DemoAccount] = []
    for account in DEMO_ACCOUNTS:
        try:
            directory.user(account.username)
        except NotFound:
            directory.create_user(
                account.username,
                display_name=account.display_name,
                password=account.password,
                is_admin=account.is_admin,
                actor=who,
            )
            created.append(account)
        for slot, role in account.roles.items():
            # Already a member: keep whatever role someone gave them since.
            with contextlib.suppress(ConflictError):
                directory.add_member(teams[slot], account.username, role, actor=who)
    return created


def demo_sign_ins(directory: Directory, *, environment: str) -> list[DemoAccount]:
    """The demo accounts to list on the sign-in page: only in development, and only those whose
    demo password still signs them in (an account merely named "admin" is not listed)."""
    if environment != "development":
        return []
    return [a for a in DEMO_ACCOUNTS if directory.password_matches(a.username, a.password)]


def first_admin_hint(directory: Directory) -> str | None:
    """The one line a first start prints when nobody can sign in yet; None once accounts exist."""
    if directory.count_users() > 0:
        return None
    return (
        "No accounts yet: create the first administrator with "
        "`handoff users create NAME --admin` (or `handoff demo` in development)."
    )
