"""Background job records: what the API and the progress bar read while a worker runs.

A job is a row in the `jobs` table (see `handoff.models.JobRecord`): `queued -> running -> done`,
`failed` with the reason in one sentence, or `cancelled`. A failed, cancelled or stuck job can be
retried, which puts it back to `queued`. Rows live in the system of record rather than a Celery
result backend, so the embedded mode and the at-scale mode read progress the same way.

The row is also the job's lease. A worker *claims* a job (`claim`: queued, or running under an
expired lease, becomes running under its name), renews the lease while it works (`renew`), and
ends it only while it still holds it (`finish`, `fail`, `release`): a worker whose claim was taken
from it (it stalled, or the job was cancelled) can never overwrite what happened since. A queued
job's lease is when its message is sent again (`expired`, `reclaim`), so a message lost with a
killed worker delays a job but never loses it. Duplicate messages are harmless: only one claim
wins, and a job already done is never claimed.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from sqlalchemy import or_, select, update

from handoff.db import migrate, session_scope
from handoff.errors import ConflictError, NotFound
from handoff.models import JobRecord

JobKind = Literal["process_wrap", "index_handoff"]
JobState = Literal["queued", "running", "done", "failed", "cancelled"]
#: States a job leaves only by being retried.
FINAL = ("done", "failed", "cancelled")


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
    leased_by: str | None = None
    lease_until: datetime | None = None

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

    def stuck(self, now: datetime | None = None) -> bool:
        """Running, but nobody has renewed its lease in time (its worker died)."""
        return self.state == "running" and _expired(self.lease_until, now or _now())


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _now() -> datetime:
    return datetime.now(UTC)


def _expired(lease_until: datetime | None, now: datetime) -> bool:
    return lease_until is None or _aware(lease_until) < now


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
        leased_by=rec.leased_by,
        lease_until=rec.lease_until,
    )


def _lease_lapsed(now: datetime) -> Any:
    return or_(JobRecord.lease_until.is_(None), JobRecord.lease_until < now)


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

    def create(
        self,
        *,
        team: str,
        handoff_id: str | None,
        kind: JobKind,
        queue_lease_s: float = 600.0,
    ) -> Job:
        """A queued job; its message is sent again after `queue_lease_s` if no worker took it."""
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
                lease_until=_now() + timedelta(seconds=queue_lease_s),
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

    # -- a worker's side: claim, renew, end ----------------------------------------------------

    def claim(self, job_id: str, *, worker: str, lease_s: float) -> Job | None:
        """Take the job for `worker` (queued, or running under a lapsed lease) and count the
        attempt; None when another worker holds it or it is done, failed or cancelled."""
        now = _now()
        with session_scope(self.url) as session:
            result = session.execute(
                update(JobRecord)
                .where(JobRecord.id == job_id)
                .where(
                    or_(
                        JobRecord.state == "queued",
                        (JobRecord.state == "running") & _lease_lapsed(now),
                    )
                )
                .values(
                    state="running",
                    error=None,
                    leased_by=worker,
                    lease_until=now + timedelta(seconds=lease_s),
                    attempts=JobRecord.attempts + 1,
                )
                .execution_options(synchronize_session=False)
            )
            if not _rowcount(result):
                return None
            return _view(self._load(session, job_id, None))

    def renew(self, job_ids: Iterable[str], *, worker: str, lease_s: float) -> dict[str, str]:
        """Extend `worker`'s leases on these jobs; returns each job's state, and "lost" for one
        the worker no longer holds (cancelled, or re-queued after its lease ran out)."""
        ids = list(job_ids)
        if not ids:
            return {}
        now = _now()
        with session_scope(self.url) as session:
            session.execute(
                update(JobRecord)
                .where(JobRecord.id.in_(ids))
                .where(JobRecord.state == "running", JobRecord.leased_by == worker)
                .values(lease_until=now + timedelta(seconds=lease_s))
                .execution_options(synchronize_session=False)
            )
            rows = session.execute(
                select(JobRecord.id, JobRecord.state, JobRecord.leased_by).where(
                    JobRecord.id.in_(ids)
                )
            ).all()
        states = {job_id: "lost" for job_id in ids}
        for job_id, state, holder in rows:
            states[job_id] = state if state != "running" or holder == worker else "lost"
        return states

    def progress(
        self, job_id: str, *, stage: str, fraction: float, worker: str | None = None
    ) -> None:
        with session_scope(self.url) as session:
            rec = self._load(session, job_id, None)
            if rec.state in FINAL or (worker is not None and rec.leased_by != worker):
                return
            rec.stage = stage
            rec.progress = max(0.0, min(1.0, float(fraction)))

    def _end(self, job_id: str, worker: str | None, **values: Any) -> Job | None:
        """Set `values` on a running job `worker` holds (any unfinished job when None)."""
        with session_scope(self.url) as session:
            query = update(JobRecord).where(JobRecord.id == job_id)
            if worker is not None:
                query = query.where(JobRecord.state == "running", JobRecord.leased_by == worker)
            else:
                query = query.where(JobRecord.state.in_(("queued", "running")))
            result = session.execute(
                query.values(**values).execution_options(synchronize_session=False)
            )
            if not _rowcount(result):
                return None
            return _view(self._load(session, job_id, None))

    def finish(self, job_id: str, *, worker: str | None = None) -> Job | None:
        return self._end(
            job_id,
            worker,
            state="done",
            stage="done",
            progress=1.0,
            error=None,
            leased_by=None,
            lease_until=None,
        )

    def fail(self, job_id: str, error: str, *, worker: str | None = None) -> Job | None:
        return self._end(
            job_id, worker, state="failed", error=error, leased_by=None, lease_until=None
        )

    def release(self, job_id: str, *, worker: str, stage: str, queue_lease_s: float) -> Job | None:
        """Hand a running job back to the queue (a worker stopping, or a retry after a transient
        failure): queued again, its message expected within `queue_lease_s`."""
        return self._end(
            job_id,
            worker,
            state="queued",
            stage=stage,
            leased_by=None,
            lease_until=_now() + timedelta(seconds=queue_lease_s),
        )

    # -- the reaper's side ---------------------------------------------------------------------

    def expired(self, *, limit: int = 100) -> list[Job]:
        """Queued or running jobs whose lease ran out (or that never had one), oldest first."""
        now = _now()
        with session_scope(self.url) as session:
            rows = session.scalars(
                select(JobRecord)
                .where(JobRecord.state.in_(("queued", "running")), _lease_lapsed(now))
                .order_by(JobRecord.updated_at)
                .limit(limit)
            ).all()
            return [_view(r) for r in rows]

    def reclaim(self, job: Job, *, queue_lease_s: float) -> Job | None:
        """Put an expired job back to queued (unless someone renewed or ended it meanwhile), its
        message due again within `queue_lease_s`; the caller sends the task."""
        now = _now()
        values: dict[str, Any] = {
            "state": "queued",
            "leased_by": None,
            "lease_until": now + timedelta(seconds=queue_lease_s),
        }
        if job.state == "running":
            values["stage"] = "queued"
            values["progress"] = 0.0
        with session_scope(self.url) as session:
            result = session.execute(
                update(JobRecord)
                .where(JobRecord.id == job.id, JobRecord.state == job.state)
                .where(_lease_lapsed(now))
                .values(**values)
                .execution_options(synchronize_session=False)
            )
            if not _rowcount(result):
                return None
            return _view(self._load(session, job.id, None))

    # -- people's side: cancel, retry ----------------------------------------------------------

    def cancel(self, job_id: str, *, reason: str, team: str | None = None) -> Job:
        """Cancel a queued or running job (its worker stops it at its next heartbeat)."""
        with session_scope(self.url) as session:
            rec = self._load(session, job_id, team)
            if rec.state not in ("queued", "running"):
                raise ConflictError(
                    f"Only a queued or running job can be cancelled; this one is {rec.state}."
                )
            rec.state = "cancelled"
            rec.error = reason
            rec.lease_until = None
            session.flush()
            return _view(rec)

    def cancel_for_handoff(self, handoff_id: str, *, reason: str) -> list[str]:
        """Cancel every unfinished job of a handoff; returns their ids."""
        with session_scope(self.url) as session:
            rows = session.scalars(
                select(JobRecord).where(
                    JobRecord.handoff_id == handoff_id,
                    JobRecord.state.in_(("queued", "running")),
                )
            ).all()
            for rec in rows:
                rec.state = "cancelled"
                rec.error = reason
                rec.lease_until = None
            return [rec.id for rec in rows]

    def requeue(self, job_id: str, *, team: str | None = None, queue_lease_s: float = 600.0) -> Job:
        """Put a failed, cancelled or stuck job back in the queue (the caller enqueues it)."""
        with session_scope(self.url) as session:
            rec = self._load(session, job_id, team)
            stuck = rec.state == "running" and _expired(rec.lease_until, _now())
            if rec.state not in ("failed", "cancelled") and not stuck:
                raise ConflictError(
                    "Only a failed, cancelled or stuck job can be retried; "
                    f"this one is {rec.state}."
                )
            rec.state = "queued"
            rec.stage = "queued"
            rec.progress = 0.0
            rec.error = None
            rec.leased_by = None
            rec.lease_until = _now() + timedelta(seconds=queue_lease_s)
            session.flush()
            return _view(rec)


def _rowcount(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)
