"""Applying the teams' retention rules (`handoff.retention`): what is past its time is deleted.

Run daily by the `handoff.apply_retention` Celery task (see `api.tasks`) and on demand by
`handoff retention apply [--dry-run]`. A whole handoff goes through `lifecycle.delete`, the same
path as a person deleting it, so the ledger (in the store's transaction) and the index follow; its
audit row says which rule deleted it. A handoff past `media_days` loses its kept upload, its
spoken answers and the decoded audio cached from them; its declaration and transcript stay, and
the audit row `retention.media` records it.

Age is counted from when the wrap was recorded (when it was posted, if it says nothing). The clock
is a parameter, so tests and a late run decide what "now" is.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from api.usecases import lifecycle
from api.usecases.followups import answer_clips_folder
from api.usecases.teams import team_name
from api.wiring.services import Services
from handoff.audit import Actor, record
from handoff.models import HandoffRecord, utcnow
from handoff.retention import Retention, RetentionRules

#: Who deletes in the audit log: the rule, not a person.
RETENTION_ACTOR = Actor(user_id=None, name="system:retention", address="scheduler")


@dataclass(frozen=True, slots=True)
class Deletion:
    """One thing a rule deleted (or, in a dry run, would delete)."""

    team: str
    handoff_id: str
    rule: str  # "handoff_days" (the whole handoff) or "media_days" (its files)
    days: int
    recorded_at: datetime

    def to_json(self) -> dict[str, Any]:
        return {
            "team": self.team,
            "handoff_id": self.handoff_id,
            "rule": self.rule,
            "days": self.days,
            "recorded_at": self.recorded_at.isoformat(),
        }

    def audit_detail(self) -> dict[str, Any]:
        return {"rule": self.rule, "days": self.days, "recorded_at": self.recorded_at.isoformat()}


def rules(svc: Services) -> RetentionRules:
    return RetentionRules(svc.settings.resolved_database_url)


def show(svc: Services, team: str | None) -> Retention:
    return rules(svc).get(team_name(svc, team))


def set_rules(
    svc: Services,
    team: str | None,
    *,
    media_days: int | None,
    handoff_days: int | None,
    actor: Actor,
) -> Retention:
    return rules(svc).set(
        team_name(svc, team), media_days=media_days, handoff_days=handoff_days, actor=actor
    )


def apply(
    svc: Services,
    *,
    now: datetime | None = None,
    team: str | None = None,
    dry_run: bool = False,
) -> list[Deletion]:
    """Apply every team's rules (or one team's) as of `now` (default: the current time);
    with `dry_run`, only say what would go."""
    now = now or utcnow()
    done: list[Deletion] = []
    for rule in rules(svc).all():
        if team is not None and rule.team != team:
            continue
        if rule.handoff_days is not None:
            for deletion in _due(svc, rule.team, "handoff_days", rule.handoff_days, now):
                if not dry_run:
                    lifecycle.delete(
                        svc,
                        deletion.handoff_id,
                        team=rule.team,
                        actor=RETENTION_ACTOR.name,
                        audit=RETENTION_ACTOR,
                        audit_detail=deletion.audit_detail(),
                    )
                done.append(deletion)
        if rule.media_days is not None:
            gone = {d.handoff_id for d in done}
            for deletion in _due(svc, rule.team, "media_days", rule.media_days, now, media=True):
                if deletion.handoff_id in gone:
                    continue
                if not dry_run:
                    _drop_media(svc, deletion)
                done.append(deletion)
    return done


def _due(
    svc: Services, team: str, rule: str, days: int, now: datetime, *, media: bool = False
) -> Iterator[Deletion]:
    """The team's handoffs recorded more than `days` before `now`, oldest first; with `media`,
    only those that still have a kept upload or spoken answers."""
    age = func.coalesce(HandoffRecord.recorded_at, HandoffRecord.created_at)
    query = (
        select(HandoffRecord.id, age, HandoffRecord.source_path)
        .where(HandoffRecord.team == team, age < now - timedelta(days=days))
        .order_by(age, HandoffRecord.id)
    )
    with svc.store.session() as session:
        rows = session.execute(query).all()
    for handoff_id, recorded_at, kept in rows:
        if media and kept is None and not answer_clips_folder(svc, handoff_id).is_dir():
            continue
        yield Deletion(team, handoff_id, rule, days, recorded_at)


def _drop_media(svc: Services, deletion: Deletion) -> None:
    """Forget the handoff's kept upload (audited in the same transaction), then delete it, its
    spoken answers and the decoded audio cached from it."""
    clips = answer_clips_folder(svc, deletion.handoff_id)
    with svc.store.session() as session:
        rec = session.get(HandoffRecord, deletion.handoff_id)
        if rec is None:
            return
        kept, digest = rec.source_path, rec.source_sha256
        rec.source_path = None
        record(
            session,
            RETENTION_ACTOR,
            "retention.media",
            team=rec.team,
            resource=("handoff", rec.id),
            detail=deletion.audit_detail(),
        )
    uploads = svc.settings.uploads_dir.resolve()
    if kept and Path(kept).resolve().is_relative_to(uploads):  # never a file outside HOME
        Path(kept).unlink(missing_ok=True)
    shutil.rmtree(clips, ignore_errors=True)
    if digest:
        (svc.settings.cache_dir / "audio" / f"{digest}.npz").unlink(missing_ok=True)
