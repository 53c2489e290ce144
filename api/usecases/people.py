"""People of a team's vocabulary linked to the accounts they are, so "waiting on Sarah" can be
routed to Sarah: shown with the vocabulary, made automatically where the match is certain
(`PeopleLinks.auto_link`), and set or removed by a lead where it is not.

Automatic links are tried whenever either side of a match appears: a person is added to the
vocabulary (by a lead, or learnt from a published handoff) or an account joins the team.
"""

from __future__ import annotations

from typing import Any

from api.usecases.teams import team_name
from api.usecases.vocabulary import show
from api.wiring.services import Services
from handoff.audit import Actor
from handoff.identity.people import PeopleLinks


def people_links(svc: Services) -> PeopleLinks:
    return PeopleLinks(svc.settings.resolved_database_url)


def auto_link(svc: Services, team: str, *, actor: Actor) -> list[tuple[str, str]]:
    """Link the team's people that match one member's account without doubt."""
    return people_links(svc).auto_link(team, actor=actor)


def vocabulary_json(svc: Services, team: str | None) -> dict[str, Any]:
    """The vocabulary's JSON with each person's linked account (`user`: a username, or None)."""
    slug = team_name(svc, team)
    out = dict(show(svc, slug).to_json())
    linked = {k.casefold(): v for k, v in people_links(svc).links(slug).items()}
    out["people"] = [p | {"user": linked.get(p["name"].casefold())} for p in out["people"]]
    return out


def link(
    svc: Services, team: str | None, person: str, username: str, *, actor: Actor
) -> dict[str, Any]:
    """Link a person to a member's account (a lead's decision); the person's entry, with `user`."""
    slug = team_name(svc, team)
    name = people_links(svc).link(slug, person, username, actor=actor)
    return _entry(svc, slug, name)


def unlink(svc: Services, team: str | None, person: str, *, actor: Actor) -> None:
    people_links(svc).unlink(team_name(svc, team), person, actor=actor)


def _entry(svc: Services, team: str, name: str) -> dict[str, Any]:
    people = vocabulary_json(svc, team)["people"]
    return next(p for p in people if p["name"] == name)
