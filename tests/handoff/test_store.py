"""The system of record on SQLite and on the real PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from handoff.declaration import Blocker, Declaration, InFlightItem
from handoff.errors import ConflictError, InvalidInput, NotFound, PublishRefused
from handoff.store import HandoffStore

SGT = timezone(timedelta(hours=8))


def complete_declaration() -> Declaration:
    return Declaration(
        in_flight=[InFlightItem(item="auth-session-refresh", status="in_progress")],
        blockers=[Blocker(description="session timeout undecided", needed_from="Sarah")],
        returns_at="tomorrow 9am SGT",
        stated_empty=["shipped", "decisions", "next_actions"],
    )


def test_create_keeps_team_source_and_utc_time(database_url: str) -> None:
    store = HandoffStore(database_url)
    when = datetime(2026, 11, 19, 18, 0, tzinfo=SGT)
    h = store.create(
        team="payments",
        author="Maya",
        recorded_at=when,
        source_kind="text",
        source_text="raw words, kept as given",
        declaration=complete_declaration(),
    )
    got = store.get(h.id, team="payments")
    assert got.recorded_at == when  # same instant
    assert got.recorded_at.utcoffset() == timedelta(0)
    assert got.source_text == "raw words, kept as given"
    assert got.draft == got.declaration
    assert got.declaration.team == "payments"
    assert got.status == "draft"


def test_queries_are_scoped_by_team(database_url: str) -> None:
    store = HandoffStore(database_url)
    a = store.create(team="a", author="x", recorded_at=None, source_kind="text", source_text="t")
    store.create(team="b", author="y", recorded_at=None, source_kind="text", source_text="t")
    with pytest.raises(NotFound):
        store.get(a.id, team="b")
    assert [h.team for h in store.list(team="a")] == ["a"]
    assert store.count(team="b") == 1


def test_publish_refused_while_missing_then_forced_with_reason(database_url: str) -> None:
    store = HandoffStore(database_url)
    h = store.create(
        team="t",
        author="x",
        recorded_at=None,
        source_kind="text",
        source_text="t",
        declaration=Declaration(returns_at="Monday"),
    )
    with pytest.raises(PublishRefused) as err:
        store.publish(h.id)
    assert {f.field for f in err.value.missing} >= {"shipped", "blockers"}
    assert store.get(h.id).status == "draft"
    published = store.publish(h.id, actor="lead", force_reason="author is on leave")
    assert published.status == "published"
    assert published.force_reason == "author is on leave"
    trail = store.audit_trail(h.id)
    assert trail[-1]["action"] == "published"
    assert trail[-1]["detail"]["reason"] == "author is on leave"
    assert trail[-1]["actor"] == "lead"


def test_edit_validates_recomputes_flags_and_audits(database_url: str) -> None:
    store = HandoffStore(database_url)
    decl = complete_declaration()
    decl.blockers = [Blocker(description="VPN request pending")]
    h = store.create(
        team="t",
        author="x",
        recorded_at=None,
        source_kind="text",
        source_text="t",
        declaration=decl,
    )
    assert [f.field for f in h.declaration.missing] == ["blockers[0].needed_from"]
    with pytest.raises(InvalidInput):
        store.edit(h.id, {"blockers": [{"description": 5}]}, actor="rev")
    with pytest.raises(InvalidInput):
        store.edit(h.id, {"missing": []}, actor="rev")
    assert store.get(h.id).declaration == h.declaration  # bad input changed nothing
    edited = store.edit(
        h.id,
        {"blockers": [{"description": "VPN request pending", "needed_from": "Priya"}]},
        actor="rev",
    )
    assert edited.declaration.missing == []
    assert edited.draft == h.draft  # the draft as extracted is kept
    change = store.audit_trail(h.id)[-1]
    assert change["action"] == "edited" and change["actor"] == "rev"
    assert "blockers" in change["detail"]["changes"]
    # Clearing a part is a statement that it is empty, not silence.
    cleared = store.edit(h.id, {"blockers": []}, actor="rev")
    assert "blockers" in cleared.declaration.stated_empty
    assert cleared.declaration.missing == []


def test_lifecycle_transitions(database_url: str) -> None:
    store = HandoffStore(database_url)
    h = store.create(
        team="t",
        author="x",
        recorded_at=datetime.now(UTC),
        source_kind="text",
        source_text="t",
        declaration=complete_declaration(),
    )
    with pytest.raises(ConflictError):
        store.acknowledge(h.id, by="night shift")
    store.publish(h.id)
    with pytest.raises(ConflictError):
        store.publish(h.id)
    acked = store.acknowledge(h.id, by="Ines")
    assert acked.status == "acknowledged" and acked.acknowledged_by == "Ines"
    assert [h.id for h in store.iter_published(team="t")] == [h.id]
    store.unpublish(h.id)
    assert list(store.iter_published(team="t")) == []


def test_naive_times_are_refused(database_url: str) -> None:
    store = HandoffStore(database_url)
    with pytest.raises(Exception, match="naive"):
        store.create(team="t", author="x", recorded_at=datetime(2026, 1, 1), source_kind="text")
    assert store.count() == 0
