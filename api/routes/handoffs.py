"""Routes over handoffs (first pass: text wraps; uploads and jobs come with the web app)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel

from api.deps import ServicesDep

router = APIRouter(tags=["handoffs"])


class TextWrap(BaseModel):
    text: str
    author: str | None = None
    team: str | None = None
    recorded_at: datetime | None = None


class AskBody(BaseModel):
    question: str
    team: str | None = None
    as_of: datetime | None = None


class PublishBody(BaseModel):
    force_reason: str | None = None
    by: str | None = None


def handoff_json(svc: Any, handoff_id: str) -> dict[str, Any]:
    h = svc.store.get(handoff_id)
    return {
        **h.summary_json(),
        "declaration": h.declaration.to_json() if h.declaration else None,
        "transcript": {
            "text": (h.transcript or {}).get("text", ""),
            "segments": (h.transcript or {}).get("segments", []),
        },
        "media_url": None,
    }


@router.post("/handoffs/text", status_code=201)
def create_from_text(body: TextWrap, svc: ServicesDep) -> dict[str, Any]:
    h = svc.ingest_text(body.text, author=body.author, team=body.team, recorded_at=body.recorded_at)
    return handoff_json(svc, h.id)


@router.get("/handoffs/{handoff_id}")
def get_handoff(handoff_id: str, svc: ServicesDep) -> dict[str, Any]:
    return handoff_json(svc, handoff_id)


@router.post("/handoffs/{handoff_id}/publish")
def publish(handoff_id: str, svc: ServicesDep, body: PublishBody | None = None) -> dict[str, Any]:
    body = body or PublishBody()
    svc.publish(handoff_id, actor=body.by, force_reason=body.force_reason)
    return handoff_json(svc, handoff_id)


@router.post("/ask")
def ask(body: AskBody, svc: ServicesDep) -> dict[str, Any]:
    return svc.ask(body.question, team=body.team, as_of=body.as_of)
