"""`handoff eval bench_delivery`: how long a notification takes from publish to delivered.

A real worker (`handoff worker`, embedded filesystem broker, as `handoff serve` runs it) and this
process sharing a fresh data directory: N handoffs are published one after another (each with a
blocker routed to Sarah, written to the outbox in the publish's transaction, delivery queued
after the commit), and each outbox row's `delivered_at - created_at` is the latency publish ->
delivered on its channel. Only the channels registered in the worker process are measured (the
in-app one always).

Prints one JSON object; a readable line per channel on stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

#: Blockers different enough that the ledger keeps each its own item (one routing each).
SUBJECTS = (
    "waiting on the VPN request from IT",
    "product decision on session timeout",
    "legal sign-off on the refund terms",
    "the staging database is out of disk",
    "vendor API keys have not arrived",
    "security review of the token store",
    "finance approval of the fee table",
    "the design for the onboarding screen",
    "load balancer certificate expired",
    "access to the billing warehouse",
)


def _setup(home: Path) -> Any:
    os.environ["HANDOFF_HOME"] = str(home)
    from api.wiring.services import build_services
    from handoff.audit import Actor
    from handoff.identity.directory import Directory
    from handoff.settings import get_settings

    get_settings.cache_clear()
    svc = build_services(get_settings())
    svc.store.count()
    directory = Directory(svc.settings.resolved_database_url)
    op = Actor.operator()
    directory.create_team("core", actor=op)
    for username in ("amir", "sarah"):
        directory.create_user(username, display_name=username.capitalize(), actor=op)
        directory.add_member("core", username, "member", actor=op)
    return svc


def _publish(svc: Any, n: int) -> None:
    from api.usecases import lifecycle
    from handoff.declaration import Blocker, Declaration

    decl = Declaration(
        blockers=[
            Blocker(description=f"{SUBJECTS[n % len(SUBJECTS)]} (INC-{n})", needed_from="Sarah")
        ],
        returns_at="Monday 9am SGT",
        stated_empty=["shipped", "in_flight", "decisions", "next_actions"],
    )
    h = svc.store.create(
        team="core",
        author="Amir",
        recorded_at=None,
        source_kind="text",
        source_text="w",
        declaration=decl,
    )
    lifecycle.publish(svc, h.id, actor="Amir", force_reason="bench", index=False)


def _rows(svc: Any) -> list[Any]:
    from sqlalchemy import select

    from handoff.db import session_scope
    from handoff.protocol.models import OutboxRow

    with session_scope(svc.settings.resolved_database_url) as s:
        return list(s.scalars(select(OutboxRow)))


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="handoff eval bench_delivery")
    parser.add_argument("--handoffs", type=int, default=len(SUBJECTS))
    parser.add_argument("--gap-s", type=float, default=0.5, help="Pause between publishes.")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        svc = _setup(home)
        env = {k: v for k, v in os.environ.items() if not k.startswith("HANDOFF_")}
        env["HANDOFF_HOME"] = str(home)
        worker = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "from api.cli import main; main()",
                "worker",
                "--loglevel",
                "error",
            ],
            env=env,
            cwd=home,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            time.sleep(5)  # the worker is up before the first publish (its start is not latency)
            for n in range(args.handoffs):
                _publish(svc, n)
                time.sleep(args.gap_s)
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                rows = _rows(svc)
                if rows and all(r.status in ("delivered", "failed") for r in rows):
                    break
                time.sleep(0.2)
        finally:
            worker.terminate()
            worker.wait(timeout=30)
        per: dict[str, list[float]] = {}
        for r in _rows(svc):
            if r.delivered_at is not None:
                per.setdefault(r.channel, []).append(
                    (r.delivered_at - r.created_at).total_seconds()
                )
    out: dict[str, Any] = {"handoffs": args.handoffs, "load": os.getloadavg()[0], "channels": {}}
    for channel, values in sorted(per.items()):
        values.sort()
        stats = {
            "n": len(values),
            "median_s": round(statistics.median(values), 3),
            "p95_s": round(values[min(len(values) - 1, int(0.95 * len(values)))], 3),
            "max_s": round(values[-1], 3),
        }
        out["channels"][channel] = stats
        print(f"{channel}: {stats}", file=sys.stderr)
    print(json.dumps(out))
    return 0
