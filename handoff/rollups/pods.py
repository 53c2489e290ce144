"""Pods: an administrator groups teams whose work crosses (migration 0012_pods).

A pod's rollup reads every team in it, so only members of one of its teams may read it; the pod
itself holds no work of its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ForeignKey, String, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from handoff.audit import Actor, record
from handoff.db import migrate, session_scope
from handoff.errors import ConflictError, InvalidInput, NotFound
from handoff.identity.models import TeamRecord
from handoff.models import Base, utcnow
from handoff.teams import validate_team

_POD_RE = re.compile(r"[a-z0-9_-]{1,64}", re.ASCII)


class PodRecord(Base):
    __tablename__ = "pods"

    slug: Mapped[str] = mapped_column(String(64), primary_key=True)
    display_name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PodTeamRecord(Base):
    __tablename__ = "pod_teams"

    pod: Mapped[str] = mapped_column(
        String(64), ForeignKey("pods.slug", ondelete="CASCADE"), primary_key=True
    )
    team: Mapped[str] = mapped_column(
        String(64), ForeignKey("teams.slug", ondelete="CASCADE"), primary_key=True
    )


@dataclass(frozen=True, slots=True)
class Pod:
    slug: str
    display_name: str
    teams: tuple[str, ...]


def validate_pod(value: str) -> str:
    if not isinstance(value, str) or not _POD_RE.fullmatch(value):
        raise InvalidInput("A pod name is 1 to 64 lowercase letters, digits, '-' or '_'.")
    return value


class Pods:
    """Pods of one database."""

    def __init__(self, url: str) -> None:
        self.url = url
        migrate(url)

    def create(self, slug: str, *, actor: Actor, display_name: str | None = None) -> Pod:
        slug = validate_pod(slug)
        with session_scope(self.url) as session:
            if session.get(PodRecord, slug) is not None:
                raise ConflictError(f"A pod named '{slug}' exists already.")
            session.add(PodRecord(slug=slug, display_name=(display_name or slug)[:200]))
            record(session, actor, "pod.create", resource=("pod", slug))
        return self.pod(slug)

    def add_team(self, pod: str, team: str, *, actor: Actor) -> Pod:
        pod, team = validate_pod(pod), validate_team(team)
        with session_scope(self.url) as session:
            self._row(session, pod)
            if session.get(TeamRecord, team) is None:
                raise NotFound(f"No team named '{team}'.")
            if session.get(PodTeamRecord, (pod, team)) is None:
                session.add(PodTeamRecord(pod=pod, team=team))
                record(session, actor, "pod.add_team", team=team, resource=("pod", pod))
        return self.pod(pod)

    def remove_team(self, pod: str, team: str, *, actor: Actor) -> Pod:
        pod, team = validate_pod(pod), validate_team(team)
        with session_scope(self.url) as session:
            self._row(session, pod)
            gone = session.execute(
                delete(PodTeamRecord).where(PodTeamRecord.pod == pod, PodTeamRecord.team == team)
            )
            if not getattr(gone, "rowcount", 0):
                raise NotFound(f"Team '{team}' is not in pod '{pod}'.")
            record(session, actor, "pod.remove_team", team=team, resource=("pod", pod))
        return self.pod(pod)

    def pod(self, slug: str) -> Pod:
        slug = validate_pod(slug)
        with session_scope(self.url) as session:
            row = self._row(session, slug)
            teams = session.scalars(
                select(PodTeamRecord.team).where(PodTeamRecord.pod == slug).order_by("team")
            )
            return Pod(row.slug, row.display_name, tuple(teams))

    def pods(self) -> list[Pod]:
        with session_scope(self.url) as session:
            slugs = list(session.scalars(select(PodRecord.slug).order_by(PodRecord.slug)))
        return [self.pod(s) for s in slugs]

    @staticmethod
    def _row(session: Session, slug: str) -> PodRecord:
        row = session.get(PodRecord, slug)
        if row is None:
            raise NotFound(f"No pod named '{slug}'.")
        return row
