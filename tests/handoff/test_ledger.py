"""The item ledger on SQLite and on the real PostgreSQL: identity, state over time, resolution,
supersession, rollback on unpublish/delete/edit, and rebuild giving the same state."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from handoff.declaration import (
    Blocker,
    Decision,
    Declaration,
    InFlightItem,
    NextAction,
    ShippedItem,
)
from handoff.ledger import Ledger, read_items
from handoff.ledger.models import LedgerItem
from handoff.store import HandoffStore

T0 = datetime(2026, 11, 16, 17, 0, tzinfo=UTC)


def decl(**parts: Any) -> Declaration:
    base: dict[str, Any] = {"returns_at": "tomorrow 9am UTC"}
    base.update(parts)
    empty = [
        p
        for p in ("shipped", "in_flight", "decisions", "blockers", "next_actions")
        if not base.get(p)
    ]
    return Declaration(stated_empty=empty, **base)


def publish(
    store: HandoffStore,
    author: str,
    day: int,
    declaration: Declaration,
    text: str = "",
    team: str = "core",
) -> str:
    h = store.create(
        team=team,
        author=author,
        recorded_at=T0 + timedelta(days=day),
        source_kind="text",
        source_text=text or "wrap",
        declaration=declaration,
    )
    store.publish(h.id, actor=author, force_reason="test")
    return h.id


def state(store: HandoffStore, team: str = "core", **kw: Any) -> dict[str, tuple[str, str]]:
    with store.session() as s:
        return {i.id: (i.kind, i.state) for i in read_items(s, team, **kw)}


def items(store: HandoffStore, team: str = "core", **kw: Any) -> list[Any]:
    with store.session() as s:
        return read_items(s, team, **kw)


@pytest.fixture
def store(database_url: str) -> HandoffStore:
    ledger = Ledger()
    return HandoffStore(database_url, hooks=[ledger.hook])


def vpn_blocker() -> Blocker:
    return Blocker(
        description="waiting on the VPN request from IT to run the db-migration",
        item="db-migration",
        needed_from="Priya",
    )


def test_same_work_across_handoffs_is_one_item_with_a_timeline(store: HandoffStore) -> None:
    publish(store, "Maya", 0, decl(in_flight=[InFlightItem(item="db-migration", refs=["#77"])]))
    publish(
        store,
        "Leo",
        1,
        decl(
            in_flight=[InFlightItem(item="DB migration", status="in_review", summary="PR #77 open")]
        ),
    )
    publish(
        store,
        "Maya",
        2,
        decl(in_flight=[InFlightItem(item="the migration work", refs=["PR 77"], status="done")]),
    )
    work = items(store, kinds=["work"])
    assert len(work) == 1
    assert work[0].state == "done"
    assert [st for _, st, _ in work[0].timeline] == ["in_progress", "in_review", "done"]
    earlier = items(store, kinds=["work"], as_of=T0 + timedelta(days=1, hours=1))
    assert earlier[0].state == "in_review"


def test_shipped_work_is_named_before_its_status_and_meets_its_in_flight_item(
    store: HandoffStore,
) -> None:
    publish(store, "Ravi", 0, decl(in_flight=[InFlightItem(item="Cert renewal for the ingress")]))
    publish(store, "Ana", 1, decl(in_flight=[InFlightItem(item="Postgres failover drill")]))
    done = "Cert renewal done on prod, the new certs are valid until next November"
    drill = "Failover drill done, 48 second failover, runbook updated"
    publish(store, "Ana", 2, decl(shipped=[ShippedItem(summary=done), ShippedItem(summary=drill)]))
    work = {w.name: w.state for w in items(store, kinds=["work"])}
    assert work == {"Cert renewal for the ingress": "done", "Postgres failover drill": "done"}
    # Shipped first, its name is the thing: later mentions of it find it.
    publish(
        store,
        "Ana",
        3,
        decl(shipped=[ShippedItem(summary="Alert routing migration done, every service moved")]),
    )
    publish(
        store,
        "Ravi",
        4,
        decl(in_flight=[InFlightItem(item="alert routing migration", status="in_review")]),
    )
    (alerts,) = [w for w in items(store, kinds=["work"]) if "lert" in w.name]
    assert alerts.name == "Alert routing migration" and alerts.state == "in_review"


def test_teams_never_share_items(store: HandoffStore) -> None:
    publish(store, "Maya", 0, decl(in_flight=[InFlightItem(item="db-migration")]), team="a")
    publish(store, "Omar", 0, decl(in_flight=[InFlightItem(item="db-migration")]), team="b")
    a, b = items(store, "a", kinds=["work"]), items(store, "b", kinds=["work"])
    assert len(a) == 1 and len(b) == 1 and a[0].id != b[0].id


def test_blocker_closes_when_a_later_wrap_says_the_needed_thing_happened(
    store: HandoffStore,
) -> None:
    publish(
        store,
        "Maya",
        0,
        decl(in_flight=[InFlightItem(item="db-migration")], blockers=[vpn_blocker()]),
    )
    resolver = publish(
        store,
        "Leo",
        2,
        decl(in_flight=[InFlightItem(item="db-migration")]),
        text="The VPN request came back approved, so the migration can go ahead. More later.",
    )
    (b,) = items(store, kinds=["blocker"])
    assert b.state == "resolved"
    assert b.resolved_handoff_id == resolver
    # Nobody is named as having cleared it: Leo only reported it.
    assert b.resolved_by is None and b.resolution_reported_by == "Leo"
    assert "came back approved" in (b.resolution_quote or "")
    (before,) = items(store, kinds=["blocker"], as_of=T0 + timedelta(days=1))
    assert before.state == "open" and before.needed_from == "Priya"


@pytest.mark.parametrize(
    ("said", "resolved_by"),
    [
        ("The VPN request came back approved — Priya got it through.", "Priya"),
        ("Finally got the VPN request approved by Ken Okafor from IT.", "Ken Okafor"),
        ("I got the VPN request approved myself, so the db-migration can go ahead.", "Leo"),
    ],
)
def test_resolver_is_whom_the_wrap_names_and_the_author_reported_it(
    store: HandoffStore, said: str, resolved_by: str
) -> None:
    publish(store, "Maya", 0, decl(blockers=[vpn_blocker()]))
    resolving = publish(store, "Leo", 2, decl(), text=f"{said} More later.")
    (b,) = items(store, kinds=["blocker"])
    assert b.state == "resolved" and b.resolved_by == resolved_by
    assert b.resolution_reported_by == "Leo" and b.resolved_handoff_id == resolving
    assert b.resolution_quote == said  # the evidence: the sentence that names them
    resolved = [e for e in b.events if e.action == "resolved"]
    assert resolved[0].author == "Leo" and resolved[0].to_json()["resolved_by"] == resolved_by
    # The materialized row agrees with the events, and a rebuild gives the same.
    with store.session() as s:
        row = s.get(LedgerItem, b.id)
        assert row is not None and row.resolved_by == resolved_by
    Ledger().rebuild(store, team="core")
    (again,) = items(store, kinds=["blocker"])
    assert (again.resolved_by, again.resolution_reported_by) == (resolved_by, "Leo")


@pytest.mark.parametrize(
    ("first", "again", "person"),
    [
        (
            "the VPN request to reach the old bastion for the cert rotation isn't approved yet, "
            "waiting on Nadia in Security",
            "Cert renewal still waiting on the VPN approval from Nadia",
            "Nadia",
        ),
        (
            "the DNS change for the billing domain isn't approved yet, waiting on Marco",
            "billing cutover still waiting on the DNS approval from Marco",
            "Marco",
        ),
    ],
)
def test_a_blocker_restated_in_other_words_waiting_on_the_same_person_is_one_item(
    store: HandoffStore, first: str, again: str, person: str
) -> None:
    publish(store, "Ravi", 0, decl(blockers=[Blocker(description=first, needed_from=person)]))
    publish(store, "Ana", 1, decl(blockers=[Blocker(description=again, needed_from=person)]))
    (b,) = items(store, kinds=["blocker"])
    assert [e.action for e in b.events] == ["opened", "mentioned"]
    assert [e.author for e in b.events] == ["Ravi", "Ana"]


def test_other_blockers_waiting_on_the_same_person_stay_apart(store: HandoffStore) -> None:
    vpn = "the db-migration cannot run until the VPN request is approved; waiting on Dana from IT"
    tls = "the Redis cluster TLS certificates have not been issued; waiting on Dana from IT"
    publish(store, "Priya", 0, decl(blockers=[Blocker(description=vpn, needed_from="Dana")]))
    publish(store, "Omar", 1, decl(blockers=[Blocker(description=tls, needed_from="Dana")]))
    # The same words, but for two different pieces of work.
    publish(
        store,
        "Omar",
        2,
        decl(
            in_flight=[InFlightItem(item="billing-export"), InFlightItem(item="audit-log")],
            blockers=[
                Blocker(description="billing-export needs prod read access", needed_from="Dana"),
                Blocker(description="audit-log needs prod read access", needed_from="Dana"),
            ],
        ),
    )
    assert len(items(store, kinds=["blocker"])) == 4


def test_still_waiting_is_not_a_resolution(store: HandoffStore) -> None:
    publish(store, "Maya", 0, decl(blockers=[vpn_blocker()]))
    publish(
        store,
        "Leo",
        1,
        decl(
            blockers=[Blocker(description="still waiting on the VPN request", needed_from="Priya")]
        ),
        text="Still waiting on the VPN request; it should be approved tomorrow.",
    )
    (b,) = items(store, kinds=["blocker"])
    assert b.state == "open"
    assert len(b.events) == 2  # restated, not a second blocker


def test_new_decision_on_the_same_subject_supersedes(store: HandoffStore) -> None:
    publish(
        store,
        "Priya",
        0,
        decl(
            decisions=[
                Decision(
                    decision="use Postgres advisory locks for the job scheduler",
                    rationale="no new infra",
                )
            ]
        ),
    )
    publish(
        store,
        "Leo",
        1,
        decl(
            decisions=[
                Decision(
                    decision=(
                        "switch the job scheduler from advisory locks to a Redis lease instead"
                    ),
                    rationale="advisory locks broke under pgbouncer",
                )
            ]
        ),
    )
    publish(
        store,
        "Leo",
        1,
        decl(
            decisions=[
                Decision(decision="cache uses LRU with a 10 min TTL", rationale="fits traffic")
            ]
        ),
    )
    by_state = {i.name: i.state for i in items(store, kinds=["decision"])}
    assert by_state["use Postgres advisory locks for the job scheduler"] == "superseded"
    assert by_state["switch the job scheduler from advisory locks to a Redis lease instead"] == (
        "current"
    )
    assert by_state["cache uses LRU with a 10 min TTL"] == "current"


def test_unpublish_and_delete_roll_back_and_edit_reapplies(store: HandoffStore) -> None:
    publish(
        store,
        "Maya",
        0,
        decl(
            in_flight=[InFlightItem(item="db-migration")],
            blockers=[vpn_blocker()],
            next_actions=[NextAction(action="ping IT", owner="Maya")],
        ),
    )
    before = state(store)
    resolver = publish(
        store,
        "Leo",
        1,
        decl(in_flight=[InFlightItem(item="db-migration", status="done")]),
        text="The VPN request was approved by IT and the migration is done.",
    )
    assert {k for k, s in state(store).values()} >= {"blocker"}
    assert any(s == ("blocker", "resolved") for s in state(store).values())
    store.unpublish(resolver, actor="lead")
    assert state(store) == before  # the resolution and the status move are gone
    store.publish(resolver, actor="lead", force_reason="again")
    store.delete(resolver, actor="lead")
    assert state(store) == before
    first = store.list(team="core")[0].id
    store.edit(first, {"blockers": []}, actor="rev")
    assert not items(store, kinds=["blocker"])
    store.unpublish(first, actor="lead")
    assert items(store) == []


def test_rebuild_gives_the_same_state(store: HandoffStore) -> None:
    publish(
        store,
        "Maya",
        0,
        decl(in_flight=[InFlightItem(item="db-migration")], blockers=[vpn_blocker()]),
    )
    publish(
        store,
        "Leo",
        1,
        decl(in_flight=[InFlightItem(item="db-migration", status="done")]),
        text="VPN request approved, migration done.",
    )
    publish(store, "Leo", 2, decl(decisions=[Decision(decision="ship Fridays", rationale="calm")]))
    before = [i.to_json() for i in items(store)]
    Ledger().rebuild(store)
    assert [i.to_json() for i in items(store)] == before


def _three_days(store: HandoffStore) -> list[str]:
    """Three handoffs over three days mentioning the same work item by ref and by name."""
    return [
        publish(
            store,
            "Maya",
            0,
            decl(
                in_flight=[InFlightItem(item="login-flow", refs=["PR #12"])],
                blockers=[
                    Blocker(description="waiting on SSO keys for login-flow", item="login-flow")
                ],
                next_actions=[NextAction(action="ping security", owner="Maya")],
            ),
        ),
        publish(
            store,
            "Leo",
            1,
            decl(in_flight=[InFlightItem(item="login flow", status="in_review", summary="PR #12")]),
        ),
        publish(
            store,
            "Maya",
            2,
            decl(
                in_flight=[InFlightItem(item="the login-flow work", refs=["#12"], status="done")],
                next_actions=[NextAction(action="ping security", owner="Maya")],
            ),
        ),
    ]


def _json(store: HandoffStore) -> list[Any]:
    return sorted((i.to_json() for i in items(store)), key=lambda j: str(j))


def _same_as_rebuild(store: HandoffStore) -> None:
    now = _json(store)
    Ledger().rebuild(store)
    assert _json(store) == now


def test_unpublish_old_handoff_and_republish(store: HandoffStore) -> None:
    first, _, _ = _three_days(store)
    original = _json(store)
    store.unpublish(first, actor="lead")
    assert len(items(store, kinds=["work"])) == 1
    _same_as_rebuild(store)
    store.publish(first, actor="lead", force_reason="again")  # was: UNIQUE constraint failed
    assert len(items(store, kinds=["work"])) == 1
    _same_as_rebuild(store)
    assert _json(store) == original


def test_edit_of_old_published_handoff_reapplies(store: HandoffStore) -> None:
    first, _, _ = _three_days(store)
    store.edit(first, {"next_actions": []}, actor="rev")
    _same_as_rebuild(store)
    store.edit(first, {"next_actions": [{"action": "ping security", "owner": "Maya"}]}, actor="rev")
    _same_as_rebuild(store)
    assert len(items(store, kinds=["work"])) == 1


def test_delete_old_handoff_then_reingest(store: HandoffStore) -> None:
    first, _, _ = _three_days(store)
    original = _json(store)
    store.delete(first, actor="lead")
    assert len(items(store, kinds=["work"])) == 1
    _same_as_rebuild(store)
    store.create(
        team="core",
        author="Maya",
        recorded_at=T0,
        source_kind="text",
        source_text="wrap",
        declaration=decl(
            in_flight=[InFlightItem(item="login-flow", refs=["PR #12"])],
            blockers=[Blocker(description="waiting on SSO keys for login-flow", item="login-flow")],
            next_actions=[NextAction(action="ping security", owner="Maya")],
        ),
        handoff_id=first,
    )
    store.publish(first, actor="Maya", force_reason="test")  # was: UNIQUE constraint failed
    _same_as_rebuild(store)
    assert _json(store) == original
