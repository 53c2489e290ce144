"""Reading questions phrased the ways people ask them: intent and subject."""

from __future__ import annotations

from datetime import datetime

import pytest

from search.question import understand

AS_OF = datetime.fromisoformat("2026-11-12T12:00:00+00:00")
PEOPLE = ["Priya", "Dmitri", "Marta"]


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("what did we pick for the queue library and why?", "decisions"),
        ("which broker did we go with?", "decisions"),
        ("did we opt for Postgres in the end?", "decisions"),
        ("who picked up the billing export?", "owner"),
        ("is Priya around on Monday?", "returns"),
        ("will Dmitri be available tomorrow?", "returns"),
        ("when was the replica restored?", "blockers"),
        ("when did the VPN request come through?", "blockers"),
        ("is the replica in review?", "status"),
        # Whoever can make it happen, not who owns it.
        ("who has to approve the vendor contract?", "who_can"),
        ("who can grant the bucket access?", "who_can"),
        # A person's next actions, not their work in flight.
        ("what is Marta doing next?", "next"),
        ("what's next for Priya?", "next"),
        # A setting someone decided, and why an option went.
        ("how long do the cache entries live?", "decisions"),
        ("why aren't we on Kafka any more?", "decisions"),
        # "the returns portal" is a thing, not someone's return.
        ("who owns the returns portal?", "owner"),
        ("when's Dmitri back?", "returns"),
        # A rule or schedule someone decided, asked about what it does.
        ("where do the billing reminders go?", "decisions"),
        ("how are the nightly exports stored?", "decisions"),
        ("does the payout file go out by SFTP?", "decisions"),
        ("when is the payout file sent?", "decisions"),
        ("when did the payout file ship?", "shipped"),
        ("why won't we build the reminder widget?", "decisions"),
        ("which queue broker are we using?", "decisions"),
        ("are we on Redis or Memcached?", "decisions"),
    ],
)
def test_intent(text: str, intent: str) -> None:
    assert understand(text, people=PEOPLE, as_of=AS_OF).intent == intent


def test_question_verbs_are_not_the_subject() -> None:
    q = understand("when was the staging replica restored?", people=PEOPLE, as_of=AS_OF)
    assert q.subject_text == "staging replica"
    q = understand("what did we pick for data quality checks?", people=PEOPLE, as_of=AS_OF)
    assert "pick" not in q.subject_text and "quality" in q.subject_text


@pytest.mark.parametrize("text", ["is it out yet?", "is the fix out?"])
def test_availability_needs_a_name(text: str) -> None:
    assert understand(text, people=PEOPLE, as_of=AS_OF).intent != "returns"


def test_a_hyphenated_name_is_a_person_not_subject_words() -> None:
    q = understand("what is Seo-yeon doing next?", people=["Seo-yeon"], as_of=AS_OF)
    assert q.people == ("Seo-yeon",) and not q.subject
    q = understand("who can sign off the retention settings?", people=PEOPLE, as_of=AS_OF)
    assert q.intent == "who_can"  # "sign off" is an approval, not someone away


@pytest.mark.parametrize(
    "text",
    [
        "What's stopping the kiln delivery?",
        "What was preventing the audit on Monday?",
        "What's the hold-up on the ferry timetable?",
    ],
)
def test_what_stops_work_asks_for_its_blockers(text: str) -> None:
    assert understand(text, people=PEOPLE, as_of=AS_OF).intent == "blockers"


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        # "off" before a thing says where from, not someone away
        ("If we needed a dump off the old replica: who could take it?", "who_can"),
        ("Is Priya off this week?", "returns"),
        ("Whose job is the pager rota at this point?", "owner"),
        ("Whose responsibility is the vendor audit?", "owner"),
        ("What's on Dmitri's plate next?", "next"),
    ],
)
def test_intent_in_looser_words(text: str, intent: str) -> None:
    assert understand(text, people=PEOPLE, as_of=AS_OF).intent == intent


@pytest.mark.parametrize(
    ("text", "subject"),
    [
        ("What's the Kafka upgrade stuck behind right now?", "kafka upgrade"),
        ("Who is supposed to sort it out for the billing export?", "billing export"),
        ("Whose job is the pager rota at this point?", "pager rota"),
        ("How are we doing log shipping these days?", "log shipping"),
    ],
)
def test_asides_of_time_and_manner_are_not_the_subject(text: str, subject: str) -> None:
    assert understand(text, people=PEOPLE, as_of=AS_OF).subject_text == subject
