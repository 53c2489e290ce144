"""Offline extraction of wraps phrased loosely: absences without a subject, "picked up" as the
start of work rather than a decision, and a blocker that names what is needed."""

from __future__ import annotations

from tests.summarizer.test_offline import run


def test_subjectless_absence_is_not_a_decision_or_an_action() -> None:
    d = run(
        "Decision: we're switching the store to SQLite, because Realm's encryption falls short. "
        "Out Monday, back Tuesday 9am CET.",
    )
    assert [x.decision for x in d.decisions] == ["we're switching the store to SQLite"]
    assert d.returns_at == "Tuesday 9am CET"
    d = run(
        "Next: the design doc. I'm out Wednesday and Thursday, back Friday 9am CET.",
    )
    assert [a.action for a in d.next_actions] == ["the design doc"]


def test_picked_up_starts_work() -> None:
    d = run(
        "Picked up the data quality checks, DATA-95, in progress. Decision: we're going with "
        "Great Expectations rather than Soda because the team already knows it.",
    )
    assert [i.item for i in d.in_flight] == ["data quality checks"]
    assert len(d.decisions) == 1 and d.decisions[0].rationale == "the team already knows it"


def test_blocker_that_names_what_is_needed_attaches_to_the_work() -> None:
    d = run(
        "Started on the revenue models, in progress. Blocked: need finance's sign-off on the "
        "revenue definition, waiting on Marta.",
    )
    assert [i.item for i in d.in_flight] == ["revenue models"]
    assert d.in_flight[0].status == "blocked"
    assert d.blockers[0].item == "revenue models" and d.blockers[0].needed_from == "Marta"


def test_a_change_of_plan_header_keeps_the_decision_and_its_subject() -> None:
    d = run(
        "Change of plan on the A/B test: we'll stop it after one week, because marketing needs "
        "the result before the campaign."
    )
    assert len(d.decisions) == 1
    assert (
        d.decisions[0].decision == "we'll stop it after one week (change of plan on the A/B test)"
    )
    assert d.decisions[0].rationale == "marketing needs the result before the campaign"
