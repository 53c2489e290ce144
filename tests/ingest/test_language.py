"""The language a clip is heard in: which codes are accepted, what each engine is told, the
refusal from English-only models, and (slow) the multilingual base detecting German in a clip
espeak-ng speaks."""

from __future__ import annotations

from pathlib import Path

import pytest

from handoff.errors import InvalidInput
from handoff.languages import WHISPER_LANGUAGES, check_language
from ingest.asr.base import Hints
from ingest.asr.faster_whisper import (
    BUNDLED_MODEL,
    MULTILINGUAL_VOCABULARY,
    FasterWhisperTranscriber,
    hears_many_languages,
)
from ingest.asr.language import check_heard, decode_language
from ingest.errors import LanguageNotHeard
from ingest.media import load_audio
from tests.ingest.conftest import speak

GERMAN = (
    "Hallo zusammen, hier ist meine Übergabe für heute. Ich habe die Migration der Datenbank "
    "abgeschlossen und den Fehler bei der Anmeldung behoben. Die Überprüfung des Codes wartet "
    "noch auf Peter. Morgen früh bin ich wieder da und kümmere mich um die Rechnungen."
)
ENGLISH = (
    "Hello everyone, this is my handoff for today. I finished the database migration and fixed "
    "the sign in bug. The code review is still waiting on Peter. I am back tomorrow morning."
)


def test_the_codes_are_the_two_letter_ones_whisper_knows() -> None:
    from faster_whisper.tokenizer import _LANGUAGE_CODES

    assert {code for code in _LANGUAGE_CODES if len(code) == 2} == WHISPER_LANGUAGES
    assert check_language("de") == "de" and check_language("auto") == "auto"
    for bad in ("xx", "german", "haw", "", "DE", " de"):  # stored exactly; the CLI lower-cases
        with pytest.raises(InvalidInput, match="ISO 639-1 code Whisper knows"):
            check_language(bad)


@pytest.mark.parametrize(
    ("asked", "multilingual", "told"),
    [
        (None, True, "en"),
        (None, False, "en"),
        ("en", False, "en"),
        ("auto", True, None),  # Whisper detects it
        ("auto", False, "en"),  # an English-only model hears English
        ("de", True, "de"),
    ],
)
def test_what_whisper_is_told(asked: str | None, multilingual: bool, told: str | None) -> None:
    assert decode_language(asked, multilingual=multilingual, model="m", engine="e") == told


@pytest.fixture(scope="module")
def tiny_en() -> FasterWhisperTranscriber:
    return FasterWhisperTranscriber(BUNDLED_MODEL)


def test_english_only_models_refuse_another_language(
    tiny_en: FasterWhisperTranscriber, tmp_path: Path
) -> None:
    from ingest.asr.pocketsphinx import PocketsphinxTranscriber

    assert tiny_en.model == "tiny.en" and not tiny_en.multilingual
    with pytest.raises(LanguageNotHeard) as refused:
        check_heard(tiny_en, "de")
    assert str(refused.value) == (
        "The speech model tiny.en hears English only, so it cannot transcribe 'de'; set "
        "HANDOFF_WHISPER_MODEL=base after `handoff models pull whisper-base`."
    )
    assert refused.value.status_code == 422
    for fine in (None, "en", "auto"):
        check_heard(tiny_en, fine)
    sphinx = PocketsphinxTranscriber(cache_dir=tmp_path)
    with pytest.raises(LanguageNotHeard, match="HANDOFF_ASR=faster-whisper and HANDOFF_WHISPER"):
        check_heard(sphinx, "fr")

    class Plain:  # an engine that does not say: English only
        name, model = "plain", None

    with pytest.raises(LanguageNotHeard, match="The speech model plain hears English only"):
        check_heard(Plain(), "fr")


def test_a_model_folder_s_languages_are_read_from_its_vocabulary(tmp_path: Path) -> None:
    for name, tokens, many in (("multi", MULTILINGUAL_VOCABULARY, True), ("en-only", 51864, False)):
        folder = tmp_path / name
        folder.mkdir()
        (folder / "vocabulary.txt").write_text("".join(f"t{i}\n" for i in range(tokens)))
        assert hears_many_languages(folder) is many
    bare = tmp_path / "small.en"
    bare.mkdir()
    assert not hears_many_languages(bare) and hears_many_languages(tmp_path / "other")


@pytest.mark.slow
def test_auto_on_an_english_only_model_is_heard_as_english_and_says_so(
    tiny_en: FasterWhisperTranscriber, tmp_path: Path
) -> None:
    audio = load_audio(speak(ENGLISH, tmp_path / "en.wav"))
    heard = tiny_en.transcribe(audio, hints=Hints(language="auto"))
    assert heard.language == "en" and heard.language_requested == "auto"
    assert "migration" in heard.text.lower() and "code review" in heard.text.lower()
    with pytest.raises(LanguageNotHeard):
        tiny_en.transcribe(audio, hints=Hints(language="de"))


@pytest.mark.slow
def test_the_multilingual_base_detects_german_and_hears_it(
    whisper_base: Path, tmp_path: Path
) -> None:
    engine = FasterWhisperTranscriber(str(whisper_base), workers=2)
    assert engine.model == "base" and engine.multilingual
    german = load_audio(speak(GERMAN, tmp_path / "de.wav", language="de"))
    detected = engine.transcribe(german, hints=Hints(language="auto"))
    assert detected.language == "de" and detected.language_requested == "auto"
    assert "Datenbank" in detected.text
    told = engine.transcribe(german, hints=Hints(language="de", people=("Peter",)))
    assert told.language == "de" and told.language_requested == "de"
    assert "Datenbank" in told.text
    english = engine.transcribe(load_audio(speak(ENGLISH, tmp_path / "en.wav")))
    assert english.language == "en" and english.language_requested is None
    assert "migration" in english.text.lower() and "code review" in english.text.lower()
