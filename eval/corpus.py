"""A synthetic corpus for the benchmarks: one team's history of published handoffs in which work
items move through states, blockers open and resolve, decisions get superseded and people come
and go. Deterministic for a seed."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from handoff.declaration import (
    Blocker,
    Decision,
    Declaration,
    InFlightItem,
    NextAction,
    ShippedItem,
    Status,
)

PEOPLE = ["Maya", "Leo", "Priya", "Omar", "James", "Sarah", "Li", "Dana", "Raj", "Ana"]
AREAS = [
    "auth",
    "billing",
    "search",
    "payments",
    "ledger",
    "export",
    "cache",
    "scheduler",
    "gateway",
    "mobile",
    "reports",
    "alerts",
    "sync",
    "import",
    "profile",
    "audit",
]
THINGS = [
    "refresh",
    "migration",
    "refactor",
    "cleanup",
    "rollout",
    "retry",
    "index",
    "limits",
    "webhooks",
    "backfill",
    "dashboard",
    "upgrade",
]
NEEDS = [
    "the VPN request",
    "a product decision on {a}",
    "review of PR #{n}",
    "access to the {a} bucket",
    "the {a} API keys",
    "a budget approval",
    "the {a} schema sign-off",
]


@dataclass
class Wrap:
    author: str
    recorded_at: datetime
    text: str
    declaration: Declaration


def corpus(n: int, *, team: str = "bench", seed: int = 7) -> Iterator[Wrap]:
    rng = random.Random(seed)
    start = datetime(2024, 1, 1, 17, 0, tzinfo=UTC)
    active: list[tuple[str, int]] = []  # (item name, PR number)
    blockers: dict[str, str] = {}
    for i in range(n):
        author = PEOPLE[i % len(PEOPLE)]
        when = start + timedelta(hours=4 * i)
        if len(active) < 6 or rng.random() < 0.3:
            active.append((f"{rng.choice(AREAS)}-{rng.choice(THINGS)}-{i}", 1000 + i))
        name, pr = rng.choice(active)
        statuses: list[Status] = ["in_progress", "in_review", "in_progress", "blocked"]
        status = rng.choice(statuses)
        sentences: list[str] = [f"In-flight: {name} {status.replace('_', ' ')}, PR #{pr}."]
        decl = Declaration(
            author=author,
            team=team,
            recorded_at=when,
            in_flight=[
                InFlightItem(
                    item=name,
                    status=status,
                    refs=[f"#{pr}"],  # type: ignore[arg-type]
                    summary=f"{name} {status.replace('_', ' ')}",
                )
            ],
            returns_at="tomorrow 9am UTC",
            returns_at_iso=when + timedelta(hours=16),
        )
        if name in blockers and rng.random() < 0.6:
            sentences.append(f"{blockers.pop(name)} came back approved, so {name} can go ahead.")
        elif status == "blocked" and name not in blockers:
            need = rng.choice(NEEDS).format(a=name.split("-")[0], n=pr)
            who = rng.choice(PEOPLE)
            blockers[name] = need
            decl.blockers = [
                Blocker(description=f"{name} is waiting on {need}", item=name, needed_from=who)
            ]
            sentences.append(f"Blocker: {name} is waiting on {need}, {who} can help.")
        if rng.random() < 0.3:
            area = name.split("-")[0]
            choice = rng.choice(["a queue", "a cron job", "a feature flag", "a new table"])
            decl.decisions = [
                Decision(
                    decision=f"the {area} work will use {choice}",
                    rationale="it keeps the rollout small",
                    item=name,
                )
            ]
            sentences.append(
                f"Decision: the {area} work will use {choice} because it keeps the rollout small."
            )
        if rng.random() < 0.25 and len(active) > 4:
            done = active.pop(0)
            decl.shipped = [
                ShippedItem(
                    summary=f"PR #{done[1]} merged, {done[0]} is live", refs=[f"#{done[1]}"]
                )
            ]
            sentences.append(f"Shipped: PR #{done[1]} merged, {done[0]} is live.")
        decl.next_actions = [NextAction(action=f"follow up on {name}", owner=author)]
        sentences.append(f"Next: follow up on {name}. Back tomorrow 9am UTC.")
        decl.stated_empty = [
            p for p in ("shipped", "decisions", "blockers") if not getattr(decl, p)
        ]
        yield Wrap(author, when, " ".join(sentences), decl)
