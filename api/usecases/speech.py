"""Speech: any clip, chat export or wrap as a transcript, guided by the team's vocabulary and in
the team's language (or one upload's); and a team's speech model built ahead of its clips (a
worker does it in the background).

A clip's language is the upload's `language` when it gives one, else the team's setting (kept
with its vocabulary, `handoff vocab language`), else English. A language the configured model
cannot hear is refused (`check_heard`) before an upload is stored, so it is a 422 and not a job
that fails later."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from api.usecases.teams import team_name
from api.usecases.vocabulary import team_vocabulary
from api.wiring.asr import build_transcriber, media_limits, text_limits
from api.wiring.services import Services
from handoff.languages import check_language
from handoff.progress import Progress, quiet
from handoff.vocabulary import TeamVocabulary
from ingest.asr.base import Hints, Preparable, Transcriber, Warmable
from ingest.asr.language import check_heard as engine_hears
from ingest.loader import load_transcript
from ingest.transcript import Transcript

if TYPE_CHECKING:
    from ingest.chat import ChatOptions


def transcribe(
    svc: Services,
    path: Path,
    *,
    progress: Progress = quiet,
    team: str | None = None,
    asr: str | None = None,
    chat: ChatOptions | None = None,
    keep_audio: bool = False,
    language: str | None = None,
) -> Transcript:
    """Any clip, chat export or wrap as a transcript; the team's vocabulary guides the
    recognizer, in `language` (an ISO 639-1 code or `auto`; None: the team's). `keep_audio`
    caches the decoded audio under HOME/cache (for stored uploads)."""
    vocab = team_vocabulary(svc, team_name(svc, team))
    return load_transcript(
        path,
        limits=media_limits(svc.settings),
        text_limits=text_limits(svc.settings),
        progress=progress,
        hints=speech_hints(vocab, language=language),
        chat=chat,
        audio_cache=svc.settings.cache_dir / "audio" if keep_audio else None,
        transcriber=_transcriber(svc, asr) if is_media(path) else None,
    )


def _transcriber(svc: Services, asr: str | None) -> Transcriber:
    """The kept engine, or a new one for a call that names another (`--asr`)."""
    return svc.transcriber if asr is None else build_transcriber(svc.settings, engine=asr)


def check_heard(
    svc: Services,
    path: Path,
    *,
    team: str | None = None,
    language: str | None = None,
    asr: str | None = None,
) -> None:
    """Refuse now (`LanguageNotHeard`: 422, exit 2) a clip in a language the configured model
    cannot hear: `language`, else the team's. English, `auto` and anything that is not media
    pass without building the engine."""
    wanted = spoken_language(svc, team, language)
    if wanted in (None, "en", "auto") or not is_media(path):
        return
    engine_hears(_transcriber(svc, asr), wanted)


def spoken_language(svc: Services, team: str | None, language: str | None) -> str | None:
    """The language a clip is transcribed in: `language` (checked), else the team's setting."""
    if language is not None:
        return check_language(language)
    return team_vocabulary(svc, team_name(svc, team)).language


def is_media(path: Path) -> bool:
    """Whether `path` is media (only then is the engine built; text needs none)."""
    from ingest.loader import detect_kind

    try:
        return detect_kind(path) == "media"
    except Exception:
        return False  # load_transcript says why


def prepare_speech(svc: Services, team: str | None, *, warm: bool = False) -> bool:
    """Build the team's speech model now (None: the one every team without a vocabulary
    shares), so its next clip does not wait for it (about 20 s after the vocabulary changed);
    with `warm`, also start the decoder processes. False when the engine needs no preparing."""
    engine = svc.transcriber
    hints = Hints() if team is None else speech_hints(team_vocabulary(svc, team))
    if warm and isinstance(engine, Warmable):
        engine.warm_up(hints)
        return True
    if isinstance(engine, Preparable):
        engine.prepare(hints)
        return True
    return False


def speech_hints(vocab: TeamVocabulary, *, language: str | None = None) -> Hints:
    """A `TeamVocabulary` as the recognizers' hints (names and aliases, items, ticket prefixes,
    and the language: `language` when given, checked, else the team's)."""
    people = [n for p in vocab.people for n in (p.name, *p.aliases)]
    return Hints(
        people=tuple(people),
        items=tuple([*vocab.items, *vocab.projects]),
        prefixes=tuple(vocab.ticket_prefixes),
        language=check_language(language) if language is not None else vocab.language,
    )
