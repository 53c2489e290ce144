"""Grounding: what a model says is kept only when the transcript supports it, and every check
that fires is counted."""

from __future__ import annotations

from datetime import UTC, datetime

from handoff.declaration import PART_BY_NAME, Declaration, InFlightItem
from ingest.text import transcript_from_text
from summarizer.base import ExtractionContext
from summarizer.grounding import Grounding, said
from summarizer.llm import LLMBlocker, LLMDecision, LLMInFlight, LLMNextAction

WRAP = (
    "We decided to keep Postgres for the ledger because the team already runs it. "
    "The export job is half done. "
    "The billing migration is blocked on the staging credentials, only Priya can grant them. "
    "Someone should update the runbook."
)
CONTEXT = ExtractionContext(
    author="Lena", team="core", recorded_at=datetime(2026, 12, 4, tzinfo=UTC)
)


def check(offline: Declaration | None = None) -> Grounding:
    return Grounding(transcript_from_text(WRAP), CONTEXT, offline=offline)


def test_a_rationale_the_wrap_never_gave_is_dropped_and_counted() -> None:
    g = check()
    invented = LLMDecision(
        decision="keep Postgres for the ledger",
        rationale="better maintainability and performance",
        quote="We decided to keep Postgres for the ledger",
    )
    given = invented.model_copy(update={"rationale": "the team already runs it"})
    assert g.item(PART_BY_NAME["decisions"], invented).rationale is None  # type: ignore[union-attr]
    assert g.item(PART_BY_NAME["decisions"], given).rationale == "the team already runs it"  # type: ignore[union-attr]
    assert g.fired["rationale_unsupported"] == 1


def test_a_status_needs_a_cue_or_the_offline_readers_agreement() -> None:
    g = check()
    done = LLMInFlight(item="export job", status="done", quote="The export job is half done.")
    review = LLMInFlight(
        item="export job", status="in_review", quote="The export job is half done."
    )
    blocked = LLMInFlight(
        item="billing migration", status="blocked", quote="The billing migration is blocked"
    )
    assert g.item(PART_BY_NAME["in_flight"], done).status == "in_progress"  # type: ignore[union-attr]
    assert g.item(PART_BY_NAME["in_flight"], review).status == "in_progress"  # type: ignore[union-attr]
    assert g.item(PART_BY_NAME["in_flight"], blocked).status == "blocked"  # type: ignore[union-attr]
    assert g.fired["status_unsupported"] == 2
    offline = Declaration(in_flight=[InFlightItem(item="the export job", status="in_review")])
    agreed = check(offline).item(PART_BY_NAME["in_flight"], review)
    assert agreed.status == "in_review"  # type: ignore[union-attr]


def test_people_the_wrap_does_not_name_are_dropped() -> None:
    g = check()
    named = LLMBlocker(
        description="staging credentials",
        needed_from="Priya",
        quote="blocked on the staging credentials, only Priya can grant them",
    )
    invented = named.model_copy(update={"needed_from": "Marcus"})
    assert g.item(PART_BY_NAME["blockers"], named).needed_from == "Priya"  # type: ignore[union-attr]
    assert g.item(PART_BY_NAME["blockers"], invented).needed_from is None  # type: ignore[union-attr]
    unowned = LLMNextAction(
        action="update the runbook", owner="someone", quote="update the runbook"
    )
    assert g.item(PART_BY_NAME["next_actions"], unowned).owner is None  # type: ignore[union-attr]
    assert g.fired["resolver_unnamed"] == 1 and g.fired["owner_unnamed"] == 0


def test_an_item_its_quote_does_not_support_is_dropped() -> None:
    g = check()
    wrong = LLMNextAction(action="I'll take the pager", quote="Someone should update the runbook.")
    missing = LLMNextAction(action="update the runbook", quote="Priya will rewrite the runbook")
    assert g.item(PART_BY_NAME["next_actions"], wrong) is None
    assert g.item(PART_BY_NAME["next_actions"], missing) is None
    assert g.fired["text_unsupported"] == 1 and g.fired["quote_not_found"] == 1


def test_said_matches_word_forms_and_refuses_other_words() -> None:
    assert said("migrating the tables", "the migration of the tables is slow")
    assert not said("maintainability", "the team already runs it")
    assert not said("", "anything")
