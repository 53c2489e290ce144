"""A team's retention rules over HTTP (lead only): the same as `handoff retention show|set`.

GET /api/teams/{team}/retention   the rules ({"media_days", "handoff_days"}; null = for ever)
PUT /api/teams/{team}/retention   replace them (audited)
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from api.auth.deps import CallerDep
from api.deps import ServicesDep, TeamPath
from api.usecases import retention
from handoff.retention import MAX_DAYS

router = APIRouter(tags=["retention"])


class RetentionBody(BaseModel):
    media_days: int | None = Field(
        default=None,
        ge=1,
        le=MAX_DAYS,
        description="Delete kept uploads and spoken answers this many days after the wrap was "
        "recorded (declarations and transcripts stay); null keeps them.",
    )
    handoff_days: int | None = Field(
        default=None,
        ge=1,
        le=MAX_DAYS,
        description="Delete whole handoffs this many days after they were recorded; null keeps "
        "them.",
    )


@router.get("/teams/{team}/retention", summary="The team's retention rules (lead)")
def get_retention(team: TeamPath, svc: ServicesDep) -> dict[str, Any]:
    return retention.show(svc, team).to_json()


@router.put("/teams/{team}/retention", summary="Set the team's retention rules (lead)")
def put_retention(
    team: TeamPath, body: RetentionBody, svc: ServicesDep, caller: CallerDep
) -> dict[str, Any]:
    rules = retention.set_rules(
        svc,
        team,
        media_days=body.media_days,
        handoff_days=body.handoff_days,
        actor=caller.actor,
    )
    return rules.to_json()
