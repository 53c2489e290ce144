"""Tables of the identity layer: users, teams, memberships, API tokens, browser sessions, links
from the vocabulary's people to accounts. (The audit log's table is `handoff.audit`'s.)

Every row that belongs to a team carries it (`memberships.team`, `person_links.team`,
`audit_log.team`). Secrets are never stored: passwords as argon2 hashes, token and session secrets
as SHA-256 digests (they are 256-bit random values, so a fast hash is enough).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from handoff.models import Base, utcnow


class UserRecord(Base):
    """An account. A single-sign-on account has no password hash, and an OIDC (issuer, subject)."""

    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    email: Mapped[str | None] = mapped_column(String(320), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(500))
    oidc_issuer: Mapped[str | None] = mapped_column(String(500))
    oidc_subject: Mapped[str | None] = mapped_column(String(255))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_sign_in_at: Mapped[datetime | None] = mapped_column()

    __table_args__ = (
        UniqueConstraint("oidc_issuer", "oidc_subject", name="uq_users_oidc_identity"),
    )


class TeamRecord(Base):
    __tablename__ = "teams"

    slug: Mapped[str] = mapped_column(String(64), primary_key=True)
    display_name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class MembershipRecord(Base):
    """One user's role in one team."""

    __tablename__ = "memberships"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    team: Mapped[str] = mapped_column(ForeignKey("teams.slug", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        UniqueConstraint("team", "user_id", name="uq_memberships_team_user"),
        Index("ix_memberships_user", "user_id"),
    )


class ApiTokenRecord(Base):
    """A bearer token: only the SHA-256 of its secret is kept; `prefix` lets its owner tell it
    apart in a list. `teams` (null = every team of the owner) and `read_only` narrow what it may
    do; they never widen the owner's own access."""

    __tablename__ = "api_tokens"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(20))
    secret_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    teams: Mapped[list[Any] | None] = mapped_column(JSON)
    read_only: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()


class WebSessionRecord(Base):
    """A browser session. The cookie holds the random session id; the row holds its SHA-256, so
    signing out (deleting the row) ends the session even if the signed cookie is replayed."""

    __tablename__ = "web_sessions"

    id_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    method: Mapped[str] = mapped_column(String(20))  # password | oidc
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    address: Mapped[str | None] = mapped_column(String(100))


class PersonLinkRecord(Base):
    """A person of a team's vocabulary (by name) is this account, so work waiting on them can be
    routed to them."""

    __tablename__ = "person_links"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    team: Mapped[str] = mapped_column(ForeignKey("teams.slug", ondelete="CASCADE"))
    person_name: Mapped[str] = mapped_column(String(200))
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("team", "person_name", name="uq_person_links_team_name"),)


__all__ = [
    "ApiTokenRecord",
    "MembershipRecord",
    "PersonLinkRecord",
    "TeamRecord",
    "UserRecord",
    "WebSessionRecord",
]
