"""A team's metrics for a period (and optionally one person), as leads read and export them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from api.usecases.rollups import members
from api.usecases.teams import team_name
from api.wiring.services import Services
from handoff.errors import InvalidInput
from handoff.metrics import Report, Scope, team_report
from handoff.metrics.scope import RELITIGATED_DAYS

#: Without `since`, metrics cover the four weeks before `until` (default now).
DEFAULT_PERIOD = timedelta(days=28)
#: The longest period one report covers.
MAX_PERIOD = timedelta(days=366)


def scope(
    team: str,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    person: str | None = None,
    within_days: int | None = None,
) -> Scope:
    """The report's scope, with its defaults; one sentence for a bad period."""
    end = until or datetime.now(UTC)
    start = since or end - DEFAULT_PERIOD
    if start.tzinfo is None or end.tzinfo is None:
        raise InvalidInput("'since' and 'until' need a time zone, e.g. 2026-11-20T09:00:00+08:00.")
    if start >= end:
        raise InvalidInput("'since' must be before 'until'.")
    if end - start > MAX_PERIOD:
        raise InvalidInput("Metrics cover at most 366 days; pick a later 'since'.")
    if within_days is not None and not 1 <= within_days <= 365:
        raise InvalidInput("'within_days' must be between 1 and 365.")
    who = (person or "").strip() or None
    if who is not None and len(who) > 200:
        raise InvalidInput("'person' is a name of at most 200 characters.")
    return Scope(team, start, end, who, within_days or RELITIGATED_DAYS)


def report(
    svc: Services,
    team: str | None,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    person: str | None = None,
    within_days: int | None = None,
) -> Report:
    """Every metric of the team over the period, computed from the system of record."""
    wanted = scope(
        team_name(svc, team), since=since, until=until, person=person, within_days=within_days
    )
    with svc.store.session() as session:
        return team_report(session, wanted)


def people(svc: Services, team: str) -> list[str]:
    """The names a lead filters by: the team's members and the authors of its handoffs."""
    names = {m.display_name for m in members(svc, team)} | set(svc.store.authors(team))
    return sorted(names, key=str.lower)
