"""Follow-ups: one short question per missing flag of a draft, and the author's answers merged
into it (typed, or a short recording transcribed); the store validates the edit, recomputes the
flags and audits it.

A recorded answer is kept, under HOME/uploads/answers/<digest of the handoff's id>, and its
evidence points into it, so the reviewer can hear what was said, not only read what the
recognizer made of it.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import uuid
from pathlib import Path

from api.usecases import drafting
from api.usecases.speech import transcribe
from api.wiring.asr import media_limits
from api.wiring.services import Services
from handoff.audit import Actor
from handoff.declaration import Evidence
from handoff.errors import InvalidInput, NotFound
from handoff.limits import DeclarationLimits, check_patch, check_text
from handoff.paths import safe_suffix
from handoff.store import Handoff
from ingest.masking import Masked, mask_text, masked_json

#: A follow-up answered by voice is a short clip; a longer one is a new wrap.
ANSWER_CLIP_SECONDS = 120.0
ANSWER_CLIP_NAME = re.compile(r"[0-9a-f]{32}(?:\.[a-z0-9]{1,8})?")


def followups(svc: Services, handoff_id: str, *, team: str | None = None) -> list[dict[str, str]]:
    """The questions the draft's missing fields raise: [{"field", "question"}, ...]."""
    from summarizer.followups import questions

    handoff = svc.store.get(handoff_id, team=team)
    return questions(handoff.declaration) if handoff.declaration else []


def answer_followup(
    svc: Services,
    handoff_id: str,
    *,
    field: str,
    answer: str | None = None,
    recording: Path | None = None,
    actor: str | None = None,
    team: str | None = None,
    audit: Actor | None = None,
) -> Handoff:
    """Merge a typed answer (or a short re-recording, transcribed) into the draft for the flag
    on `field`. A kept clip that the merged answer does not cite, or that belongs to a refused
    answer, is removed again. Secrets in the answer are masked before anything reads it."""
    from summarizer.followups import answer_patch

    limits = DeclarationLimits.from_settings(svc.settings)
    check_text(answer, limits, path="answer")
    handoff = svc.store.get(handoff_id, team=team)
    if handoff.declaration is None:
        raise InvalidInput("This handoff has no draft yet; wait for extraction to finish.")
    evidence, kept = None, None
    masked: list[Masked] = []
    if recording is not None:
        answer, evidence, kept = _heard(svc, handoff, recording, actor)
    if answer:
        answer, masked = mask_text(answer, where=f"answer: {field}")
        if evidence is not None:
            evidence = evidence.model_copy(update={"quote": answer})
    try:
        if not answer:
            raise InvalidInput("Give an answer as text or as a recording.")
        patch = answer_patch(
            handoff.declaration,
            field=field,
            answer=answer,
            context=drafting.context_of(svc, handoff),
            evidence=evidence,
        )
        check_patch(handoff.declaration, patch, limits)
        if kept is not None and kept.name not in json.dumps(patch, default=str):
            kept.unlink(missing_ok=True)  # no evidence kept ("returns_at", "nothing shipped")
        return svc.store.edit(
            handoff_id,
            patch,
            team=handoff.team,
            actor=actor or handoff.author,
            audit=audit,
            audit_action="handoff.answer",
            masked=masked_json(masked),
        )
    except BaseException:
        if kept is not None:
            kept.unlink(missing_ok=True)  # the answer was refused: nothing points at the clip
        raise


def _heard(
    svc: Services, handoff: Handoff, recording: Path, actor: str | None
) -> tuple[str, Evidence, Path | None]:
    """A recorded answer's text, its evidence, and the clip kept for it (None for a text file)."""
    spoken = _check_answer_clip(svc, recording)
    transcript = transcribe(svc, recording, team=handoff.team)
    kept = _keep_answer_clip(svc, recording, handoff) if spoken else None
    evidence = Evidence(
        quote=transcript.text,
        start_s=transcript.segments[0].start_s if transcript.segments else None,
        end_s=transcript.segments[-1].end_s if transcript.segments else None,
        speaker=actor or handoff.author,
        clip=kept.name if kept else None,
    )
    return transcript.text, evidence, kept


def _check_answer_clip(svc: Services, recording: Path) -> bool:
    """Whether a recorded answer is a clip (a text file may answer too), refusing a clip that
    is unusable or longer than `ANSWER_CLIP_SECONDS`, cheaply, before any recognition."""
    from ingest.errors import MediaTooLong
    from ingest.loader import check_media, detect_kind

    if detect_kind(recording) != "media":
        return False
    info = check_media(recording, limits=media_limits(svc.settings))
    if info.duration_s is not None and info.duration_s > ANSWER_CLIP_SECONDS:
        raise MediaTooLong(
            f"A spoken answer can last at most {ANSWER_CLIP_SECONDS:.0f} seconds; this one "
            f"lasts {info.duration_s:.0f}."
        )
    return True


def _keep_answer_clip(svc: Services, recording: Path, handoff: Handoff) -> Path:
    folder = answer_clips_dir(svc, handoff)
    folder.mkdir(parents=True, exist_ok=True)
    dest = folder / f"{uuid.uuid4().hex}{safe_suffix(recording)}"
    shutil.copyfile(recording, dest)
    return dest


def answer_clips_dir(svc: Services, handoff: Handoff) -> Path:
    """Where a handoff's spoken follow-up answers are kept: HOME/uploads/answers/<digest>.

    Imported handoffs may carry ids chosen elsewhere, so the folder is named by a digest of the
    id, never by the id itself."""
    return answer_clips_folder(svc, handoff.id)


def answer_clips_folder(svc: Services, handoff_id: str) -> Path:
    """`answer_clips_dir` from the id alone (retention looks at many handoffs at once)."""
    folder = hashlib.sha256(handoff_id.encode()).hexdigest()[:32]
    return svc.settings.uploads_dir / "answers" / folder


def answer_clip(svc: Services, handoff_id: str, name: str, *, team: str | None = None) -> Path:
    """The stored clip of a spoken answer, by the name its evidence gives."""
    handoff = svc.store.get(handoff_id, team=team)
    path = answer_clips_dir(svc, handoff) / name
    if not ANSWER_CLIP_NAME.fullmatch(name) or not path.is_file():
        raise NotFound(f"Handoff '{handoff_id}' has no answer clip '{name}'.")
    return path
