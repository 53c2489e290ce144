"""Posting a wrap: typed text, a clip, a voice note or a chat export becomes a stored draft.

Two ways, one path through transcription and extraction:

- at once (the CLI's `ingest`, imports): transcribe and extract first, store after, so bad media
  never leaves a record behind (`ingest_text`, `ingest_file`);
- stored first, worked on in a worker (the web app and the API): `accept_wrap` keeps the text or
  the upload durably and refuses what can never be read; `process_wrap` fills in the draft.

In hybrid drafting (an LLM configured, `HANDOFF_LLM_MODE=hybrid`) the draft stored is the offline
one and the LLM refines it next (`api.usecases.refining`): in the job, after `process_wrap`, or at
once for the commands that store and print (`ingest_*`, `reextract`).

An upload is kept unchanged under HOME/uploads/files, named by the server (`keep_upload`).
"""

from __future__ import annotations

import hashlib
import shutil
import uuid
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from api.usecases import drafting, refining
from api.usecases.speech import transcribe
from api.usecases.teams import team_name
from api.wiring.asr import media_limits
from api.wiring.services import Services
from handoff.audit import Actor
from handoff.errors import InvalidInput
from handoff.limits import DeclarationLimits, check_text
from handoff.paths import safe_suffix
from handoff.progress import Progress, quiet
from handoff.store import Handoff
from ingest.errors import TextTooLong
from ingest.masking import mask_text, mask_transcript, masked_json

if TYPE_CHECKING:
    from ingest.chat import ChatOptions

SourceKind = Literal["text", "media", "chat"]


def keep_upload(svc: Services, path: Path) -> tuple[Path, str]:
    """Copy an upload, unchanged, to HOME/uploads/files/<uuid><suffix>; returns its path and
    SHA-256. Every part of the name is the server's: the suffix is one the server recognizes,
    never the client's file name."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    dest_dir = svc.settings.uploads_dir / "files"
    dest_dir.mkdir(parents=True, exist_ok=True)
    dest = dest_dir / f"{uuid.uuid4().hex}{safe_suffix(path)}"
    shutil.copyfile(path, dest)
    return dest, digest.hexdigest()


def _checked(svc: Services, team: str | None, author: str | None) -> str:
    """The team's checked name; an author name over HANDOFF_MAX_NAME_CHARS is refused."""
    check_text({"author": author}, DeclarationLimits.from_settings(svc.settings))
    return team_name(svc, team)


def check_wrap_text(svc: Services, text: str) -> None:
    """A wrap longer than HANDOFF_MAX_TEXT_CHARS is refused (413) before anything is stored."""
    if len(text) > svc.settings.max_text_chars:
        raise TextTooLong(
            f"The wrap is longer than {svc.settings.max_text_chars:,} characters "
            "(HANDOFF_MAX_TEXT_CHARS)."
        )


def ingest_text(
    svc: Services,
    text: str,
    *,
    author: str | None,
    team: str | None,
    recorded_at: datetime | None,
    handoff_id: str | None = None,
) -> Handoff:
    """Extract a typed wrap and store the draft; secrets in it are masked first."""
    from ingest.text import transcript_from_text

    team = _checked(svc, team, author)
    check_wrap_text(svc, text)
    text, masked = mask_text(text, where="wrap")
    transcript = transcript_from_text(text)
    context = drafting.context(svc, author=author, team=team, recorded_at=recorded_at)
    decl = drafting.first_draft(svc, transcript, context)
    stored = svc.store.create(
        team=team,
        author=author,
        recorded_at=recorded_at,
        source_kind="text",
        source_text=text,
        transcript=transcript.to_json(),
        declaration=decl,
        handoff_id=handoff_id,
        actor=author,
        masked=masked_json(masked),
    )
    return refining.refine_now(svc, stored)


def ingest_file(
    svc: Services,
    path: Path,
    *,
    author: str | None,
    team: str | None,
    recorded_at: datetime | None,
    progress: Progress = quiet,
    chat: ChatOptions | None = None,
    language: str | None = None,
) -> Handoff:
    """Transcribe and extract first, store after: bad media never leaves a record behind.
    `chat` picks a channel and time range of a chat export; `language` is a clip's language
    (default: the team's)."""
    team = _checked(svc, team, author)
    transcript = transcribe(
        svc, path, progress=progress, team=team, keep_audio=True, chat=chat, language=language
    )
    transcript, masked = mask_transcript(transcript)
    progress("extract", 0.9)
    context = drafting.context(svc, author=author, team=team, recorded_at=recorded_at)
    decl = drafting.first_draft(svc, transcript, context)
    source_text = source_path = sha = None
    if transcript.source_kind == "text":
        source_text, _ = mask_text(
            path.read_text(encoding="utf-8", errors="replace"), where="wrap"
        )  # what was masked is listed from the transcript
    else:
        kept, sha = keep_upload(svc, path)
        source_path = str(kept)
    stored = svc.store.create(
        team=team,
        author=author,
        recorded_at=recorded_at,
        source_kind=transcript.source_kind,
        source_name=path.name,
        source_path=source_path,
        source_sha256=sha,
        source_text=source_text,
        transcript=transcript.to_json(),
        declaration=decl,
        actor=author,
        masked=masked_json(masked),
    )
    return refining.refine_now(svc, stored)


def accept_wrap(
    svc: Services,
    *,
    author: str | None,
    team: str | None,
    recorded_at: datetime | None,
    text: str | None = None,
    upload: Path | None = None,
    source_name: str | None = None,
    chat: ChatOptions | None = None,
    author_user_id: str | None = None,
    audit: Actor | None = None,
    language: str | None = None,
) -> Handoff:
    """Store a wrap durably (text in the row, a file under HOME/uploads) before any work on it;
    secrets in a pasted text are masked before it is stored.

    The record starts without a declaration; `process_wrap` fills it in, in a worker. `chat`
    picks a channel and time range of an uploaded chat export; it is kept with the handoff so
    the worker and any retry read the same part; so is a clip's `language` (default: the
    team's). Over HTTP the author is the signed-in account (`author_user_id`) and `audit` is who
    posted it, for the audit log.
    """
    team = _checked(svc, team, author)
    who: dict[str, Any] = {"author_user_id": author_user_id, "audit": audit}
    if upload is None:
        if text is None or not text.strip():
            raise InvalidInput("The wrap is empty; paste some text or upload a file.")
        text, masked = mask_text(text, where="wrap")
        return svc.store.create(
            team=team,
            author=author,
            recorded_at=recorded_at,
            source_kind="text",
            source_name=source_name,
            source_text=text,
            actor=author,
            masked=masked_json(masked),
            **who,
        )
    source_kind = _readable_kind(svc, upload, team=team, chat=chat)
    kept, sha = keep_upload(svc, upload)
    return svc.store.create(
        team=team,
        author=author,
        recorded_at=recorded_at,
        source_kind=source_kind,
        source_name=source_name or upload.name,
        source_path=str(kept),
        source_sha256=sha,
        source_options={
            **(chat.to_json() if chat is not None else {}),
            **({"language": language} if language else {}),
        },
        actor=author,
        **who,
    )


def _readable_kind(
    svc: Services, upload: Path, *, team: str, chat: ChatOptions | None
) -> SourceKind:
    """What the upload is, refusing now (4xx, nothing stored) what can never be read rather than
    in a failed job: media with no audio, corrupt, truncated, silent or too long (a probe and a
    bounded decode); text past HANDOFF_MAX_TEXT_CHARS; a chat export past its limits or without
    the channel or time range asked for (reading one, within its limits, is cheap)."""
    from api.wiring.asr import text_limits
    from ingest.archive import check_zip_entries
    from ingest.loader import check_media, detect_kind

    check_zip_entries(upload, text_limits(svc.settings).export)  # before a zip is parsed
    kind = detect_kind(upload)
    source_kind: SourceKind = (
        "media" if kind == "media" else "chat" if kind in ("chat", "slack") else "text"
    )
    if chat is not None and chat.to_json() and source_kind != "chat":
        raise InvalidInput("A channel or time range applies to a chat export, not to this upload.")
    if kind == "media":
        check_media(upload, limits=media_limits(svc.settings))
    else:
        transcribe(svc, upload, team=team, chat=chat)
    return source_kind


def process_wrap(
    svc: Services, handoff_id: str, *, team: str | None = None, progress: Progress = quiet
) -> Handoff:
    """Transcribe and extract a stored wrap and attach the draft (safe to run again); in
    hybrid drafting the draft is the offline one, its refinement noted as due (the job runs
    it next: `refining.run`)."""
    from ingest.text import transcript_from_text

    handoff = svc.store.get(handoff_id, team=team)
    progress("transcribe", 0.05)
    if handoff.source_path:
        from ingest.chat import ChatOptions

        transcript = transcribe(
            svc,
            Path(handoff.source_path),
            progress=progress,
            team=handoff.team,
            keep_audio=True,
            chat=ChatOptions.from_json(handoff.source_options),
            language=(handoff.source_options or {}).get("language"),
        )
    else:
        transcript = transcript_from_text(handoff.source_text or "")
    # a pasted wrap was masked when it was accepted; a clip's or chat export's words are here
    transcript, masked = mask_transcript(transcript)
    progress("extract", 0.9)
    decl = drafting.first_draft(svc, transcript, drafting.context_of(svc, handoff))
    stored = svc.store.set_extraction(
        handoff.team,
        handoff.id,
        transcript=transcript.to_json(),
        declaration=decl,
        masked=masked_json(masked),
    )
    refining.begin(svc, stored)
    return stored


def reextract(
    svc: Services, handoff_id: str, *, team: str | None = None, actor: str | None = None
) -> Handoff:
    """Run extraction again on the stored transcript (after an LLM timeout, or a new model): the
    same path as a posted wrap's, the LLM's refinement waited for."""
    from ingest.transcript import Transcript

    handoff = svc.store.get(handoff_id, team=team)
    if not handoff.transcript:
        raise InvalidInput("This handoff has no transcript to extract from.")
    transcript = Transcript.model_validate(handoff.transcript)
    decl = drafting.first_draft(svc, transcript, drafting.context_of(svc, handoff))
    stored = svc.store.set_extraction(
        handoff.team, handoff_id, transcript=None, declaration=decl, actor=actor or "system"
    )
    if svc.refiner is None:
        svc.refinements.forget(stored.id)  # an earlier refinement no longer describes the draft
        return stored
    return refining.refine_now(svc, stored)
