"""A team's vocabulary over HTTP: the same operations as `handoff vocab ...`.

The vocabulary guides the recognizers (Whisper's prompt, pocketsphinx's language model and
dictionary) and extraction's name normalizing, so a team can teach it names it keeps mishearing.
It also holds the language the team's clips are in (`PUT .../vocabulary/language`).
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, BackgroundTasks, Response
from pydantic import BaseModel, Field, field_validator

from api.auth.deps import Caller, CallerDep
from api.deps import ServicesDep, TeamPath
from api.tasks import vocabulary_changed
from api.usecases import people, vocabulary
from api.usecases.audit import log
from api.wiring.services import Services
from handoff.errors import InvalidInput
from handoff.languages import CHOICES, check_language
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


class LanguageBody(BaseModel):
    language: str | None = Field(
        description="An ISO 639-1 code Whisper knows (en, de, ...), 'auto' (Whisper detects "
        "it), or null (English).",
        json_schema_extra={"enum": [*CHOICES, None]},
    )

    @field_validator("language")
    @classmethod
    def _known(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                check_language(value)
            except InvalidInput as exc:
                raise ValueError(str(exc).rstrip(".")) from exc
        return value


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


@router.put(
    "/teams/{team}/vocabulary/language",
    summary="Set the language the team's clips are transcribed in",
)
def put_language(
    team: TeamPath, body: LanguageBody, svc: ServicesDep, caller: CallerDep
) -> dict[str, Any]:
    """Kept even when the configured speech model cannot hear it; `warning` then says which
    setting to change (until then the team's clips in it are refused with a 422)."""
    out = vocabulary.set_language(svc, team, body.language)
    log(
        svc,
        caller.actor,
        "vocabulary.edit",
        team=team,
        resource=("vocabulary", team),
        detail={"language": out["language"]},
    )
    return out


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
