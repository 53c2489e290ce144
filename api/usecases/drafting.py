"""From a transcript to a draft declaration: the extraction context (author, team, time, the
team's vocabulary), extraction itself with the flags recomputed by code, and extracting again."""

from __future__ import annotations

from datetime import datetime

from api.usecases.teams import team_name
from api.usecases.vocabulary import extraction_vocabulary, team_vocabulary
from api.wiring.services import Services
from handoff.declaration import Declaration
from handoff.errors import InvalidInput
from handoff.limits import DeclarationLimits, check_declaration
from handoff.missing import with_flags
from handoff.store import Handoff
from ingest.transcript import Transcript
from summarizer.base import ExtractionContext


def context(
    svc: Services, *, author: str | None, team: str | None, recorded_at: datetime | None
) -> ExtractionContext:
    team = team_name(svc, team)
    return ExtractionContext(
        author=author,
        team=team,
        recorded_at=recorded_at,
        timezone=svc.settings.timezone,
        vocabulary=extraction_vocabulary(team_vocabulary(svc, team)),
    )


def context_of(svc: Services, handoff: Handoff) -> ExtractionContext:
    """The context a stored handoff was (or will be) extracted in."""
    return context(svc, author=handoff.author, team=handoff.team, recorded_at=handoff.recorded_at)


def extract(svc: Services, transcript: Transcript, context: ExtractionContext) -> Declaration:
    """The configured extractor's draft, its missing flags computed by code; a draft with more
    items than HANDOFF_MAX_ITEMS is refused (the job fails with that sentence) before storing."""
    decl = with_flags(svc.extractor.extract(transcript, context))
    check_declaration(decl, DeclarationLimits.from_settings(svc.settings))
    return decl


def reextract(
    svc: Services, handoff_id: str, *, team: str | None = None, actor: str | None = None
) -> Handoff:
    """Run extraction again on the stored transcript (after an LLM timeout, or a new model)."""
    handoff = svc.store.get(handoff_id, team=team)
    if not handoff.transcript:
        raise InvalidInput("This handoff has no transcript to extract from.")
    transcript = Transcript.model_validate(handoff.transcript)
    decl = extract(svc, transcript, context_of(svc, handoff))
    return svc.store.set_extraction(
        handoff.team, handoff_id, transcript=None, declaration=decl, actor=actor or "system"
    )
