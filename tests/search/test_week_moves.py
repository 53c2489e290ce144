"""A second week of wraps, in other words than `test_week.py`: hand-overs said as "taken X over
from Y", "Y handed me X", "X is mine now" and "from Monday Z owns X"; a blocker that "has moved
on" to the only person who can clear it, continued with "so it waits on Z now", and cleared by
that person doing it ("Z opened the port"); decisions stated under a label, reversed with "after
all" (a reason after the colon), and only the decision a reversal is about replaced; a decided
schedule asked with "when is ..."; a date in a question that is when, not what."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from api.usecases import lifecycle, posting, questions

TEAM = "scanning"
WRAPS = [
    (
        "Odile",
        "2026-11-16T17:00:00+00:00",
        "Odile, Monday. The page deskewer is in progress. The archive upload is blocked: the "
        "vault's firewall drops our uploads, and only Piet Wouters, the vault's admin, can open "
        "the port. Decision on colour profiles: we keep sRGB rather than Adobe RGB, because the "
        "viewer only renders sRGB. Two decisions: OCR runs overnight, because the scanners are "
        "idle then. And we'll build a progress dashboard, because curators keep asking. I'm "
        "handing the spine detector to Ravi; he owns it from tomorrow. Back Tuesday 9.",
    ),
    (
        "Ravi",
        "2026-11-17T17:00:00+00:00",
        "Ravi. I've taken the page deskewer over from Odile, she's moved to the catalogue "
        "import, so the deskewer is mine now. The archive upload has moved on: Piet says the "
        "port belongs to the campus network office, and only Greta Holm there can open ports. "
        "So it waits on Greta now. Decision: the derivative images are generated at 03:00 "
        "instead of noon, because the network is quiet at night. Back Wednesday 9.",
    ),
    (
        "Odile",
        "2026-11-18T17:00:00+00:00",
        "Odile. Change on colour profiles: we move to Adobe RGB after all, because the new "
        "viewer renders it and the maps lose detail in sRGB. I'm reversing Monday's call on OCR "
        "timing: OCR runs on arrival after all, because curators need text the same day. From "
        "Monday Ines owns the catalogue import. Back Thursday 9.",
    ),
    (
        "Ravi",
        "2026-11-19T17:00:00+00:00",
        "Ravi. Greta opened the port, the archive upload goes through now. We won't build the "
        "progress dashboard after all: the catalogue already shows scan counts, and nobody "
        "opened the prototype. Odile handed me the metadata checker, it's mine too. Back "
        "Friday 9.",
    ),
]
TUESDAY = datetime.fromisoformat("2026-11-17T20:00:00+00:00")
FRIDAY = datetime.fromisoformat("2026-11-20T09:00:00+00:00")


def published(services: Any, team: str, wraps: list[tuple[str, str, str]]) -> Any:
    """Publish `wraps` (author, ISO moment, text) for `team`; returns the team's question
    function (question, as_of) -> answer text."""
    for author, at, text in wraps:
        h = posting.ingest_text(
            services, text, author=author, team=team, recorded_at=datetime.fromisoformat(at)
        )
        lifecycle.publish(services, h.id, team=team, actor=author, force_reason="test")

    def _ask(question: str, as_of: datetime = FRIDAY) -> str:
        return str(questions.ask(services, question, team=team, as_of=as_of)["answer"])

    return _ask


@pytest.fixture
def ask(services: Any) -> Any:
    return published(services, TEAM, WRAPS)


def test_hand_overs_in_the_takers_words(ask: Any) -> None:
    assert ask("who owns the page deskewer?", TUESDAY).startswith("Ravi owns")
    # Work first named by its hand-over is known, with its giver.
    answer = ask("who owns the metadata checker?")
    assert answer.startswith("Ravi owns") and "Odile handed it over" in answer
    assert ask("who owns the spine detector?").startswith("Ravi owns")


def test_a_blocker_moved_on_names_the_only_one_who_can(ask: Any) -> None:
    answer = ask("who can open the port for the archive upload?", TUESDAY)
    assert "Greta Holm can clear" in answer and "Piet Wouters can clear" not in answer
    # "So it waits on Greta now" continues that blocker: no second one, nobody named.
    assert "nobody was named" not in ask("what's blocking the archive upload?", TUESDAY)


def test_the_one_it_waits_on_doing_it_clears_it(ask: Any) -> None:
    answer = ask("is the archive upload still blocked?")
    assert "Nothing is blocking" in answer and "Greta Holm can clear" not in answer


def test_labelled_decisions_and_their_reversals(ask: Any) -> None:
    answer = ask("what did we decide about colour profiles?")
    assert "Adobe RGB after all" in answer and "only renders sRGB" not in answer
    assert "only renders sRGB" in ask("what had we decided about colour profiles?", TUESDAY)


def test_a_reversal_replaces_only_the_decision_it_is_about(ask: Any) -> None:
    answer = ask("why did we drop the progress dashboard?")
    assert "scan counts" in answer and "OCR" not in answer


def test_a_decided_schedule_answers_when(ask: Any) -> None:
    assert "03:00" in ask("when are the derivative images generated?")


def test_a_date_in_the_question_is_not_its_subject(ask: Any) -> None:
    answer = ask("what had we decided about OCR as of 17 November?", TUESDAY)
    assert "no record" not in answer and "overnight" in answer


def test_a_subject_named_only_later_is_known_as_of_before(ask: Any) -> None:
    # "OCR timing" is first said on Wednesday; as of Tuesday the decision then answers.
    answer = ask("what had we decided about OCR timing as of 17 November?", TUESDAY)
    assert "no record" not in answer and "overnight" in answer
    assert "no record" in ask("what had we decided about microfilm reels?", TUESDAY)


def test_a_rerouted_blocker_keeps_what_it_waits_for(services: Any) -> None:
    wraps = [
        ("Hadi", "2026-11-16T17:00:00+00:00",
         "Hadi. The broker upgrade is blocked: node order written, still waiting on Arjun for "
         "the port rule. Back Tuesday 9."),
        ("Kavya", "2026-11-17T17:00:00+00:00",
         "Kavya. Broker upgrade: Arjun got pulled onto the datacentre move, so Noor from network "
         "engineering has taken over the port rule. Back Wednesday 9."),
    ]  # fmt: skip
    answer = published(services, "brokers", wraps)(
        "What's the broker upgrade stuck behind right now, and who is supposed to sort it out?",
        datetime.fromisoformat("2026-11-18T09:00:00+00:00"),
    )
    assert "Noor can clear it now" in answer and "port rule" in answer
    assert "Arjun can clear" not in answer


def test_why_an_option_went_quotes_the_passage_that_dropped_it(services: Any) -> None:
    wraps = [
        ("Hadi", "2026-11-16T17:00:00+00:00",
         "Hadi. Decision: the quota checker runs at the edge, in the proxy layer, because that "
         "means fewer moving parts. Back Tuesday 9."),
        ("Kavya", "2026-11-18T17:00:00+00:00",
         "Kavya.\n- Quota checker: we took it off the edge. The proxy only sees client IPs, "
         "never which tenant a call belongs to, so per-tenant quotas could not work. It goes "
         "into the gateway instead.\n- Back Thursday 9."),
    ]  # fmt: skip
    answer = published(services, "quotas", wraps)(
        "Why was the idea of running the quota checker at the edge abandoned?",
        datetime.fromisoformat("2026-11-19T09:00:00+00:00"),
    )
    assert "tenant" in answer and "fewer moving parts" not in answer
