"""A pod's rollup for the next time zone: blockers that cross teams first, then each team.

A blocker crosses teams when the person who can clear it belongs to another team of the pod and
not to the blocker's own: those wait on someone the blocked team cannot walk over to, so they are
what a pod's synthesis exists to surface.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from handoff.rollups.compose import Line, TeamRollup
from handoff.text import normalize


@dataclass(frozen=True, slots=True)
class CrossTeamBlocker:
    team: str
    waits_on_team: str
    line: Line

    def to_json(self) -> dict[str, Any]:
        return {"team": self.team, "waits_on_team": self.waits_on_team, **self.line.to_json()}


@dataclass(slots=True)
class PodRollup:
    pod: str
    since: datetime
    until: datetime
    cross_team: list[CrossTeamBlocker] = field(default_factory=list)
    teams: list[TeamRollup] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "pod": self.pod,
            "since": self.since.isoformat(),
            "until": self.until.isoformat(),
            "cross_team_blockers": [b.to_json() for b in self.cross_team],
            "teams": [t.to_json() for t in self.teams],
        }


def pod_rollup(
    pod: str,
    rollups: Mapping[str, TeamRollup],
    people: Mapping[str, set[str]],
    *,
    since: datetime,
    until: datetime,
) -> PodRollup:
    """`rollups` by team; `people[team]` the names (any spelling) its members go by."""
    keys = {team: {normalize(n) for n in names if n.strip()} for team, names in people.items()}
    out = PodRollup(pod=pod, since=since, until=until, teams=[rollups[t] for t in sorted(rollups)])
    for team in sorted(rollups):
        for blocker in rollups[team].blockers:
            other = _owning_team(blocker.who, team, keys)
            if other is not None:
                out.cross_team.append(CrossTeamBlocker(team, other, blocker))
    out.cross_team.sort(key=lambda b: -(b.line.age_hours or 0.0))
    return out


def _owning_team(who: str | None, team: str, keys: Mapping[str, set[str]]) -> str | None:
    """The one other team whose people include `who`, when `who` is not one of `team`'s."""
    key = normalize(who or "")
    if not key or key in keys.get(team, set()):
        return None
    others = [t for t, names in sorted(keys.items()) if t != team and key in names]
    return others[0] if len(others) == 1 else None
