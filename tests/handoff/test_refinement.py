"""Refinement rows (`handoff.refinement`) on SQLite and PostgreSQL: the LLM's draft replaces only
an untouched draft, recording progress never bumps the handoff's version, and a deleted handoff
takes its refinement with it."""

from __future__ import annotations

from handoff.declaration import Declaration, NextAction
from handoff.refinement import Refinements
from handoff.store import HandoffStore


def _store(database_url: str) -> tuple[HandoffStore, Refinements]:
    store = HandoffStore(database_url)
    return store, Refinements(store)


def _draft(store: HandoffStore) -> str:
    offline = Declaration(extractor="offline", stated_empty=["shipped"])
    return store.create(
        team="t", author="Jonas", recorded_at=None, source_kind="text", declaration=offline
    ).id


LLM = Declaration(
    extractor="llm:test",
    next_actions=[NextAction(action="write the test plan", owner="Jonas")],
)


def test_an_untouched_draft_is_replaced(database_url: str) -> None:
    store, refinements = _store(database_url)
    hid = _draft(store)
    base = store.get(hid).version
    refinements.begin(hid, team="t", base_version=base, model="llm:test")
    assert store.get(hid).version == base  # noting progress is not a change of the handoff
    done = refinements.finish(hid, LLM, {"count": 1}, actor="system")
    assert done is not None and done.state == "refined" and done.changes == {"count": 1}
    after = store.get(hid)
    assert after.declaration is not None and after.declaration.extractor == "llm:test"
    assert after.draft is not None and after.draft.next_actions[0].owner == "Jonas"
    assert done.result_version == after.version > base
    # a second answer for the same refinement changes nothing
    assert refinements.finish(hid, Declaration(), {}, actor="system") is None
    assert store.audit_trail(hid)[-1]["detail"] == {"extractor": "llm:test"}


def test_an_edited_draft_keeps_the_edit_and_gets_a_suggestion(database_url: str) -> None:
    store, refinements = _store(database_url)
    hid = _draft(store)
    refinements.begin(hid, team="t", base_version=store.get(hid).version, model="llm:test")
    edited = store.edit(hid, {"returns_at": "Friday"}, actor="Maya")
    done = refinements.finish(hid, LLM, {"count": 1}, actor="system")
    assert done is not None and done.state == "suggested"
    assert done.suggestion is not None and done.suggestion.extractor == "llm:test"
    after = store.get(hid)
    assert after.version == edited.version
    assert after.declaration is not None and after.declaration.returns_at == "Friday"
    refinements.applied_parts(hid, ["next_actions"])
    both = refinements.applied_parts(hid, ["returns_at", "next_actions"])
    assert both is not None and both.applied == ("next_actions", "returns_at")


def test_settling_publishing_and_deleting(database_url: str) -> None:
    store, refinements = _store(database_url)
    hid = _draft(store)
    refinements.begin(hid, team="t", base_version=store.get(hid).version, model="llm:test")
    failed = refinements.settle(hid, "refine_failed", error="The LLM timed out.")
    assert failed is not None and failed.state == "refine_failed" and failed.finished_at
    assert refinements.settle(hid, "cancelled", error="late") is None  # already settled
    assert refinements.finish(hid, LLM, {}, actor="system") is None

    published = _draft(store)
    refinements.begin(
        published, team="t", base_version=store.get(published).version, model="llm:test"
    )
    store.publish(published, force_reason="test")
    done = refinements.finish(published, LLM, {"count": 1}, actor="system")
    assert done is not None and done.state == "cancelled"
    kept = store.get(published).declaration
    assert kept is not None and kept.extractor == "offline"

    store.delete(published)
    assert refinements.get(published) is None  # deleted with its handoff
    refinements.forget(hid)
    assert refinements.get(hid) is None
