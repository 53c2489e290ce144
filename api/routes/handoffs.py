"""Handoffs over HTTP: post a wrap (202 + job), read, list, edit, answer follow-ups, publish,
acknowledge, and the clip itself.

Routes do not catch domain errors: `api.app` turns every `HandoffError` into `{"detail"}` with its
status code.
"""

from __future__ import annotations

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
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.deps import ServicesDep
from api.services import Services
from api.tasks import enqueue
from handoff.errors import HandoffError, InvalidInput
from handoff.paths import safe_suffix
from handoff.store import Handoff
from handoff.teams import TEAM_PATTERN
from handoff.times import parse_instant

router = APIRouter(tags=["handoffs"])

CHUNK = 1 << 20


class PayloadTooLarge(HandoffError):
    status_code = 413


class UnsupportedMediaType(HandoffError):
    status_code = 415


class TextWrap(BaseModel):
    text: str = Field(min_length=1, description="The wrap as typed or pasted (or a chat thread).")
    author: str | None = None
    team: str | None = Field(default=None, pattern=TEAM_PATTERN)
    recorded_at: datetime | None = None


class Accepted(BaseModel):
    id: str
    job_id: str
    status: Literal["queued"] = "queued"


class PublishBody(BaseModel):
    force_reason: str | None = Field(
        default=None, description="Publish despite missing fields, recording this reason."
    )
    by: str | None = Field(default=None, description="Who is publishing.")


class AcknowledgeBody(BaseModel):
    by: str = Field(min_length=1, description="Who is taking over.")


class AnswerBody(BaseModel):
    field: str = Field(min_length=1, description="The flag's field, e.g. 'blockers[0].owner'.")
    answer: str = Field(min_length=1, description="The author's answer, in their words.")
    by: str | None = None


def media_url(h: Handoff) -> str | None:
    return f"/media/{h.id}" if h.source_path and h.source_kind != "text" else None


def handoff_json(svc: Services, h: Handoff) -> dict[str, Any]:
    """The contract's shape of one handoff, plus the latest job so a page can follow it."""
    transcript = h.transcript or {}
    jobs = svc.jobs.for_handoff(h.id)
    return {
        **h.summary_json(),
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
        "job": jobs[0].to_json() if jobs else None,
    }


def parse_when(value: str | None, svc: Services, name: str = "recorded_at") -> datetime | None:
    if value is None or not str(value).strip():
        return None
    return parse_instant(str(value), default_tz=svc.settings.timezone, label=f"'{name}'")


def upload_type(request: Request, svc: Services) -> str:
    """The request's content type, once a body its declared length puts past the upload limit
    (plus room for the form's other fields) is refused unread."""
    limit = svc.settings.max_upload_bytes
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit + 64 * 1024:
        raise PayloadTooLarge(
            f"The upload is larger than {limit:,} bytes (HANDOFF_MAX_UPLOAD_BYTES)."
        )
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


async def _save_upload(upload: UploadFile, svc: Services) -> Path:
    """Stream the upload to a temporary file next to the uploads, refusing it past the limit."""
    limit = svc.settings.max_upload_bytes
    incoming = svc.settings.uploads_dir / ".incoming"
    await run_in_threadpool(incoming.mkdir, parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=incoming, suffix=safe_suffix(upload.filename or ""))
    size = 0
    try:
        with os.fdopen(fd, "wb") as out:
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
        Path(name).unlink(missing_ok=True)
        raise
    if size == 0:
        Path(name).unlink(missing_ok=True)
        raise InvalidInput("The uploaded file is empty.")
    return Path(name)


def _accept(svc: Services, **kwargs: Any) -> dict[str, Any]:
    """Store the wrap, record its job and hand the job to the queue; the 202's body."""
    handoff = svc.accept_wrap(**kwargs)
    job = svc.jobs.create(team=handoff.team, handoff_id=handoff.id, kind="process_wrap")
    enqueue(svc, job)
    return {"id": handoff.id, "job_id": job.id, "status": "queued"}


def _chat_choice(form: Any, svc: Services) -> Any:
    """The channel and time range asked for with a chat export upload (None when neither)."""
    from ingest.chat import ChatOptions

    channel = _form_text(form, "channel")
    since = parse_when(_form_text(form, "since"), svc, "since")
    until = parse_when(_form_text(form, "until"), svc, "until")
    if channel is None and since is None and until is None:
        return None
    return ChatOptions(channel=channel, since=since, until=until)


@asynccontextmanager
async def _parsed_form(request: Request, svc: Services) -> AsyncIterator[Any]:
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
            f"The pasted text is longer than {limit:,} characters (HANDOFF_MAX_TEXT_CHARS); "
            "upload it as a file instead."
        )


def _form_text(form: Any, name: str) -> str | None:
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
                            "team": {"type": "string"},
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
                        },
                    }
                },
            },
            "required": True,
        }
    },
)
async def post_handoff(request: Request, svc: ServicesDep) -> JSONResponse:
    ctype = upload_type(request, svc)
    if ctype == "application/json":
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
        accepted = await run_in_threadpool(
            _accept,
            svc,
            author=body.author,
            team=body.team,
            recorded_at=recorded_at,
            text=body.text,
        )
        return JSONResponse(accepted, status_code=202)
    if ctype not in ("multipart/form-data", "application/x-www-form-urlencoded"):
        raise UnsupportedMediaType(
            "Send the wrap as multipart/form-data with a 'file', or as JSON with a 'text'."
        )
    async with _parsed_form(request, svc) as form:
        author = _form_text(form, "author")
        team = _form_text(form, "team")
        recorded_at = parse_when(_form_text(form, "recorded_at"), svc)
        chat = _chat_choice(form, svc)
        upload = form.get("file")
        if isinstance(upload, UploadFile) and upload.filename:
            path = await _save_upload(upload, svc)
            try:
                accepted = await run_in_threadpool(
                    _accept,
                    svc,
                    author=author,
                    team=team,
                    recorded_at=recorded_at,
                    upload=path,
                    source_name=Path(upload.filename).name[:200],
                    chat=chat,
                )
            finally:
                path.unlink(missing_ok=True)
        else:
            text = _form_text(form, "text")
            if not text:
                raise InvalidInput("Attach a 'file' or give the wrap as 'text'.")
            _check_text_length(text, svc)
            if chat is not None:
                raise InvalidInput("A channel or time range applies to an uploaded chat export.")
            accepted = await run_in_threadpool(
                _accept, svc, author=author, team=team, recorded_at=recorded_at, text=text
            )
    return JSONResponse(accepted, status_code=202)


@router.get("/handoffs", summary="List handoffs, newest first")
def list_handoffs(
    svc: ServicesDep,
    team: str | None = None,
    status: Literal["draft", "published", "acknowledged"] | None = None,
    author: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
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
def get_handoff(handoff_id: str, svc: ServicesDep) -> dict[str, Any]:
    return handoff_json(svc, svc.store.get(handoff_id))


def edit_handoff(svc: Services, handoff_id: str, patch: dict[str, Any], by: str | None) -> Handoff:
    """Apply a partial declaration (a new spoken return time is resolved by `Services.edit`)."""
    return svc.edit(handoff_id, patch, actor=by)


@router.patch("/handoffs/{handoff_id}", summary="Replace parts of the declaration")
def patch_handoff(
    handoff_id: str,
    svc: ServicesDep,
    patch: Annotated[dict[str, Any], Body(examples=[{"returns_at": "tomorrow 9am SGT"}])],
    by: str | None = Query(default=None, description="Who is editing (recorded in the audit)."),
) -> dict[str, Any]:
    if not patch:
        raise InvalidInput("The edit is empty; send the fields to replace.")
    return handoff_json(svc, edit_handoff(svc, handoff_id, patch, by))


@router.post("/handoffs/{handoff_id}/answers", summary="Answer a missing-field follow-up question")
def answer_followup(handoff_id: str, body: AnswerBody, svc: ServicesDep) -> dict[str, Any]:
    handoff = svc.answer_followup(handoff_id, field=body.field, answer=body.answer, actor=body.by)
    return handoff_json(svc, handoff)


def answer_by_voice(
    svc: Services, handoff_id: str, *, field: str, clip: Path, by: str | None
) -> Handoff:
    """A follow-up answered with a short clip: only audio or video here (text goes to /answers);
    transcribed with the configured recognizer and merged like a typed answer, its evidence
    pointing into the kept clip."""
    from ingest.loader import detect_kind

    if detect_kind(clip) != "media":
        raise UnsupportedMediaType(
            "Send the spoken answer as an audio or video clip; a typed answer goes to /answers."
        )
    return svc.answer_followup(handoff_id, field=field, recording=clip, actor=by)


async def read_answer_clip(request: Request, svc: Services) -> tuple[str, Path, str | None]:
    """The field, the saved clip (a temporary file: the caller removes it) and who answered."""
    if upload_type(request, svc) != "multipart/form-data":
        raise UnsupportedMediaType(
            "Send the spoken answer as multipart/form-data with a 'file' and the 'field'."
        )
    async with request.form(max_files=1, max_fields=10) as form:
        field = _form_text(form, "field")
        by = _form_text(form, "by")
        upload = form.get("file")
        if not field:
            raise InvalidInput("Say which question this answers: 'field', e.g. 'returns_at'.")
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise InvalidInput("Attach the spoken answer as a 'file' (a short audio clip).")
        return field, await _save_upload(upload, svc), by


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
                            "by": {"type": "string"},
                        },
                    }
                }
            },
            "required": True,
        }
    },
)
async def answer_followup_recording(
    handoff_id: str, request: Request, svc: ServicesDep
) -> dict[str, Any]:
    field, clip, by = await read_answer_clip(request, svc)
    try:
        handoff = await run_in_threadpool(
            answer_by_voice, svc, handoff_id, field=field, clip=clip, by=by
        )
    finally:
        clip.unlink(missing_ok=True)
    return handoff_json(svc, handoff)


def publish_then_index(
    svc: Services, handoff_id: str, *, actor: str | None, force_reason: str | None
) -> str:
    """Publish now and queue the indexing (the ledger is updated in the publish itself); returns
    the index job's id."""
    handoff = svc.publish_unindexed(handoff_id, actor=actor, force_reason=force_reason)
    job = svc.jobs.create(team=handoff.team, handoff_id=handoff.id, kind="index_handoff")
    enqueue(svc, job)
    return job.id


@router.post("/handoffs/{handoff_id}/publish", summary="Publish (409 while fields are missing)")
def publish(handoff_id: str, svc: ServicesDep, body: PublishBody | None = None) -> dict[str, Any]:
    body = body or PublishBody()
    job_id = publish_then_index(svc, handoff_id, actor=body.by, force_reason=body.force_reason)
    return handoff_json(svc, svc.store.get(handoff_id)) | {"index_job_id": job_id}


class ActorBody(BaseModel):
    by: str | None = Field(default=None, description="Who is doing it (for the audit trail).")


@router.post(
    "/handoffs/{handoff_id}/unpublish",
    summary="Back to draft: the ledger and the index forget it (409 if it is a draft)",
)
def unpublish(handoff_id: str, svc: ServicesDep, body: ActorBody | None = None) -> dict[str, Any]:
    handoff = svc.unpublish(handoff_id, actor=(body or ActorBody()).by)
    return handoff_json(svc, handoff)


@router.delete(
    "/handoffs/{handoff_id}",
    status_code=204,
    summary="Delete a handoff, its upload and its effects on the ledger and the index",
)
def delete(handoff_id: str, svc: ServicesDep, by: str | None = None) -> Response:
    svc.delete(handoff_id, actor=by)
    return Response(status_code=204)


@router.post("/handoffs/{handoff_id}/acknowledge", summary="Record who took over, and when")
def acknowledge(handoff_id: str, body: AcknowledgeBody, svc: ServicesDep) -> dict[str, Any]:
    return handoff_json(svc, svc.store.acknowledge(handoff_id, by=body.by))


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
    path = svc.answer_clip(handoff_id, name)
    return FileResponse(path, media_type=_MEDIA_TYPES.get(path.suffix, "application/octet-stream"))


@media_router.get("/media/{handoff_id}")
def media(handoff_id: str, svc: ServicesDep) -> FileResponse:
    """The clip as uploaded (range requests supported, so the player can seek)."""
    from handoff.errors import NotFound

    h = svc.store.get(handoff_id)
    if not h.source_path or not Path(h.source_path).is_file():
        raise NotFound(f"Handoff '{handoff_id}' has no clip.")
    path = Path(h.source_path)
    return FileResponse(path, media_type=_MEDIA_TYPES.get(path.suffix, "application/octet-stream"))
