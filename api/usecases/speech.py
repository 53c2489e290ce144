"""Speech: any clip, chat export or wrap as a transcript, guided by the team's vocabulary; and a
team's speech model built ahead of its clips (a worker does it in the background)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from api.usecases.teams import team_name
from api.usecases.vocabulary import team_vocabulary
from api.wiring.asr import build_transcriber, media_limits, text_limits
from api.wiring.services import Services
from handoff.progress import Progress, quiet
from handoff.vocabulary import TeamVocabulary
from ingest.asr.base import Hints, Preparable, Transcriber, Warmable
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
) -> Transcript:
    """Any clip, chat export or wrap as a transcript; the team's vocabulary guides the
    recognizer. `keep_audio` caches the decoded audio under HOME/cache (for stored uploads)."""
    return load_transcript(
        path,
        limits=media_limits(svc.settings),
        text_limits=text_limits(svc.settings),
        progress=progress,
        hints=speech_hints(team_vocabulary(svc, team_name(svc, team))),
        chat=chat,
        audio_cache=svc.settings.cache_dir / "audio" if keep_audio else None,
        transcriber=_transcriber(svc, asr) if is_media(path) else None,
    )


def _transcriber(svc: Services, asr: str | None) -> Transcriber:
    """The kept engine, or a new one for a call that names another (`--asr`)."""
    return svc.transcriber if asr is None else build_transcriber(svc.settings, engine=asr)


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


def speech_hints(vocab: TeamVocabulary) -> Hints:
    """A `TeamVocabulary` as the recognizers' hints (names and aliases, items, ticket prefixes)."""
    people = [n for p in vocab.people for n in (p.name, *p.aliases)]
    return Hints(
        people=tuple(people),
        items=tuple([*vocab.items, *vocab.projects]),
        prefixes=tuple(vocab.ticket_prefixes),
    )
