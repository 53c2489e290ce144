"""Typed FastAPI dependencies."""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated

from fastapi import Depends, Path, Request

from api.services import Services, build_services
from handoff.settings import Settings
from handoff.teams import TEAM_PATTERN


@lru_cache(maxsize=4)
def get_services(settings: Settings) -> Services:
    """One `Services` per settings per process (the web app, a worker, a test)."""
    return build_services(settings)


def services_dep(request: Request) -> Services:
    return get_services(request.app.state.settings)


ServicesDep = Annotated[Services, Depends(services_dep)]


TeamPath = Annotated[str, Path(pattern=TEAM_PATTERN, description="The team's slug.")]
