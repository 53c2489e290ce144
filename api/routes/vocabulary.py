"""A team's vocabulary over HTTP: the same operations as `handoff vocab ...`.

The vocabulary guides the recognizers (Whisper's prompt, pocketsphinx's language model and
dictionary) and extraction's name normalizing, so a team can teach it names it keeps mishearing.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, BackgroundTasks, Response
from pydantic import BaseModel, Field

from api.deps import ServicesDep, TeamPath
from handoff.errors import NotFound

router = APIRouter(tags=["vocabulary"])


class PersonBody(BaseModel):
    name: str = Field(min_length=1, max_length=200, description="The person's name as written.")
    handle: str | None = Field(default=None, max_length=100, description="Chat handle, e.g. @maya.")
    aliases: list[str] = Field(
        default_factory=list, max_length=50, description="Other spellings or mishearings."
    )


class TermsBody(BaseModel):
    kind: Literal["item", "project", "ticket_prefix"]
    terms: list[str] = Field(min_length=1, max_length=500)


class CorrectionBody(BaseModel):
    heard: str = Field(min_length=1, max_length=200, description="What was transcribed.")
    name: str = Field(min_length=1, max_length=200, description="The known person it meant.")


def _changed(background: BackgroundTasks, svc: Any, team: str) -> None:
    """After the response: a worker rebuilds the team's speech model before its next clip."""
    from api.tasks import vocabulary_changed

    background.add_task(vocabulary_changed, svc, team)


def _person_json(person: Any) -> dict[str, Any]:
    return {"name": person.name, "handle": person.handle, "aliases": list(person.aliases)}


@router.get("/teams/{team}/vocabulary", summary="The team's people, items, projects and prefixes")
def get_vocabulary(team: TeamPath, svc: ServicesDep) -> dict[str, Any]:
    return dict(svc.vocabulary.get(team).to_json())


@router.post(
    "/teams/{team}/vocabulary/people",
    status_code=201,
    summary="Add a person, or merge a handle and aliases into one already known",
)
def add_person(
    team: TeamPath, body: PersonBody, svc: ServicesDep, background: BackgroundTasks
) -> dict[str, Any]:
    person = svc.vocabulary.add_person(team, body.name, handle=body.handle, aliases=body.aliases)
    _changed(background, svc, team)
    return _person_json(person)


@router.post(
    "/teams/{team}/vocabulary/terms",
    status_code=201,
    summary="Add item or project names, or ticket prefixes",
)
def add_terms(
    team: TeamPath, body: TermsBody, svc: ServicesDep, background: BackgroundTasks
) -> dict[str, list[str]]:
    # Validate every term before storing any, so a bad one leaves the vocabulary as it was.
    from handoff.vocabulary import check_term

    terms = [check_term(body.kind, t) for t in body.terms]
    added = [svc.vocabulary.add_term(team, body.kind, t) for t in terms]
    _changed(background, svc, team)
    return {"added": added}


@router.post(
    "/teams/{team}/vocabulary/corrections",
    summary="Record that HEARD (as transcribed) means the known person NAME",
)
def add_correction(
    team: TeamPath, body: CorrectionBody, svc: ServicesDep, background: BackgroundTasks
) -> dict[str, Any]:
    person = svc.vocabulary.learn_correction(team, body.heard, body.name)
    if person is None:
        raise NotFound(
            f"{body.name!r} is not a person in the {team} team's vocabulary; add them first."
        )
    _changed(background, svc, team)
    return _person_json(person)


@router.delete(
    "/teams/{team}/vocabulary/{value}",
    status_code=204,
    summary="Remove a person (by name) or a term",
)
def remove(team: TeamPath, value: str, svc: ServicesDep, background: BackgroundTasks) -> Response:
    svc.vocabulary.remove(team, value)
    _changed(background, svc, team)
    return Response(status_code=204, background=background)
