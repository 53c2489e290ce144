"""The differences between the offline draft and the LLM's (`summarizer.diff`)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from handoff.declaration import PART_BY_NAME, Declaration
from handoff.missing import with_flags
from summarizer.diff import diff_drafts, pair_items


def _ev(quote: str) -> list[dict[str, Any]]:
    return [{"quote": quote}]


def _decl(**parts: Any) -> Declaration:
    return with_flags(Declaration.model_validate({"author": "Jonas", **parts}))


def _item(part_text: str, text: str, quote: str, **fields: Any) -> dict[str, Any]:
    return {part_text: text, "evidence": _ev(quote), **fields}


BUCKETS = "We chose token buckets"
WHY = "global limits punished small tenants"
WED_8AM = datetime(2026, 11, 18, 8, tzinfo=UTC)

OFFLINE = _decl(
    shipped=[_item("summary", "rate limiter", "Shipped the rate limiter", refs=["#5120"])],
    in_flight=[
        _item("item", "SSO integration", "The SSO integration is blocked", status="in_progress"),
        _item("item", "billing export", "billing export is halfway", status="in_progress"),
    ],
    decisions=[_item("decision", "token buckets", BUCKETS, rationale=None)],
    blockers=[_item("description", "IdP metadata", "only Petra can send the IdP metadata")],
    next_actions=[],
    returns_at="Wednesday 8am",
    returns_at_iso=WED_8AM,
)

LLM = _decl(
    shipped=[
        _item("summary", "Rate limiter shipped", "Shipped the rate limiter, PR #5120.",
              refs=["#5120"])
    ],
    in_flight=[
        _item("item", "SSO integration work", "The SSO integration is blocked", status="blocked")
    ],
    decisions=[
        _item("decision", "use token buckets", f"{BUCKETS} because {WHY}", rationale=WHY)
    ],
    blockers=[
        _item("description", "waiting for the IdP metadata",
              "only Petra can send the IdP metadata", needed_from="Petra")
    ],
    next_actions=[
        _item("action", "write the SSO test plan", "Next I'll write the SSO test plan",
              owner="Jonas")
    ],
    returns_at="Back Wednesday 8am",
    returns_at_iso=WED_8AM,
)  # fmt: skip


def _by(changes: dict[str, Any], part: str) -> list[dict[str, Any]]:
    return [c for c in changes["items"] if c["part"] == part]


def test_items_added_removed_and_changed_field_by_field() -> None:
    changes = diff_drafts(OFFLINE, LLM).to_json()
    # reworded but the same item, same fields: no change reported
    assert _by(changes, "shipped") == []
    [status, removed] = _by(changes, "in_flight")
    assert status["change"] == "changed" and status["offline_index"] == 0
    assert status["llm_index"] == 0 and status["text"] == "SSO integration work"
    assert status["offline_text"] == "SSO integration"
    assert status["fields"] == [{"field": "status", "offline": "in_progress", "llm": "blocked"}]
    assert removed == {
        "part": "in_flight",
        "change": "removed",
        "text": "billing export",
        "offline_index": 1,
        "llm_index": None,
        "offline_text": None,
        "fields": [],
    }
    [rationale] = _by(changes, "decisions")
    assert rationale["fields"] == [
        {"field": "rationale", "offline": None, "llm": "global limits punished small tenants"}
    ]
    [owner] = _by(changes, "blockers")
    assert owner["fields"] == [{"field": "needed_from", "offline": None, "llm": "Petra"}]
    [added] = _by(changes, "next_actions")
    assert added["change"] == "added" and added["llm_index"] == 0
    assert added["text"] == "write the SSO test plan"
    # the same moment said in other words is no change
    assert changes["returns_at"] == []


def test_missing_flags_resolved_and_raised_through_the_pairing() -> None:
    changes = diff_drafts(OFFLINE, LLM).to_json()
    resolved = {f["field"] for f in changes["missing"]["resolved"]}
    # offline: the decision lacked its reason, the blocker its resolver, nothing said what's next
    assert resolved == {"decisions[0].rationale", "blockers[0].needed_from", "next_actions"}
    assert changes["missing"]["raised"] == []
    assert changes["count"] == len(changes["items"]) + 3

    back = diff_drafts(LLM, OFFLINE).to_json()  # the other way round, flags are raised
    assert {f["field"] for f in back["missing"]["raised"]} == resolved
    assert {c["change"] for c in _by(back, "in_flight")} == {"changed", "added"}


def test_a_moved_flag_is_not_a_change() -> None:
    """The flagged blocker is first in one draft and second in the other: same flag."""
    flagged = {"description": "IdP metadata", "evidence": _ev("the IdP metadata")}
    other = {"description": "staging access", "needed_from": "Ops", "evidence": _ev("staging")}
    a = _decl(blockers=[flagged, other])
    b = _decl(blockers=[other, flagged])
    changes = diff_drafts(a, b).to_json()
    assert changes["items"] == []
    assert changes["missing"] == {"resolved": [], "raised": []}
    assert changes["count"] == 0


def test_return_time_and_stated_empty_changes() -> None:
    a = _decl(returns_at="tomorrow", blockers=[], stated_empty=["blockers"])
    b = _decl(
        returns_at="Thursday 9am",
        returns_at_iso=datetime(2026, 11, 19, 9, tzinfo=UTC),
        blockers=[],
    )
    changes = diff_drafts(a, b).to_json()
    assert changes["returns_at"] == [
        {"field": "returns_at", "offline": "tomorrow", "llm": "Thursday 9am"},
        {"field": "returns_at_iso", "offline": None, "llm": "2026-11-19T09:00:00+00:00"},
    ]
    assert changes["stated_empty"] == [
        {"field": "stated_empty", "offline": ["blockers"], "llm": []}
    ]
    assert {f["field"] for f in changes["missing"]["raised"]} == {"blockers"}


def test_pairing_prefers_shared_evidence_and_leaves_strangers_apart() -> None:
    part = PART_BY_NAME["in_flight"]
    decl_a = _decl(
        in_flight=[
            _item("item", "auth", "auth-session-refresh in progress"),
            _item("item", "docs site", "docs site rebuild"),
        ]
    )
    decl_b = _decl(
        in_flight=[
            _item("item", "session refresh", "auth-session-refresh in progress, about 40%"),
            _item("item", "quarterly report", "the quarterly report"),
        ]
    )
    assert pair_items(part, part.items(decl_a), part.items(decl_b)) == {0: 0}
