"""Hybrid drafting over HTTP: taking the LLM's suggestion into a draft (the JSON API and the
review page's buttons), and the review page's block that follows a refinement while it runs
(`api.usecases.refining`).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field

from api.auth.deps import CallerDep
from api.deps import ServicesDep
from api.limits import MAX_ROW_ID
from api.params import IfMatch, etag, expected_version
from api.routes.handoffs import handoff_json
from api.routes.web import form_version, render, review_context, stale_page
from api.usecases import refining
from handoff.errors import StaleVersion

router = APIRouter(tags=["handoffs"])
pages = APIRouter(include_in_schema=False)


class ApplySuggestionBody(BaseModel):
    parts: list[refining.ApplicablePart] | None = Field(
        default=None,
        description="The parts of the LLM's suggestion to take (all when left out): list parts "
        "and 'returns_at'.",
    )


@router.post(
    "/handoffs/{handoff_id}/suggestion/apply",
    summary="Take the LLM's suggestion (hybrid drafting) into the draft, whole or part by part",
)
def apply_suggestion(
    handoff_id: str,
    svc: ServicesDep,
    caller: CallerDep,
    response: Response,
    body: ApplySuggestionBody | None = None,
    if_match: IfMatch = None,
) -> dict[str, Any]:
    """409 when there is no suggestion (the LLM's draft replaced the offline one, or none came),
    412 when If-Match names an older version."""
    edited = refining.apply_suggestion(
        svc,
        handoff_id,
        parts=(body.parts if body else None),
        actor=caller.name,
        audit=caller.actor,
        expected_version=expected_version(if_match),
    )
    response.headers["ETag"] = etag(edited)
    return handoff_json(svc, edited)


@pages.get("/handoffs/{handoff_id}/refinement", response_class=HTMLResponse)
def refinement_state(
    handoff_id: str,
    request: Request,
    svc: ServicesDep,
    shown: Annotated[int | None, Query(ge=0, le=MAX_ROW_ID)] = None,
) -> Response:
    """Where the LLM's refinement stands (`_refinement.html`), polled while it runs. It never
    swaps the form a reviewer may be typing in: a draft the LLM replaced says so, with a link
    to show it (`shown` is the version the page shows)."""
    ctx = review_context(svc, handoff_id)
    return render(request, "_refinement.html", ctx | {"shown": shown, "polled": True})


@pages.post("/handoffs/{handoff_id}/suggestion/apply", response_class=HTMLResponse)
async def apply_suggestion_page(
    handoff_id: str, request: Request, svc: ServicesDep, caller: CallerDep
) -> Response:
    """The LLM's suggestion taken into the draft, whole or one part (the form's `parts`)."""
    form = await request.form()
    parts = [str(p) for p in form.getlist("parts")]

    def work() -> dict[str, Any]:
        refining.apply_suggestion(
            svc,
            handoff_id,
            parts=parts,
            actor=caller.name,
            audit=caller.actor,
            expected_version=form_version(form),
        )
        ctx = review_context(svc, handoff_id)
        ctx["notice"] = "The LLM's suggestion was applied" + (
            f" ({', '.join(parts)})." if parts else "."
        )
        return ctx

    try:
        return render(request, "_review.html", await run_in_threadpool(work))
    except StaleVersion:
        return await run_in_threadpool(stale_page, request, svc, handoff_id)
