"""From a transcript to a draft declaration: the extraction context (author, team, time, the
team's vocabulary) and extraction itself with the flags recomputed by code. Extracting a stored
handoff again is `api.usecases.posting.reextract`."""

from __future__ import annotations

from datetime import datetime

from api.usecases.teams import team_name
from api.usecases.vocabulary import extraction_vocabulary, team_vocabulary
from api.wiring.services import Services
from handoff.declaration import Declaration
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
    """The configured one-shot extractor's draft (`handoff extract`; the LLM with its offline
    fallback when one is configured), checked (`checked`)."""
    return checked(svc, svc.extractor.extract(transcript, context))


def first_draft(svc: Services, transcript: Transcript, context: ExtractionContext) -> Declaration:
    """The draft a stored wrap gets first: the offline pass in hybrid drafting (the LLM refines
    it afterwards: `api.usecases.refining`), else the one-shot extractor's; checked."""
    return checked(svc, svc.first_pass.extract(transcript, context))


def checked(svc: Services, decl: Declaration) -> Declaration:
    """An extractor's draft with its missing flags computed by code; a draft with more items
    than HANDOFF_MAX_ITEMS is refused (the job fails with that sentence) before storing."""
    decl = with_flags(decl)
    check_declaration(decl, DeclarationLimits.from_settings(svc.settings))
    return decl
