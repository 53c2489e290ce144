"""How long a team's metrics take over 20,000 handoffs (the issue asks for under 300 ms).

    python -m eval.bench_metrics [--handoffs 20000] [--runs 7] [--db PATH] [--json]

A database is generated first, in bulk (rows written straight into the tables, not through the
use cases, which would take hours for 20k wraps): one team's handoffs over a year, each with a
draft and a declaration of realistic size (a few kB of JSON with evidence quotes) and its
missing flags, published (a third over an override) and mostly acknowledged; the handoff trail
and audit log rows publishing and acknowledging write; sign-ins; questions; ledger blockers
and decisions, some resolved or superseded; and the protocol's rows: each handoff's work handed
over and often a next action routed (acknowledged with the handoff, some never), each blocker
routed to who can clear it (some escalated), and a notification for each routing in the outbox
(a few failed or retried). A second team gets a tenth as much, so the queries
must filter. Then the whole report (`handoff.metrics.team_report`, every metric) is computed for
the year — every one of the 20k handoffs in scope — `--runs` times; the median and the worst are
reported with the machine's load (`uptime`).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

START = datetime(2025, 12, 1, tzinfo=UTC)
DAYS = 365
PEOPLE = [f"person{n:02d}" for n in range(40)]
FIELDS = ("shipped", "decisions", "returns_at", "next_actions[0].owner", "blockers[0].needed_from")


def _declaration(rng: random.Random, author: str, missing: list[str]) -> dict[str, Any]:
    quote = "we agreed to keep the old refund path until the card network sandbox is back up"
    ev = [{"quote": quote, "start_s": rng.uniform(0, 60), "end_s": None, "speaker": None}]
    return {
        "author": author,
        "team": "big",
        "shipped": [
            {"summary": f"shipped thing {i}", "refs": [], "evidence": ev} for i in range(2)
        ],
        "in_flight": [
            {"item": f"work item {i}", "status": "in_progress", "summary": quote, "evidence": ev}
            for i in range(3)
        ],
        "decisions": [{"decision": "keep the old path", "rationale": quote, "evidence": ev}],
        "blockers": [{"description": "sandbox keys", "needed_from": "Olu", "evidence": ev}],
        "next_actions": [{"action": "ping James", "owner": author, "evidence": ev}],
        "returns_at": "tomorrow 9am SGT",
        "missing": [
            {"field": f, "reason": "The wrap does not say.", "question": "?"} for f in missing
        ],
        "stated_empty": [],
    }


def generate(url: str, *, handoffs: int, seed: int = 7) -> None:
    """Write the synthetic year into an empty database at `url`."""
    from sqlalchemy import insert

    from handoff.audit import AuditLogRecord
    from handoff.db import get_engine, migrate
    from handoff.identity.models import UserRecord
    from handoff.ledger.models import LedgerItem
    from handoff.metrics.moments import backfill
    from handoff.metrics.questions import QuestionRecord
    from handoff.models import AuditEvent, HandoffRecord
    from handoff.protocol.models import Assignment, OutboxRow

    migrate(url)
    rng = random.Random(seed)
    engine = get_engine(url)
    users = [
        {"id": f"u{n:02d}", "username": p, "display_name": p.title(), "created_at": START}
        for n, p in enumerate(PEOPLE)
    ]
    rows: dict[Any, list[dict[str, Any]]] = {
        HandoffRecord: [],
        AuditEvent: [],
        AuditLogRecord: [],
        QuestionRecord: [],
        LedgerItem: [],
        Assignment: [],
        OutboxRow: [],
    }
    for team, count in (("big", handoffs), ("small", handoffs // 10)):
        for n in range(count):
            _one_handoff(rng, team, n, count, rows)
        for n in range(count // 4):
            _one_item(rng, team, n, count, rows)
    with engine.begin() as conn:
        conn.execute(insert(UserRecord), users)
        for model, batch in rows.items():
            for start in range(0, len(batch), 5000):
                conn.execute(insert(model), batch[start : start + 5000])
        # what the audit log records with each acknowledgment, for rows written around it
        backfill(conn)


def _one_handoff(
    rng: random.Random, team: str, n: int, count: int, rows: dict[Any, list[dict[str, Any]]]
) -> None:
    from handoff.models import HandoffRecord

    uid = rng.randrange(len(PEOPLE))
    author = PEOPLE[uid].title()
    created = START + timedelta(seconds=DAYS * 86400 * n / count + rng.uniform(0, 3600))
    published = created + timedelta(minutes=rng.lognormvariate(3, 1))
    missing = rng.sample(FIELDS, rng.choice((0, 0, 1, 2)))
    forced = bool(missing) and rng.random() < 0.7
    hid = f"{team}{n:08d}"
    acked = (
        published + timedelta(minutes=rng.lognormvariate(4.5, 1)) if rng.random() < 0.93 else None
    )
    doc = _declaration(rng, author, missing)
    rows[HandoffRecord].append(
        {
            "id": hid,
            "team": team,
            "author": author,
            "author_user_id": f"u{uid:02d}",
            "recorded_at": created,
            "status": "acknowledged" if acked else "published",
            "source_kind": "text",
            "source_text": " ".join(doc["in_flight"][0]["summary"] for _ in range(8)),
            "draft": doc,
            "declaration": {**doc, "missing": doc["missing"] if forced else []},
            "force_reason": "out of time" if forced else None,
            "published_at": published,
            "published_by": author,
            "acknowledged_at": acked,
            "acknowledged_by": PEOPLE[(uid + 1) % len(PEOPLE)].title() if acked else None,
            "created_at": created,
            "updated_at": acked or published,
        }
    )
    _activity(rng, team, hid, uid, (created, published, acked), rows)
    nxt = (uid + 1) % len(PEOPLE)
    _route(rng, team, f"{hid}w", nxt, "handover", hid, published, acked, None, rows)
    if rng.random() < 0.5:
        took = acked + timedelta(minutes=rng.uniform(0, 30)) if acked else None
        owner = rng.randrange(len(PEOPLE))
        _route(rng, team, f"{hid}a", owner, "action", hid, published, took, None, rows)


def _route(
    rng: random.Random,
    team: str,
    item_id: str,
    who: int,
    reason: str,
    hid: str | None,
    routed: datetime,
    acked: datetime | None,
    escalated: datetime | None,
    rows: dict[Any, list[dict[str, Any]]],
) -> None:
    """One routing and the notification it queued (most delivered, a few failed or retried)."""
    from handoff.protocol.models import Assignment, OutboxRow

    rows[Assignment].append(
        {
            "team": team,
            "item_id": item_id,
            "user_id": f"u{who:02d}",
            "reason": reason,
            "handoff_id": hid,
            "routed_at": routed,
            "acknowledged_at": acked,
            "escalated_at": escalated,
        }
    )
    fate = rng.random()
    status = "failed" if fate < 0.03 else "pending" if fate < 0.04 else "delivered"
    text = f"{PEOPLE[who].title()}, {item_id} is yours: " + "the sandbox keys are needed. " * 12
    rows[OutboxRow].append(
        {
            "team": team,
            "key": f"{reason}:{item_id}:{hid}|u{who:02d}|email|0",
            "kind": reason,
            "channel": rng.choice(("email", "email", "slack", "webhook")),
            "address": f"{PEOPLE[who]}@example.com",
            "user_id": f"u{who:02d}",
            "handoff_id": hid,
            "item_id": item_id,
            "message": {"subject": f"{item_id} is yours", "text": text, "link": "https://x/i"},
            "status": status,
            "attempts": 6 if status == "failed" else rng.choice((1, 1, 1, 1, 2)),
            "created_at": routed,
            "next_attempt_at": routed,
            "delivered_at": routed + timedelta(seconds=2) if status == "delivered" else None,
        }
    )


def _activity(
    rng: random.Random,
    team: str,
    hid: str,
    uid: int,
    moments: tuple[datetime, datetime, datetime | None],
    rows: dict[Any, list[dict[str, Any]]],
) -> None:
    """What posting, publishing and acknowledging a handoff write: its trail, the audit log
    (the next person signs in, sometimes asks, then acknowledges) and the questions log."""
    from handoff.audit import AuditLogRecord
    from handoff.metrics.questions import QuestionRecord
    from handoff.models import AuditEvent

    created, published, acked = moments
    author = PEOPLE[uid].title()
    trail = [("created", created), ("extracted", created), ("published", published)]
    log = [("handoff.post", created, uid), ("handoff.publish", published, uid)]
    if acked:
        trail.append(("acknowledged", acked))
        nxt = (uid + 1) % len(PEOPLE)
        shift = acked - timedelta(minutes=rng.uniform(1, 60))
        log += [("auth.sign_in", shift, nxt), ("handoff.acknowledge", acked, nxt)]
        if rng.random() < 0.5:
            rows[QuestionRecord].append(
                {
                    "team": team,
                    "asked_at": shift + timedelta(minutes=rng.uniform(0, 20)),
                    "asker_id": f"u{nxt:02d}",
                    "asker": PEOPLE[nxt],
                    "via": "api",
                    "intent": "blockers",
                    "answered": rng.random() < 0.8,
                    "citations": rng.randrange(4),
                    "followed": rng.randrange(2),
                }
            )
    for action, at in trail:
        rows[AuditEvent].append(
            {"handoff_id": hid, "team": team, "at": at, "actor": author, "action": action}
        )
    for action, at, who in log:
        rows[AuditLogRecord].append(
            {
                "at": at,
                "actor_id": f"u{who:02d}",
                "actor": PEOPLE[who],
                "action": action,
                "team": None if action == "auth.sign_in" else team,
                "resource_type": "handoff",
                "resource_id": hid,
            }
        )


def _one_item(
    rng: random.Random, team: str, n: int, count: int, rows: dict[Any, list[dict[str, Any]]]
) -> None:
    from handoff.ledger.models import LedgerItem

    first = START + timedelta(seconds=DAYS * 86400 * 4 * n / count)
    kind = "blocker" if n % 3 else "decision"
    resolved = first + timedelta(hours=rng.lognormvariate(3.5, 1.2)) if kind == "blocker" else None
    superseded = f"{team}i{n + 3:07d}" if kind == "decision" and rng.random() < 0.2 else None
    needed = rng.randrange(len(PEOPLE))
    if kind == "blocker":
        wait = timedelta(hours=rng.lognormvariate(1, 1.2))
        acked = first + wait if rng.random() < 0.85 else None
        late = acked is None or wait > timedelta(hours=4)
        escalated = first + timedelta(hours=4) if late else None
        _route(rng, team, f"{team}i{n:07d}", needed, "blocker", None, first, acked, escalated, rows)
    rows[LedgerItem].append(
        {
            "id": f"{team}i{n:07d}",
            "team": team,
            "kind": kind,
            "name": f"item {n}",
            "key": f"item {n}",
            "refs": [],
            "state": ("resolved" if resolved else "open")
            if kind == "blocker"
            else ("superseded" if superseded else "current"),
            "needed_from": PEOPLE[needed].title(),
            "first_at": first,
            "last_at": first,
            "resolved_at": resolved if rng.random() < 0.9 else None,
            "superseded_by": superseded,
        }
    )


def measure(url: str, runs: int) -> list[float]:
    """Milliseconds per full report of team `big` over the year, `runs` times."""
    from handoff.db import session_scope
    from handoff.metrics import Scope, team_report

    scope = Scope("big", START, START + timedelta(days=DAYS))
    took = []
    for _ in range(runs):
        started = time.perf_counter()
        with session_scope(url) as session:
            report = team_report(session, scope)
        took.append((time.perf_counter() - started) * 1000)
    published = sum(
        int(r.values["published"] or 0) for r in report.table("completeness_weekly").rows
    )
    if published == 0:
        raise SystemExit("The generated database has no published handoffs in scope.")
    return took


def per_metric(url: str, runs: int = 3) -> dict[str, float]:
    """Median milliseconds of each registered metric within a whole report (where the time
    goes; the handoff rows completeness reads are shared with the two that follow it)."""
    from handoff.db import session_scope
    from handoff.metrics import METRICS, Scope

    scope = Scope("big", START, START + timedelta(days=DAYS))
    took: dict[str, list[float]] = {m.__name__: [] for m in METRICS}
    for _ in range(runs):
        with session_scope(url) as session:
            for metric in METRICS:
                started = time.perf_counter()
                metric(session, scope)
                took[metric.__name__].append((time.perf_counter() - started) * 1000)
    return {name: round(statistics.median(xs), 1) for name, xs in took.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.bench_metrics")
    parser.add_argument("--handoffs", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--db", type=Path, help="Keep the generated database here.")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="bench-metrics-"))
    path = args.db or folder / "handoff.db"
    if path.exists():
        print(f"{path} exists; name a new file.", file=sys.stderr)
        return 2
    url = f"sqlite:///{path}"
    started = time.perf_counter()
    generate(url, handoffs=args.handoffs)
    built = time.perf_counter() - started
    took = measure(url, args.runs)
    load = subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()
    result = {
        "handoffs": args.handoffs,
        "database": "sqlite",
        "generated_s": round(built, 1),
        "runs": args.runs,
        "median_ms": round(statistics.median(took), 1),
        "min_ms": round(min(took), 1),
        "max_ms": round(max(took), 1),
        "per_metric_ms": per_metric(url),
        "first_ms": round(took[0], 1),
        "uptime": load,
    }
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(
            f"metrics over {args.handoffs:,} handoffs (sqlite): median {result['median_ms']} ms, "
            f"best {result['min_ms']} ms, worst {result['max_ms']} ms, first "
            f"{result['first_ms']} ms of {args.runs} runs\n"
            f"per metric (median of 3, ms): {result['per_metric_ms']}\nload: {load}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
