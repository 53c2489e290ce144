"""The team vocabulary: repository, growth from published handoffs and corrections, wiring."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from api.usecases import drafting, vocabulary
from handoff.errors import InvalidInput, NotFound
from handoff.vocabulary import VocabularyRepository


@pytest.fixture
def repo(home: Path) -> VocabularyRepository:
    home.mkdir(parents=True, exist_ok=True)
    return VocabularyRepository(f"sqlite:///{home / 'handoff.db'}")


def test_people_terms_and_team_isolation(repo: VocabularyRepository) -> None:
    repo.add_person("payments", "Siobhan Kelly", handle="@siobhan", aliases=["Shivon"])
    repo.add_person("payments", "Siobhan Kelly", aliases=["Shiv"])  # merged, not duplicated
    repo.add_term("payments", "item", "payments-refund-flow")
    assert repo.add_term("payments", "ticket_prefix", "bill-") == "BILL"
    vocab = repo.get("payments")
    assert [(p.name, p.handle, p.aliases) for p in vocab.people] == [
        ("Siobhan Kelly", "@siobhan", ("Shivon", "Shiv"))
    ]
    assert vocab.items == ("payments-refund-flow",) and vocab.ticket_prefixes == ("BILL",)
    assert repo.get("search").is_empty()  # another team sees nothing
    repo.remove("payments", "payments-refund-flow")
    assert repo.get("payments").items == ()
    with pytest.raises(NotFound):
        repo.remove("search", "Siobhan Kelly")
    with pytest.raises(InvalidInput, match="ticket prefix"):
        repo.add_term("payments", "ticket_prefix", "not a prefix")


def test_corrections_become_aliases(repo: VocabularyRepository) -> None:
    repo.add_person("payments", "Siobhan")
    person = repo.learn_correction("payments", "Shivon", "Siobhan")
    assert person is not None and person.aliases == ("Shivon",)
    assert repo.learn_correction("payments", "Jon", "Nobody") is None


def test_grows_from_a_published_declaration(repo: VocabularyRepository) -> None:
    declaration: dict[str, Any] = {
        "in_flight": [{"item": "auth-session-refresh", "refs": ["BILL-412"]}],
        "blockers": [{"needed_from": "Sarah"}],
        "next_actions": [{"owner": "James"}, {"owner": "someone on call"}],
    }
    repo.grow_from_declaration("payments", declaration, author="Maya Chen")
    vocab = repo.get("payments")
    assert {p.name for p in vocab.people} == {"Maya Chen", "Sarah", "James"}
    assert vocab.items == ("auth-session-refresh",) and vocab.ticket_prefixes == ("BILL",)
    assert all(p.source == "published" for p in vocab.people)


def test_services_feed_the_vocabulary_to_extraction_and_recognizers(services: Any) -> None:
    from api.usecases.speech import speech_hints

    # No database yet: an empty vocabulary and nothing created (extract stores nothing).
    assert (
        drafting.context(services, author=None, team="payments", recorded_at=None).vocabulary.people
        == ()
    )
    assert not services.settings.home.exists()
    services.vocabulary.add_person("payments", "Siobhan", aliases=["Shivon"])
    services.vocabulary.add_term("payments", "project", "ledger")
    ctx = drafting.context(services, author=None, team="payments", recorded_at=None)
    assert ctx.vocabulary.people[0].name == "Siobhan"
    assert ctx.vocabulary.people[0].aliases == ("Shivon",)
    assert "ledger" in ctx.vocabulary.items
    hints = speech_hints(vocabulary.team_vocabulary(services, "payments"))
    assert hints.people == ("Siobhan", "Shivon") and hints.items == ("ledger",)


def test_the_migration_creates_the_tables(repo: VocabularyRepository) -> None:
    import sqlalchemy as sa

    from handoff.db import get_engine

    names = sa.inspect(get_engine(repo.url)).get_table_names()
    assert {"vocab_people", "vocab_terms", "handoffs"} <= set(names)


def test_whisper_s_spelling_of_a_name_becomes_the_team_s() -> None:
    from ingest.asr.base import Hints
    from ingest.asr.vocab_text import apply_vocabulary, respell_names
    from ingest.transcript import Segment, Transcript, Word

    team = Hints(people=("Priya", "Rahul", "Marco", "Carla", "Siobhan"))
    assert respell_names("Preya needs to review it.", team) == "Priya needs to review it."
    assert respell_names("That is Raul's call, Marko can grant it.", team) == (
        "That is Rahul's call, Marco can grant it."
    )
    assert respell_names("Next, Shivon will look.", team) == "Next, Siobhan will look."  # alike
    # A sentence's first word must be spelled close; words and lower case are left alone.
    assert respell_names("Shipped. Check the Carousel and Marketing.", team) == (
        "Shipped. Check the Carousel and Marketing."
    )
    assert respell_names("Shivon will look.", team) == "Shivon will look."
    assert respell_names("when needs to rerun", Hints(people=("Wen",))) == "when needs to rerun"

    segment = Segment(
        text="Preya is out.",
        start_s=0.0,
        end_s=1.0,
        words=[Word(word="Preya", start_s=0.0, end_s=0.4)],
    )
    fixed = apply_vocabulary(Transcript.from_segments([segment], engine="faster-whisper"), team)
    assert fixed.text == "Priya is out." and fixed.segments[0].words[0].word == "Priya"
    assert fixed.segments[0].words[0].start_s == 0.0  # timings untouched
