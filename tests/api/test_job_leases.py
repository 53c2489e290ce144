"""Jobs as leases in the jobs table: claims, heartbeats, the reaper, cancel and retry, stage time
limits. In-process and fast; `test_job_recovery.py` kills real worker processes."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from api.jobs import JobStore
from handoff.db import session_scope
from handoff.models import JobRecord


@pytest.fixture
def jobs(settings: Any) -> JobStore:
    return JobStore(settings.resolved_database_url)


def _expire(jobs: JobStore, job_id: str) -> None:
    """As if the worker holding it stopped renewing its lease a while ago."""
    with session_scope(jobs.url) as session:
        session.execute(
            update(JobRecord)
            .where(JobRecord.id == job_id)
            .values(lease_until=datetime.now(UTC) - timedelta(seconds=5))
        )


def test_one_claim_wins_and_a_lapsed_lease_can_be_taken_over(jobs: JobStore) -> None:
    job = jobs.create(team="t", handoff_id=None, kind="process_wrap")
    first = jobs.claim(job.id, worker="w1", lease_s=30)
    assert first is not None and first.state == "running" and first.attempts == 1
    assert jobs.claim(job.id, worker="w2", lease_s=30) is None  # w1's lease holds
    _expire(jobs, job.id)
    taken = jobs.claim(job.id, worker="w2", lease_s=30)
    assert taken is not None and taken.leased_by == "w2" and taken.attempts == 2
    # w1 comes back from a stall: it can neither renew nor end the job
    assert jobs.renew([job.id], worker="w1", lease_s=30) == {job.id: "lost"}
    assert jobs.finish(job.id, worker="w1") is None
    assert jobs.fail(job.id, "late", worker="w1") is None
    assert jobs.finish(job.id, worker="w2") is not None
    assert jobs.get(job.id).state == "done"
    assert jobs.claim(job.id, worker="w3", lease_s=30) is None  # a done job never runs again


def test_the_reaper_requeues_jobs_whose_lease_ran_out(jobs: JobStore) -> None:
    fresh = jobs.create(team="t", handoff_id=None, kind="process_wrap")
    stale = jobs.create(team="t", handoff_id=None, kind="process_wrap")
    assert jobs.claim(stale.id, worker="dead", lease_s=30) is not None
    assert jobs.expired() == []
    _expire(jobs, stale.id)
    [found] = jobs.expired()
    assert found.id == stale.id and found.stuck()
    again = jobs.reclaim(found, queue_lease_s=60)
    assert again is not None and again.state == "queued" and again.leased_by is None
    assert jobs.reclaim(found, queue_lease_s=60) is None  # a second reaper finds nothing to do
    assert jobs.get(fresh.id).state == "queued" and jobs.expired() == []
    # a queued job whose message was lost is due again once its queue lease runs out
    _expire(jobs, fresh.id)
    assert [j.id for j in jobs.expired()] == [fresh.id]


def test_cancel_stops_the_claim_and_the_heartbeat_reports_it(jobs: JobStore) -> None:
    queued = jobs.create(team="t", handoff_id="h1", kind="process_wrap")
    assert jobs.cancel(queued.id, reason="Cancelled by Maya.").state == "cancelled"
    assert jobs.claim(queued.id, worker="w", lease_s=30) is None  # its message is dropped
    running = jobs.create(team="t", handoff_id="h2", kind="process_wrap")
    jobs.claim(running.id, worker="w", lease_s=30)
    assert jobs.cancel_for_handoff("h2", reason="The handoff was deleted.") == [running.id]
    assert jobs.renew([running.id], worker="w", lease_s=30) == {running.id: "cancelled"}
    assert jobs.fail(running.id, "boom", worker="w") is None  # stays cancelled
    assert jobs.get(running.id).error == "The handoff was deleted."


def test_retry_takes_failed_cancelled_and_stuck_jobs_but_not_live_ones(jobs: JobStore) -> None:
    from handoff.errors import ConflictError

    job = jobs.create(team="t", handoff_id=None, kind="process_wrap")
    jobs.claim(job.id, worker="w", lease_s=30)
    with pytest.raises(ConflictError, match="running"):
        jobs.requeue(job.id)
    _expire(jobs, job.id)  # its worker died: stuck
    assert jobs.requeue(job.id).state == "queued"
    jobs.cancel(job.id, reason="Cancelled.")
    assert jobs.requeue(job.id).state == "queued"


def test_cancel_over_http_then_retry(client: TestClient, services: Any, example_wrap: str) -> None:
    r = client.post("/api/handoffs", json={"text": example_wrap, "team": "payments"})
    hid = r.json()["id"]
    # a job still waiting in the queue (the eager test app would have run it at once)
    job = services.jobs.create(team="payments", handoff_id=hid, kind="process_wrap")
    r = client.post(f"/api/jobs/{job.id}/cancel")
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "cancelled" and "Maya" in r.json()["error"]
    r = client.post(f"/api/jobs/{job.id}/cancel")
    assert r.status_code == 409 and "cancelled" in r.json()["detail"]
    assert client.post("/api/jobs/nope/cancel").status_code == 404
    r = client.post(f"/api/jobs/{job.id}/retry")
    assert r.status_code == 202, r.text
    assert client.get(f"/api/jobs/{job.id}").json()["state"] == "done"
    actions = [e["action"] for e in client.get("/api/teams/payments/audit").json()]
    assert "job.cancel" in actions and "job.retry" in actions


def test_retry_over_http_runs_a_stuck_job_again(
    client: TestClient, services: Any, example_wrap: str
) -> None:
    """The issue's case: a job left running by a killed worker answered 409 to Retry."""
    r = client.post("/api/handoffs", json={"text": example_wrap, "team": "payments"})
    job = services.jobs.create(team="payments", handoff_id=r.json()["id"], kind="process_wrap")
    services.jobs.claim(job.id, worker="killed", lease_s=30)
    assert client.post(f"/api/jobs/{job.id}/retry").status_code == 409  # its lease still holds
    # a row from before leases existed, left running: no lease at all counts as expired
    with session_scope(services.jobs.url) as session:
        session.execute(update(JobRecord).where(JobRecord.id == job.id).values(lease_until=None))
    assert [j.id for j in services.jobs.expired()] == [job.id]
    r = client.post(f"/api/jobs/{job.id}/retry")
    assert r.status_code == 202, r.text
    done = client.get(f"/api/jobs/{job.id}").json()
    assert done["state"] == "done" and done["attempts"] == 2


def test_deleting_a_handoff_cancels_its_job(
    client: TestClient, services: Any, example_wrap: str
) -> None:
    r = client.post("/api/handoffs", json={"text": example_wrap, "team": "payments"})
    hid = r.json()["id"]
    job = services.jobs.create(team="payments", handoff_id=hid, kind="process_wrap")
    assert client.delete(f"/api/handoffs/{hid}").status_code == 204
    after = client.get(f"/api/jobs/{job.id}").json()
    assert after["state"] == "cancelled" and after["error"] == "The handoff was deleted."


def _run_in_thread(job_id: str) -> threading.Thread:
    import api.tasks

    thread = threading.Thread(target=api.tasks.process_wrap.apply, args=([job_id],), daemon=True)
    thread.start()
    return thread


def _wait(jobs: JobStore, job_id: str, states: tuple[str, ...], timeout: float = 30) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = jobs.get(job_id)
        if job.state in states:
            return job
        time.sleep(0.05)
    pytest.fail(f"job {job_id} is {jobs.get(job_id).state}, not {states}")


@pytest.fixture
def slow_extract(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Settings with a 1-second stage limit and a 10-minute pause in extract, and a keeper."""
    import api.tasks
    from api.deps import get_services
    from handoff.settings import get_settings

    monkeypatch.setenv("HANDOFF_DEBUG_STAGE_PAUSE", "extract=600")
    monkeypatch.setenv("HANDOFF_STAGE_SOFT_LIMIT_S", "1")
    monkeypatch.setenv("HANDOFF_STAGE_HARD_LIMIT_S", "60")
    monkeypatch.setenv("HANDOFF_JOB_LEASE_S", "1.5")
    get_settings.cache_clear()
    settings = get_settings()
    get_services(settings).store.count()  # migrated before the keeper's thread reads the table
    keeper = api.tasks.keeper()
    keeper.start()
    yield settings
    keeper.stop()


def test_a_stage_past_its_soft_limit_fails_the_job_with_one_sentence(
    slow_extract: Any, example_wrap: str
) -> None:
    from api.deps import get_services

    svc = get_services(slow_extract)
    handoff = svc.store.create(
        team="t", author=None, recorded_at=None, source_kind="text", source_text=example_wrap
    )
    job = svc.jobs.create(team="t", handoff_id=handoff.id, kind="process_wrap")
    thread = _run_in_thread(job.id)
    thread.join(timeout=60)
    assert not thread.is_alive(), "the stage was not interrupted"
    failed = svc.jobs.get(job.id)
    assert failed.state == "failed" and failed.error is not None, failed
    assert failed.error.startswith("The extract stage took longer than its limit of 1 seconds")
    assert failed.error.count(".") == 1 and "HANDOFF_STAGE_SOFT_LIMIT_S" in failed.error
    assert svc.store.get(handoff.id).declaration is None
    assert svc.jobs.requeue(job.id).state == "queued"  # and it can be retried


def test_a_running_job_cancelled_stops_at_the_next_heartbeat(
    slow_extract: Any, example_wrap: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from api.deps import get_services
    from handoff.settings import get_settings

    monkeypatch.setenv("HANDOFF_STAGE_SOFT_LIMIT_S", "60")
    get_settings.cache_clear()
    svc = get_services(get_settings())
    handoff = svc.store.create(
        team="t", author=None, recorded_at=None, source_kind="text", source_text=example_wrap
    )
    job = svc.jobs.create(team="t", handoff_id=handoff.id, kind="process_wrap")
    thread = _run_in_thread(job.id)
    deadline = time.monotonic() + 20
    while svc.jobs.get(job.id).stage != "extract" and time.monotonic() < deadline:
        time.sleep(0.05)
    svc.jobs.cancel(job.id, reason="Cancelled by Maya.")
    thread.join(timeout=60)
    assert not thread.is_alive()
    after = svc.jobs.get(job.id)
    assert after.state == "cancelled" and after.error == "Cancelled by Maya."
    assert svc.store.get(handoff.id).declaration is None


def test_a_stage_that_ignores_its_soft_limit_fails_and_stops_its_worker(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Past the soft limit the stage is told to stop; still there past the hard limit, its job
    fails, the worker's other jobs go back to the queue, and the process exits (os._exit is
    recorded here instead)."""
    import logging
    import os

    import api.tasks
    from api.deps import get_services
    from api.keeper import EXIT_HARD_LIMIT, StageLimits, active_jobs
    from handoff.settings import get_settings

    monkeypatch.setenv("HANDOFF_STAGE_SOFT_LIMIT_S", "5")
    monkeypatch.setenv("HANDOFF_STAGE_HARD_LIMIT_S", "6")
    get_settings.cache_clear()
    svc = get_services(get_settings())
    limits = StageLimits.from_settings(svc.settings)
    active = active_jobs()
    stuck, other = (svc.jobs.create(team="t", handoff_id=None, kind="process_wrap") for _ in "ab")
    for job in (stuck, other):
        svc.jobs.claim(job.id, worker=active.name, lease_s=30)
    blocked, fresh = active.add(stuck.id), active.add(other.id)
    blocked.enter("transcribe")
    fresh.enter("extract")
    blocked.stage_started -= 10  # in its stage for 10 s: past the soft limit
    exits: list[int] = []
    sent: list[str] = []
    monkeypatch.setattr(os, "_exit", exits.append)
    monkeypatch.setattr(logging, "shutdown", lambda: None)
    keeper = api.tasks.keeper()
    monkeypatch.setattr(keeper, "_send", lambda svc, job: sent.append(job.id))
    try:
        keeper.enforce_limits(limits)
        assert blocked.reason and blocked.reason.startswith("The transcribe stage took longer")
        assert exits == [] and fresh.reason is None
        assert blocked.interrupted_at is not None
        blocked.interrupted_at -= 2  # and it ignored that for 2 s, past the hard limit's 1 s more
        keeper.enforce_limits(limits)
    finally:
        active.remove(stuck.id)
        active.remove(other.id)
    assert exits == [EXIT_HARD_LIMIT]
    failed = svc.jobs.get(stuck.id)
    assert failed.state == "failed" and failed.error == blocked.reason
    assert svc.jobs.get(other.id).state == "queued" and sent == [other.id]


def test_production_refuses_the_test_only_stage_pause(home: Any) -> None:
    from api.auth.production import production_problems
    from handoff.settings import Settings

    settings = Settings(home=home, environment="production", debug_stage_pause="extract=5")
    assert "HANDOFF_DEBUG_STAGE_PAUSE is for tests; leave it empty in production." in (
        production_problems(settings)
    )
    assert not [
        p
        for p in production_problems(Settings(home=home, environment="production"))
        if "STAGE_PAUSE" in p
    ]
