"""Handoffs over HTTP: post a wrap (202 + job), read, list, edit, answer follow-ups, publish,
acknowledge, and the clip itself.

Routes do not catch domain errors: `api.app` turns every `HandoffError` into `{"detail"}` with its
status code.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Body, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from pydantic import BaseModel, Field, ValidationError
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.auth.deps import Caller, CallerDep
from api.deps import ServicesDep
from api.limits import MAX_OFFSET
from api.params import DeclarationPatch, IfMatch, IsoDateTime, etag, expected_version
from api.tasks import queue_job
from api.usecases import followups, lifecycle, posting, refining, speech
from api.wiring.services import Services
from handoff.errors import HandoffError, InvalidInput, NotFound
from handoff.identity.roles import Role
from handoff.languages import CHOICES, check_language
from handoff.limits import DeclarationLimits, check_text
from handoff.paths import safe_suffix
from handoff.store import Handoff
from handoff.teams import TEAM_PATTERN
from handoff.times import parse_instant
from ingest.chat import ChatOptions

router = APIRouter(tags=["handoffs"])

CHUNK = 1 << 20


class PayloadTooLarge(HandoffError):
    status_code = 413


class UnsupportedMediaType(HandoffError):
    status_code = 415


class TextWrap(BaseModel):
    text: str = Field(min_length=1, description="The wrap as typed or pasted (or a chat thread).")
    author: str | None = Field(
        default=None,
        description="Ignored unless the caller is a reviewer or lead of the team (importing "
        "a teammate's history); otherwise the author is the signed-in user.",
    )
    team: str | None = Field(default=None, pattern=TEAM_PATTERN)
    recorded_at: IsoDateTime | None = None


class Accepted(BaseModel):
    id: str
    job_id: str
    status: Literal["queued"] = "queued"


class PublishBody(BaseModel):
    force_reason: str | None = Field(
        default=None, description="Publish despite missing fields, recording this reason."
    )


class AnswerBody(BaseModel):
    field: str = Field(min_length=1, description="The flag's field, e.g. 'blockers[0].owner'.")
    answer: str = Field(min_length=1, description="The author's answer, in their words.")


def wrap_author(
    request: Request, caller: Caller, named: str | None, svc: Services
) -> dict[str, Any]:
    """Who a posted wrap is by: the signed-in user. A reviewer or lead may name a teammate (to
    import the team's history); the audit row still records the real poster, and the handoff
    is then linked to no account, so only reviewers edit it. A name over HANDOFF_MAX_NAME_CHARS
    is refused (422) whoever sends it, rather than cut or ignored."""
    check_text({"author": named}, DeclarationLimits.from_settings(svc.settings))
    role = getattr(request.state, "role", None)
    if named and role is not None and role >= Role.REVIEWER and named != caller.name:
        return {"author": named, "author_user_id": None, "audit": caller.actor}
    return {"author": caller.name, "author_user_id": caller.user_id, "audit": caller.actor}


def media_url(h: Handoff) -> str | None:
    return f"/media/{h.id}" if h.source_path and h.source_kind != "text" else None


def handoff_json(svc: Services, h: Handoff) -> dict[str, Any]:
    """The contract's shape of one handoff, plus the latest job so a page can follow it."""
    transcript = h.transcript or {}
    jobs = svc.jobs.for_handoff(h.id)
    refinement = svc.refinements.get(h.id)
    return {
        **h.summary_json(),
        "version": h.version,
        "declaration": h.declaration.to_json() if h.declaration else None,
        "transcript": {
            "text": transcript.get("text", h.source_text or ""),
            "segments": [
                {k: v for k, v in seg.items() if k != "words"}
                for seg in transcript.get("segments", [])
            ],
            "duration_s": transcript.get("duration_s"),
            "source_kind": transcript.get("source_kind", h.source_kind),
        },
        "media_url": media_url(h),
        "source_name": h.source_name,
        "force_reason": h.force_reason,
        # secrets masked out before storage: kind and where, never the value (ingest.masking)
        "masked": list(h.masked or []),
        "job": refining.job_json(svc, jobs[0]) if jobs else None,
        # hybrid drafting: the LLM's refinement of the offline draft and what it changed
        "refinement": refinement.to_json() if refinement else None,
    }


def parse_when(value: str | None, svc: Services, name: str = "recorded_at") -> datetime | None:
    if value is None or not str(value).strip():
        return None
    return parse_instant(str(value), default_tz=svc.settings.timezone, label=f"'{name}'")


def content_type(request: Request) -> str:
    """The request's media type, lowercased, without parameters. (A body whose declared length
    is past its limit never gets here: `api.limits` refuses it unread.)"""
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


async def _save_upload(upload: UploadFile, svc: Services) -> Path:
    """Stream the upload to a temporary file next to the uploads, refusing it past the limit.

    The file is `upload<suffix>` in a folder of its own with a random name (the server's, never
    the client's), so a refusal's sentence reads "upload.webm is silent"; `discard_upload`
    removes both."""
    limit = svc.settings.max_upload_bytes
    incoming = svc.settings.uploads_dir / ".incoming"
    await run_in_threadpool(incoming.mkdir, parents=True, exist_ok=True)
    name = Path(tempfile.mkdtemp(dir=incoming)) / f"upload{safe_suffix(upload.filename or '')}"
    size = 0
    try:
        with name.open("xb") as out:
            while chunk := await upload.read(CHUNK):
                size += len(chunk)
                if size > limit:
                    raise PayloadTooLarge(
                        f"The upload is larger than {limit:,} bytes (HANDOFF_MAX_UPLOAD_BYTES)."
                    )
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
    except BaseException:
        discard_upload(name)
        raise
    if size == 0:
        discard_upload(name)
        raise InvalidInput("The uploaded file is empty.")
    return name


def discard_upload(path: Path) -> None:
    """Remove a temporary upload and its folder (`_save_upload`)."""
    path.unlink(missing_ok=True)
    with contextlib.suppress(OSError):
        path.parent.rmdir()


def _accept(svc: Services, **kwargs: Any) -> dict[str, Any]:
    """Store the wrap, record its job and hand the job to the queue; the 202's body."""
    handoff = posting.accept_wrap(svc, **kwargs)
    job = queue_job(svc, "process_wrap", handoff)
    return {"id": handoff.id, "job_id": job.id, "status": "queued"}


def _chat_choice(form: FormData, svc: Services) -> ChatOptions | None:
    """The channel and time range asked for with a chat export upload (None when neither)."""
    channel = _form_text(form, "channel")
    since = parse_when(_form_text(form, "since"), svc, "since")
    until = parse_when(_form_text(form, "until"), svc, "until")
    if channel is None and since is None and until is None:
        return None
    return ChatOptions(channel=channel, since=since, until=until)


@asynccontextmanager
async def _parsed_form(request: Request, svc: Services) -> AsyncIterator[FormData]:
    """The multipart or url-encoded form, its text fields held to HANDOFF_MAX_FORM_BYTES.

    Starlette refuses an oversized part with a 400; a body part too large is a 413 here."""
    limit = svc.settings.max_form_bytes
    try:
        form = await request.form(max_files=1, max_fields=20, max_part_size=limit)
    except StarletteHTTPException as exc:
        if exc.status_code == 400 and str(exc.detail).startswith("Part exceeded maximum size"):
            raise PayloadTooLarge(
                f"A form field is larger than {limit:,} bytes (HANDOFF_MAX_FORM_BYTES)."
            ) from exc
        raise
    try:
        yield form
    finally:
        await form.close()


def _check_text_length(text: str, svc: Services) -> None:
    """A pasted wrap longer than the setting is refused before anything is stored."""
    limit = svc.settings.max_text_chars
    if len(text) > limit:
        raise PayloadTooLarge(
            f"The pasted text is longer than {limit:,} characters (HANDOFF_MAX_TEXT_CHARS)."
        )


def _form_text(form: FormData, name: str) -> str | None:
    value = form.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidInput(f"'{name}' must be a text field, not a file.")
    return value.strip() or None


@router.post(
    "/handoffs",
    status_code=202,
    response_model=Accepted,
    summary="Post a wrap (a file upload or JSON text); extraction runs in the background",
    openapi_extra={
        "requestBody": {
            "content": {
                "application/json": {"schema": TextWrap.model_json_schema()},
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["file"],
                        "properties": {
                            "file": {"type": "string", "format": "binary"},
                            "text": {"type": "string"},
                            "author": {"type": "string"},
                            "team": {"type": "string", "pattern": TEAM_PATTERN},
                            "recorded_at": {"type": "string", "format": "date-time"},
                            "channel": {
                                "type": "string",
                                "description": "Chat export: only this channel.",
                            },
                            "since": {
                                "type": "string",
                                "format": "date-time",
                                "description": "Chat export: only messages from this time on.",
                            },
                            "until": {
                                "type": "string",
                                "format": "date-time",
                                "description": "Chat export: only messages up to this time.",
                            },
                            "language": {
                                "type": "string",
                                "enum": list(CHOICES),
                                "description": "A clip's language: an ISO 639-1 code (en, de, "
                                "...) or auto (detected); default the team's. A language the "
                                "configured speech model cannot hear is refused (422).",
                            },
                        },
                    }
                },
            },
            "required": True,
        }
    },
)
async def post_handoff(request: Request, svc: ServicesDep, caller: CallerDep) -> JSONResponse:
    ctype = content_type(request)
    if ctype == "application/json":
        return JSONResponse(await _accept_json(request, svc, caller), status_code=202)
    if ctype not in ("multipart/form-data", "application/x-www-form-urlencoded"):
        raise UnsupportedMediaType(
            "Send the wrap as multipart/form-data with a 'file', or as JSON with a 'text'."
        )
    return JSONResponse(await _accept_form(request, svc, caller), status_code=202)


async def _accept_json(request: Request, svc: Services, caller: Caller) -> dict[str, Any]:
    """A typed or pasted wrap as JSON (`TextWrap`)."""
    try:
        raw = await request.json()
    except ValueError as exc:
        raise InvalidInput("The request body is not valid JSON.") from exc
    if not isinstance(raw, dict):
        raise InvalidInput("The request body must be a JSON object with a 'text' string.")
    try:
        body = TextWrap.model_validate(raw)
    except ValidationError as exc:
        raise RequestValidationError(exc.errors()) from exc
    if not body.text.strip():
        raise InvalidInput("The wrap is empty; paste some text or upload a file.")
    _check_text_length(body.text, svc)
    recorded_at = body.recorded_at
    if recorded_at is not None and recorded_at.tzinfo is None:
        recorded_at = recorded_at.replace(tzinfo=ZoneInfo(svc.settings.timezone))
    who = wrap_author(request, caller, body.author, svc)
    return await run_in_threadpool(
        _accept, svc, team=body.team, recorded_at=recorded_at, text=body.text, **who
    )


async def _accept_form(request: Request, svc: Services, caller: Caller) -> dict[str, Any]:
    """A wrap as a form: an uploaded file (with a chat export's channel and range), or text."""
    async with _parsed_form(request, svc) as form:
        who = wrap_author(request, caller, _form_text(form, "author"), svc)
        team = _form_text(form, "team")
        recorded_at = parse_when(_form_text(form, "recorded_at"), svc)
        chat = _chat_choice(form, svc)
        language = _form_text(form, "language")
        language = check_language(language) if language else None
        upload = form.get("file")
        if isinstance(upload, UploadFile) and upload.filename:
            path = await _save_upload(upload, svc)
            try:
                await run_in_threadpool(speech.check_heard, svc, path, team=team, language=language)
                return await run_in_threadpool(
                    _accept,
                    svc,
                    team=team,
                    recorded_at=recorded_at,
                    upload=path,
                    source_name=Path(upload.filename).name[:200],
                    chat=chat,
                    language=language,
                    **who,
                )
            finally:
                discard_upload(path)
        text = _form_text(form, "text")
        if not text:
            raise InvalidInput("Attach a 'file' or give the wrap as 'text'.")
        _check_text_length(text, svc)
        if chat is not None:
            raise InvalidInput("A channel or time range applies to an uploaded chat export.")
        return await run_in_threadpool(
            _accept, svc, team=team, recorded_at=recorded_at, text=text, **who
        )


@router.get("/handoffs", summary="List handoffs, newest first")
def list_handoffs(
    svc: ServicesDep,
    team: str | None = None,
    status: Literal["draft", "published", "acknowledged"] | None = None,
    author: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> list[dict[str, Any]]:
    rows = svc.store.list(
        team=team or svc.settings.default_team,
        status=status,
        author=author,
        limit=limit,
        offset=offset,
    )
    return [h.summary_json() for h in rows]


@router.get("/handoffs/{handoff_id}", summary="One handoff: declaration, transcript, media, flags")
def get_handoff(handoff_id: str, svc: ServicesDep, response: Response) -> dict[str, Any]:
    """The `ETag` header is the record's version: send it back in `If-Match` to edit or
    publish only what you read."""
    handoff = svc.store.get(handoff_id)
    response.headers["ETag"] = etag(handoff)
    return handoff_json(svc, handoff)


@router.patch("/handoffs/{handoff_id}", summary="Replace parts of the declaration")
async def patch_handoff(
    handoff_id: str,
    svc: ServicesDep,
    body: Annotated[DeclarationPatch, Body(examples=[{"returns_at": "tomorrow 9am SGT"}])],
    caller: CallerDep,
    request: Request,
    response: Response,
    if_match: IfMatch = None,
) -> dict[str, Any]:
    """`body` documents the shape; the edit itself is read again strictly (no `0` for false,
    no number for a time), so what the document calls invalid is refused."""
    try:
        patch = DeclarationPatch.model_validate_json(await request.body(), strict=True).changes()
    except ValidationError as exc:
        raise RequestValidationError(exc.errors()) from exc
    if not patch:
        raise InvalidInput("The edit is empty; send the fields to replace.")

    def work() -> tuple[Handoff, dict[str, Any]]:
        edited = lifecycle.edit(
            svc,
            handoff_id,
            patch,
            actor=caller.name,
            audit=caller.actor,
            expected_version=expected_version(if_match),
        )
        return edited, handoff_json(svc, edited)

    edited, out = await run_in_threadpool(work)
    response.headers["ETag"] = etag(edited)
    return out


@router.post("/handoffs/{handoff_id}/answers", summary="Answer a missing-field follow-up question")
def answer_followup(
    handoff_id: str, body: AnswerBody, svc: ServicesDep, caller: CallerDep
) -> dict[str, Any]:
    handoff = followups.answer_followup(
        svc,
        handoff_id,
        field=body.field,
        answer=body.answer,
        actor=caller.name,
        audit=caller.actor,
    )
    return handoff_json(svc, handoff)


def answer_by_voice(
    svc: Services, handoff_id: str, *, field: str, clip: Path, by: Caller
) -> Handoff:
    """A follow-up answered with a short clip: only audio or video here (text goes to /answers);
    transcribed with the configured recognizer and merged like a typed answer, its evidence
    pointing into the kept clip."""
    from ingest.loader import detect_kind

    if detect_kind(clip) != "media":
        raise UnsupportedMediaType(
            "Send the spoken answer as an audio or video clip; a typed answer goes to /answers."
        )
    return followups.answer_followup(
        svc, handoff_id, field=field, recording=clip, actor=by.name, audit=by.actor
    )


async def read_answer_clip(request: Request, svc: Services) -> tuple[str, Path]:
    """The field and the saved clip (a temporary file: the caller removes it)."""
    if content_type(request) != "multipart/form-data":
        raise UnsupportedMediaType(
            "Send the spoken answer as multipart/form-data with a 'file' and the 'field'."
        )
    async with request.form(max_files=1, max_fields=10) as form:
        field = _form_text(form, "field")
        upload = form.get("file")
        if not field:
            raise InvalidInput("Say which question this answers: 'field', e.g. 'returns_at'.")
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise InvalidInput("Attach the spoken answer as a 'file' (a short audio clip).")
        return field, await _save_upload(upload, svc)


@router.post(
    "/handoffs/{handoff_id}/answers/recording",
    summary="Answer a missing-field follow-up question with a short recording",
    openapi_extra={
        "requestBody": {
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["file", "field"],
                        "properties": {
                            "file": {"type": "string", "format": "binary"},
                            "field": {"type": "string"},
                        },
                    }
                }
            },
            "required": True,
        }
    },
)
async def answer_followup_recording(
    handoff_id: str, request: Request, svc: ServicesDep, caller: CallerDep
) -> dict[str, Any]:
    field, clip = await read_answer_clip(request, svc)
    try:
        handoff = await run_in_threadpool(
            answer_by_voice, svc, handoff_id, field=field, clip=clip, by=caller
        )
    finally:
        discard_upload(clip)
    return handoff_json(svc, handoff)


@router.post("/handoffs/{handoff_id}/publish", summary="Publish (409 while fields are missing)")
def publish(
    handoff_id: str,
    svc: ServicesDep,
    caller: CallerDep,
    response: Response,
    body: PublishBody | None = None,
    if_match: IfMatch = None,
) -> dict[str, Any]:
    """Atomic: of concurrent publishes of one draft exactly one wins, the others get 409."""
    body = body or PublishBody()
    handoff = lifecycle.publish(
        svc,
        handoff_id,
        actor=caller.name,
        force_reason=body.force_reason,
        index=False,
        audit=caller.actor,
        expected_version=expected_version(if_match),
    )
    job = queue_job(svc, "index_handoff", handoff)  # answered without waiting for the index
    current = svc.store.get(handoff_id)
    response.headers["ETag"] = etag(current)
    return handoff_json(svc, current) | {"index_job_id": job.id}


@router.post(
    "/handoffs/{handoff_id}/unpublish",
    summary="Back to draft: the ledger and the index forget it (409 if it is a draft)",
)
def unpublish(handoff_id: str, svc: ServicesDep, caller: CallerDep) -> dict[str, Any]:
    handoff = lifecycle.unpublish(svc, handoff_id, actor=caller.name, audit=caller.actor)
    return handoff_json(svc, handoff)


@router.delete(
    "/handoffs/{handoff_id}",
    status_code=204,
    summary="Delete a handoff, its upload and its effects on the ledger and the index",
)
def delete(handoff_id: str, svc: ServicesDep, caller: CallerDep) -> Response:
    lifecycle.delete(svc, handoff_id, actor=caller.name, audit=caller.actor)
    return Response(status_code=204)


@router.post(
    "/handoffs/{handoff_id}/acknowledge",
    summary="Record that the signed-in user took over, and when (any body is ignored)",
)
def acknowledge(handoff_id: str, svc: ServicesDep, caller: CallerDep) -> dict[str, Any]:
    acked = lifecycle.acknowledge(svc, handoff_id, by=caller.name, audit=caller.actor)
    return handoff_json(svc, acked)


@router.get("/handoffs/{handoff_id}/audit", summary="The audit trail of one handoff")
def audit(handoff_id: str, svc: ServicesDep) -> list[dict[str, Any]]:
    return svc.store.audit_trail(handoff_id)


media_router = APIRouter(include_in_schema=False)

_MEDIA_TYPES = {
    ".webm": "video/webm",
    ".mp4": "video/mp4",
    ".m4a": "audio/mp4",
    ".mp3": "audio/mpeg",
    ".wav": "audio/wav",
    ".ogg": "audio/ogg",
    ".oga": "audio/ogg",
    ".opus": "audio/ogg",
    ".mov": "video/quicktime",
    ".mkv": "video/x-matroska",
    ".flac": "audio/flac",
}


@media_router.get("/media/{handoff_id}/answers/{name}")
def answer_media(handoff_id: str, name: str, svc: ServicesDep) -> FileResponse:
    """A spoken follow-up answer, by the name its evidence's `clip` gives."""
    path = followups.answer_clip(svc, handoff_id, name)
    return FileResponse(path, media_type=_MEDIA_TYPES.get(path.suffix, "application/octet-stream"))


@media_router.get("/media/{handoff_id}")
def media(handoff_id: str, svc: ServicesDep) -> FileResponse:
    """The clip as uploaded (range requests supported, so the player can seek)."""
    h = svc.store.get(handoff_id)
    if not h.source_path or not Path(h.source_path).is_file():
        raise NotFound(f"Handoff '{handoff_id}' has no clip.")
    path = Path(h.source_path)
    return FileResponse(path, media_type=_MEDIA_TYPES.get(path.suffix, "application/octet-stream"))
