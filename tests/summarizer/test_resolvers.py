"""Who can clear a blocker comes from evidence: a person or a role the sentence makes an actor, the
person who holds a named role, a person the team knows; never a place, a firm, a language or the
noun after "on"."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from ingest.text import transcript_from_text
from summarizer.base import ExtractionContext
from summarizer.offline import OfflineExtractor
from summarizer.owners import resolver
from summarizer.people import PeopleIndex

WHEN = datetime(2026, 5, 6, 17, 0, tzinfo=ZoneInfo("Europe/Lisbon"))  # a Wednesday


def who(text: str) -> str | None:
    return resolver(text, people=PeopleIndex(), exclude={"Rui"})


def extract(text: str):  # type: ignore[no-untyped-def]
    context = ExtractionContext(author="Rui", recorded_at=WHEN)
    return OfflineExtractor().extract(transcript_from_text(text), context)


@pytest.mark.parametrize(
    "sentence",
    [
        "blocked on the tram depot schedule, the transit office only sends faxes",
        "the tide table import fails for Porto and nobody has looked at it",
        "the invoices for Marrakesh bounce, the bank only reads Arabic headers",
        "the parcel feed from DHL Express drops the weight field",
    ],
)
def test_places_firms_and_the_noun_after_on_are_never_resolvers(sentence: str) -> None:
    assert who(sentence) is None


@pytest.mark.parametrize(
    "sentence",
    [
        "the sandbox cert expired and nobody knows who renews it at Lisbon Gateway",
        "no idea who owns the print server since Tomas left",
        "the ferry API key is revoked; I don't know who should issue a new one",
    ],
)
def test_nobody_known_names_nobody_whoever_else_is_mentioned(sentence: str) -> None:
    assert who(sentence) is None


def test_a_person_given_with_their_role_is_the_resolver() -> None:
    assert who("the map tiles are stale. Joana, the GIS lead, can rebuild them") == "Joana"
    assert who("their billing coordinator, Mrs. Okafor, is the only one who can fix it") == (
        "Okafor"
    )
    assert who("only Bruno can unlock the staging vault") == "Bruno"


@pytest.mark.parametrize(
    ("sentence", "role"),
    [
        (
            "the export needs a signature and the data protection officer has to give it",
            "data protection officer",
        ),
        ("we wait until the depot operations desk approves the new slots", "depot operations desk"),
        ("the contract clause is unclear; legal must confirm it", "legal"),
        (
            "the carrier rejects our labels, only their integration team can change that",
            "integration team",
        ),
    ],
)
def test_a_role_or_team_that_acts_is_the_resolver(sentence: str, role: str) -> None:
    assert who(sentence) == role


def test_the_holder_of_a_named_role_wins_over_the_role() -> None:
    assert who("the DBA has to open the port first, and Kwabena is our DBA") == "Kwabena"
    assert who("the release manager must sign it off, and Inês is the release manager") == "Inês"
    assert who("the platform team has to grant it; Viola runs that team") == "Viola"


def test_a_team_named_after_a_person_is_that_person() -> None:
    assert who("the parser drops long messages; Amadou's team owns the parser") == "Amadou"


def test_a_person_reporting_what_a_team_must_do_is_not_the_resolver() -> None:
    assert who("Nadia at the carrier says their compliance team must approve the labels") == (
        "compliance team"
    )
    assert who("the vendor's support team has to whitelist us, and Chen there is handling it") == (
        "Chen"
    )


def test_a_name_that_cannot_act_is_not_a_resolver() -> None:
    assert who("so Paulo can't do it, it needs the security office to approve") == (
        "security office"
    )


def test_a_blocker_that_names_nobody_is_not_completed_by_a_later_action() -> None:
    decl = extract(
        "The ferry timetable sync is blocked, the port rejects our feed and we don't know who "
        "there can change that. Next, Marta will call the port tomorrow."
    )
    assert [b.needed_from for b in decl.blockers] == [None]
    assert [a.owner for a in decl.next_actions] == ["Marta"]


def test_a_resolver_with_an_aside_in_the_next_sentence_completes_the_blocker() -> None:
    decl = extract(
        "Blocked on the tram depot export, the depot only gives us scanned PDFs. "
        "Catarina, the depot's data lead, can turn on the CSV export."
    )
    assert [b.needed_from for b in decl.blockers] == ["Catarina"]


def test_quoted_or_code_words_and_sentence_words_are_not_people() -> None:
    assert who('blocked: "`Merge` drops the last row" is still open upstream') is None
    decl = extract("Seems to be a problem with the nightly export. Everything else works.")
    assert all(a.owner in (None, "Rui") for a in decl.next_actions)


def test_the_only_party_that_can_act_outweighs_someone_chasing_it() -> None:
    assert who("Tom is chasing them but only the tile shop can reorder the batch") == "tile shop"
    # a person named after the party is the one who handles it
    assert who("only the vendor can reset it, Liam is chasing them") == "Liam"


def test_an_outsiders_duty_without_an_article_names_the_resolver() -> None:
    decl = extract("The boiler is broken again, facilities office must send a fitter.")
    assert [b.needed_from for b in decl.blockers] == ["facilities office"]
    assert decl.next_actions == []


def test_the_sentence_after_a_stuck_line_says_why_and_who() -> None:
    decl = extract(
        "Stock count: can't begin. The scanners haven't come back from repair. "
        "Returning them is down to Farid Haddad at the workshop."
    )
    assert len(decl.blockers) == 1
    assert "scanners haven't come back" in decl.blockers[0].description
    assert decl.blockers[0].needed_from == "Farid Haddad"


def test_a_new_item_said_to_be_stuck_is_its_own_blocker() -> None:
    decl = extract("Stock count: can't begin. The van booking is stuck too.")
    assert len(decl.blockers) == 2


@pytest.mark.parametrize(
    ("sentence", "person"),
    [
        ("the boiler log is wrong. it's Ayodele at estates who decides", "Ayodele"),
        ("Records unit, Mei Tanaka, has to change the form", "Mei Tanaka"),
        ("It needs the lift tech, Goran Petrov at the contractor, and he is away", "Goran Petrov"),
    ],
)
def test_a_person_singled_out_in_other_shapes_is_the_resolver(sentence: str, person: str) -> None:
    assert who(sentence) == person


def test_a_place_closed_till_monday_is_not_done_work() -> None:
    decl = extract(
        "#### Anything stuck?\nThe burial permit has a typo. Only the registrar on duty signs a "
        "new one; they're closed till Monday."
    )
    assert decl.shipped == []
    assert [b.needed_from for b in decl.blockers] == ["registrar on duty"]


def test_a_reporter_there_gives_way_to_nobody_known() -> None:
    decl = extract(
        "- the kiln at the college is the only one hot enough, Dr Mensah there says no slots "
        "till January.\n  need someone higher up to push, not sure who"
    )
    assert len(decl.blockers) == 1 and decl.blockers[0].needed_from is None


def test_a_wait_on_them_is_a_wait_on_the_party_just_named() -> None:
    decl = extract(
        "Sofia no longer handles tooling, and cart requests go to their tooling pool in Seville. "
        "Until then the gearbox job waits on them."
    )
    assert [b.needed_from for b in decl.blockers] == ["tooling pool"]


def test_what_we_cannot_do_is_not_our_next_action() -> None:
    decl = extract("Without the cart we can't flush the gearbox.")
    assert decl.next_actions == []
