"""`handoff eval load` (or `python -m eval.load`): a bounded load test against a real server.

N clients for T seconds, each signed in with a bearer token as a lead of the team `load`, mix
what people do: post wraps (typed text, and now and then a short real recording), review them
(read with the ETag, edit with If-Match), publish them, ask questions and list the team's
handoffs. Two modes:

- embedded (default): `handoff serve` on SQLite with its embedded worker;
- `--scale`: PostgreSQL (a scratch database), Redis as the broker, a Chroma server, `handoff
  serve --no-worker` and one `handoff worker`, all on 127.0.0.1.

When the time is up it waits for every accepted job, then checks, in the database itself, that
every accepted upload is stored (text with its marker; a clip byte for byte, by SHA-256) and
processed exactly once (one `process_wrap` job, done, after one attempt; one `extracted` event),
that no handoff was published twice (one `published` event per successful publish, no ledger
event twice) and that nothing else was stored. It prints one JSON object: p50/p95 per route,
status counts, the checks, and the load average before and after. Exit 1 if a check fails.

An answer of 409 (publishing what is not a draft, or not extracted yet) or 412 (an edit that
lost to another one) is an expected outcome of concurrent reviewers, counted but not an error;
any 5xx, and any other 4xx, is one.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CLIP = (
    ROOT.parent
    / "shared/data/speech/pocketsphinx-librivox/sense_and_sensibility_01_austen_64kb-0870.wav"
)
TEAM = "load"
QUESTIONS = [
    "what's blocking the migration?",
    "who owns the refund flow?",
    "when is Maya back?",
    "what shipped?",
    "what was decided about the cache?",
]
WRAP = (
    "Shipped: PR #{n} merged ({marker}). In-flight: payments-refund-flow in review, waiting on "
    "James. Decision: we chose Redis for the cache because the write volume is high. Blocker: "
    "the staging VPN request is blocking the migration test; waiting on Priya. Next: Maya will "
    "write the tests. Back tomorrow 9am SGT."
)
#: What a route may answer without it being an error.
EXPECTED = {
    "POST /api/handoffs (text)": {202},
    "POST /api/handoffs (clip)": {202},
    "GET /api/handoffs/{id}": {200},
    "PATCH /api/handoffs/{id}": {200, 409, 412},
    "POST /api/handoffs/{id}/publish": {200, 409},
    "POST /api/ask": {200},
    "GET /api/handoffs": {200},
}


@dataclass
class Accepted:
    kind: str  # text | clip
    marker: str
    job_id: str
    sha256: str | None = None


@dataclass
class Tally:
    """Everything the clients saw, behind one lock."""

    samples: dict[str, list[float]] = field(default_factory=dict)
    statuses: dict[str, Counter[int]] = field(default_factory=dict)
    accepted: dict[str, Accepted] = field(default_factory=dict)
    published: Counter[str] = field(default_factory=Counter)
    #: What each status-0 answer was ("GET /api/handoffs: ReadTimeout after 30.0 s").
    transport_errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, route: str, started: float, status: int) -> None:
        with self.lock:
            self.samples.setdefault(route, []).append((time.perf_counter() - started) * 1000)
            self.statuses.setdefault(route, Counter())[status] += 1

    def some_id(self, rng: random.Random) -> str | None:
        with self.lock:
            return rng.choice(list(self.accepted)) if self.accepted else None


def _timed(tally: Tally, route: str, call: Any) -> httpx.Response:
    """Call, and record the time and the status; a connection the server dropped counts as
    status 0 (an error) and the client goes on."""
    started = time.perf_counter()
    try:
        r: httpx.Response = call()
    except httpx.TransportError as exc:
        tally.record(route, started, 0)
        took = time.perf_counter() - started
        with tally.lock:
            tally.transport_errors.append(f"{route}: {type(exc).__name__} after {took:.1f} s")
        return httpx.Response(0)
    tally.record(route, started, r.status_code)
    return r


def _upload(client: httpx.Client, tally: Tally, rng: random.Random, clip: bytes | None) -> None:
    marker = f"load-{uuid.uuid4().hex[:12]}"
    if clip is None:
        body = {"text": WRAP.format(n=rng.randint(1000, 9999), marker=marker), "team": TEAM}
        r = _timed(
            tally, "POST /api/handoffs (text)", lambda: client.post("/api/handoffs", json=body)
        )
        kind, sha = "text", None
    else:
        files = {"file": (f"{marker}.wav", clip, "audio/wav")}
        r = _timed(
            tally,
            "POST /api/handoffs (clip)",
            lambda: client.post("/api/handoffs", files=files, data={"team": TEAM}),
        )
        kind, sha = "clip", hashlib.sha256(clip).hexdigest()
    if r.status_code == 202:
        with tally.lock:
            tally.accepted[r.json()["id"]] = Accepted(kind, marker, r.json()["job_id"], sha)


def _review(client: httpx.Client, tally: Tally, rng: random.Random) -> None:
    hid = tally.some_id(rng)
    if hid is None:
        return
    r = _timed(tally, "GET /api/handoffs/{id}", lambda: client.get(f"/api/handoffs/{hid}"))
    if r.status_code != 200:
        return
    edit = {"returns_at": f"Friday {rng.randint(1, 11)}am SGT"}
    tag = {"If-Match": r.headers["ETag"]}
    _timed(
        tally,
        "PATCH /api/handoffs/{id}",
        lambda: client.patch(f"/api/handoffs/{hid}", json=edit, headers=tag),
    )


def _publish(client: httpx.Client, tally: Tally, rng: random.Random) -> None:
    hid = tally.some_id(rng)
    if hid is None:
        return
    r = _timed(
        tally,
        "POST /api/handoffs/{id}/publish",
        lambda: client.post(f"/api/handoffs/{hid}/publish", json={"force_reason": "load test"}),
    )
    if r.status_code == 200:
        with tally.lock:
            tally.published[hid] += 1


def client_loop(
    base: str, token: str, tally: Tally, seed: int, stop_at: float, clip: bytes
) -> None:
    """One client: a weighted mix of what people do, until `stop_at`."""
    rng = random.Random(seed)
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base, timeout=120, headers=headers) as client:
        while time.monotonic() < stop_at:
            roll = rng.random()
            if roll < 0.25:
                _upload(client, tally, rng, None)
            elif roll < 0.28:
                _upload(client, tally, rng, clip)
            elif roll < 0.50:
                _review(client, tally, rng)
            elif roll < 0.60:
                _publish(client, tally, rng)
            elif roll < 0.88:
                _ask(client, tally, rng)
            else:
                _list(client, tally)


def _ask(client: httpx.Client, tally: Tally, rng: random.Random) -> None:
    question = {"question": rng.choice(QUESTIONS), "team": TEAM}
    _timed(tally, "POST /api/ask", lambda: client.post("/api/ask", json=question))


def _list(client: httpx.Client, tally: Tally) -> None:
    _timed(tally, "GET /api/handoffs", lambda: client.get("/api/handoffs", params={"team": TEAM}))


def drain(base: str, token: str, tally: Tally, timeout: float) -> dict[str, str]:
    """Wait until every accepted job is done or failed; their final states."""
    headers = {"Authorization": f"Bearer {token}"}
    states: dict[str, str] = {}
    deadline = time.monotonic() + timeout
    with httpx.Client(base_url=base, timeout=30, headers=headers) as client:
        pending = {a.job_id for a in tally.accepted.values()}
        while pending and time.monotonic() < deadline:
            for job_id in sorted(pending):
                state = client.get(f"/api/jobs/{job_id}").json()["state"]
                if state in ("done", "failed"):
                    states[job_id] = state
                    pending.discard(job_id)
            time.sleep(1.0)
        states.update({job_id: "unfinished" for job_id in pending})
    return states


def _rows(url: str, query: str) -> list[Any]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return list(conn.execute(sa.text(query), {"team": TEAM}).all())
    finally:
        engine.dispose()


def check(url: str, tally: Tally, states: dict[str, str]) -> dict[str, Any]:
    """Every accepted upload stored and processed exactly once; nothing published twice;
    nothing stored that was not accepted. Read from the database, not through the API."""
    stored = {
        r[0]: r[1:]
        for r in _rows(
            url,
            "SELECT id, source_kind, source_text, source_sha256 FROM handoffs WHERE team = :team",
        )
    }
    jobs = Counter(
        r[0]
        for r in _rows(
            url,
            "SELECT handoff_id FROM jobs WHERE team = :team AND kind = 'process_wrap' "
            "AND state = 'done' AND attempts = 1",
        )
    )
    events = _rows(
        url,
        "SELECT handoff_id, action, count(*) FROM audit_events WHERE team = :team "
        "AND action IN ('extracted', 'published') GROUP BY handoff_id, action",
    )
    extracted = {h: n for h, action, n in events if action == "extracted"}
    published = {h: n for h, action, n in events if action == "published"}
    twice = _rows(
        url,
        "SELECT handoff_id, item_id, field, action FROM ledger_events WHERE team = :team "
        "GROUP BY handoff_id, item_id, field, action HAVING count(*) > 1",
    )
    problems: list[str] = []
    for hid, acc in tally.accepted.items():
        row = stored.get(hid)
        if row is None:
            problems.append(f"{hid}: accepted but not stored")
            continue
        _kind, text, sha = row
        if acc.kind == "text" and acc.marker not in (text or ""):
            problems.append(f"{hid}: the stored text is not the one posted")
        if acc.kind == "clip" and sha != acc.sha256:
            problems.append(f"{hid}: the stored clip differs from the upload")
        if states.get(acc.job_id) != "done" or jobs[hid] != 1 or extracted.get(hid) != 1:
            problems.append(
                f"{hid}: job {states.get(acc.job_id)}, {jobs[hid]} finished jobs, "
                f"{extracted.get(hid, 0)} extractions (want done, 1, 1)"
            )
        if published.get(hid, 0) != tally.published[hid]:
            problems.append(
                f"{hid}: {published.get(hid, 0)} publish events for {tally.published[hid]} "
                "successful publishes"
            )
    extra = set(stored) - set(tally.accepted)
    if extra:
        problems.append(f"{len(extra)} handoffs stored that no client was told were accepted")
    if twice:
        problems.append(f"{len(twice)} ledger events recorded twice")
    return {
        "accepted": len(tally.accepted),
        "accepted_clips": sum(a.kind == "clip" for a in tally.accepted.values()),
        "stored": len(stored),
        "jobs": dict(Counter(states.values())),
        "published": sum(tally.published.values()),
        "published_twice": sum(n > 1 for n in tally.published.values()),
        "problems": problems[:20],
        "problem_count": len(problems),
    }


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Stack:
    """The server processes of one mode, their logs in the run's folder."""

    def __init__(self, folder: Path, env: dict[str, str]) -> None:
        self.folder, self.env = folder, env
        self.procs: list[subprocess.Popen[bytes]] = []

    def start(self, name: str, *args: str) -> subprocess.Popen[bytes]:
        with (self.folder / f"{name}.log").open("wb") as log:
            proc = subprocess.Popen(list(args), env=self.env, stdout=log, stderr=subprocess.STDOUT)
        self.procs.append(proc)
        return proc

    def wait_http(self, url: str, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(p.poll() is not None for p in self.procs):
                raise SystemExit(f"A server process exited early; see the logs in {self.folder}.")
            try:
                if httpx.get(url, timeout=2).status_code < 500:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        raise SystemExit(f"{url} did not answer within {timeout:.0f} s.")

    def stop(self) -> None:
        for p in self.procs:
            p.terminate()
        for p in self.procs:
            try:
                p.wait(timeout=60)
            except subprocess.TimeoutExpired:
                p.kill()


def _token(home: Path, database_url: str | None) -> str:
    """The team `load` and its lead, with an API token, stored before the server starts."""
    from api.auth.services import build_identity
    from handoff.audit import Actor
    from handoff.identity.roles import Role
    from handoff.settings import Settings

    identity = build_identity(Settings(home=home, database_url=database_url))
    op = Actor.operator()
    identity.directory.create_team(TEAM, actor=op)
    user = identity.directory.create_user("lena", actor=op)
    identity.directory.add_member(TEAM, "lena", Role.LEAD, actor=op)
    return identity.tokens.create(user.id, name="load test", actor=op).secret


def _scratch_database(admin_url: str) -> str:
    name = f"handoff_load_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return admin_url.rsplit("/", 1)[0] + f"/{name}"


def _drop_database(admin_url: str, url: str) -> None:
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)'))
    admin.dispose()


def start(args: argparse.Namespace, folder: Path) -> tuple[Stack, str, str, str]:
    """The stack of the chosen mode: (stack, base URL, token, database URL)."""
    from handoff.settings import Settings

    bin_dir = Path(sys.executable).parent
    home = folder / "home"
    env = {k: v for k, v in os.environ.items() if not k.startswith("HANDOFF_")}
    env["HANDOFF_HOME"] = str(home)
    database_url = None
    if args.scale:
        database_url = _scratch_database(args.postgres)
        env.update(HANDOFF_DATABASE_URL=database_url, HANDOFF_BROKER_URL=args.redis)
    token = _token(home, database_url)
    stack = Stack(folder, env)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    if args.scale:
        chroma = _free_port()
        env["HANDOFF_CHROMA_URL"] = f"http://127.0.0.1:{chroma}"
        stack.start(
            "chroma",
            str(bin_dir / "chroma"),
            "run",
            "--path",
            str(folder / "chroma"),
            "--host",
            "127.0.0.1",
            "--port",
            str(chroma),
        )
        stack.wait_http(f"http://127.0.0.1:{chroma}/api/v2/heartbeat")
        stack.start("web", str(bin_dir / "handoff"), "serve", "--no-worker", "--port", str(port))
        stack.start("worker", str(bin_dir / "handoff"), "worker", "--loglevel", "warning")
    else:
        stack.start("web", str(bin_dir / "handoff"), "serve", "--port", str(port))
    stack.wait_http(base + "/api/health")
    url = database_url or Settings(home=home).resolved_database_url
    return stack, base, token, url


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    return ordered[max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))]


def summary(tally: Tally) -> dict[str, Any]:
    routes = {}
    for route, values in sorted(tally.samples.items()):
        statuses = tally.statuses[route]
        unexpected = sum(n for code, n in statuses.items() if code not in EXPECTED[route])
        routes[route] = {
            "n": len(values),
            "p50_ms": round(_pct(values, 50), 1),
            "p95_ms": round(_pct(values, 95), 1),
            "statuses": {str(k): v for k, v in sorted(statuses.items())},
            "errors": unexpected,
        }
    return routes


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="handoff eval load", description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--clip", type=Path, default=DEFAULT_CLIP, help="a short recording")
    parser.add_argument("--drain", type=float, default=900.0, help="most seconds to wait for jobs")
    parser.add_argument("--scale", action="store_true", help="PostgreSQL + Redis + Chroma server")
    parser.add_argument(
        "--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    )
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/12")
    parser.add_argument("--logs", type=Path, help="keep the servers' logs in this folder")
    args = parser.parse_args(argv)
    if not args.clip.is_file():
        print(f"No clip at {args.clip}; give one with --clip.", file=sys.stderr)
        return 2
    clip = args.clip.read_bytes()
    with tempfile.TemporaryDirectory(prefix="handoff-load-") as tmp:
        stack, base, token, url = start(args, Path(tmp))
        load_before = os.getloadavg()
        tally = Tally()
        try:
            stop_at = time.monotonic() + args.seconds
            threads = [
                threading.Thread(target=client_loop, args=(base, token, tally, i, stop_at, clip))
                for i in range(args.clients)
            ]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            load_after = os.getloadavg()
            started = time.monotonic()
            states = drain(base, token, tally, args.drain)
            drained_s = time.monotonic() - started
            checks = check(url, tally, states)
        finally:
            stack.stop()
            if args.scale:
                _drop_database(args.postgres, url)
            if args.logs:
                args.logs.mkdir(parents=True, exist_ok=True)
                for log in Path(tmp).glob("*.log"):
                    shutil.copy(log, args.logs / log.name)
    routes = summary(tally)
    result = {
        "mode": "scale" if args.scale else "embedded",
        "clients": args.clients,
        "seconds": args.seconds,
        "requests": sum(r["n"] for r in routes.values()),
        "errors": sum(r["errors"] for r in routes.values()),
        "transport_errors": tally.transport_errors,
        "routes": routes,
        "drain_s": round(drained_s, 1),
        "checks": checks,
        "load_avg_before": [round(x, 2) for x in load_before],
        "load_avg_after_clients": [round(x, 2) for x in load_after],
        "cpus": os.cpu_count(),
    }
    print(json.dumps(result, indent=2))
    return 0 if not result["errors"] and not checks["problem_count"] else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
