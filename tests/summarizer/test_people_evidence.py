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
