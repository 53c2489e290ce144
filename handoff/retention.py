"""How long a team keeps what it posts: its retention rules (a lead sets them).

    media_days     kept uploads (clips, voice notes, chat exports) and spoken answers are
                   deleted this many days after the handoff was recorded; the declaration and
                   the transcript stay
    handoff_days   whole handoffs are deleted this many days after they were recorded, the
                   ledger and the index following (the same path as a person deleting one)

None keeps them for ever (the default). Applying the rules is `api.usecases.retention`; every
change of a rule and every deletion it causes is a row of the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, select
from sqlalchemy.orm import Mapped, mapped_column

from handoff.audit import Actor, record
from handoff.db import migrate, session_scope
from handoff.errors import InvalidInput, NotFound
from handoff.identity.models import TeamRecord
from handoff.models import Base, utcnow
from handoff.teams import validate_team

#: The longest rule a team may set (a hundred years; beyond that, say None).
MAX_DAYS = 36_500


class RetentionRecord(Base):
    """One team's rules (migration 0009_retention)."""

    __tablename__ = "team_retention"

    team: Mapped[str] = mapped_column(
        String(64), ForeignKey("teams.slug", ondelete="CASCADE"), primary_key=True
    )
    media_days: Mapped[int | None] = mapped_column(Integer)
    handoff_days: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by: Mapped[str | None] = mapped_column(String(200))


@dataclass(frozen=True, slots=True)
class Retention:
    team: str
    media_days: int | None = None
    handoff_days: int | None = None
    updated_at: datetime | None = None
    updated_by: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "team": self.team,
            "media_days": self.media_days,
            "handoff_days": self.handoff_days,
            "updated_at": self.updated_at.isoformat() if self.updated_at else None,
            "updated_by": self.updated_by,
        }


def check_days(value: int | None, name: str) -> int | None:
    """A rule's days: a whole number from 1 to MAX_DAYS, or None (keep for ever)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_DAYS:
        raise InvalidInput(f"'{name}' must be a whole number of days from 1 to {MAX_DAYS}.")
    return value


def _view(row: RetentionRecord) -> Retention:
    return Retention(row.team, row.media_days, row.handoff_days, row.updated_at, row.updated_by)


class RetentionRules:
    """The rules of every team, in the system of record."""

    def __init__(self, url: str) -> None:
        self.url = url
        migrate(url)

    def get(self, team: str) -> Retention:
        """The team's rules; a team that never set any keeps everything."""
        team = validate_team(team)
        with session_scope(self.url) as session:
            row = session.get(RetentionRecord, team)
            return _view(row) if row is not None else Retention(team)

    def set(
        self, team: str, *, media_days: int | None, handoff_days: int | None, actor: Actor
    ) -> Retention:
        """Replace the team's rules (audited as `retention.set` with before and after)."""
        team = validate_team(team)
        media_days = check_days(media_days, "media_days")
        handoff_days = check_days(handoff_days, "handoff_days")
        with session_scope(self.url) as session:
            if session.get(TeamRecord, team) is None:
                raise NotFound(f"There is no team '{team}'.")
            row = session.get(RetentionRecord, team)
            before = _view(row) if row is not None else Retention(team)
            if row is None:
                row = RetentionRecord(team=team)
                session.add(row)
            row.media_days, row.handoff_days = media_days, handoff_days
            row.updated_at, row.updated_by = utcnow(), actor.name[:200]
            session.flush()
            detail = {
                "before": {"media_days": before.media_days, "handoff_days": before.handoff_days},
                "after": {"media_days": media_days, "handoff_days": handoff_days},
            }
            record(
                session, actor, "retention.set", team=team, resource=("team", team), detail=detail
            )
            return _view(row)

    def all(self) -> list[Retention]:
        """Every team with at least one rule."""
        with session_scope(self.url) as session:
            rows = session.scalars(select(RetentionRecord).order_by(RetentionRecord.team))
            return [
                _view(r) for r in rows if r.media_days is not None or r.handoff_days is not None
            ]
