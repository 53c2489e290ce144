"""Which language a recognizer is told, and refusing one its model cannot hear.

    asked for     the model hears   Whisper is told   the transcript records
    None, en      anything          en                en
    auto          many languages    nothing (detect)  the detected code
    auto          English only      en                en (asked for: auto)
    de, fr, ...   many languages    that code         that code
    de, fr, ...   English only      LanguageNotHeard: 422 over HTTP, exit 2 in the CLI

`check_heard` asks an engine before a clip is stored (its `Multilingual` ability, answered from
the model's files without loading it); `decode_language` is what the engines call while they
transcribe, with the loaded model's own answer.
"""

from __future__ import annotations

from handoff.languages import AUTO, ENGLISH
from ingest.asr.base import Multilingual
from ingest.errors import LanguageNotHeard


def decode_language(
    requested: str | None, *, multilingual: bool, model: str | None, engine: str
) -> str | None:
    """The language to tell Whisper (None: detect it), or `LanguageNotHeard`."""
    if requested is None or requested == ENGLISH:
        return ENGLISH
    if requested == AUTO:
        return None if multilingual else ENGLISH
    if multilingual:
        return requested
    raise LanguageNotHeard(refusal(requested, model=model, engine=engine))


def refusal(requested: str, *, model: str | None, engine: str) -> str:
    """The sentence that says why `requested` cannot be heard, and which settings fix it."""
    pull = "after `handoff models pull whisper-base`"
    if engine == "pocketsphinx":
        return (
            f"The pocketsphinx engine hears English only, so it cannot transcribe {requested!r}; "
            f"set HANDOFF_ASR=faster-whisper and HANDOFF_WHISPER_MODEL=base {pull}."
        )
    return (
        f"The speech model {model or engine} hears English only, so it cannot transcribe "
        f"{requested!r}; set HANDOFF_WHISPER_MODEL=base {pull}."
    )


def check_heard(engine: object, requested: str | None) -> None:
    """Refuse now, before anything is stored or queued, a language `engine` cannot hear.
    An engine without the `Multilingual` ability is taken to hear English only."""
    multilingual = isinstance(engine, Multilingual) and engine.multilingual
    decode_language(
        requested,
        multilingual=multilingual,
        model=getattr(engine, "model", None),
        engine=str(getattr(engine, "name", "speech")),
    )
