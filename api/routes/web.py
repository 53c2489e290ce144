"""The web UI: server-rendered pages (Jinja2) made interactive with htmx and a little JavaScript.

Pages: the incoming shift (`/`), posting a wrap (`/post`), reviewing or reading a handoff
(`/handoffs/{id}`), an item's timeline (`/items/{id}`) and asking (`/ask`). Form posts from htmx
return the partial they change; the JSON API does the same work for other clients, through the
same functions.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from api.auth.csrf import csrf_token
from api.auth.deps import CallerDep, IdentityDep, TeamDep
from api.deps import ServicesDep
from api.limits import MAX_ROW_ID
from api.routes.handoffs import answer_by_voice, discard_upload, handoff_json, read_answer_clip
from api.routes.items import item_json
from api.routes.jobs import cancel, get_job, retry
from api.stages import stage_label
from api.tasks import queue_job
from api.usecases import followups, items, lifecycle, protocol
from api.wiring.services import Services
from handoff.declaration import LIST_PARTS, STATUSES
from handoff.errors import InvalidInput, StaleVersion
from handoff.languages import WHISPER_LANGUAGES

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=str(Path(__file__).resolve().parents[1] / "templates"))

#: Part -> (title, main key, the other keys the form edits).
PARTS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "shipped": ("Shipped", "summary", ("refs",)),
    "in_flight": ("In flight", "item", ("status", "summary", "owner", "refs")),
    "decisions": ("Decisions", "decision", ("rationale", "item")),
    "blockers": ("Blockers", "description", ("needed_from", "item", "why_blocking")),
    "next_actions": ("Next actions", "action", ("owner", "item")),
}
LABELS = {
    "summary": "Summary",
    "item": "Item",
    "status": "Status",
    "owner": "Owner",
    "refs": "Refs",
    "decision": "Decision",
    "rationale": "Why",
    "description": "What is blocked",
    "needed_from": "Who can clear it",
    "why_blocking": "Why it blocks",
    "action": "Action",
    "returns_at": "Back online",
    "returns_at_iso": "Back online (resolved)",
    "stated_empty": "Stated empty",
}


def _ago(value: str | datetime | None) -> str:
    if not value:
        return ""
    when = datetime.fromisoformat(value) if isinstance(value, str) else value
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    seconds = (datetime.now(UTC) - when).total_seconds()
    if seconds < 0:
        return "in the future"
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{int(seconds // size)} {unit} ago"
    return "just now"


def _clock(seconds: float | None) -> str:
    if seconds is None:
        return ""
    s = int(seconds)
    return f"{s // 60}:{s % 60:02d}"


def _when(value: str | datetime | None) -> str:
    if not value:
        return ""
    when = datetime.fromisoformat(value) if isinstance(value, str) else value
    return when.strftime("%a %d %b, %H:%M %Z").replace(" UTC", " UTC").strip()


templates.env.filters["ago"] = _ago
templates.env.filters["clock"] = _clock
templates.env.filters["when"] = _when
templates.env.filters["stage_label"] = stage_label
SINGULAR = {
    "shipped": "shipped item",
    "in_flight": "in-flight item",
    "decisions": "decision",
    "blockers": "blocker",
    "next_actions": "next action",
}
templates.env.globals.update(PARTS=PARTS, LABELS=LABELS, STATUSES=STATUSES, SINGULAR=SINGULAR)


def _team(request: Request, svc: Services) -> str:
    return (request.query_params.get("team") or "").strip() or svc.settings.default_team


def render(request: Request, name: str, context: dict[str, Any], status: int = 200) -> Response:
    """A page with who is signed in (the header shows them and a sign-out button) and the
    session's CSRF token (`<meta name="csrf-token">`, sent back by htmx and fetch)."""
    principal = getattr(request.state, "principal", None)
    base = {
        "user": principal.display_name if principal is not None else "",
        "username": principal.username if principal is not None else "",
        "my_teams": principal.teams if principal is not None else [],
        "csrf_token": csrf_token(request) if "session" in request.scope else "",
        "path": request.url.path,
        "inbox_count": _inbox_count(request, principal),
    }
    return templates.TemplateResponse(request, name, base | context, status_code=status)


def _inbox_count(request: Request, principal: Any) -> int:
    """What waits in the signed-in person's inbox (the header's count); 0 when signed out."""
    if principal is None:
        return 0
    from api.deps import get_services

    return protocol.inbox_count(get_services(request.app.state.settings), principal.user_id)


# -- the incoming shift ---------------------------------------------------------------------
def open_blockers(svc: Services, team: str) -> list[dict[str, Any]]:
    """Open blockers from the item ledger, longest-open first."""
    rows = [item_json(i) for i in items.items(svc, team, kind="blocker", state="open")]
    rows.sort(key=lambda r: r.get("first_at") or "")
    return rows


@router.get("/", response_class=HTMLResponse)
def shift(request: Request, svc: ServicesDep) -> Response:
    team = _team(request, svc)
    handoffs = svc.store.list(team=team, limit=30)
    board = open_blockers(svc, team)
    work = [
        i
        for i in (item_json(x) for x in items.items(svc, team, kind="work", limit=40))
        if i.get("state") != "done"
    ][:12]
    principal = getattr(request.state, "principal", None)
    # Only the caller's own teams: another team's name is not shown, not even in a menu.
    teams = sorted({team, *(principal.teams if principal is not None else ())})
    return render(
        request,
        "shift.html",
        {
            "team": team,
            "teams": teams,
            "drafts": [h for h in handoffs if h.status == "draft"],
            "handoffs": [h for h in handoffs if h.status != "draft"],
            "board": board,
            "work": work,
            # handoffs nobody acknowledged by the next shift's start (the team's rule)
            "overdue": {o["handoff_id"] for o in protocol.overdue(svc, team)},
        },
    )


@router.post("/handoffs/{handoff_id}/acknowledge", response_class=HTMLResponse)
async def acknowledge(
    handoff_id: str, request: Request, svc: ServicesDep, caller: CallerDep
) -> Response:
    h = await run_in_threadpool(
        lifecycle.acknowledge, svc, handoff_id, by=caller.name, audit=caller.actor
    )
    return render(request, "_ack.html", {"h": h})


# -- posting a wrap ----------------------------------------------------------------------------
@router.get("/post", response_class=HTMLResponse)
def post_page(request: Request, svc: ServicesDep) -> Response:
    return render(
        request,
        "post.html",
        {
            "team": _team(request, svc),
            "languages": sorted(WHISPER_LANGUAGES),
            "max_seconds": 60,
            "max_bytes": svc.settings.max_upload_bytes,
        },
    )


# -- review ------------------------------------------------------------------------------------
def review_context(svc: Services, handoff_id: str) -> dict[str, Any]:
    h = svc.store.get(handoff_id)
    data = handoff_json(svc, h)
    flags = data["declaration"]["missing"] if data["declaration"] else []
    flagged = defaultdict(list)
    for f in flags:
        flagged[f["field"].split("[")[0].split(".")[0]].append(f)
    marks = llm_marks(h.version, data["refinement"])
    return {"h": h, "data": data, "flags": flags, "flagged": flagged, "llm_marks": marks}


def llm_marks(version: int, refinement: dict[str, Any] | None) -> dict[str, dict[int, Any]]:
    """Rows of the draft the LLM added or changed (part -> row -> the change, with the offline
    value of each changed field), for the form to highlight: only while the draft is still the
    one the LLM wrote, since after an edit the rows' numbers no longer match."""
    if not refinement or refinement["state"] != "refined":
        return {}
    if version != refinement["result_version"] or not refinement["changes"]:
        return {}
    marks: dict[str, dict[int, Any]] = defaultdict(dict)
    for change in refinement["changes"]["items"]:
        if change["llm_index"] is not None:
            offline = {f["field"]: f["offline"] for f in change["fields"]}
            marks[change["part"]][change["llm_index"]] = {"change": change["change"], **offline}
    return marks


@router.get("/handoffs/{handoff_id}", response_class=HTMLResponse)
def review_page(handoff_id: str, request: Request, svc: ServicesDep) -> Response:
    ctx = review_context(svc, handoff_id)
    ctx["audit"] = svc.store.audit_trail(handoff_id)
    ctx["items"] = protocol.items_of_handoff(svc, handoff_id)  # per-item acknowledge / resolve
    return render(request, "review.html", ctx)


@router.get("/handoffs/{handoff_id}/panel", response_class=HTMLResponse)
def review_panel(handoff_id: str, request: Request, svc: ServicesDep) -> Response:
    ctx = review_context(svc, handoff_id)
    if request.query_params.get("poll") and ctx["h"].declaration is not None:
        # Extraction finished while the page waited: reload it whole (the transcript too).
        return Response(status_code=200, headers={"HX-Refresh": "true"})
    return render(request, "_review.html", ctx)


def form_patch(form: Any, current: dict[str, Any]) -> dict[str, Any]:
    """The changed parts of the declaration from the review form's fields.

    Fields are named `part.row.key`; `part.row._src` is the row's index in the stored
    declaration, so an edited row keeps its evidence. A row whose main text is blank is dropped.
    """
    rows: dict[str, dict[int, dict[str, str]]] = defaultdict(dict)
    for name, value in form.multi_items():
        bits = str(name).split(".")
        if len(bits) == 3 and bits[0] in PARTS and bits[1].isdigit():
            rows[bits[0]].setdefault(int(bits[1]), {})[bits[2]] = str(value)
    patch: dict[str, Any] = {}
    for part in form.getlist("parts"):
        if part not in PARTS:
            continue
        _, main, others = PARTS[part]
        entries = []
        for _, fields in sorted(rows.get(part, {}).items()):
            if not fields.get(main, "").strip():
                continue
            src = fields.get("_src", "")
            old = current[part][int(src)] if src.isdigit() and int(src) < len(current[part]) else {}
            entry: dict[str, Any] = {"evidence": old.get("evidence", [])}
            entry[main] = fields[main].strip()
            for key in others:
                value = fields.get(key, "").strip()
                if key == "refs":
                    refs = value.replace(";", ",").split(",")
                    entry[key] = [r.strip() for r in refs if r.strip()]
                elif key == "status":
                    entry[key] = value or "in_progress"
                else:
                    entry[key] = value or None
            entries.append(entry)
        if _comparable(entries) != _comparable(current[part]):
            patch[part] = entries
    returns_at = str(form.get("returns_at") or "").strip() or None
    if "returns_at" in form and returns_at != current.get("returns_at"):
        patch["returns_at"] = returns_at
    return patch


def _comparable(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {k: v for k, v in e.items() if k != "evidence" and v not in (None, [], "")} for e in entries
    ]


def form_version(form: Any) -> int | None:
    """The version the review form was rendered from (its hidden `version` field)."""
    value = str(form.get("version") or "").strip()
    return int(value) if value.isascii() and value.isdigit() and len(value) < 12 else None


def stale_page(request: Request, svc: Services, handoff_id: str) -> Response:
    """A write from a page that showed an older version: 412 with the current review panel,
    saying someone else changed it (htmx swaps it in place of the panel: app.js); a plain
    form gets the whole review page."""
    ctx = review_context(svc, handoff_id)
    ctx["conflict"] = (
        "Someone else changed this handoff while you had it open; your change was not saved."
    )
    if not request.headers.get("hx-request"):
        ctx["audit"] = svc.store.audit_trail(handoff_id)
        return render(request, "review.html", ctx, status=412)
    page = render(request, "_review.html", ctx, status=412)
    page.headers["HX-Retarget"] = "#review"
    page.headers["HX-Reswap"] = "outerHTML"
    return page


@router.post("/handoffs/{handoff_id}/save", response_class=HTMLResponse)
async def save(handoff_id: str, request: Request, svc: ServicesDep, caller: CallerDep) -> Response:
    form = await request.form()

    def work() -> dict[str, Any]:
        h = svc.store.get(handoff_id)
        current = h.declaration.to_json() if h.declaration else {key: [] for key in LIST_PARTS}
        patch = form_patch(form, current)
        version = form_version(form)
        if patch:
            lifecycle.edit(
                svc,
                handoff_id,
                patch,
                actor=caller.name,
                audit=caller.actor,
                expected_version=version,
            )
        ctx = review_context(svc, handoff_id)
        ctx["notice"] = "Saved." if patch else "No changes to save."
        return ctx

    try:
        return render(request, "_review.html", await run_in_threadpool(work))
    except StaleVersion:
        return await run_in_threadpool(stale_page, request, svc, handoff_id)


@router.post("/handoffs/{handoff_id}/answer", response_class=HTMLResponse)
async def answer(
    handoff_id: str, request: Request, svc: ServicesDep, caller: CallerDep
) -> Response:
    form = await request.form()
    field = str(form.get("field") or "")
    text = str(form.get("answer") or "").strip()
    if not text:
        raise InvalidInput("Type an answer first.")

    def work() -> dict[str, Any]:
        followups.answer_followup(
            svc, handoff_id, field=field, answer=text, actor=caller.name, audit=caller.actor
        )
        ctx = review_context(svc, handoff_id)
        ctx["notice"] = "Answer recorded."
        return ctx

    return render(request, "_review.html", await run_in_threadpool(work))


@router.post("/handoffs/{handoff_id}/answer-recording", response_class=HTMLResponse)
async def answer_recording(
    handoff_id: str, request: Request, svc: ServicesDep, caller: CallerDep
) -> Response:
    """A follow-up answered with a clip recorded (or chosen) next to its question."""
    field, clip = await read_answer_clip(request, svc)

    def work() -> dict[str, Any]:
        before = _clip_quotes(svc.store.get(handoff_id))
        h = answer_by_voice(svc, handoff_id, field=field, clip=clip, by=caller)
        heard = [quote for name, quote in _clip_quotes(h) if (name, quote) not in before]
        if field == "returns_at" and h.declaration and h.declaration.returns_at:
            heard = [h.declaration.returns_at]  # the time read from it: it has no evidence list
        ctx = review_context(svc, handoff_id)
        ctx["notice"] = f"Answer recorded: “{heard[0]}”." if heard else "Answer recorded."
        return ctx

    try:
        return render(request, "_review.html", await run_in_threadpool(work))
    finally:
        discard_upload(clip)


def _clip_quotes(h: Any) -> list[tuple[str, str]]:
    """(clip, quote) of every spoken answer in a draft: what the recognizer made of each."""
    if h.declaration is None:
        return []
    return [
        (ev.clip, ev.quote)
        for part in LIST_PARTS
        for entry in getattr(h.declaration, part)
        for ev in entry.evidence
        if ev.clip
    ]


def _go(request: Request, target: str) -> Response:
    """Where to go next: htmx follows HX-Redirect, a plain form a 303."""
    if request.headers.get("hx-request"):
        return Response(status_code=204, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


@router.post("/handoffs/{handoff_id}/publish")
async def publish(
    handoff_id: str, request: Request, svc: ServicesDep, caller: CallerDep
) -> Response:
    form = await request.form()
    reason = str(form.get("force_reason") or "").strip() or None

    def work() -> None:
        handoff = lifecycle.publish(
            svc,
            handoff_id,
            actor=caller.name,
            force_reason=reason,
            index=False,
            audit=caller.actor,
            expected_version=form_version(form),
        )
        queue_job(svc, "index_handoff", handoff)  # the page does not wait for the index

    try:
        await run_in_threadpool(work)
    except StaleVersion:
        return await run_in_threadpool(stale_page, request, svc, handoff_id)
    return _go(request, f"/handoffs/{handoff_id}")


@router.post("/handoffs/{handoff_id}/unpublish")
async def unpublish(
    handoff_id: str, request: Request, svc: ServicesDep, caller: CallerDep
) -> Response:
    who: dict[str, Any] = {"actor": caller.name, "audit": caller.actor}
    await run_in_threadpool(lifecycle.unpublish, svc, handoff_id, **who)
    return _go(request, f"/handoffs/{handoff_id}")


@router.post("/handoffs/{handoff_id}/delete")
async def delete(
    handoff_id: str, request: Request, svc: ServicesDep, caller: CallerDep
) -> Response:
    who: dict[str, Any] = {"actor": caller.name, "audit": caller.actor}
    h = await run_in_threadpool(lifecycle.delete, svc, handoff_id, **who)
    return _go(request, f"/?team={h.team}")


# -- following a job -------------------------------------------------------------------------
def _follow(request: Request, job: dict[str, Any]) -> Response:
    """A job's progress block (`_job.html`), which polls this route while the job runs: the one
    way pages follow a job. A finished job sends the page to its handoff instead, as does one
    refining its draft with the LLM (hybrid drafting): the draft is there to review already."""
    drafted = job["state"] == "done" or (job["state"] == "running" and job["stage"] == "refining")
    if drafted and job["handoff_id"]:
        return _go(request, f"/handoffs/{job['handoff_id']}")
    return render(request, "_job.html", {"job": job})


@router.get("/jobs/{job_id}", response_class=HTMLResponse)
def job_state(job_id: str, request: Request, svc: ServicesDep) -> Response:
    return _follow(request, get_job(job_id, svc))


@router.post("/jobs/{job_id}/retry", response_class=HTMLResponse)
def job_retry(job_id: str, request: Request, svc: ServicesDep, caller: CallerDep) -> Response:
    return _follow(request, retry(svc, job_id, caller))


@router.post("/jobs/{job_id}/cancel", response_class=HTMLResponse)
def job_cancel(job_id: str, request: Request, svc: ServicesDep, caller: CallerDep) -> Response:
    return _follow(request, cancel(svc, job_id, caller))


# -- items and asking ------------------------------------------------------------------------
@router.get("/items/{item_id}", response_class=HTMLResponse)
def item_page(item_id: str, request: Request, svc: ServicesDep) -> Response:
    item = item_json(items.item(svc, item_id))
    return render(request, "item.html", {"item": item})


@router.get("/ask", response_class=HTMLResponse)
def ask_page(request: Request, svc: ServicesDep) -> Response:
    return render(
        request,
        "ask.html",
        {"team": _team(request, svc), "question": request.query_params.get("q", "")},
    )


# -- the team's audit log (leads) --------------------------------------------------------------
@router.get("/teams/{team}/audit", response_class=HTMLResponse)
def audit_page(
    request: Request,
    team: TeamDep,
    identity: IdentityDep,
    before: Annotated[int | None, Query(ge=1, le=MAX_ROW_ID)] = None,
) -> Response:
    """The team's audit log, newest first (the JSON route and `handoff audit` read the same)."""
    entries = identity.audit.entries(team=team, before_id=before, limit=100)
    older = entries[-1].id if len(entries) == 100 else None
    return render(request, "audit.html", {"team": team, "entries": entries, "older": older})
