"""Nothing lost, nothing doubled: a real worker delivering the outbox is killed with SIGKILL in
the middle of a send; a second worker finishes. Every notification reaches its recipient, and
counted by its idempotency key (what a receiver deduplicates on) each recipient has exactly one;
rows delivered before the kill are never sent again. In both modes: SQLite with the embedded
broker, and PostgreSQL with Redis."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from handoff.db import session_scope
from handoff.models import utcnow
from handoff.protocol.models import OutboxRow
from handoff.protocol.outbox import Note, write
from tests.scale.test_at_scale import redis_url  # noqa: F401 (the fixture, for the scale mode)

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
RECIPIENTS = [f"person-{i}" for i in range(8)]
#: What the worker must share with this process in the scale mode.
SCALE_SETTINGS = ("HANDOFF_DATABASE_URL", "HANDOFF_BROKER_URL")


@pytest.fixture(
    params=["embedded", pytest.param("scale", marks=[pytest.mark.postgres, pytest.mark.redis])]
)
def mode(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, home: Path) -> str:
    """The mode's settings in this process's environment, read by `settings` after this."""
    if request.param == "scale":
        monkeypatch.setenv("HANDOFF_DATABASE_URL", request.getfixturevalue("postgres_url"))
        monkeypatch.setenv("HANDOFF_BROKER_URL", request.getfixturevalue("redis_url"))
    return str(request.param)


def _start_worker(home: Path, log: Path, *, delay: float, claim_timeout: float) -> Any:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HANDOFF_")}
    env |= {k: v for k, v in os.environ.items() if k in SCALE_SETTINGS}
    env |= {
        "HANDOFF_HOME": str(home),
        "HANDOFF_NOTIFY_CLAIM_TIMEOUT_S": str(claim_timeout),
        "PYTHONPATH": str(ROOT),
        "RECORDING_CHANNEL_FILE": str(log),
        "RECORDING_CHANNEL_DELAY_S": str(delay),
    }
    code = "import tests.api.recording_channel; from api.cli import main; main()"
    return subprocess.Popen(
        [sys.executable, "-c", code, "worker", "--loglevel", "warning"],
        env=env,
        cwd=home,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def _received(log: Path) -> list[dict[str, str]]:
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text().splitlines() if line.strip()]


def _rows(url: str) -> list[OutboxRow]:
    with session_scope(url) as s:
        return list(s.scalars(select(OutboxRow).order_by(OutboxRow.id)))


def _wait(predicate: Any, timeout: float, what: str, worker: Any) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    worker.kill()
    out, _ = worker.communicate(timeout=30)  # closes its pipe too
    pytest.fail(f"timed out waiting for {what}; the worker said: {out.decode()[-3000:]}")


def test_a_worker_killed_mid_delivery_loses_and_doubles_nothing(
    mode: str, settings: Any, services: Any
) -> None:
    from api.usecases.protocol_delivery import queue_delivery

    home = settings.home
    assert (mode == "scale") == str(settings.resolved_database_url).startswith("postgresql")

    services.store.count()  # migrate
    url = settings.resolved_database_url
    with session_scope(url) as s:  # what one publish writes, in one transaction
        for person in RECIPIENTS:
            note = Note("blocker_routed", "Needs you", f"for {person}")
            write(
                s,
                team="core",
                event="blocker:item1:h1",
                recipient=person,
                user_id=None,
                to=[("record", f"{person}@example.com")],
                note=note,
                now=utcnow(),
            )
    log = home / "received.jsonl"
    first = _start_worker(home, log, delay=1.0, claim_timeout=1.0)
    try:
        queue_delivery(settings)
        _wait(lambda: len(_received(log)) >= 3, 90, "the first worker to send three", first)
        os.kill(first.pid, signal.SIGKILL)
    finally:
        if first.poll() is None:
            first.kill()
        first.communicate(timeout=30)
    before = {r.key: r.status for r in _rows(url)}
    assert "sending" in before.values(), "the kill landed mid-send"
    sent_before = Counter(m["key"] for m in _received(log))
    delivered_before = {k for k, status in before.items() if status == "delivered"}
    assert delivered_before and len(delivered_before) < len(RECIPIENTS)

    time.sleep(1.1)  # the killed worker's claim times out
    second = _start_worker(home, log, delay=0.0, claim_timeout=1.0)
    try:
        queue_delivery(settings)
        _wait(
            lambda: all(r.status == "delivered" for r in _rows(url)),
            90,
            "every row delivered",
            second,
        )
    finally:
        if second.poll() is None:
            second.send_signal(signal.SIGTERM)
        second.communicate(timeout=30)

    received = _received(log)
    counts = Counter(m["key"] for m in received)
    assert set(counts) == {r.key for r in _rows(url)}  # nothing lost
    for key in delivered_before:
        assert counts[key] == 1  # delivered before the kill: never sent again
    repeated = {k for k, n in counts.items() if n > 1}
    in_flight = {k for k, status in before.items() if status == "sending"}
    assert repeated <= in_flight and all(counts[k] <= 2 for k in repeated)
    assert sent_before  # the receiver dedups on the key: one message per recipient
    per_recipient = Counter(m["address"] for m in {m["key"]: m for m in received}.values())
    assert per_recipient == Counter(f"{p}@example.com" for p in RECIPIENTS)
