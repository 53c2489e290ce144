"""A worker killed (SIGKILL) in the middle of each stage: the job is re-queued from the jobs table
and completes exactly once, the upload is intact, and nothing is duplicated in the ledger or the
index. Real worker processes on the embedded filesystem broker with SQLite, and (marked
`postgres`, `redis`) on PostgreSQL with Redis as the broker.

`HANDOFF_DEBUG_STAGE_PAUSE` holds the first worker at the start of the stage so it can be killed
there; short leases (`HANDOFF_JOB_LEASE_S`) keep the recovery to a few seconds.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from handoff.db import session_scope
from handoff.models import HandoffRecord
from tests.api.conftest import bearer, signed_in_token
from tests.scale.test_at_scale import redis_url  # noqa: F401 (the fixture, for the scale mode)

HANDOFF = str(Path(sys.executable).with_name("handoff"))
FAST = {
    "HANDOFF_JOB_LEASE_S": "2",
    "HANDOFF_JOB_REAP_INTERVAL_S": "0.5",
    "HANDOFF_JOB_SHUTDOWN_GRACE_S": "2",
}

pytestmark = pytest.mark.slow


class Workers:
    """`handoff worker` processes for one data directory; every one is stopped at the end."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.procs: list[subprocess.Popen[Any]] = []

    def start(self, *, pause: str = "") -> subprocess.Popen[Any]:
        env = {**os.environ, "HANDOFF_DEBUG_STAGE_PAUSE": pause}  # the test's settings
        log = (self.folder / f"worker{len(self.procs)}.log").open("w")
        proc = subprocess.Popen(
            [HANDOFF, "worker", "--loglevel", "warning"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        self.procs.append(proc)
        return proc

    def logs(self) -> str:
        return "\n".join(p.read_text()[-1500:] for p in sorted(self.folder.glob("worker*.log")))

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()


@pytest.fixture
def fast(monkeypatch: pytest.MonkeyPatch) -> None:
    """Short leases and grace, in this process's environment (workers inherit it)."""
    for key, value in FAST.items():
        monkeypatch.setenv(key, value)


@pytest.fixture(
    params=["embedded", pytest.param("scale", marks=[pytest.mark.postgres, pytest.mark.redis])]
)
def mode(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, fast: None) -> str:
    """The settings of a mode, in this process's environment (workers inherit it)."""
    if request.param == "scale":
        monkeypatch.setenv("HANDOFF_DATABASE_URL", request.getfixturevalue("postgres_url"))
        monkeypatch.setenv("HANDOFF_BROKER_URL", request.getfixturevalue("redis_url"))
    return str(request.param)


@pytest.fixture
def stack(mode: str, tmp_path: Path) -> Iterator[tuple[TestClient, Workers, Any]]:
    """The web app in this process (jobs go to the broker), its services, and the workers."""
    from api.app import create_app
    from api.deps import get_services
    from handoff.settings import get_settings

    get_settings.cache_clear()
    settings = get_settings()
    client = TestClient(create_app(settings), headers=bearer(signed_in_token(settings)))
    workers = Workers(tmp_path)
    try:
        yield client, workers, get_services(settings)
    finally:
        workers.stop()


def _job(client: TestClient, job_id: str) -> dict[str, Any]:
    return dict(client.get(f"/api/jobs/{job_id}").json())


def _wait(client: TestClient, job_id: str, ok: Any, workers: Workers, timeout: float = 90) -> Any:
    deadline = time.monotonic() + timeout
    job = _job(client, job_id)
    while time.monotonic() < deadline:
        job = _job(client, job_id)
        if ok(job):
            return job
        time.sleep(0.1)
    pytest.fail(f"job {job_id} never got there: {job}\n{workers.logs()}")


def _kill_at(client: TestClient, workers: Workers, job_id: str, stage: str) -> None:
    """Wait until the paused worker is in `stage`, kill it, and see the job left running."""
    proc = workers.procs[-1]
    _wait(client, job_id, lambda j: j["state"] == "running" and j["stage"] == stage, workers)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    left = _job(client, job_id)
    assert left["state"] == "running" and left["stage"] == stage, left


def _recovered(client: TestClient, workers: Workers, job_id: str) -> dict[str, Any]:
    """A new worker takes the job over; it completes once and is not run again."""
    workers.start()
    done = _wait(client, job_id, lambda j: j["state"] in ("done", "failed"), workers)
    assert done["state"] == "done", f"{done}\n{workers.logs()}"
    assert done["attempts"] == 2, done
    time.sleep(float(FAST["HANDOFF_JOB_LEASE_S"]) + 1.5)  # a few reaper passes later
    assert _job(client, job_id) == done
    return done


def _audit_actions(client: TestClient, hid: str) -> list[str]:
    return [e["action"] for e in client.get(f"/api/handoffs/{hid}/audit").json()]


@pytest.mark.parametrize("stage", ["transcribe", "extract"])
def test_killed_while_working_on_a_text_wrap(stack: Any, example_wrap: str, stage: str) -> None:
    client, workers, _ = stack
    workers.start(pause=f"{stage}=120")
    r = client.post("/api/handoffs", json={"text": example_wrap, "team": "payments"})
    assert r.status_code == 202, r.text
    hid, job_id = r.json()["id"], r.json()["job_id"]
    _kill_at(client, workers, job_id, stage)
    _recovered(client, workers, job_id)
    handoff = client.get(f"/api/handoffs/{hid}").json()
    assert handoff["declaration"]["in_flight"], handoff
    # exactly one extraction recorded, as for a wrap processed without a kill
    assert _audit_actions(client, hid).count("extracted") == 1, _audit_actions(client, hid)


def test_killed_while_decoding_a_clip(stack: Any, shared_data: Path) -> None:
    client, workers, svc = stack
    clip = shared_data / "speech" / "whisper-jfk" / "jfk.flac"
    workers.start(pause="decode=120")
    with clip.open("rb") as fh:
        r = client.post(
            "/api/handoffs",
            files={"file": ("jfk.flac", fh, "audio/flac")},
            data={"team": "payments"},
        )
    assert r.status_code == 202, r.text
    hid, job_id = r.json()["id"], r.json()["job_id"]
    _kill_at(client, workers, job_id, "decode")
    _recovered(client, workers, job_id)
    with session_scope(svc.settings.resolved_database_url) as session:
        row = session.get(HandoffRecord, hid)
        assert row is not None
        kept, recorded_sha, transcript = (
            Path(row.source_path or ""),
            row.source_sha256,
            row.transcript,
        )
    original = hashlib.sha256(clip.read_bytes()).hexdigest()
    assert hashlib.sha256(kept.read_bytes()).hexdigest() == original == recorded_sha
    assert "country" in json.dumps(transcript).lower()
    assert _audit_actions(client, hid).count("extracted") == 1


def test_killed_while_indexing_a_published_handoff(stack: Any, example_wrap: str) -> None:
    from search.index import field_documents

    client, workers, svc = stack
    workers.start(pause="index=120")
    r = client.post("/api/handoffs", json={"text": example_wrap, "team": "payments"})
    hid = r.json()["id"]
    _wait(client, r.json()["job_id"], lambda j: j["state"] == "done", workers)
    r = client.post(f"/api/handoffs/{hid}/publish", json={"force_reason": "test", "by": "Maya"})
    assert r.status_code == 200, r.text
    items = client.get("/api/items", params={"team": "payments"}).json()
    assert items
    [index_job] = [j for j in svc.jobs.for_handoff(hid) if j.kind == "index_handoff"]
    _kill_at(client, workers, index_job.id, "index")
    _recovered(client, workers, index_job.id)
    # the ledger took the handoff once, at publish; the index holds its documents once
    assert client.get("/api/items", params={"team": "payments"}).json() == items
    handoff = svc.store.get(hid)
    fields = svc.index.fields_of(hid) if svc.index.fields_of else None
    expected = {d.id for d in field_documents(handoff, fields)}
    stored = svc.index._collection.get(where={"handoff_id": hid})["ids"]
    assert sorted(stored) == sorted(expected) and svc.index.count() == len(expected)
    assert _audit_actions(client, hid).count("published") == 1


def test_sigterm_hands_a_job_still_running_after_the_grace_period_back(
    stack: Any, example_wrap: str
) -> None:
    client, workers, _ = stack
    first = workers.start(pause="extract=120")
    r = client.post("/api/handoffs", json={"text": example_wrap, "team": "payments"})
    hid, job_id = r.json()["id"], r.json()["job_id"]
    _wait(client, job_id, lambda j: j["stage"] == "extract", workers)
    first.send_signal(signal.SIGTERM)
    first.wait(timeout=float(FAST["HANDOFF_JOB_SHUTDOWN_GRACE_S"]) + 15)
    assert first.returncode == 0, workers.logs()
    handed_back = _job(client, job_id)
    assert handed_back["state"] == "queued", handed_back  # not abandoned as running
    _recovered(client, workers, job_id)
    assert _audit_actions(client, hid).count("extracted") == 1


def test_sigterm_lets_a_job_finish_within_the_grace_period(
    stack: Any, example_wrap: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    client, workers, _ = stack
    monkeypatch.setenv("HANDOFF_JOB_SHUTDOWN_GRACE_S", "30")
    first = workers.start(pause="extract=2")
    r = client.post("/api/handoffs", json={"text": example_wrap, "team": "payments"})
    job_id = r.json()["job_id"]
    _wait(client, job_id, lambda j: j["stage"] == "extract", workers)
    first.send_signal(signal.SIGTERM)
    first.wait(timeout=30)
    done = _job(client, job_id)
    assert done["state"] == "done" and done["attempts"] == 1, f"{done}\n{workers.logs()}"


def test_serve_recovers_the_job_of_the_worker_it_restarts(
    fast: None, settings: Any, example_wrap: str
) -> None:
    """`handoff serve` end to end: its embedded worker killed mid-job is restarted by serve and
    the job completes (the restarted worker pauses too, so the pause is short)."""
    import httpx

    from tests.api.test_worker import _children
    from tests.browser.conftest import free_port

    token = signed_in_token(settings)
    port = free_port()
    env = {**os.environ, "HANDOFF_DEBUG_STAGE_PAUSE": "extract=6"}
    serve = subprocess.Popen(
        [HANDOFF, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=base, headers=bearer(token), timeout=10) as http:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                try:
                    if http.get("/api/health").is_success:
                        break
                except httpx.HTTPError:
                    time.sleep(0.3)
            r = http.post("/api/handoffs", json={"text": example_wrap, "team": "payments"})
            assert r.status_code == 202, r.text
            job_id = r.json()["job_id"]
            deadline = time.monotonic() + 60
            while http.get(f"/api/jobs/{job_id}").json()["stage"] != "extract":
                assert time.monotonic() < deadline, http.get(f"/api/jobs/{job_id}").json()
                time.sleep(0.1)
            children = _children(serve.pid)
            assert any("api.worker --loglevel warning --beat" in c for c in children.values())
            worker = next(p for p, c in children.items() if "api.worker" in c and "--beat" not in c)
            os.kill(worker, signal.SIGKILL)
            deadline = time.monotonic() + 90
            while (job := http.get(f"/api/jobs/{job_id}").json())["state"] != "done":
                assert job["state"] != "failed" and time.monotonic() < deadline, job
                time.sleep(0.2)
            assert job["attempts"] == 2, job
    finally:
        serve.terminate()
        serve.wait(timeout=60)
