"""The background worker for real: `handoff worker` on the embedded broker, and `handoff serve`
starting and stopping its own worker."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import bearer, signed_in_token

HANDOFF = str(Path(sys.executable).with_name("handoff"))

pytestmark = pytest.mark.slow


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HANDOFF_")}
    env["HANDOFF_HOME"] = str(home)
    return env


def wait_job(client: Any, job_id: str, timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(f"/api/jobs/{job_id}").json()
        if job["state"] in ("done", "failed"):
            return dict(job)
        time.sleep(0.2)
    pytest.fail(f"Job {job_id} did not finish within {timeout:.0f} s: {job}")


def test_worker_process_runs_jobs_from_the_embedded_broker(
    home: Path, settings: Any, example_wrap: str, tmp_path: Path
) -> None:
    from api.app import create_app

    client = TestClient(create_app(settings), headers=bearer(signed_in_token(settings)))
    workdir = tmp_path / "elsewhere"
    workdir.mkdir()
    worker = subprocess.Popen(
        [HANDOFF, "worker", "--loglevel", "warning"],
        env=_env(home),
        cwd=workdir,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        r = client.post("/api/handoffs", json={"text": example_wrap, "team": "payments"})
        assert r.status_code == 202
        queued = client.get(f"/api/jobs/{r.json()['job_id']}").json()
        assert queued["state"] in ("queued", "running", "done")
        job = wait_job(client, r.json()["job_id"])
        assert job["state"] == "done", job["error"]
        assert client.get(f"/api/handoffs/{r.json()['id']}").json()["declaration"]
    finally:
        worker.terminate()
        out, _ = worker.communicate(timeout=30)
    assert worker.returncode == 0 or worker.returncode == -15, out.decode()[-2000:]
    # Every broker file lives under HANDOFF_HOME, none in the directory the worker started in.
    assert (home / "broker" / "control").is_dir()
    assert list(workdir.iterdir()) == []


def test_serve_starts_and_stops_its_worker(home: Path, tmp_path: Path) -> None:
    from tests.browser.conftest import free_port

    port = free_port()
    serve = subprocess.Popen(
        [HANDOFF, "serve", "--port", str(port)],
        env=_env(home),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=2).is_success:
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
        children = _children(serve.pid)
        assert any("api.worker" in c for c in children.values()), children
        # A worker that dies is restarted by serve's watchdog.
        first = next(pid for pid, cmd in children.items() if "api.worker" in cmd)
        os.kill(first, signal.SIGKILL)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            children = _children(serve.pid)
            if any("api.worker" in c and p != first for p, c in children.items()):
                break
            time.sleep(0.3)
        assert any("api.worker" in c and p != first for p, c in children.items()), children
    finally:
        serve.terminate()
        serve.wait(timeout=30)
    workers = [pid for pid, cmd in children.items() if "api.worker" in cmd]
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not all(_gone(pid) for pid in workers):
        time.sleep(0.2)
    assert all(_gone(pid) for pid in workers), "the worker outlived serve"


def _children(pid: int) -> dict[int, str]:
    out = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            cmd = Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            out[int(child)] = cmd
    return out


def _gone(pid: int) -> bool:
    try:
        return " Z " in Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return True
