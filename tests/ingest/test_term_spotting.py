"""Which team terms a first listening came near: the prompt of Whisper's second listening."""

from __future__ import annotations

import numpy as np
import pytest

from ingest.asr import term_spotting
from ingest.asr.base import Hints
from ingest.asr.faster_whisper import _EncodeOnce
from ingest.asr.term_spotting import near_terms, phones

PEOPLE = (
    "Abena", "Ahmed", "Aiko", "Arjun", "Bea", "Bruno", "Carla", "Chen", "Derek", "Diego",
    "Elena", "Emma", "Farid", "Fatima", "Giulia", "Hamid", "Hana", "Ingrid", "Ivan", "Joost",
    "Kenji", "Kwame", "Lars", "Lotte", "Marco", "Mette", "Nadia", "Noor", "Olga", "Paolo",
    "Petra", "Piotr", "Priya", "Rahul", "Siobhan", "Sunita", "Tariq", "Viktor", "Wen", "Yuki",
)  # fmt: skip
ITEMS = (
    "VAT rules update", "log retention change", "pagination cursor change", "OTA update flow",
    "email service quota", "ledger backfill", "checkout illustrations", "dispute flow",
    "GDPR deletion endpoint", "search relevance work", "feature store backfill",
)  # fmt: skip
TEAM = Hints(people=PEOPLE, items=ITEMS, prefixes=("OPS", "PAY", "DATA"))


@pytest.mark.parametrize(
    ("heard", "term"),
    [
        ("Next, Eukie will export the icon set on Monday.", "Yuki"),
        ("Night shift handoff, Quame here.", "Kwame"),
        ("The Vatril's update is blocked on finance.", "VAT rules update"),
        ("OPS 771, the Law Grace Ancient Change, is in progress.", "log retention change"),
        ("A mail server this quota needs billing access.", "email service quota"),
    ],
)
def test_a_misheard_term_is_near(heard: str, term: str) -> None:
    assert term in near_terms(heard, TEAM, limit=3).all_terms()


def test_a_term_said_as_written_comes_first() -> None:
    near = near_terms("Priya needs to review the dispute flow change.", TEAM, limit=2)
    assert set(near.all_terms()) == {"Priya", "dispute flow"}


def test_the_focus_is_small_and_keeps_each_term_s_kind() -> None:
    near = near_terms("Kwame shipped the ledger backfill, PAY 12 is next.", TEAM, limit=5)
    assert len(near.all_terms()) == 5
    assert "Kwame" in near.people and "ledger backfill" in near.items and "PAY" in near.prefixes
    assert set(near.people) <= set(PEOPLE) and set(near.items) <= set(ITEMS)


def test_nothing_heard_or_no_team_focuses_on_nothing() -> None:
    assert not near_terms("", TEAM)
    assert not near_terms("Kwame shipped it.", Hints())


def test_spelling_finds_names_without_espeak(monkeypatch: pytest.MonkeyPatch) -> None:
    """Where espeak-ng is not installed, names outside the dictionary have no phones; a close
    spelling still puts them in focus."""
    monkeypatch.setattr(term_spotting, "espeak_guesses", lambda words: {})
    monkeypatch.setattr(term_spotting, "_guessed", {})
    assert phones(["quame", "shipped"])[0] == ""
    assert "Kwame" in near_terms("Night shift handoff, Quame here.", TEAM, limit=3).people


def test_phones_come_from_the_dictionary_and_letters() -> None:
    said = phones(["update", "p", "r"])
    assert said[0] == "AH P D EY T" and said[1:] == ["P IY", "AA R"]


class _CountingModel:
    def __init__(self) -> None:
        self.encoded = 0
        self.frames_per_second = 50

    def encode(self, features: np.ndarray) -> float:
        self.encoded += 1
        return float(features.sum())


def test_the_second_listening_reuses_the_encoder_output() -> None:
    model = _CountingModel()
    shared = _EncodeOnce(model)
    batch = np.arange(12, dtype=np.float32).reshape(1, 3, 4)
    assert shared.encode(batch) == shared.encode(batch.copy()) == 66.0
    assert shared.encode(batch + 1) == 78.0
    assert model.encoded == 2 and shared.frames_per_second == 50


def test_espeak_guesses_are_kept_within_bounds(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[list[str]] = []

    def guesses(words: list[str]) -> dict[str, str]:
        asked.append(list(words))
        return {w: "K W EY M" for w in words}

    monkeypatch.setattr(term_spotting, "espeak_guesses", guesses)
    monkeypatch.setattr(term_spotting, "_guessed", {})
    monkeypatch.setattr(term_spotting, "GUESSES_KEPT", 3)
    assert phones(["quame", "zzyq"]) == ["K W EY M", "K W EY M"]
    phones(["quame"])  # kept: not asked again
    phones(["xxqa", "yyqb"])  # would pass the bound: the old guesses go
    assert asked == [["quame", "zzyq"], ["xxqa", "yyqb"]]
    assert set(term_spotting._guessed) == {"xxqa", "yyqb"}
