"""The ledger's fast paths give what the plain ones give, on SQLite and PostgreSQL: state folded
incrementally equals state derived from every event, and the in-memory `Snapshot` answering reads
equals `read_items` after publishing (items re-read) and after unpublishing (everything re-read)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from handoff.declaration import Blocker, Decision, InFlightItem, NextAction
from handoff.ledger import Ledger, read_items
from handoff.ledger.models import LedgerEvent, LedgerItem
from handoff.ledger.queries import Snapshot
from handoff.ledger.state import derive
from handoff.store import HandoffStore
from tests.handoff.test_ledger import decl, publish


@pytest.fixture
def store(database_url: str) -> HandoffStore:
    return HandoffStore(database_url, hooks=[Ledger().hook])


def history(store: HandoffStore) -> list[str]:
    """A week of one team: work moving, a blocker opening and clearing, a decision replaced."""
    ids = []
    for day in range(6):
        parts: dict[str, Any] = {
            "in_flight": [
                InFlightItem(item="db-migration", status="blocked" if day < 3 else "in_progress"),
                InFlightItem(item=f"api-cleanup-{day % 2}"),
            ],
            "next_actions": [NextAction(action="follow up on db-migration", owner="Maya")],
        }
        if day == 1:
            parts["blockers"] = [
                Blocker(description="db-migration waits on the VPN request", needed_from="Priya")
            ]
        if day in (2, 4):
            scheduler = "advisory locks" if day == 2 else "a Redis lease instead"
            parts["decisions"] = [Decision(decision=f"the scheduler will use {scheduler}")]
        text = "The VPN request came back approved, so db-migration can go ahead." * (day == 3)
        ids.append(publish(store, "Maya" if day % 2 else "Leo", day, decl(**parts), text=text))
    return ids


def test_stored_state_is_the_state_of_all_events(store: HandoffStore) -> None:
    history(store)
    with store.session() as s:
        for item in s.scalars(select(LedgerItem)):
            events = list(s.scalars(select(LedgerEvent).where(LedgerEvent.item_id == item.id)))
            st = derive(item.kind, events)
            assert st is not None
            stored = (item.state, item.owner, item.summary, item.last_at, item.resolved_by)
            assert stored == (st.state, st.owner, st.summary, st.last_at, st.resolved_by)


def test_snapshot_reads_what_read_items_reads(store: HandoffStore) -> None:
    snap = Snapshot("core")
    ids = history(store)

    def same() -> None:
        with store.session() as s:
            for kw in ({}, {"kinds": ["blocker"], "states": ["open"]}, {"kinds": ["work"]}):
                want = [i.to_json() for i in read_items(s, "core", limit=50, **kw)]
                got = [i.to_json() for i in snap.items(s, limit=50, **kw)]
                assert got == want

    same()
    publish(store, "Leo", 7, decl(in_flight=[InFlightItem(item="db-migration", status="done")]))
    same()  # only the touched items were read again
    store.unpublish(ids[3], actor="Maya")  # the resolution goes away: everything is read again
    same()
