"""What the rest of the product sees of accounts, teams and tokens: frozen values detached from
the database session, never carrying a password hash or a token digest."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from handoff.identity.models import ApiTokenRecord, TeamRecord, UserRecord
from handoff.identity.roles import Role


@dataclass(frozen=True, slots=True)
class User:
    id: str
    username: str
    email: str | None
    display_name: str
    is_admin: bool
    disabled: bool
    has_password: bool
    oidc_issuer: str | None
    oidc_subject: str | None
    created_at: datetime
    last_sign_in_at: datetime | None

    @property
    def sign_in_methods(self) -> str:
        """'password', 'sso' (no password: single sign-on only) or 'password, sso' (linked)."""
        if not self.has_password:
            return "sso"
        return "password, sso" if self.oidc_subject else "password"

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "username": self.username,
            "email": self.email,
            "display_name": self.display_name,
            "is_admin": self.is_admin,
            "disabled": self.disabled,
            "sign_in": self.sign_in_methods,
            "created_at": self.created_at.isoformat(),
            "last_sign_in_at": self.last_sign_in_at.isoformat() if self.last_sign_in_at else None,
        }


def user_view(row: UserRecord) -> User:
    return User(
        id=row.id,
        username=row.username,
        email=row.email,
        display_name=row.display_name,
        is_admin=row.is_admin,
        disabled=row.disabled,
        has_password=row.password_hash is not None,
        oidc_issuer=row.oidc_issuer,
        oidc_subject=row.oidc_subject,
        created_at=row.created_at,
        last_sign_in_at=row.last_sign_in_at,
    )


@dataclass(frozen=True, slots=True)
class Team:
    slug: str
    display_name: str
    created_at: datetime


def team_view(row: TeamRecord) -> Team:
    return Team(slug=row.slug, display_name=row.display_name, created_at=row.created_at)


@dataclass(frozen=True, slots=True)
class Membership:
    team: str
    user_id: str
    username: str
    role: Role

    def to_json(self) -> dict[str, Any]:
        return {"team": self.team, "username": self.username, "role": self.role.label}


@dataclass(frozen=True, slots=True)
class TokenInfo:
    """A token as its owner sees it in a list: never the secret."""

    id: str
    user_id: str
    name: str
    prefix: str
    teams: tuple[str, ...] | None
    read_only: bool
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "prefix": self.prefix,
            "teams": list(self.teams) if self.teams is not None else None,
            "read_only": self.read_only,
            "created_at": self.created_at.isoformat(),
            "last_used_at": self.last_used_at.isoformat() if self.last_used_at else None,
            "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
        }


def token_view(row: ApiTokenRecord) -> TokenInfo:
    return TokenInfo(
        id=row.id,
        user_id=row.user_id,
        name=row.name,
        prefix=row.prefix,
        teams=tuple(row.teams) if row.teams is not None else None,
        read_only=row.read_only,
        created_at=row.created_at,
        last_used_at=row.last_used_at,
        revoked_at=row.revoked_at,
    )


@dataclass(frozen=True, slots=True)
class NewToken:
    """A token just created: `secret` is shown once and cannot be recovered afterwards."""

    info: TokenInfo
    secret: str


@dataclass(frozen=True, slots=True)
class TokenGrant:
    """What a verified bearer token lets its request do."""

    token_id: str
    user_id: str
    teams: frozenset[str] | None
    read_only: bool
