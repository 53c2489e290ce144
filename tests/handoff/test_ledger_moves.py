"""The ledger across a week: a decision reversed in other words supersedes the earlier one, a
blocker re-routed to someone else changes who can clear it, work handed over (in the giver's or
the taker's voice) changes its owner, and each reads as it stood at an earlier moment."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from handoff.declaration import Blocker, Decision, InFlightItem
from handoff.ledger import Ledger
from handoff.ledger.cues import acted, giver, handed_over, rerouted_to
from handoff.ledger.decisions import stated
from handoff.ledger.moves import Line, takes_effect
from handoff.store import HandoffStore
from tests.handoff.test_ledger import T0, decl, items, publish


@pytest.fixture
def store(database_url: str) -> HandoffStore:
    return HandoffStore(database_url, hooks=[Ledger().hook])


def test_a_reversal_in_other_words_supersedes_the_earlier_decision(store: HandoffStore) -> None:
    first = "For the search index we picked Typesense over Meilisearch, because it is cheaper."
    publish(
        store,
        "Ines",
        0,
        decl(decisions=[Decision(decision=first)]),
        text=first,
    )
    undo = (
        "We took yesterday's call back: the search index goes on Meilisearch rather than "
        "Typesense, because Typesense can't do per-tenant keys."
    )
    publish(
        store,
        "Ines",
        1,
        decl(
            decisions=[
                Decision(
                    decision="We took yesterday's call back",
                    rationale="Typesense can't do per-tenant keys",
                )
            ]
        ),
        text=undo,
    )
    by_state = {d.state: d.name for d in items(store, kinds=["decision"])}
    assert by_state["current"] == "We took yesterday's call back"
    assert by_state["superseded"].startswith("For the search index")
    then = items(store, kinds=["decision"], as_of=T0 + timedelta(hours=2))
    assert [d.state for d in then] == ["current"]


def test_a_rerouted_blocker_names_the_new_person(store: HandoffStore) -> None:
    opened = "The payout report is blocked: only Dana in finance can approve the fee table."
    publish(
        store,
        "Kofi",
        0,
        decl(
            in_flight=[InFlightItem(item="payout report", status="blocked")],
            blockers=[
                Blocker(
                    description="only Dana in finance can approve the fee table",
                    item="payout report",
                    needed_from="Dana",
                )
            ],
        ),
        text=opened,
    )
    moved = "Dana is out on leave until January, so Femi approves the fee table now."
    publish(store, "Kofi", 1, decl(), text=moved)
    [blocker] = items(store, kinds=["blocker"])
    assert (blocker.state, blocker.needed_from) == ("open", "Femi")
    # As it stood before the re-routing, Dana was the one to ask.
    [before] = items(store, kinds=["blocker"], as_of=T0 + timedelta(hours=3))
    assert before.needed_from == "Dana"


@pytest.mark.parametrize(
    ("sentence", "author", "owner"),
    [
        ("I'm passing the invoice exporter to Kai from tomorrow.", "Noa", "Kai"),
        ("Picked up the invoice exporter from Noa today.", "Kai", "Kai"),
        ("Kai took over the invoice exporter from Noa this morning.", "Lea", "Kai"),
    ],
)
def test_work_handed_over_in_either_voice_changes_its_owner(
    store: HandoffStore, sentence: str, author: str, owner: str
) -> None:
    publish(
        store,
        "Noa",
        0,
        decl(in_flight=[InFlightItem(item="invoice exporter", owner="Noa")]),
        text="The invoice exporter is in progress.",
    )
    publish(store, author, 1, decl(), text=sentence)
    [work] = items(store, kinds=["work"])
    assert work.owner == owner and work.state == "in_progress"
    [before] = items(store, kinds=["work"], as_of=T0 + timedelta(hours=3))
    assert before.owner == "Noa"


def test_rerouting_reads_the_person_after_so() -> None:
    said = "Tomas left the company, so the vendor keys now come from Aiko Sato in procurement."
    assert rerouted_to(said, old="Tomas", author="Bea") == "Aiko Sato"
    cleared = "Aiko signed the keys, so it's unblocked now."
    assert rerouted_to(cleared, old=None, author=None) is None
    assert rerouted_to("The keys are still with Tomas.", old="Tomas", author=None) is None


def test_handed_over_is_not_a_plan_or_a_maybe() -> None:
    assert handed_over("Next: Kai picks up the exporter on Monday.", author="Noa") is None
    assert handed_over("Maybe I'm passing the exporter to Kai.", author="Noa") is None
    assert handed_over("Handing the pager over to Ana.", author="Noa") == ("pager", "Ana")


def test_a_blocker_on_the_option_a_reversal_dropped_no_longer_blocks(
    store: HandoffStore,
) -> None:
    publish(
        store,
        "Arun",
        0,
        decl(
            in_flight=[InFlightItem(item="Zendesk integration", status="blocked")],
            decisions=[Decision(decision="support tickets go to Zendesk rather than Freshdesk")],
            blockers=[
                Blocker(
                    description="the Zendesk integration needs an API token from Zendesk sales",
                    item="Zendesk integration",
                )
            ],
        ),
        text="Support tickets go to Zendesk rather than Freshdesk.",
    )
    reversal = "Scratch the Zendesk plan: we're going with Freshdesk rather than Zendesk."
    publish(
        store,
        "Arun",
        1,
        decl(decisions=[Decision(decision="Scratch the Zendesk plan", rationale="pricing")]),
        text=reversal + " Because of pricing.",
    )
    [blocker] = items(store, kinds=["blocker"])
    assert blocker.state == "resolved"
    assert blocker.events[-1].detail["because"] == "replaced"
    [then] = items(store, kinds=["blocker"], as_of=T0 + timedelta(hours=3))
    assert then.state == "open"


@pytest.mark.parametrize(
    ("sentence", "author", "moved"),
    [
        (
            "I've taken the tide model over from Sunita, so it's mine.",
            "Joel",
            ("tide model", "Joel"),
        ),
        ("Sunita handed me the tide model, it's mine now.", "Joel", ("tide model", "Joel")),
        ("The tide model is mine now, Sunita handed it over.", "Joel", ("tide model", "Joel")),
        (
            "From Monday Pavel owns the tide model; I'm off to the buoys.",
            "Joel",
            ("tide model", "Pavel"),
        ),
        ("Pavel owns the tide model from tomorrow.", "Joel", ("tide model", "Pavel")),
        # Owning something without a moment it starts is a fact, not a hand-over.
        ("Mirela in facilities owns the loading bay.", "Joel", None),
        ("Next, Pavel takes the buoy alarms.", "Joel", None),
    ],
)
def test_hand_overs_in_more_words(sentence: str, author: str, moved: object) -> None:
    assert handed_over(sentence, author=author) == moved


def test_the_giver_of_a_hand_over() -> None:
    assert giver("Sunita handed me the tide model.", taker="Joel", author="Joel") == "Sunita"
    assert giver("Picked up the tide model from Sunita.", taker="Joel", author="Joel") == "Sunita"
    assert giver("I'm passing the tide model to Pavel.", taker="Pavel", author="Joel") == "Joel"


@pytest.mark.parametrize(
    ("sentence", "old", "who"),
    [
        (
            "The crane permit has moved on: Lotte filed it, and now Bram Visser, the harbour "
            "master, has to countersign it.",
            "Lotte",
            "Bram Visser",
        ),
        (
            "The crane permit has moved on: Lotte says permits belong to the port office, and "
            "only Anouk Smit there can issue them.",
            "Lotte",
            "Anouk Smit",
        ),
        ("It has a name now: Anouk in licensing owns permits.", None, "Anouk"),
        ("So it waits on Anouk now.", "Lotte", "Anouk"),
        # A place named like a person is a thing after an article; a clearing is no re-routing.
        ("Anouk issued the permit, the Rotterdam crane lifts now.", "Anouk Smit", None),
        ("Lotte approved it, so the crane permit is cleared now.", "Lotte", None),
        # Someone pulled away and someone else taking the wait over
        (
            "Crane permit: Lotte got pulled onto the lock repairs, so Anouk from licensing has "
            "taken over the countersigning.",
            "Lotte",
            "Anouk",
        ),
        ("Lotte is away, so Bram is covering the permit desk.", "Lotte", "Bram"),
        (
            "While the harbour master is away, deputy master Anouk Smit signs the permits.",
            None,
            "Anouk Smit",
        ),
        ("Lotte has left, and countersigning is now Bram Visser's job.", "Lotte", "Bram Visser"),
    ],
)
def test_rerouting_in_more_words(sentence: str, old: str | None, who: str | None) -> None:
    assert rerouted_to(sentence, old=old, author="Joel") == who


@pytest.mark.parametrize(
    ("sentence", "who", "done"),
    [
        ("Anouk issued the permit this morning.", "Anouk Smit", True),
        ("Anouk has finally countersigned it.", "Anouk", True),
        ("Anouk promised the permit next week.", "Anouk", False),
        ("Still waiting: Anouk hasn't issued it.", "Anouk", False),
        ("Bram issued the permit.", "Anouk", False),
    ],
)
def test_the_one_a_blocker_waits_on_acting(sentence: str, who: str, done: bool) -> None:
    assert acted(sentence, who) is done


def test_decisions_under_a_label_and_reasons_after_a_colon() -> None:
    wrap = [
        Line("Decision on buoy polling: we poll every ten minutes, because the modems overheat."),
        Line("We won't buy the spare modems after all: the vendor extended the warranty."),
        Line("Decision: none."),
    ]
    out = stated([], wrap)
    labelled, reversal = out
    assert labelled.decision.decision == "buoy polling: we poll every ten minutes"
    assert labelled.decision.rationale == "the modems overheat"
    assert not labelled.reversal
    assert reversal.reversal and reversal.decision.rationale == "the vendor extended the warranty"
    assert reversal.decision.decision == "We won't buy the spare modems after all"


def test_a_hand_over_from_a_later_day_takes_effect_then(store: HandoffStore) -> None:
    publish(
        store,
        "Noa",
        0,
        decl(in_flight=[InFlightItem(item="tide model", owner="Noa")]),
        text="The tide model is in progress.",
    )
    # T0 is a Monday: "from Thursday" is three days on, and until then Noa still owns it.
    publish(
        store, "Noa", 1, decl(), text="I'm passing the tide model to Kai; from Thursday it's his."
    )
    [work] = items(store, kinds=["work"])
    assert work.owner == "Kai"
    [wednesday] = items(store, kinds=["work"], as_of=T0 + timedelta(days=2))
    assert wednesday.owner == "Noa"
    [thursday] = items(store, kinds=["work"], as_of=T0 + timedelta(days=3))
    assert thursday.owner == "Kai"


def test_when_a_hand_over_takes_effect() -> None:
    monday = datetime(2026, 11, 16, 17, 0, tzinfo=UTC)
    assert takes_effect("Kai owns it from tomorrow.", monday) == datetime(2026, 11, 17, tzinfo=UTC)
    assert takes_effect("From Monday it's Kai's.", monday) == datetime(2026, 11, 23, tzinfo=UTC)
    assert takes_effect("Kai owns it now.", monday) is None


def test_a_recognizer_writes_the_giver_in_lowercase() -> None:
    said = "so i took over dynamic pricing from elif today she's moving onto the kiosks"
    assert handed_over(said, author="Hemi") == ("dynamic pricing", "Hemi")
    assert handed_over("I picked up the fix from the backlog", author="Hemi") is None


def test_a_blocker_rerouted_to_a_team() -> None:
    said = "Approvals have moved to the finance systems team, so Bernard no longer signs them."
    assert rerouted_to(said, old="Bernard", author="Chidi") == "finance systems team"


def test_backing_out_and_a_call_that_is_off_are_changes_of_course() -> None:
    from handoff.ledger.cues import CHANGE_RE

    assert CHANGE_RE.search("we backed out of the password-protected PDFs")
    assert CHANGE_RE.search("that WhatsApp call is off, we're going with SMS")
    assert not CHANGE_RE.search("Dana is off until Monday")


def test_more_voices_of_a_hand_over() -> None:
    assert handed_over("🔁 Imke takes over the dredging log from tomorrow.", author="Ola") == (
        "dredging log",
        "Imke",
    )
    assert handed_over("the buoy survey came over to me from ana this morning", author="Ola") == (
        "buoy survey",
        "Ola",
    )
    assert handed_over("Buoy survey: with me now", author="Ola") == ("Buoy survey", "Ola")
    assert handed_over("Imke might take over the dredging log", author="Ola") is None


def test_a_blocker_moved_to_a_team_in_other_words() -> None:
    assert (
        rerouted_to(
            "Ines has been moved to another account; from here on the port's clearance desk "
            "deals with releases.",
            old="Ines Roque",
            author="Ola",
        )
        == "port's clearance desk"
    )
    assert (
        rerouted_to(
            "Tomas no longer handles spares, and part requests go to their logistics hub in Porto.",
            old="Tomas Reis",
            author="Ola",
        )
        == "logistics hub"
    )
