"""The protocol's pages: the inbox ("Needs you"), per-item actions (forms the handoff, item and
incoming-shift pages include), the person's settings and a team's settings (leads).

The forms post here; each answers the re-rendered actions partial to htmx, or goes back to the
page it came from for a plain form.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool

from api.auth.deps import CallerDep, PrincipalDep, TeamDep
from api.deps import ServicesDep, TeamPath
from api.routes.web import render
from api.usecases import protocol
from handoff.errors import HandoffError
from handoff.protocol.hours import WEEKDAYS

pages = APIRouter(include_in_schema=False)
MAX_FORM_FIELDS = 40


@pages.get("/inbox", response_class=HTMLResponse)
def inbox_page(request: Request, svc: ServicesDep, principal: PrincipalDep) -> Response:
    box = protocol.inbox_of(svc, principal.user_id, teams=principal.teams)
    return render(request, "inbox.html", {"box": box})


async def _form(request: Request) -> dict[str, str]:
    async with request.form(max_files=0, max_fields=MAX_FORM_FIELDS) as form:
        return {k: str(v) for k, v in form.items() if isinstance(v, str)}


def _after(request: Request, item: dict[str, Any], message: str, error: bool = False) -> Response:
    if request.headers.get("hx-request"):
        return render(request, "_item_actions.html", {"it": item, "said": message, "error": error})
    return RedirectResponse(_back(request, f"/items/{item['id']}"), status_code=303)


def _back(request: Request, default: str) -> str:
    """The page the form was on, when it is this site's (never another site: no open redirect)."""
    back = request.headers.get("referer") or default
    base = str(request.base_url)
    if back.startswith(base):
        back = "/" + back[len(base) :]
    if not back.startswith("/") or back.startswith("//") or "\\" in back:
        return default
    return back


async def _item_action(
    request: Request, item_id: str, work: Any, done: str, kind: str = "", state: str = "open"
) -> Response:
    item = {"id": item_id, "kind": kind, "state": state}
    try:
        await run_in_threadpool(work)
    except HandoffError as exc:
        if not request.headers.get("hx-request"):
            raise
        return _after(request, item, str(exc), error=True)
    return _after(request, item | {"state": "done"}, done)


@pages.post("/items/{item_id}/acknowledge")
async def ack_form(
    item_id: str, request: Request, svc: ServicesDep, caller: CallerDep, team: TeamDep
) -> Response:
    form = await _form(request)
    return await _item_action(
        request,
        item_id,
        lambda: protocol.acknowledge(
            svc,
            item_id,
            team=team,
            user_id=caller.user_id,
            actor=caller.actor,
            read_back=form.get("read_back") or None,
        ),
        "You have it.",
    )


@pages.post("/items/{item_id}/resolve")
async def resolve_form(
    item_id: str, request: Request, svc: ServicesDep, caller: CallerDep, team: TeamDep
) -> Response:
    form = await _form(request)
    return await _item_action(
        request,
        item_id,
        lambda: protocol.resolve(
            svc,
            item_id,
            team=team,
            user_id=caller.user_id,
            actor=caller.actor,
            note=form.get("note", ""),
        ),
        "Resolved; whoever raised it is told.",
    )


@pages.post("/items/{item_id}/not-mine")
async def not_mine_form(
    item_id: str, request: Request, svc: ServicesDep, caller: CallerDep, team: TeamDep
) -> Response:
    form = await _form(request)
    return await _item_action(
        request,
        item_id,
        lambda: protocol.not_mine(
            svc,
            item_id,
            team=team,
            user_id=caller.user_id,
            actor=caller.actor,
            belongs_to=form.get("belongs_to", ""),
        ),
        "Passed on.",
    )


@pages.post("/items/{item_id}/reassign")
async def reassign_form(
    item_id: str, request: Request, svc: ServicesDep, caller: CallerDep, team: TeamDep
) -> Response:
    form = await _form(request)
    return await _item_action(
        request,
        item_id,
        lambda: protocol.reassign(
            svc,
            item_id,
            team=team,
            user_id=caller.user_id,
            actor=caller.actor,
            to=form.get("to", ""),
        ),
        "Routed to them.",
    )


# -- settings ------------------------------------------------------------------------------------
@pages.get("/settings", response_class=HTMLResponse)
def settings_page(request: Request, svc: ServicesDep, principal: PrincipalDep) -> Response:
    return _settings(request, svc, principal.user_id, saved=False)


def _settings(
    request: Request, svc: Any, user_id: str, *, saved: bool, error: str = ""
) -> Response:
    profile = protocol.profile_of(svc, user_id)
    ctx = {"profile": profile, "weekdays": WEEKDAYS, "saved": saved, "error": error}
    return render(request, "settings.html", ctx, status=422 if error else 200)


def profile_patch(form: dict[str, str]) -> dict[str, Any]:
    """The settings form as a profile update: a weekday with both times empty is not worked."""
    hours: dict[str, list[str] | None] = {}
    for day in WEEKDAYS:
        start, end = form.get(f"{day}_start", "").strip(), form.get(f"{day}_end", "").strip()
        hours[day] = [start, end] if start or end else None
    days_off = [d.strip() for d in form.get("days_off", "").replace(",", "\n").splitlines()]
    hooks = [u.strip() for u in form.get("webhooks", "").splitlines() if u.strip()]
    return {
        "timezone": form.get("timezone", "UTC").strip() or "UTC",
        "hours": hours,
        "days_off": [d for d in days_off if d],
        "channels": {
            "email": form.get("email", ""),
            "slack_user_id": form.get("slack_user_id", ""),
            "webhooks": hooks,
        },
    }


@pages.post("/settings", response_class=HTMLResponse)
async def save_settings(request: Request, svc: ServicesDep, caller: CallerDep) -> Response:
    form = await _form(request)
    try:
        await run_in_threadpool(
            protocol.set_profile, svc, caller.user_id, profile_patch(form), actor=caller.actor
        )
    except HandoffError as exc:
        return _settings(request, svc, caller.user_id, saved=False, error=str(exc))
    return _settings(request, svc, caller.user_id, saved=True)


@pages.get("/teams/{team}/settings", response_class=HTMLResponse)
def team_settings_page(team: TeamPath, request: Request, svc: ServicesDep) -> Response:
    ctx = {"team": team, "rules": protocol.rules_of(svc, team), "saved": False, "error": ""}
    return render(request, "team_settings.html", ctx)


@pages.post("/teams/{team}/settings", response_class=HTMLResponse)
async def save_team_settings(
    team: TeamPath, request: Request, svc: ServicesDep, caller: CallerDep
) -> Response:
    form = await _form(request)
    patch = {
        "escalate_after_hours": form.get("escalate_after_hours") or "4",
        "reminder_minutes": form.get("reminder_minutes") or "30",
        "flag_unacknowledged": form.get("flag_unacknowledged") == "on",
        "slack_channel": form.get("slack_channel", ""),
        "team_email": form.get("team_email", ""),
        "webhook_url": form.get("webhook_url", ""),
        "rollup_times": form.get("rollup_times", ""),
        "rollup_timezone": form.get("rollup_timezone", "") or "UTC",
    }
    error = ""
    try:
        await run_in_threadpool(protocol.set_rules, svc, team, patch, actor=caller.actor)
    except (HandoffError, ValueError) as exc:
        error = str(exc) if isinstance(exc, HandoffError) else "Hours and minutes are numbers."
    ctx = {"team": team, "rules": protocol.rules_of(svc, team), "saved": not error, "error": error}
    return render(request, "team_settings.html", ctx, status=422 if error else 200)
