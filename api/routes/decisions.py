"""The team's decision log: a page, JSON, and the ADR export as a zip.

`GET /api/teams/{team}/decisions` answers the log as JSON; `?format=adr` answers a zip of one
Markdown ADR per decision, the same files `handoff decisions export --adr DIR` writes.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from api.deps import ServicesDep, TeamPath
from api.usecases import decisions

router = APIRouter(tags=["decisions"])
pages = APIRouter()


@router.get(
    "/teams/{team}/decisions",
    summary="Every decision with its rationale, status and quote; ?format=adr zips ADRs",
    responses={200: {"content": {"application/zip": {}}}},
)
def list_decisions(
    team: TeamPath,
    svc: ServicesDep,
    format: Literal["json", "adr"] = Query(default="json", description="json, or adr for a zip."),
) -> Any:
    if format == "adr":
        return Response(
            decisions.adr_zip(svc, team),
            media_type="application/zip",
            headers={"Content-Disposition": f'attachment; filename="{team}-decisions.zip"'},
        )
    return [d.to_json() for d in decisions.decision_log(svc, team)]


@pages.get("/teams/{team}/decisions", response_class=HTMLResponse)
def decisions_page(request: Request, team: TeamPath, svc: ServicesDep) -> Response:
    """Newest first: what a lead reads to learn what the team settled and why."""
    from api.routes.web import render

    log = decisions.decision_log(svc, team)
    by_number = {d.number: d for d in log}
    return render(
        request,
        "decisions.html",
        {"team": team, "decisions": list(reversed(log)), "by_number": by_number},
    )
