"""A team's vocabulary over HTTP: the same operations as `handoff vocab ...`.

The vocabulary guides the recognizers (Whisper's prompt, pocketsphinx's language model and
dictionary) and extraction's name normalizing, so a team can teach it names it keeps mishearing.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, BackgroundTasks, Response
from pydantic import BaseModel, Field

from api.auth.deps import Caller, CallerDep
from api.deps import ServicesDep, TeamPath
from api.tasks import vocabulary_changed
from api.usecases import people, vocabulary
from api.usecases.audit import log
from api.wiring.services import Services
from handoff.vocabulary import PersonEntry

router = APIRouter(tags=["vocabulary"])


class PersonBody(BaseModel):
    name: str = Field(min_length=1, max_length=200, description="The person's name as written.")
    handle: str | None = Field(default=None, max_length=100, description="Chat handle, e.g. @maya.")
    aliases: list[str] = Field(
        default_factory=list, max_length=50, description="Other spellings or mishearings."
    )


class LinkBody(BaseModel):
    username: str = Field(min_length=1, max_length=100, description="A team member's account.")


class TermsBody(BaseModel):
    kind: Literal["item", "project", "ticket_prefix"]
    terms: list[str] = Field(min_length=1, max_length=500)


class CorrectionBody(BaseModel):
    heard: str = Field(min_length=1, max_length=200, description="What was transcribed.")
    name: str = Field(min_length=1, max_length=200, description="The known person it meant.")


def _changed(
    background: BackgroundTasks, svc: Services, team: str, caller: Caller, detail: dict[str, Any]
) -> None:
    """Audit the edit; after the response a worker rebuilds the team's speech model before its
    next clip."""
    log(
        svc,
        caller.actor,
        "vocabulary.edit",
        team=team,
        resource=("vocabulary", team),
        detail=detail,
    )
    background.add_task(vocabulary_changed, svc, team)


def _person_json(person: PersonEntry) -> dict[str, Any]:
    return {"name": person.name, "handle": person.handle, "aliases": list(person.aliases)}


@router.get("/teams/{team}/vocabulary", summary="The team's people, items, projects and prefixes")
def get_vocabulary(team: TeamPath, svc: ServicesDep) -> dict[str, Any]:
    """People entries carry `user`: the account the person is linked to, or null."""
    return people.vocabulary_json(svc, team)


@router.post(
    "/teams/{team}/vocabulary/people",
    status_code=201,
    summary="Add a person, or merge a handle and aliases into one already known",
)
def add_person(
    team: TeamPath,
    body: PersonBody,
    svc: ServicesDep,
    background: BackgroundTasks,
    caller: CallerDep,
) -> dict[str, Any]:
    person = vocabulary.add_person(
        svc, team, body.name, handle=body.handle, aliases=body.aliases, actor=caller.actor
    )
    _changed(background, svc, team, caller, {"add_person": person.name})
    return _person_json(person)


@router.post(
    "/teams/{team}/vocabulary/terms",
    status_code=201,
    summary="Add item or project names, or ticket prefixes",
)
def add_terms(
    team: TeamPath,
    body: TermsBody,
    svc: ServicesDep,
    background: BackgroundTasks,
    caller: CallerDep,
) -> dict[str, list[str]]:
    added = vocabulary.add_terms(svc, team, body.kind, body.terms)
    _changed(background, svc, team, caller, {"add_terms": body.kind, "added": added})
    return {"added": added}


@router.post(
    "/teams/{team}/vocabulary/corrections",
    summary="Record that HEARD (as transcribed) means the known person NAME",
)
def add_correction(
    team: TeamPath,
    body: CorrectionBody,
    svc: ServicesDep,
    background: BackgroundTasks,
    caller: CallerDep,
) -> dict[str, Any]:
    person = vocabulary.learn_correction(svc, team, body.heard, body.name)
    _changed(background, svc, team, caller, {"correction": body.heard, "name": person.name})
    return _person_json(person)


@router.delete(
    "/teams/{team}/vocabulary/{value}",
    status_code=204,
    summary="Remove a person (by name) or a term",
)
def remove(
    team: TeamPath, value: str, svc: ServicesDep, background: BackgroundTasks, caller: CallerDep
) -> Response:
    vocabulary.remove(svc, team, value, actor=caller.actor)
    _changed(background, svc, team, caller, {"remove": value[:200]})
    return Response(status_code=204, background=background)


@router.put(
    "/teams/{team}/vocabulary/people/{name}/user",
    summary="Link a person of the vocabulary to a team member's account",
)
def link_person(
    team: TeamPath, name: str, body: LinkBody, svc: ServicesDep, caller: CallerDep
) -> dict[str, Any]:
    """The link is audited (`person.link`); a person already linked is 409 until unlinked."""
    return people.link(svc, team, name, body.username, actor=caller.actor)


@router.delete(
    "/teams/{team}/vocabulary/people/{name}/user",
    status_code=204,
    summary="Unlink a person of the vocabulary from their account",
)
def unlink_person(team: TeamPath, name: str, svc: ServicesDep, caller: CallerDep) -> Response:
    people.unlink(svc, team, name, actor=caller.actor)
    return Response(status_code=204)
