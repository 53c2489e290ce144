"""Routing on publish: blockers to who can clear them, unknown resolvers to the leads, next
actions to their owners; the outbox written in the publish's transaction, or not at all."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from handoff.db import session_scope
from handoff.protocol.models import Assignment, OutboxRow
from tests.handoff.protocol_support import World, make_world, session_timeout_wrap, wrap


@pytest.fixture
def world(database_url: str) -> World:
    return make_world(database_url)


def _rows(world: World) -> list[OutboxRow]:
    with session_scope(world.url) as s:
        return list(s.scalars(select(OutboxRow).order_by(OutboxRow.id)))


def _assignments(world: World) -> list[Assignment]:
    with session_scope(world.url) as s:
        return list(s.scalars(select(Assignment).order_by(Assignment.id)))


def test_a_blocker_reaches_who_can_clear_it_with_its_context(world: World) -> None:
    hid = world.publish("Amir", session_timeout_wrap())
    sarah = world.users["sarah"]
    mine = [r for r in _rows(world) if r.user_id == sarah]
    assert sorted((r.channel, r.address) for r in mine) == [
        ("email", "sarah@example.com"),
        ("inapp", sarah),
        ("slack", "U0SARAH"),
    ]
    msg = mine[0].message
    assert msg["kind"] == "blocker_routed" and mine[0].handoff_id == hid
    assert "session timeout" in msg["text"] and "Raised by: Amir" in msg["text"]
    assert "Blocked: auth-session-refresh" in msg["text"]
    assert "Since: Fri 20 Nov 18:00 +08" in msg["text"]  # in Sarah's time zone (Singapore)
    assert msg["data"]["clip"].startswith(f"http://app.test/handoffs/{hid}")
    assert [a[0] for a in msg["actions"]] == ["Acknowledge", "Resolve", "Not mine"]
    assert len({r.key for r in _rows(world)}) == len(_rows(world))  # one key per row


def test_an_unknown_resolver_goes_to_the_leads_and_actions_to_their_owner(world: World) -> None:
    world.publish("Amir", session_timeout_wrap())
    by_reason = {(a.reason, a.user_id) for a in _assignments(world)}
    assert ("who_can_clear", world.users["lena"]) in by_reason
    assert ("action", world.users["lars"]) in by_reason
    assert not any(a.user_id == world.users["amir"] for a in _assignments(world))
    [question] = [r for r in _rows(world) if r.kind == "who_can_clear"]
    assert "Dana from IT" in question.message["text"]


def test_mentioning_a_blocker_again_does_not_route_it_twice(world: World) -> None:
    world.publish("Amir", session_timeout_wrap())
    before = len(_rows(world))
    world.clock.advance(days=1)
    world.publish("Amir", session_timeout_wrap())
    assert len(_rows(world)) == before


def test_a_publish_that_fails_after_routing_rolls_its_notifications_back(world: World) -> None:
    def boom(session: object, event: str, handoff: object) -> None:
        if event == "published":
            raise RuntimeError("the index went away")

    world.store.hooks.append(boom)
    h = world.store.create(
        team="core",
        author="Amir",
        source_kind="text",
        source_text="w",
        recorded_at=world.clock.now,
        declaration=session_timeout_wrap(),
    )
    with pytest.raises(RuntimeError):
        world.store.publish(h.id, actor="Amir", force_reason="test")
    assert _rows(world) == [] and _assignments(world) == []
    world.store.hooks.pop()
    world.store.publish(h.id, actor="Amir", force_reason="test")
    assert _rows(world)


def test_unpublishing_withdraws_what_was_not_sent_yet(world: World) -> None:
    hid = world.publish("Amir", session_timeout_wrap())
    world.store.unpublish(hid, actor="Amir")
    rows = _rows(world)
    assert rows and {r.status for r in rows} == {"cancelled"}
    assert all(a.closed_at is not None for a in _assignments(world))


def test_an_edit_that_adds_a_blocker_routes_it(world: World) -> None:
    from handoff.declaration import Blocker

    hid = world.publish("Amir", session_timeout_wrap())
    before = {(a.item_id, a.user_id) for a in _assignments(world)}
    decl = session_timeout_wrap()
    blockers = [b.model_dump() for b in decl.blockers]
    extra = Blocker(description="legal sign-off on the refund terms", needed_from="Lars")
    world.store.edit(hid, {"blockers": [*blockers, extra.model_dump()]})
    after = {(a.item_id, a.user_id) for a in _assignments(world)}
    [(_, user)] = after - before
    assert user == world.users["lars"]


def test_publishing_again_after_unpublishing_notifies_again(world: World) -> None:
    hid = world.publish("Amir", session_timeout_wrap())
    world.store.unpublish(hid, actor="Amir")
    world.store.publish(hid, actor="Amir", force_reason="test")
    rows = _rows(world)
    assert {r.status for r in rows} == {"pending"}
    assert len({r.key for r in rows}) == len(rows)


def test_deleting_a_handoff_deletes_its_notifications_and_routings(world: World) -> None:
    hid = world.publish("Amir", session_timeout_wrap())
    assert _rows(world) and _assignments(world)
    world.store.delete(hid)
    assert _rows(world) == [] and _assignments(world) == []


def test_handed_over_work_reaches_its_new_owner(world: World) -> None:
    from handoff.declaration import InFlightItem

    world.publish("Amir", wrap(in_flight=[InFlightItem(item="invoice exporter", owner="Amir")]))
    world.clock.advance(days=1)
    world.publish("Amir", wrap(), text="I'm passing the invoice exporter to Lars from tomorrow.")
    [handed] = [a for a in _assignments(world) if a.reason == "handover"]
    assert handed.user_id == world.users["lars"]
    [note] = [r for r in _rows(world) if r.kind == "handed_over" and r.channel == "inapp"]
    assert "invoice exporter" in note.message["text"]
