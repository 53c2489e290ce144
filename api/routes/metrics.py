"""Metrics over HTTP and as a page, and the citation links of answers (which count as followed).

`GET /api/teams/{team}/metrics?since=&until=&person=&within_days=&format=json|csv` answers every
metric of the period; `/teams/{team}/metrics` is the leads' page with its charts. Both are for
the team's leads (the policy table says so): per-person figures are a lead's to read.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from api.deps import ServicesDep, TeamPath
from api.metrics_page import panels, short_day, tiles
from api.usecases import metrics, questions
from handoff.errors import InvalidInput

router = APIRouter(tags=["metrics"])
pages = APIRouter()

SINCE = Query(default=None, description="Start of the period (default: 28 days before `until`).")
UNTIL = Query(default=None, description="End of the period (default: now).")
PERSON = Query(default=None, max_length=200, description="Only this person's figures (by name).")
WITHIN = Query(
    default=None,
    ge=1,
    le=365,
    description="Days within which a superseded decision counts as re-litigated (default 14).",
)


@router.get(
    "/teams/{team}/metrics",
    summary="The team's protocol metrics for a period, as JSON or CSV",
)
async def team_metrics(
    team: TeamPath,
    svc: ServicesDep,
    since: datetime | None = SINCE,
    until: datetime | None = UNTIL,
    person: str | None = PERSON,
    within_days: int | None = WITHIN,
    format: Literal["json", "csv"] = "json",
) -> Any:
    report = await run_in_threadpool(
        metrics.report,
        svc,
        team,
        since=since,
        until=until,
        person=person,
        within_days=within_days,
    )
    if format == "csv":
        return PlainTextResponse(
            report.to_csv(),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{team}-metrics.csv"'},
        )
    return report.to_json()


#: The page's period choices, in days.
PERIODS = (7, 28, 90, 182)


@pages.get("/teams/{team}/metrics", response_class=HTMLResponse)
async def team_metrics_page(
    request: Request,
    team: TeamPath,
    svc: ServicesDep,
    days: int = Query(default=28, ge=1, le=366, description="The period: the last N days."),
    until: date | None = Query(default=None, description="The period's last day (UTC)."),
    person: str | None = PERSON,
) -> Response:
    from api.routes.web import render

    end = (
        datetime.combine(until + timedelta(days=1), time(), tzinfo=UTC)
        if until is not None
        else datetime.now(UTC)
    )
    report = await run_in_threadpool(
        metrics.report, svc, team, since=end - timedelta(days=days), until=end, person=person
    )
    names = await run_in_threadpool(metrics.people, svc, team)
    context: dict[str, Any] = {
        "team": team,
        "report": report,
        "tiles": tiles(report),
        "panels": panels(report),
        "people": names,
        "person": report.scope.person or "",
        "days": days,
        "periods": PERIODS,
        "until": until.isoformat() if until else "",
        "short_day": short_day,
        "export": _export_query(report.scope.since, report.scope.until, report.scope.person),
    }
    return render(request, "metrics.html", context)


def _export_query(since: datetime, until: datetime, person: str | None) -> str:
    from urllib.parse import urlencode

    params = {"since": since.isoformat(), "until": until.isoformat()}
    if person:
        params["person"] = person
    return urlencode(params)


@pages.get("/handoffs/{handoff_id}/cited")
async def cited(
    handoff_id: str,
    request: Request,
    svc: ServicesDep,
    q: int = Query(ge=1, le=2**63 - 1, description="The question whose answer cited it."),
    t: float | None = Query(default=None, ge=0, description="The moment in the clip."),
) -> Response:
    """A citation link of an answer: counts one followed citation, then shows the handoff."""
    team = getattr(request.state, "team", None)
    if not isinstance(team, str):
        raise InvalidInput("The handoff's team is not known.")
    await run_in_threadpool(questions.follow_citation, svc, team, q)
    where = f"/handoffs/{handoff_id}" + (f"?t={t:g}" if t is not None else "")
    return RedirectResponse(where, status_code=303)


ops = APIRouter()


@ops.get("/metrics/prometheus", include_in_schema=False)
async def prometheus(svc: ServicesDep) -> Response:
    """Operators' metrics (jobs, durations, queue depth, notification failures) in the
    Prometheus text format; the app serves it only while HANDOFF_PROMETHEUS is on."""
    from prometheus_client import CONTENT_TYPE_LATEST

    from api.observability import exposition

    body = await run_in_threadpool(exposition, svc.settings.resolved_database_url)
    return Response(body, media_type=CONTENT_TYPE_LATEST)
