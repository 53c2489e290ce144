"""The audit log: one append-only row per state change — who, what, which team and resource,
when, and from where.

There is deliberately no update or delete here, and the database refuses both (a trigger on
SQLite and PostgreSQL, created by the identity migration), so a bug or a compromised account can
add rows but never rewrite them. Writers record inside their own transaction (`record`), so a
change and its audit row are committed together or not at all.

Actions are a closed vocabulary (`ACTIONS`): a typo in an action name fails loudly in tests
instead of creating rows nobody will ever query.
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from handoff.db import migrate, session_scope
from handoff.errors import InvalidInput
from handoff.models import Base, utcnow
from handoff.teams import validate_team

ACTIONS = frozenset(
    {
        # sign-in and credentials
        "auth.sign_in",
        "auth.sign_in_failed",
        "auth.sign_out",
        "token.create",
        "token.revoke",
        # accounts and teams
        "user.create",
        "user.disable",
        "user.enable",
        "user.password",
        "user.admin",
        "user.link_oidc",
        "team.create",
        "member.add",
        "member.remove",
        "member.role",
        "person.link",
        "person.unlink",
        "pod.create",
        "pod.add_team",
        "pod.remove_team",
        # the work (written by the routes once identities are mounted)
        "handoff.post",
        "handoff.edit",
        "handoff.answer",
        "handoff.publish",
        "handoff.unpublish",
        "handoff.delete",
        "handoff.acknowledge",
        "vocabulary.edit",
        "job.retry",
        "job.cancel",
        # retention (issue 18): a lead's rules, and what applying them deleted
        "retention.set",
        "retention.media",
        # the protocol (issue 16): items acknowledged, passed on, resolved, re-routed; settings
        "item.acknowledge",
        "item.not_mine",
        "item.resolve",
        "item.reassign",
        "profile.set",
        "team.rules",
    }
)


class AuditLogRecord(Base):
    """One row of the audit log (append-only in the database)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[str | None] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(60))
    team: Mapped[str | None] = mapped_column(String(64))
    resource_type: Mapped[str | None] = mapped_column(String(40))
    resource_id: Mapped[str | None] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(String(100))
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    __table_args__ = (
        Index("ix_audit_log_team_id", "team", "id"),
        Index("ix_audit_log_actor", "actor_id"),
    )


@dataclass(frozen=True, slots=True)
class Actor:
    """Who does something: an account (id and name) or an operator at the server's console, and
    the address the request came from."""

    user_id: str | None
    name: str
    address: str | None = None

    @classmethod
    def operator(cls) -> Actor:
        """The person running `handoff ...` on the server's machine (acts on the database)."""
        try:
            who = getpass.getuser()
        except (KeyError, OSError):  # no passwd entry in some containers
            who = "unknown"
        return cls(user_id=None, name=f"operator:{who}"[:200], address="console")

    @classmethod
    def anonymous(cls, address: str | None) -> Actor:
        return cls(user_id=None, name="anonymous", address=address)


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    at: datetime
    actor_id: str | None
    actor: str
    action: str
    team: str | None
    resource_type: str | None
    resource_id: str | None
    address: str | None
    detail: dict[str, Any] | None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "at": self.at.isoformat(),
            "actor_id": self.actor_id,
            "actor": self.actor,
            "action": self.action,
            "team": self.team,
            "resource_type": self.resource_type,
            "resource_id": self.resource_id,
            "address": self.address,
            "detail": self.detail,
        }


def _entry(row: AuditLogRecord) -> AuditEntry:
    return AuditEntry(
        id=row.id,
        at=row.at,
        actor_id=row.actor_id,
        actor=row.actor,
        action=row.action,
        team=row.team,
        resource_type=row.resource_type,
        resource_id=row.resource_id,
        address=row.address,
        detail=row.detail,
    )


def record(
    session: Session,
    actor: Actor,
    action: str,
    *,
    team: str | None = None,
    resource: tuple[str, str] | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditLogRecord:
    """Add one row in the caller's transaction (committed with the change it describes)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}; add it to handoff.audit.ACTIONS")
    row = AuditLogRecord(
        at=utcnow(),
        actor_id=actor.user_id,
        actor=actor.name[:200],
        action=action,
        team=team,
        resource_type=resource[0] if resource else None,
        resource_id=str(resource[1])[:200] if resource else None,
        address=actor.address[:100] if actor.address else None,
        detail=detail,
    )
    session.add(row)
    session.flush()
    return row


class AuditLog:
    """Reading the log, and recording outside any other change (e.g. a failed sign-in)."""

    def __init__(self, url: str) -> None:
        self.url = url
        migrate(url)

    def record(
        self,
        actor: Actor,
        action: str,
        *,
        team: str | None = None,
        resource: tuple[str, str] | None = None,
        detail: dict[str, Any] | None = None,
    ) -> AuditEntry:
        with session_scope(self.url) as session:
            row = record(session, actor, action, team=team, resource=resource, detail=detail)
            return _entry(row)

    def entries(
        self,
        *,
        team: str | None = None,
        action: str | None = None,
        before_id: int | None = None,
        limit: int = 100,
    ) -> list[AuditEntry]:
        """Newest first; page with `before_id` (the smallest id of the previous page)."""
        if not 1 <= limit <= 1000:
            raise InvalidInput("The limit must be between 1 and 1000.")
        query = select(AuditLogRecord).order_by(AuditLogRecord.id.desc()).limit(limit)
        if team is not None:
            query = query.where(AuditLogRecord.team == validate_team(team))
        if action is not None:
            query = query.where(AuditLogRecord.action == action)
        if before_id is not None:
            query = query.where(AuditLogRecord.id < before_id)
        with session_scope(self.url) as session:
            return [_entry(row) for row in session.scalars(query)]
