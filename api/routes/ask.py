"""Questions over the published state of the work: a JSON answer, or the same streamed (SSE)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field
from sse_starlette import EventSourceResponse
from starlette.concurrency import iterate_in_threadpool

from api.auth.deps import Caller, CallerDep
from api.deps import ServicesDep
from api.params import IsoDateTime
from api.usecases import questions
from api.wiring.services import Services
from handoff.audit import Actor
from handoff.errors import HandoffError, InvalidInput
from handoff.limits import DeclarationLimits, check_text
from handoff.teams import TEAM_PATTERN

router = APIRouter(tags=["ask"])

MAX_CONVERSATION = 50
"""Most earlier questions a request may carry (each held to HANDOFF_MAX_FIELD_CHARS)."""


class AskBody(BaseModel):
    question: str = Field(min_length=1, description='e.g. "what\'s blocking auth?"')
    team: str | None = Field(default=None, pattern=TEAM_PATTERN)
    as_of: IsoDateTime | None = Field(default=None, description="Answer as things stood then.")
    conversation: list[str] = Field(
        default_factory=list,
        max_length=MAX_CONVERSATION,
        description="Earlier questions of the same conversation.",
    )


def _asker(caller: Caller) -> Actor:
    """Who asked, as the questions log names them: the account and the name people know."""
    return Actor(user_id=caller.user_id, name=caller.name)


def _check(body: AskBody, svc: Services) -> AskBody:
    """Refuse an empty or over-long question (HANDOFF_MAX_FIELD_CHARS, each earlier one too)."""
    if not body.question.strip():
        raise InvalidInput("Ask a question.")
    limits = DeclarationLimits.from_settings(svc.settings)
    check_text({"question": body.question, "conversation": body.conversation}, limits)
    if body.as_of is not None and body.as_of.tzinfo is None:
        raise InvalidInput("'as_of' needs a time zone, e.g. 2026-11-20T09:00:00+08:00.")
    return body


def answer(svc: Services, body: AskBody, asker: Actor | None = None) -> dict[str, Any]:
    return questions.ask(
        svc,
        body.question.strip(),
        team=body.team,
        as_of=body.as_of,
        conversation=body.conversation,
        asker=asker,
    )


@router.post("/ask", summary="Answer a question from published handoffs, with citations")
def ask(body: AskBody, svc: ServicesDep, caller: CallerDep) -> dict[str, Any]:
    return answer(svc, _check(body, svc), _asker(caller))


def _stream(svc: Services, body: AskBody, asker: Actor) -> Iterator[dict[str, Any]]:
    """The answerer's events ({"type": "token", "text"}..., {"type": "done", **answer})."""
    yield from questions.ask_stream(
        svc,
        body.question.strip(),
        team=body.team,
        as_of=body.as_of,
        conversation=body.conversation,
        asker=asker,
    )


async def _events(svc: Services, body: AskBody, asker: Actor) -> AsyncIterator[dict[str, str]]:
    """SSE: `token` events with text pieces, then `citations` and `done` (the whole answer,
    with the `question_id` a followed citation link names)."""
    try:
        async for event in iterate_in_threadpool(_stream(svc, body, asker)):
            if event.get("type") == "token":
                yield {"event": "token", "data": json.dumps(event.get("text", ""))}
            elif event.get("type") == "done":
                result = {k: v for k, v in event.items() if k != "type"}
                yield {"event": "citations", "data": json.dumps(result.get("citations", []))}
                yield {"event": "done", "data": json.dumps(result, default=str)}
    except HandoffError as exc:
        yield {"event": "error", "data": json.dumps({"detail": str(exc)})}


@router.post("/ask/stream", summary="The same answer as server-sent events (token, citations)")
async def ask_stream_post(
    body: AskBody, svc: ServicesDep, caller: CallerDep
) -> EventSourceResponse:
    return EventSourceResponse(_events(svc, _check(body, svc), _asker(caller)))


@router.get("/ask/stream", summary="The streamed answer, for EventSource clients")
async def ask_stream_get(
    svc: ServicesDep,
    caller: CallerDep,
    question: str = Query(min_length=1),
    team: str | None = Query(default=None, pattern=r"^([a-z0-9_-]{1,64})?$"),
    as_of: IsoDateTime | None = None,
    conversation: list[str] = Query(
        default_factory=list,
        max_length=MAX_CONVERSATION,
        description="Earlier questions of the same conversation, in order.",
    ),
) -> EventSourceResponse:
    body = AskBody(question=question, team=team or None, as_of=as_of, conversation=conversation)
    body = _check(body, svc)
    return EventSourceResponse(_events(svc, body, _asker(caller)))
