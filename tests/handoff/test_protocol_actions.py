"""Acknowledging (ownership moves, the read-back is kept), "not mine", resolving with a note (the
raiser is told, a decision is logged), a lead re-routing, and the inbox that shows all of it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from handoff.audit import Actor
from handoff.db import session_scope
from handoff.declaration import NextAction
from handoff.identity.errors import Forbidden
from handoff.ledger.models import LedgerItem
from handoff.ledger.queries import read_item
from handoff.protocol import actions
from handoff.protocol.inbox import acknowledgments, inbox
from handoff.protocol.messages import Links
from handoff.protocol.models import OutboxRow
from tests.handoff.protocol_support import TEAM, World, make_world, session_timeout_wrap, wrap

LINKS = Links("http://app.test")


@pytest.fixture
def world(database_url: str) -> World:
    return make_world(database_url)


def _item(world: World, kind: str, needle: str) -> LedgerItem:
    with session_scope(world.url) as s:
        for item in s.scalars(select(LedgerItem).where(LedgerItem.kind == kind)):
            if needle in item.name:
                s.expunge(item)
                return item
    raise AssertionError(f"no {kind} item with {needle!r}")


def _actor(world: World, name: str) -> Actor:
    return Actor(world.users[name], name)


def test_acknowledging_takes_the_item_and_the_author_sees_the_read_back(world: World) -> None:
    hid = world.publish("Amir", session_timeout_wrap())
    ping = _item(world, "action", "ping James")
    world.clock.advance(hours=8)
    with session_scope(world.url) as s:
        box = inbox(s, world.user("lars"))
        assert [e["item"]["id"] for e in box["to_acknowledge"]] == [ping.id]
        done = actions.acknowledge(
            s,
            ping.id,
            team=TEAM,
            user=world.user("lars"),
            actor=_actor(world, "lars"),
            now=world.clock.now,
            read_back="ping James at 17:00 London if PR #1842 has no review",
        )
    assert done.detail["seconds_to_acknowledge"] == 8 * 3600
    with session_scope(world.url) as s:
        view = read_item(s, ping.id, team=TEAM)
        assert view.owner == "Lars"
        assert view.events[-1].text.startswith("Lars acknowledged: ping James at 17:00")
        acks = acknowledgments(s, hid)
        [entry] = [i for i in acks["items"] if i["item_id"] == ping.id]
        assert entry["acknowledgments"][0]["read_back"].startswith("ping James at 17:00")
        assert entry["seconds_to_acknowledge"] == 8 * 3600
        assert acks["seconds_to_acknowledge"] == 8 * 3600
        assert inbox(s, world.user("lars"))["to_acknowledge"] == []


def test_a_read_back_is_one_line(world: World) -> None:
    world.publish("Amir", session_timeout_wrap())
    ping = _item(world, "action", "ping James")
    with session_scope(world.url) as s, pytest.raises(Exception, match="one line"):
        actions.acknowledge(
            s,
            ping.id,
            team=TEAM,
            user=world.user("lars"),
            actor=_actor(world, "lars"),
            now=world.clock.now,
            read_back="two\nlines",
        )


def test_a_later_handoff_that_moves_an_acknowledged_item_shows_as_changed(world: World) -> None:
    world.publish("Amir", session_timeout_wrap())
    ping = _item(world, "action", "ping James")
    with session_scope(world.url) as s:
        actions.acknowledge(
            s,
            ping.id,
            team=TEAM,
            user=world.user("lars"),
            actor=_actor(world, "lars"),
            now=world.clock.now,
        )
    world.clock.advance(days=1)
    with session_scope(world.url) as s:
        assert inbox(s, world.user("lars"))["changed"] == []
    world.publish(
        "Amir", wrap(next_actions=[NextAction(action="ping James about PR #1842", owner="Lars")])
    )
    with session_scope(world.url) as s:
        [changed] = inbox(s, world.user("lars"))["changed"]
        assert changed["item"]["id"] == ping.id
        assert changed["changed_since_acknowledged"][0]["author"] == "Amir"


def test_not_mine_passes_it_to_whom_they_name(world: World) -> None:
    world.publish("Amir", session_timeout_wrap())
    ping = _item(world, "action", "ping James")
    with session_scope(world.url) as s:
        done = actions.not_mine(
            s,
            ping.id,
            team=TEAM,
            user=world.user("lars"),
            belongs_to="Sarah",
            actor=_actor(world, "lars"),
            links=LINKS,
            now=world.clock.now,
        )
        assert done.detail["user_id"] == world.users["sarah"]
        assert inbox(s, world.user("lars"))["to_acknowledge"] == []
        [handed] = inbox(s, world.user("sarah"))["to_acknowledge"]
        assert handed["item"]["owner"] == "Sarah"


def test_a_lead_names_who_can_clear_and_the_blocker_is_routed_again(world: World) -> None:
    world.publish("Amir", session_timeout_wrap())
    vpn = _item(world, "blocker", "VPN")
    with session_scope(world.url) as s:
        assert [e["item"]["id"] for e in inbox(s, world.user("lena"))["who_can_clear"]] == [vpn.id]
        actions.reassign(
            s,
            vpn.id,
            team=TEAM,
            user=world.user("lena"),
            to="Lars",
            actor=_actor(world, "lena"),
            links=LINKS,
            now=world.clock.now,
        )
        assert inbox(s, world.user("lena"))["who_can_clear"] == []
        [routed] = inbox(s, world.user("lars"))["blockers"]
        assert routed["item"]["needed_from"] == "Lars"
        kinds = {
            r.kind
            for r in s.scalars(select(OutboxRow).where(OutboxRow.user_id == world.users["lars"]))
        }
        assert "blocker_routed" in kinds


def test_resolving_records_the_note_tells_the_raiser_and_logs_the_decision(world: World) -> None:
    world.publish("Amir", session_timeout_wrap())
    blocker = _item(world, "blocker", "session timeout")
    world.clock.advance(hours=2)
    with session_scope(world.url) as s, pytest.raises(Forbidden):
        actions.resolve(
            s,
            blocker.id,
            team=TEAM,
            user=world.user("lars"),
            note="no",
            actor=_actor(world, "lars"),
            links=LINKS,
            now=world.clock.now,
        )
    with session_scope(world.url) as s:
        done = actions.resolve(
            s,
            blocker.id,
            team=TEAM,
            user=world.user("sarah"),
            note="Approved. Sarah decided: 12 hours",
            actor=_actor(world, "sarah"),
            links=LINKS,
            now=world.clock.now,
        )
    assert done.detail["notified"] == world.users["amir"]
    with session_scope(world.url) as s:
        view = read_item(s, blocker.id, team=TEAM)
        assert (view.state, view.resolved_by) == ("resolved", "Sarah")
        assert view.resolution_quote == "Approved. Sarah decided: 12 hours"
        decision = read_item(s, done.detail["decision_id"], team=TEAM)
        assert decision.kind == "decision" and decision.name.endswith(": 12 hours")
        told = s.scalars(select(OutboxRow).where(OutboxRow.kind == "blocker_resolved")).all()
        assert {r.user_id for r in told} == {world.users["amir"]}
        assert "Approved" in told[0].message["text"]
        assert inbox(s, world.user("sarah"))["blockers"] == []


def test_decisions_are_read_from_notes() -> None:
    assert actions.decision_in("approved, decided: 12 hours.") == "12 hours"
    assert actions.decision_in("approved, 12 h") is None


def test_a_full_ledger_rebuild_keeps_what_people_did_in_the_app(world: World) -> None:
    """Acknowledgments and resolutions are not in any declaration: a rebuild must not drop them."""
    world.publish("Amir", session_timeout_wrap())
    ping = _item(world, "action", "ping James")
    with session_scope(world.url) as s:
        actions.acknowledge(
            s,
            ping.id,
            team=TEAM,
            user=world.user("lars"),
            actor=_actor(world, "lars"),
            now=world.clock.now,
            read_back="ping James at five",
        )
    from handoff.ledger import Ledger

    Ledger().rebuild(world.store, team=TEAM)
    with session_scope(world.url) as s:
        view = read_item(s, ping.id, team=TEAM)
        assert view.owner == "Lars"
        assert view.events[-1].text.startswith("Lars acknowledged: ping James at five")
