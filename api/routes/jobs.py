"""Background jobs over HTTP: follow one, retry one that failed or stuck, cancel one."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.auth.deps import Caller, CallerDep
from api.deps import ServicesDep
from api.tasks import enqueue
from api.usecases import refining
from api.usecases.audit import log
from api.wiring.services import Services

router = APIRouter(tags=["jobs"])


@router.get("/jobs/{job_id}", summary="A job's state, stage, progress (0..1) and error")
def get_job(job_id: str, svc: ServicesDep) -> dict[str, Any]:
    """A drafting job adds `refinement`: where the LLM's refinement of its draft stands."""
    return refining.job_json(svc, svc.jobs.get(job_id))


@router.post(
    "/jobs/{job_id}/retry", status_code=202, summary="Run a failed, cancelled or stuck job again"
)
def retry_job(job_id: str, svc: ServicesDep, caller: CallerDep) -> dict[str, Any]:
    return retry(svc, job_id, caller)


def retry(svc: Services, job_id: str, caller: Caller) -> dict[str, Any]:
    """Requeue a failed job, audited as the caller's (the web page's button does the same)."""
    job = svc.jobs.requeue(job_id, queue_lease_s=svc.settings.job_queue_lease_s)
    log(svc, caller.actor, "job.retry", team=job.team, resource=("job", job.id))
    enqueue(svc, job)
    return svc.jobs.get(job_id).to_json()


@router.post("/jobs/{job_id}/cancel", summary="Stop a queued or running job")
def cancel_job(job_id: str, svc: ServicesDep, caller: CallerDep) -> dict[str, Any]:
    return cancel(svc, job_id, caller)


def cancel(svc: Services, job_id: str, caller: Caller) -> dict[str, Any]:
    """Cancel a job, audited as the caller's: a queued one never starts (its message is dropped
    when it arrives) and a running one is stopped by its worker at the next heartbeat (within a
    third of HANDOFF_JOB_LEASE_S). Retry runs it again."""
    job = svc.jobs.cancel(job_id, reason=f"Cancelled by {caller.name}.")
    log(svc, caller.actor, "job.cancel", team=job.team, resource=("job", job.id))
    return job.to_json()
