"""The item-level metrics on a hand-built team whose answers are worked out by hand.

Team `pay`, Monday 2 to Monday 16 November 2026 (UTC), as in test_metrics: routings written
straight into the protocol's tables at known moments, blockers resolved at known moments in the
ledger, and notifications in known states. Team `ops` has one of each and never shows up.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from handoff.audit import Actor
from handoff.db import migrate, session_scope
from handoff.declaration import Declaration
from handoff.identity.directory import Directory
from handoff.ledger.models import LedgerItem
from handoff.metrics import Report, Scope, team_report
from handoff.metrics.items import (
    blockers_escalated,
    delivery_failures,
    item_acknowledgment,
    routed_to_resolved,
)
from handoff.models import clock
from handoff.protocol.models import Assignment, OutboxRow
from handoff.store import HandoffStore

W1, W2 = "2026-11-02", "2026-11-09"


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


SINCE, UNTIL = at(2, 0), at(16, 0)
PARTS = ["shipped", "in_flight", "decisions", "blockers", "next_actions"]
ITEM_METRICS = (item_acknowledgment, blockers_escalated, routed_to_resolved, delivery_failures)


def _moment(value: datetime) -> datetime:
    return value


def build(url: str) -> None:
    migrate(url)
    directory = Directory(url, password_min_length=12)
    op = Actor.operator()
    uid = {
        n: directory.create_user(n.lower(), actor=op, display_name=n).id
        for n in ("Maya", "Tomas", "Ines", "Olu")
    }
    store = HandoffStore(url)
    handoffs = {}
    for name, team, published in (
        ("hA", "pay", at(2, 10)),
        ("hB", "pay", at(3, 10)),
        ("hC", "pay", at(10, 9)),
        ("hD", "pay", at(11, 9)),
        ("hE", "pay", at(17, 0)),
        ("hO", "ops", at(3, 10)),
    ):
        with clock(partial(_moment, published)):
            h = store.create(
                team=team,
                author="Maya" if name in ("hA", "hC") else "Olu",
                recorded_at=published,
                source_kind="text",
                source_text="wrap",
                declaration=Declaration(returns_at="tomorrow 9am", stated_empty=list(PARTS)),
            )
            store.publish(h.id)
        handoffs[name] = h.id
    routings: list[tuple[Any, ...]] = [
        # (team, item, person, reason, handoff, routed, acknowledged, escalated)
        ("pay", "i1", "Tomas", "blocker", "hA", at(2, 10), at(2, 12), None),  # 2 h
        ("pay", "i2", "Tomas", "handover", "hA", at(2, 10), at(2, 11), None),  # 1 h
        ("pay", "i2", "Tomas", "action", "hA", at(2, 10), at(2, 11), None),  # the same item
        ("pay", "i3", "Ines", "action", "hB", at(3, 10), None, None),  # waiting
        ("pay", "i4", "Maya", "taken", "hB", at(3, 10), at(3, 16), None),  # 6 h
        ("pay", "i5", "Ines", "blocker", "hC", at(10, 9), at(10, 13), at(10, 12)),  # 4 h
        ("pay", "i6", "Olu", "who_can_clear", "hC", at(10, 9), None, None),  # not counted
        ("pay", "i8", "Tomas", "blocker", "hD", at(11, 9), None, None),  # waiting
        ("pay", "i7", "Tomas", "blocker", "hE", at(17, 0), None, None),  # after the period
        ("ops", "o1", "Olu", "blocker", "hO", at(3, 10), None, at(3, 20)),
    ]
    outbox: list[tuple[Any, ...]] = [
        # (team, channel, status, attempts, created, person)
        *[("pay", "email", "delivered", 1, at(2, 10), "Tomas")] * 3,
        ("pay", "email", "failed", 6, at(3, 10), "Ines"),
        ("pay", "slack", "delivered", 2, at(10, 9), "Tomas"),
        ("pay", "slack", "pending", 0, at(11, 9), "Tomas"),
        ("pay", "webhook", "cancelled", 0, at(11, 9), "Maya"),
        ("pay", "email", "failed", 6, at(17, 0), "Tomas"),  # after the period
        ("ops", "email", "failed", 6, at(3, 10), "Olu"),
    ]
    with session_scope(url) as s:
        for team, item, who, reason, hid, routed, acked, escalated in routings:
            s.add(
                Assignment(
                    team=team,
                    item_id=item,
                    user_id=uid[who],
                    reason=reason,
                    handoff_id=handoffs[hid],
                    routed_at=routed,
                    acknowledged_at=acked,
                    escalated_at=escalated,
                )
            )
        for n, (team, channel, status, attempts, created, who) in enumerate(outbox):
            s.add(
                OutboxRow(
                    team=team,
                    key=f"k{n}",
                    kind="blocker_routed",
                    channel=channel,
                    address="someone",
                    user_id=uid[who],
                    message={},
                    status=status,
                    attempts=attempts,
                    created_at=created,
                    next_attempt_at=created,
                )
            )
        for item, first, resolved in (
            ("i1", at(2, 10), at(4, 12)),  # 50 h after routing, week 1
            ("i5", at(10, 9), at(10, 19)),  # 10 h, week 2, escalated
            ("i8", at(11, 9), at(12, 9)),  # 24 h, week 2
            ("i6", at(10, 9), None),
        ):
            s.add(
                LedgerItem(
                    id=item,
                    team="pay",
                    kind="blocker",
                    name=item,
                    key=item,
                    refs=[],
                    state="resolved" if resolved else "open",
                    first_at=first,
                    last_at=resolved or first,
                    resolved_at=resolved,
                )
            )


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{Path(tmp_path_factory.mktemp('items')) / 'handoff.db'}"
    build(url)
    return url


def report(url: str, **scope: Any) -> Report:
    with session_scope(url) as s:
        return team_report(s, Scope("pay", SINCE, UNTIL, **scope), ITEM_METRICS)


def values(r: Report, name: str) -> dict[str, dict[str, Any]]:
    return {row.key: row.values for row in r.table(name).rows}


def test_time_to_acknowledge_an_item(url: str) -> None:
    got = values(report(url), "item_time_to_acknowledge")
    assert got == {
        W1: {"median_hours": 2.0, "p90_hours": 6.0, "items": 3, "unacknowledged": 1},
        W2: {"median_hours": 4.0, "p90_hours": 4.0, "items": 1, "unacknowledged": 1},
    }


def test_time_until_every_item_of_a_handoff_is_taken(url: str) -> None:
    got = values(report(url), "handoff_items_acknowledged")
    assert got == {
        W1: {"median_hours": 2.0, "p90_hours": 2.0, "handoffs": 1, "waiting": 1},
        W2: {"median_hours": 4.0, "p90_hours": 4.0, "handoffs": 1, "waiting": 1},
    }
    mayas = values(report(url, person="Maya"), "handoff_items_acknowledged")  # her handoffs
    assert mayas == {
        W1: {"median_hours": 2.0, "p90_hours": 2.0, "handoffs": 1, "waiting": 0},
        W2: {"median_hours": 4.0, "p90_hours": 4.0, "handoffs": 1, "waiting": 0},
    }


def test_routed_blockers_escalated(url: str) -> None:
    got = values(report(url), "blockers_escalated")
    assert got == {
        W1: {"escalated_pct": 0.0, "routed": 1, "escalated": 0},
        W2: {"escalated_pct": 50.0, "routed": 2, "escalated": 1},
    }


def test_time_from_routing_to_resolution(url: str) -> None:
    got = values(report(url), "routed_blocker_resolution")
    assert got == {
        W1: {"median_hours": 50.0, "p90_hours": 50.0, "resolved": 1, "escalated": 0},
        W2: {"median_hours": 17.0, "p90_hours": 24.0, "resolved": 2, "escalated": 1},
    }


def test_delivery_failures_per_channel(url: str) -> None:
    got = values(report(url), "delivery_failures")
    assert got == {
        "email": {
            "failed_pct": 25.0,
            "notifications": 4,
            "delivered": 3,
            "failed": 1,
            "retried": 1,
            "pending": 0,
        },
        "slack": {
            "failed_pct": 0.0,
            "notifications": 2,
            "delivered": 1,
            "failed": 0,
            "retried": 1,
            "pending": 1,
        },
    }


def test_a_person_filter_selects_what_was_routed_to_them(url: str) -> None:
    r = report(url, person="tomas")
    assert values(r, "item_time_to_acknowledge") == {
        W1: {"median_hours": 1.5, "p90_hours": 2.0, "items": 2, "unacknowledged": 0},
        W2: {"median_hours": None, "p90_hours": None, "items": 0, "unacknowledged": 1},
    }
    assert values(r, "blockers_escalated")[W2] == {
        "escalated_pct": 0.0,
        "routed": 1,
        "escalated": 0,
    }
    assert values(r, "delivery_failures")["email"]["notifications"] == 3


def test_every_item_metric_is_in_the_report(url: str) -> None:
    with session_scope(url) as s:
        names = {t.name for t in team_report(s, Scope("pay", SINCE, UNTIL)).tables}
    assert {
        "item_time_to_acknowledge",
        "handoff_items_acknowledged",
        "blockers_escalated",
        "routed_blocker_resolution",
        "delivery_failures",
    } <= names


def test_postgresql_gives_the_same_item_metrics(postgres_url: str, url: str) -> None:
    """The ranking and week SQL on the real PostgreSQL, against the same team on SQLite."""
    build(postgres_url)
    assert report(postgres_url).to_json() == report(url).to_json()
    assert report(postgres_url, person="Tomas").to_json() == report(url, person="Tomas").to_json()


@pytest.fixture(params=["sqlite", "postgres"])
def any_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'h.db'}"
    return str(request.getfixturevalue("postgres_url"))


def test_context_moments_backfilled_as_recorded(any_url: str) -> None:
    """The moments the audit log records with each acknowledgment are those the migration's
    backfill computes from the same log in one statement (on SQLite and PostgreSQL)."""
    from sqlalchemy import delete, select

    from handoff.db import get_engine
    from handoff.metrics.moments import ContextMoment, backfill
    from tests.handoff.test_metrics import World
    from tests.handoff.test_metrics import build as build_team

    w = build_team(World(any_url))
    columns = (ContextMoment.team, ContextMoment.actor_id, ContextMoment.at, ContextMoment.minutes)

    def moments() -> list[tuple[Any, ...]]:
        with session_scope(w.url) as s:
            rows = s.execute(select(*columns).order_by(ContextMoment.at)).all()
        return [(t, a, at.replace(tzinfo=None), round(m, 6)) for t, a, at, m in rows]

    recorded = moments()
    assert len(recorded) == 5 and {r[0] for r in recorded} == {"pay", "ops"}
    with get_engine(w.url).begin() as conn:
        conn.execute(delete(ContextMoment))
        backfill(conn)
    assert moments() == recorded
