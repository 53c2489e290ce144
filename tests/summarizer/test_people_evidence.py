"""Resolvers are people, roles or teams the wrap gives evidence for, never things."""

from __future__ import annotations

from ingest.text import transcript_from_text
from summarizer.base import ExtractionContext
from summarizer.offline import OfflineExtractor
from summarizer.owners import resolver
from summarizer.people import PeopleIndex

PEOPLE = PeopleIndex()


def who(text: str) -> str | None:
    return resolver(text, people=PEOPLE, exclude={"Ingrid"})


def test_the_noun_after_on_is_a_thing_not_a_person() -> None:
    assert who("Blocked on Zendesk: the seat limit ran out, Petra signs those") == "Petra"
    assert who("Blocked on the Azure Blob quota; Tomasz in IT has to raise it") == "Tomasz"


def test_that_is_on_someone_names_them() -> None:
    assert who("the export is stuck, that's on Priya from infra to fix") == "Priya"


def test_a_full_name_is_kept_whole() -> None:
    assert who("it needs the co-op's stamp and Ana Quispe is the only one who signs") == (
        "Ana Quispe"
    )


def test_a_named_role_clears_when_no_person_is_named() -> None:
    assert who("blocked until the DBA adds an index on orders") == "DBA"


def test_nobody_named_is_null() -> None:
    assert who("no idea who owns the signing keys now") is None


def test_a_resolver_in_the_next_sentence_completes_the_blocker() -> None:
    decl = OfflineExtractor().extract(
        transcript_from_text(
            "The fjord tiles are blocked: waiting on the security review. "
            "Halvard in security is the one who signs."
        ),
        ExtractionContext(author="Ingrid"),
    )
    assert [b.needed_from for b in decl.blockers] == ["Halvard"]
    assert decl.next_actions == []


def test_an_owner_placed_in_a_department_and_a_name_starting_like_a_lead_word() -> None:
    people = PeopleIndex()
    from summarizer.owners import action_owner

    assert action_owner("Ilse from support warns the big customers", people=people, me="Ola") == (
        "Ilse",
        "named",
    )
    assert action_owner("Andrés to fix the review comments", people=people, me="Ola") == (
        "Andrés",
        "named",
    )


def test_a_table_owner_column_owns_the_item() -> None:
    decl = OfflineExtractor().extract(
        transcript_from_text(
            "| Item | Status | Owner |\n|---|---|---|\n| Tile cache | in progress | Sigrid |\n"
        ),
        ExtractionContext(author="Ingrid"),
    )
    assert [(i.item, i.owner) for i in decl.in_flight] == [("Tile cache", "Sigrid")]


def test_a_role_then_the_person_holding_it() -> None:
    assert who("we need it from the port authority's liaison, Halvard.") == "Halvard"


def test_someone_partway_through_an_item_owns_it() -> None:
    decl = OfflineExtractor().extract(
        transcript_from_text("Still going:\n- boiler inspection — Brett's halfway, finishes Sat"),
        ExtractionContext(author="Tegan"),
    )
    assert [(i.item, i.owner) for i in decl.in_flight] == [("boiler inspection", "Brett")]
