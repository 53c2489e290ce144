"""The at-scale mode end to end: PostgreSQL, Redis as the Celery broker, a Chroma server, the web
app and two `handoff worker` processes, all real, all on 127.0.0.1.

A service that cannot be reached fails the test, naming it; nothing here is skipped.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.browser.conftest import free_port

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]

BIN = Path(sys.executable).parent
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
REDIS_DB = 13


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


@pytest.fixture
def redis_url() -> Iterator[str]:
    if not _reachable(REDIS_HOST, REDIS_PORT):
        pytest.fail(f"Redis is not reachable at {REDIS_HOST}:{REDIS_PORT}; start redis-server.")
    import redis

    client = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=REDIS_DB)
    client.flushdb()
    yield f"redis://{REDIS_HOST}:{REDIS_PORT}/{REDIS_DB}"
    client.flushdb()
    client.close()


def _wait_http(url: str, what: str, procs: list[subprocess.Popen[Any]], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for p in procs:
            if p.poll() is not None:
                pytest.fail(f"{what} exited with {p.returncode} before answering at {url}.")
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    pytest.fail(f"{what} did not answer at {url} within {timeout:.0f} s.")


@pytest.fixture
def chroma_url(tmp_path: Path) -> Iterator[str]:
    port = free_port()
    log = (tmp_path / "chroma.log").open("w")
    proc = subprocess.Popen(
        [
            str(BIN / "chroma"),
            "run",
            "--path",
            str(tmp_path / "chroma"),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_http(f"{url}/api/v2/heartbeat", "The Chroma server", [proc], 60)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()


class Stack:
    def __init__(self, env: dict[str, str], folder: Path) -> None:
        self.env = env
        self.folder = folder
        self.procs: list[subprocess.Popen[Any]] = []
        self.logs: dict[str, Path] = {}

    def start(self, name: str, *args: str) -> subprocess.Popen[Any]:
        log = self.folder / f"{name}.log"
        self.logs[name] = log
        with log.open("w") as out:
            proc = subprocess.Popen(
                [str(BIN / "handoff"), *args], env=self.env, stdout=out, stderr=subprocess.STDOUT
            )
        self.procs.append(proc)
        return proc

    def stop(self) -> None:
        for p in self.procs:
            p.terminate()
        for p in self.procs:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()


def wait_jobs(api: httpx.Client, job_ids: list[str], timeout: float = 120) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        jobs = [api.get(f"/api/jobs/{j}").json() for j in job_ids]
        if all(j["state"] in ("done", "failed") for j in jobs):
            return jobs
        time.sleep(0.3)
    pytest.fail(f"Jobs did not finish within {timeout:.0f} s: {[j['state'] for j in jobs]}")


WRAPS = [
    (
        "Maya",
        "Shipped: PR #{n} merged. In-flight: payments-refund-flow in review. Decision: "
        "we chose Redis because the write volume is high. Blocker: the staging VPN "
        "request is blocking the migration test; waiting on Priya. Next: Maya will write "
        "the tests. Back tomorrow 9am SGT.",
    ),
    (
        "Tomás",
        "Nothing shipped. In-flight: auth-session-refresh in progress. No decisions. "
        "No blockers. Next: Tomás will pair with Maya. Back Thursday 14:00 UTC.",
    ),
]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def scale_accounts(home: Path, database_url: str) -> tuple[str, str]:
    """The team, its lead and someone of another team, in PostgreSQL before the server starts;
    their API tokens."""
    from api.auth.services import build_identity
    from handoff.audit import Actor
    from handoff.identity.roles import Role
    from handoff.settings import Settings

    identity = build_identity(Settings(home=home, database_url=database_url))
    directory, op = identity.directory, Actor.operator()
    tokens = []
    for team, name in (("scale", "lena"), ("elsewhere", "otto")):
        directory.create_team(team, actor=op)
        user = directory.create_user(name, actor=op)
        directory.add_member(team, name, Role.LEAD, actor=op)
        tokens.append(identity.tokens.create(user.id, name="scale", actor=op).secret)
    return tokens[0], tokens[1]


def test_postgres_redis_chroma_and_two_workers(
    tmp_path: Path, postgres_url: str, redis_url: str, chroma_url: str
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HANDOFF_")}
    env.update(
        HANDOFF_HOME=str(tmp_path / "home"),
        HANDOFF_DATABASE_URL=postgres_url,
        HANDOFF_BROKER_URL=redis_url,
        HANDOFF_CHROMA_URL=chroma_url,
    )
    lead, outsider = scale_accounts(tmp_path / "home", postgres_url)
    stack = Stack(env, tmp_path)
    port = free_port()
    try:
        web = stack.start("web", "serve", "--no-worker", "--port", str(port))
        base = f"http://127.0.0.1:{port}"
        _wait_http(f"{base}/api/health", "handoff serve", [web], 90)
        w1 = stack.start("worker1", "worker", "--hostname", "w1@%h", "--loglevel", "info")
        w2 = stack.start("worker2", "worker", "--hostname", "w2@%h", "--loglevel", "info")
        _wait_for_log(stack, "worker1", "ready", [w1])
        _wait_for_log(stack, "worker2", "ready", [w2])

        # Signed in with a bearer token as the team's lead, who imports the team's wraps
        # under each author's name (a member could post only as themselves).
        with httpx.Client(base_url=base, timeout=30, headers=bearer(lead)) as api:
            accepted = [
                api.post(
                    "/api/handoffs",
                    json={
                        "text": text.format(n=1800 + i),
                        "author": author,
                        "team": "scale",
                        "recorded_at": f"2026-11-{10 + i:02d}T18:00:00+00:00",
                    },
                ).json()
                for i, (author, text) in enumerate(WRAPS * 5)
            ]
            jobs = wait_jobs(api, [a["job_id"] for a in accepted])
            assert all(j["state"] == "done" for j in jobs), [j["error"] for j in jobs]

            # Both workers took jobs from the shared Redis queue.
            done_by = {
                name: len(
                    re.findall(
                        r"Task handoff\.process_wrap\[[^\]]+\] succeeded",
                        stack.logs[name].read_text(),
                    )
                )
                for name in ("worker1", "worker2")
            }
            assert sum(done_by.values()) == len(accepted)
            assert all(done_by.values()), f"one worker did all the work: {done_by}"

            last = accepted[-2]["id"]  # Maya's latest
            r = api.post(f"/api/handoffs/{last}/publish", json={"force_reason": "scale test"})
            assert r.status_code == 200, r.text
            (index_job,) = wait_jobs(api, [r.json()["index_job_id"]])
            assert index_job["state"] == "done", index_job["error"]

            answer = api.post(
                "/api/ask",
                json={"question": "what is blocking the migration test?", "team": "scale"},
            ).json()
            assert "VPN" in answer["answer"]
            assert last in {c["handoff_id"] for c in answer["citations"]}
            items = api.get("/api/items", params={"team": "scale"}).json()
            assert any(i["kind"] == "blocker" for i in items)
            # Someone of another team: the same records are not there for them.
            other = bearer(outsider)
            assert api.get(f"/api/handoffs/{last}", headers=other).status_code == 404
            assert (
                api.get("/api/handoffs", params={"team": "scale"}, headers=other).status_code == 404
            )

        # The records are in PostgreSQL and the index is in the Chroma server.
        import sqlalchemy as sa

        engine = sa.create_engine(postgres_url)
        with engine.connect() as conn:
            assert conn.execute(sa.text("select count(*) from handoffs")).scalar() == len(accepted)
            assert conn.execute(sa.text("select count(*) from jobs")).scalar() == len(accepted) + 1
        engine.dispose()
        base_v2 = f"{chroma_url}/api/v2/tenants/default_tenant/databases/default_database"
        collections = httpx.get(f"{base_v2}/collections").json()
        counts = [
            int(httpx.get(f"{base_v2}/collections/{c['id']}/count").json()) for c in collections
        ]
        assert sum(counts) > 0, "nothing was indexed in the Chroma server"
    finally:
        stack.stop()


def _wait_for_log(
    stack: Stack, name: str, text: str, procs: list[Any], timeout: float = 60
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if text in stack.logs[name].read_text():
            return
        for p in procs:
            if p.poll() is not None:
                pytest.fail(f"{name} exited: {stack.logs[name].read_text()[-2000:]}")
        time.sleep(0.3)
    pytest.fail(f"{name} did not become ready: {stack.logs[name].read_text()[-2000:]}")
