"""Background job records: what the API and the progress bar read while a worker runs.

A job is a row in the `jobs` table (see `handoff.models.JobRecord`): `queued -> running -> done`,
or `failed` with the reason in one sentence. A failed job can be retried, which puts it back to
`queued`. Rows live in the system of record rather than a Celery result backend, so the embedded
mode and the at-scale mode read progress the same way.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import select

from handoff.db import migrate, session_scope
from handoff.errors import ConflictError, NotFound
from handoff.models import JobRecord

JobKind = Literal["process_wrap", "index_handoff"]
JobState = Literal["queued", "running", "done", "failed"]


@dataclass(frozen=True, slots=True)
class Job:
    id: str
    team: str
    handoff_id: str | None
    kind: str
    state: str
    stage: str | None
    progress: float
    error: str | None
    attempts: int
    created_at: datetime
    updated_at: datetime

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "handoff_id": self.handoff_id,
            "kind": self.kind,
            "state": self.state,
            "stage": self.stage,
            "progress": round(self.progress, 3),
            "error": self.error,
            "attempts": self.attempts,
            "created_at": _aware(self.created_at).isoformat(),
            "updated_at": _aware(self.updated_at).isoformat(),
        }


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _view(rec: JobRecord) -> Job:
    return Job(
        id=rec.id,
        team=rec.team,
        handoff_id=rec.handoff_id,
        kind=rec.kind,
        state=rec.state,
        stage=rec.stage,
        progress=float(rec.progress or 0.0),
        error=rec.error,
        attempts=int(rec.attempts or 0),
        created_at=rec.created_at,
        updated_at=rec.updated_at,
    )


class JobStore:
    """Job rows for one database URL."""

    def __init__(self, url: str) -> None:
        self.url = url
        migrate(url)

    def _load(self, session: Any, job_id: str, team: str | None) -> JobRecord:
        rec = session.get(JobRecord, job_id)
        if rec is None or (team is not None and rec.team != team):
            raise NotFound(f"No job with id '{job_id}'.")
        return rec

    def create(self, *, team: str, handoff_id: str | None, kind: JobKind) -> Job:
        with session_scope(self.url) as session:
            rec = JobRecord(
                id=uuid.uuid4().hex,
                team=team,
                handoff_id=handoff_id,
                kind=kind,
                state="queued",
                stage="queued",
                progress=0.0,
                attempts=0,
            )
            session.add(rec)
            session.flush()
            return _view(rec)

    def get(self, job_id: str, *, team: str | None = None) -> Job:
        with session_scope(self.url) as session:
            return _view(self._load(session, job_id, team))

    def for_handoff(self, handoff_id: str) -> list[Job]:
        """The handoff's jobs, newest first."""
        with session_scope(self.url) as session:
            rows = session.scalars(
                select(JobRecord)
                .where(JobRecord.handoff_id == handoff_id)
                .order_by(JobRecord.created_at.desc())
            ).all()
            return [_view(r) for r in rows]

    def start(self, job_id: str) -> Job:
        """Mark a job running and count the attempt."""
        with session_scope(self.url) as session:
            rec = self._load(session, job_id, None)
            rec.state = "running"
            rec.error = None
            rec.attempts = int(rec.attempts or 0) + 1
            session.flush()
            return _view(rec)

    def progress(self, job_id: str, *, stage: str, fraction: float) -> None:
        with session_scope(self.url) as session:
            rec = self._load(session, job_id, None)
            if rec.state in ("done", "failed"):
                return
            rec.stage = stage
            rec.progress = max(0.0, min(1.0, float(fraction)))

    def finish(self, job_id: str) -> Job:
        with session_scope(self.url) as session:
            rec = self._load(session, job_id, None)
            rec.state = "done"
            rec.stage = "done"
            rec.progress = 1.0
            rec.error = None
            session.flush()
            return _view(rec)

    def fail(self, job_id: str, error: str) -> Job:
        with session_scope(self.url) as session:
            rec = self._load(session, job_id, None)
            rec.state = "failed"
            rec.error = error
            session.flush()
            return _view(rec)

    def requeue(self, job_id: str, *, team: str | None = None) -> Job:
        """Put a failed job back in the queue (the caller enqueues the task again)."""
        with session_scope(self.url) as session:
            rec = self._load(session, job_id, team)
            if rec.state != "failed":
                raise ConflictError(f"Only a failed job can be retried; this one is {rec.state}.")
            rec.state = "queued"
            rec.stage = "queued"
            rec.progress = 0.0
            rec.error = None
            session.flush()
            return _view(rec)
