"""Pronunciation variants for words the recognizer's dictionary lacks, and spoken forms."""

from __future__ import annotations

import shutil

import pytest

from ingest.asr.base import Hints
from ingest.asr.pocketsphinx_lm import _extra_entries, acronyms
from ingest.asr.pronounce import ipa_to_arpabet, pronunciations, spelled
from ingest.asr.vocab_text import apply_vocabulary
from ingest.phrasing import spoken_words
from ingest.transcript import Segment, Transcript

KNOWN = {
    "zen": ["Z EH N"],
    "desk": ["D EH S K"],
    "omar": ["OW M AA R"],
    "inc": ["IH NG K"],
    "is": ["IH Z"],
    "done": ["D AH N"],
}


def test_espeak_ipa_becomes_arpabet() -> None:
    assert ipa_to_arpabet("kˈɛɹə") == "K EH R AH"
    assert ipa_to_arpabet("dʒɪjˈuːliə") == "JH IH Y UW L IY AH"
    assert ipa_to_arpabet("fˈɑːɹɹɪd") == "F AA R IH D"  # a doubled consonant is one sound
    assert ipa_to_arpabet("bˈʌʔn̩") == "B AH T AH N"
    assert ipa_to_arpabet("q") is None  # no counterpart: no pronunciation rather than a wrong one


def test_letters() -> None:
    assert spelled("sso") == "EH S EH S OW"
    assert spelled("cve") == "S IY V IY IY"
    assert spelled("s3") is None


def test_compounds_possessives_and_acronyms_without_tools() -> None:
    out = pronunciations(["zendesk", "omar's", "xq"], KNOWN, acronyms={"xq"})
    assert "Z EH N D EH S K" in out["zendesk"]
    assert out["omar's"][0] == "OW M AA R Z"
    assert "EH K S K Y UW" in out["xq"]


@pytest.mark.skipif(
    not (shutil.which("festival") and shutil.which("espeak-ng")), reason="needs festival, espeak-ng"
)
def test_a_name_gets_several_guesses() -> None:
    out = pronunciations(["keira", "arun"], KNOWN)
    assert "K EH R AH" in out["keira"] and len(out["keira"]) >= 2  # espeak-ng's, besides festival's
    assert "AE R AH N" in out["arun"] and len(out["arun"]) >= 2
    assert all(len(v) == len(set(v)) <= 4 for v in out.values())


def test_acronyms_are_the_team_capitals() -> None:
    assert acronyms(["SSO integration", "OpenSSL CVE", "Keira", "INC"]) == {"sso", "cve", "inc"}


def test_a_short_known_acronym_also_gets_its_letters() -> None:
    extra = _extra_entries(["inc is done"], KNOWN, {"inc"})
    assert extra == {"inc": ["AY EH N S IY"]}


def test_accents_are_folded_in_spoken_words() -> None:
    assert spoken_words("Tomás and Zoë") == ["tomas", "and", "zoe"]
    hints = Hints(people=("Tomás",))
    t = Transcript.from_segments([Segment(text="waiting on tomas")])
    assert apply_vocabulary(t, hints).text == "waiting on Tomás"


def test_clock_letters_are_written_am_pm() -> None:
    t = Transcript.from_segments([Segment(text="back tomorrow nine a m and two thirty p m")])
    assert apply_vocabulary(t, Hints()).text == "back tomorrow nine am and two thirty pm"
    t = Transcript.from_segments([Segment(text="plan a m b")])
    assert apply_vocabulary(t, Hints()).text == "plan a m b"


def test_dots_are_said_and_team_terms_come_before_spelled_letters() -> None:
    assert spoken_words("api.example.com on 1.30") == [
        *("api", "dot", "example", "dot", "com", "on", "one", "point", "thirty")
    ]
    hints = Hints(items=("GDPR deletion endpoint",))
    t = Transcript.from_segments([Segment(text="the g d p r deletion endpoint and p r twelve")])
    assert apply_vocabulary(t, hints).text == "the GDPR deletion endpoint and PR twelve"
