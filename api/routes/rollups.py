"""Rollups over HTTP and as pages: a team's state now for a lead who was away, and a pod's.

`GET /api/teams/{team}/rollup?since=&until=` answers JSON (`?format=markdown` the text a
channel gets); `/teams/{team}/rollup` is the page. A pod's rollup is readable by members of any
of its teams.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, Response
from starlette.concurrency import run_in_threadpool

from api.auth.deps import PrincipalDep
from api.deps import ServicesDep, TeamPath
from api.params import IsoDateTime
from api.usecases import rollups

router = APIRouter(tags=["rollups"])
pages = APIRouter()

PodPath = Path(pattern=r"^[a-z0-9_-]{1,64}$", description="The pod's slug.")
#: With `format=markdown` the rollup is Markdown text.
MARKDOWN: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/json": {}, "text/markdown": {"schema": {"type": "string"}}}}
}
SINCE = Query(default=None, description="Start of the period (default: a day before `until`).")
UNTIL = Query(default=None, description="End of the period, the moment the state is read at.")


@router.get(
    "/teams/{team}/rollup",
    responses=MARKDOWN,
    summary="The team's state now and what changed in the period; every line cites its handoff",
)
async def team_rollup(
    team: TeamPath,
    svc: ServicesDep,
    since: IsoDateTime | None = SINCE,
    until: IsoDateTime | None = UNTIL,
    format: Literal["json", "markdown"] = "json",
) -> Any:
    rollup = await run_in_threadpool(rollups.team, svc, team, since=since, until=until)
    if format == "markdown":
        return PlainTextResponse(rollups.team_text(svc, rollup), media_type="text/markdown")
    return rollup.to_json()


@router.get(
    "/pods/{pod}/rollup",
    responses=MARKDOWN,
    summary="A pod's rollup: blockers waiting on another team first, then each team's",
)
async def pod_rollup(
    svc: ServicesDep,
    principal: PrincipalDep,
    pod: str = PodPath,
    since: IsoDateTime | None = SINCE,
    until: IsoDateTime | None = UNTIL,
    format: Literal["json", "markdown"] = "json",
) -> Any:
    rollup = await run_in_threadpool(
        rollups.pod, svc, pod, readable_teams=principal.teams, since=since, until=until
    )
    if format == "markdown":
        return PlainTextResponse(rollups.pod_text(svc, rollup), media_type="text/markdown")
    return rollup.to_json()


@pages.get("/teams/{team}/rollup", response_class=HTMLResponse)
async def team_rollup_page(request: Request, team: TeamPath, svc: ServicesDep) -> Response:
    from api.routes.web import render

    rollup = await run_in_threadpool(rollups.team, svc, team)
    return render(request, "rollup.html", {"rollups": [rollup], "pod": None, "cross": []})


@pages.get("/pods/{pod}/rollup", response_class=HTMLResponse)
async def pod_rollup_page(
    request: Request, svc: ServicesDep, principal: PrincipalDep, pod: str = PodPath
) -> Response:
    from api.routes.web import render

    rollup = await run_in_threadpool(rollups.pod, svc, pod, readable_teams=principal.teams)
    context: dict[str, Any] = {
        "rollups": rollup.teams,
        "pod": rollup.pod,
        "cross": rollup.cross_team,
    }
    return render(request, "rollup.html", context)
