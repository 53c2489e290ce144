"""The team a request names: every use-case takes its team through here."""

from __future__ import annotations

from api.wiring.services import Services
from handoff.teams import validate_team


def team_name(svc: Services, team: str | None) -> str:
    """The team a request names (the default when it names none), checked to be a slug."""
    return validate_team(team or svc.settings.default_team)
