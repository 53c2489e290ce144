"""A team's vocabulary: people (with handles and the ways they get misheard), item and project
names, ticket prefixes, and the language its clips are in. It guides the recognizers and
extraction's name normalizing; the routes under /api/teams/{team}/vocabulary and
`handoff vocab ...` change it through these functions."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from api.usecases.teams import team_name
from api.wiring.services import Services
from handoff.audit import Actor
from handoff.errors import HandoffError, NotFound
from handoff.identity.people import PeopleLinks
from handoff.vocabulary import PersonEntry, TeamVocabulary, check_term
from summarizer.base import Person, Vocabulary


def team_vocabulary(svc: Services, team: str) -> TeamVocabulary:
    """The team's vocabulary; empty (and no database created) while there is no database."""
    url = svc.settings.resolved_database_url
    if url.startswith("sqlite") and not Path(url.split("///", 1)[-1]).exists():
        return TeamVocabulary(team=team)
    return svc.vocabulary.get(team)


def extraction_vocabulary(vocab: TeamVocabulary) -> Vocabulary:
    """A `TeamVocabulary` as extraction's `Vocabulary` (so "Shivon" can become "Siobhan")."""
    return Vocabulary(
        people=tuple(Person(p.name, p.handle, tuple(p.aliases)) for p in vocab.people),
        items=tuple([*vocab.items, *vocab.projects]),
        ticket_prefixes=tuple(vocab.ticket_prefixes),
    )


def show(svc: Services, team: str | None) -> TeamVocabulary:
    return svc.vocabulary.get(team_name(svc, team))


def add_person(
    svc: Services,
    team: str | None,
    name: str,
    *,
    handle: str | None = None,
    aliases: Iterable[str] = (),
    actor: Actor | None = None,
) -> PersonEntry:
    """Add a person, or merge a handle and aliases into one already known; a team member
    whose account is certainly this person is linked to them at once (`actor` did it)."""
    team = team_name(svc, team)
    person = svc.vocabulary.add_person(team, name, handle=handle, aliases=tuple(aliases))
    PeopleLinks(svc.settings.resolved_database_url).auto_link(team, actor=actor or Actor.operator())
    return person


def add_terms(svc: Services, team: str | None, kind: str, terms: Iterable[str]) -> list[str]:
    """Add item or project names or ticket prefixes; every term is checked before any is stored,
    so a bad one leaves the vocabulary as it was."""
    team = team_name(svc, team)
    checked = [check_term(kind, t) for t in terms]
    return [svc.vocabulary.add_term(team, kind, t) for t in checked]


def learn_correction(svc: Services, team: str | None, heard: str, name: str) -> PersonEntry:
    """Record that HEARD (as transcribed) means the known person NAME."""
    team = team_name(svc, team)
    person = svc.vocabulary.learn_correction(team, heard, name)
    if person is None:
        raise NotFound(f"{name!r} is not a person in the {team} team's vocabulary; add them first.")
    return person


def remove(svc: Services, team: str | None, value: str, *, actor: Actor | None = None) -> None:
    """Remove a person (by name) or a term; a removed person's account link goes with them."""
    team = team_name(svc, team)
    svc.vocabulary.remove(team, value)
    PeopleLinks(svc.settings.resolved_database_url).forget(
        team, value, actor=actor or Actor.operator()
    )


def set_language(svc: Services, team: str | None, language: str | None) -> dict[str, Any]:
    """Set the language the team's clips are transcribed in (an ISO 639-1 code, `auto`, or None
    for English). The setting is kept even when the configured speech model cannot hear it (a
    lead may set it before the model is pulled); `warning` then says what to change, and the
    team's clips are refused with the same sentence until then."""
    from ingest.asr.language import check_heard

    code = svc.vocabulary.set_language(team_name(svc, team), language)
    out: dict[str, Any] = {"language": code or "en"}
    if code not in (None, "en", "auto"):
        try:
            check_heard(svc.transcriber, code)
        except HandoffError as exc:  # not heard, or no engine at all: said, not refused
            out["warning"] = str(exc)
    return out
