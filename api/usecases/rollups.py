"""Rollups as people read them: a team's, on demand and for a period, and a pod's.

A pod's rollup is readable by members of any of its teams (it exists to show each team the
others' blockers); anyone else gets the same answer as for a pod that does not exist.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime, timedelta

from api.usecases.teams import team_name
from api.wiring.services import Services
from handoff.errors import InvalidInput, NotFound
from handoff.identity.directory import Directory
from handoff.identity.people import PeopleLinks
from handoff.rollups import Member, PodRollup, TeamRollup, pod_rollup, team_rollup
from handoff.rollups.pods import Pods
from handoff.rollups.render import pod_markdown, team_markdown

#: Without `since`, a rollup covers the last day: what a lead back from a day off reads.
DEFAULT_PERIOD = timedelta(hours=24)
#: The longest period one rollup covers (a longer one is a report, not a rollup).
MAX_PERIOD = timedelta(days=93)


def period(since: datetime | None, until: datetime | None) -> tuple[datetime, datetime]:
    """The rollup's period: `until` defaults to now, `since` to a day before it."""
    end = until or datetime.now(UTC)
    start = since or end - DEFAULT_PERIOD
    if start.tzinfo is None or end.tzinfo is None:
        raise InvalidInput("'since' and 'until' need a time zone, e.g. 2026-11-20T09:00:00+08:00.")
    if start >= end:
        raise InvalidInput("'since' must be before 'until'.")
    if end - start > MAX_PERIOD:
        raise InvalidInput("A rollup covers at most 93 days; pick a later 'since'.")
    return start, end


def members(svc: Services, team: str) -> list[Member]:
    """The team's enabled accounts, by the names wraps use for them."""
    directory = _directory(svc)
    out = []
    for m in directory.members(team):
        user = directory.user_by_id(m.user_id)
        if user is not None and not user.disabled:
            out.append(Member(user.id, user.username, user.display_name))
    return out


def team(
    svc: Services, name: str | None, *, since: datetime | None = None, until: datetime | None = None
) -> TeamRollup:
    slug = team_name(svc, name)
    start, end = period(since, until)
    people = members(svc, slug)
    with svc.store.session() as session:
        return team_rollup(session, slug, since=start, until=end, members=people)


def pod(
    svc: Services,
    slug: str,
    *,
    readable_teams: Collection[str] | None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> PodRollup:
    """The pod's rollup; `readable_teams` None means an operator (every pod)."""
    found = Pods(svc.settings.resolved_database_url).pod(slug)
    if readable_teams is not None and not set(found.teams) & set(readable_teams):
        raise NotFound(f"No pod named '{slug}'.")
    start, end = period(since, until)
    rollups = {t: team(svc, t, since=start, until=end) for t in found.teams}
    names = {t: _names(svc, t) for t in found.teams}
    return pod_rollup(found.slug, rollups, names, since=start, until=end)


def _names(svc: Services, team_slug: str) -> set[str]:
    """Every name the team's members go by: display name, username, linked people's names."""
    names = {n for m in members(svc, team_slug) for n in (m.display_name, m.username)}
    links = PeopleLinks(svc.settings.resolved_database_url).links(team_slug)
    return names | set(links)


def team_text(svc: Services, rollup: TeamRollup) -> str:
    return team_markdown(rollup, base_url=svc.settings.public_url or "")


def pod_text(svc: Services, rollup: PodRollup) -> str:
    return pod_markdown(rollup, base_url=svc.settings.public_url or "")


def _directory(svc: Services) -> Directory:
    settings = svc.settings
    return Directory(
        settings.resolved_database_url, password_min_length=settings.password_min_length
    )
