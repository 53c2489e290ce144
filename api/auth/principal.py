"""Who a request is: the signed-in account, its teams and roles, and what its credential allows.

A principal comes from a browser session or from an API token. A token narrows its owner's access
(to some teams, to reading); it never widens it, and a team-limited token does not carry its
owner's administrator flag, since administration is not limited to teams.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from handoff.audit import Actor
from handoff.identity.roles import Role
from handoff.identity.views import TokenGrant, User


@dataclass(frozen=True, slots=True)
class Principal:
    user_id: str
    username: str
    display_name: str
    is_admin: bool
    #: {team: role}, already narrowed to the token's teams when the request came with a token
    memberships: Mapping[str, Role] = field(default_factory=dict)
    via: Literal["session", "token"] = "session"
    token_id: str | None = None
    token_teams: frozenset[str] | None = None
    read_only: bool = False

    @classmethod
    def from_session(cls, user: User, memberships: Mapping[str, Role]) -> Principal:
        return cls(
            user_id=user.id,
            username=user.username,
            display_name=user.display_name,
            is_admin=user.is_admin,
            memberships=dict(memberships),
            via="session",
        )

    @classmethod
    def from_token(
        cls, user: User, memberships: Mapping[str, Role], grant: TokenGrant
    ) -> Principal:
        allowed = {
            team: role
            for team, role in memberships.items()
            if grant.teams is None or team in grant.teams
        }
        return cls(
            user_id=user.id,
            username=user.username,
            display_name=user.display_name,
            is_admin=user.is_admin and grant.teams is None,
            memberships=allowed,
            via="token",
            token_id=grant.token_id,
            token_teams=grant.teams,
            read_only=grant.read_only,
        )

    def role_in(self, team: str) -> Role | None:
        """The caller's role in `team`, or None when not in it (which must answer 404)."""
        return self.memberships.get(team)

    @property
    def teams(self) -> list[str]:
        return sorted(self.memberships)

    def actor(self, address: str | None) -> Actor:
        """This principal as the audit log names it."""
        via = f" (token {self.token_id})" if self.token_id else ""
        return Actor(user_id=self.user_id, name=f"{self.username}{via}", address=address)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.user_id,
            "username": self.username,
            "display_name": self.display_name,
            "is_admin": self.is_admin,
            "teams": {team: role.label for team, role in sorted(self.memberships.items())},
            "via": self.via,
            "token": None
            if self.token_id is None
            else {
                "id": self.token_id,
                "teams": sorted(self.token_teams) if self.token_teams is not None else None,
                "read_only": self.read_only,
            },
        }
