"""The OpenAPI document says what the API really answers: every error status code each route can
return, each with the one error shape `{"detail": one sentence}`.

FastAPI documents only a route's success and a 422 with its own validation shape (an array under
`detail`), which this API never sends: every error under /api, 422 included, is JSON
`{"detail": "<one sentence a person can act on>"}` (`api.app`); a publish refused for missing
fields adds `missing`, the flags. So the document is post-processed in one place, here:

- every /api operation declares 500 (an unexpected failure: JSON, logged, no traceback);
- a guarded one (the policy table, `api.auth.policy`) declares 401 (not signed in) and 403 (no
  such role); one that reads a team or names a record declares 404 (a team the caller is not in
  answers like a missing record);
- one with parameters or a body declares 422, one with a body 413 (`api.limits`) and, unless it
  takes only JSON, 415 for a body it cannot read;
- the codes a route adds itself (409, 412, 503...) come from its decorator's `responses=`
  (`errors(...)` below), and get the same schema here.

FastAPI's `HTTPValidationError` and `ValidationError` schemas are dropped: nothing returns them.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from api.auth.policy import POLICY, TEAM_ACCESS, Access
from handoff.teams import TEAM_PATTERN

ERROR_REF = {"$ref": "#/components/schemas/Error"}

ERROR_SCHEMA: dict[str, Any] = {
    "title": "Error",
    "type": "object",
    "required": ["detail"],
    "properties": {
        "detail": {
            "type": "string",
            "description": "One sentence saying what went wrong and what to do about it.",
        },
        "missing": {
            "type": "array",
            "items": {"type": "object"},
            "description": "Only on a publish refused for missing fields: the missing flags.",
        },
    },
}

#: What each error status means in this API.
MEANINGS: dict[int, str] = {
    400: "The request cannot be read (a malformed form or header).",
    401: "Not signed in: send a bearer token or sign in.",
    403: "Signed in, but without the role this needs (or a read-only token).",
    404: "No such record, or it belongs to a team the caller is not in.",
    409: "The record is not in a state that allows this (or another writer won the race).",
    412: "If-Match names a version that is no longer current: someone else changed it.",
    413: "The body is larger than its limit (HANDOFF_MAX_*).",
    415: "The body's content type is not one this route reads.",
    422: "The request is not valid; `detail` says which part and why.",
    500: "An unexpected failure on the server (logged; the body never carries a traceback).",
    502: "A service this route depends on answered badly.",
    503: "A service this route depends on (the queue, the language model) is unavailable.",
}

_METHODS = ("get", "post", "put", "patch", "delete")

#: Codes a route answers besides the common ones: a state it refuses (409), a stale If-Match
#: (412), a service it needs that is down (503).
EXTRA: dict[tuple[str, str], tuple[int, ...]] = {
    ("post", "/api/handoffs"): (503,),
    ("patch", "/api/handoffs/{handoff_id}"): (409, 412),
    ("post", "/api/handoffs/{handoff_id}/publish"): (409, 412, 503),
    ("post", "/api/handoffs/{handoff_id}/unpublish"): (409,),
    ("post", "/api/handoffs/{handoff_id}/acknowledge"): (409,),
    ("post", "/api/handoffs/{handoff_id}/answers"): (409,),
    ("post", "/api/handoffs/{handoff_id}/answers/recording"): (409,),
    ("post", "/api/handoffs/{handoff_id}/suggestion/apply"): (409, 412),
    ("post", "/api/jobs/{job_id}/retry"): (409, 503),
    ("post", "/api/jobs/{job_id}/cancel"): (409,),
    ("post", "/api/ask"): (503,),
    ("post", "/api/ask/stream"): (503,),
    ("get", "/api/ask/stream"): (503,),
}

#: Routes whose success is not JSON.
EVENT_STREAM = {("post", "/api/ask/stream"), ("get", "/api/ask/stream")}

#: One server-sent event of an answer: `token` (a piece of text), `citations`, `done` (the
#: whole answer) or `error` (`{"detail"}`); `data` is JSON text.
SSE_EVENT: dict[str, Any] = {
    "type": "object",
    "required": ["event", "data"],
    "properties": {
        "event": {"type": "string", "enum": ["token", "citations", "done", "error"]},
        "data": {"type": "string"},
    },
}

#: A team in the query may be empty (the default team); in the path it is the slug.
_QUERY_TEAM = r"^([a-z0-9_-]{1,64})?$"


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """The `responses=` of a route that can answer these error codes besides the common ones
    (`document` gives them the error schema)."""
    return {code: {"description": MEANINGS[code]} for code in codes}


def _common_codes(method: str, path: str, operation: dict[str, Any]) -> set[int]:
    codes = {500, *EXTRA.get((method, path), ())}
    rule = POLICY.get((method.upper(), path))
    if rule is not None and rule.access is not Access.PUBLIC:
        codes |= {401, 403}
        if rule.access in TEAM_ACCESS:
            codes.add(404)
    if "{" in path:
        codes.add(404)
    body = operation.get("requestBody")
    if operation.get("parameters") or body:
        codes.add(422)
    if body:
        codes |= {400, 413}
        if set(body.get("content", {})) != {"application/json"}:
            codes.add(415)
    return codes


def _error_response(code: int, current: dict[str, Any] | None) -> dict[str, Any]:
    description = MEANINGS.get(code, "An error.")
    if current and current.get("description") not in (None, "", "Validation Error"):
        description = str(current["description"])
    return {"description": description, "content": {"application/json": {"schema": ERROR_REF}}}


def _parameters(operation: dict[str, Any]) -> None:
    """A query parameter is absent or text: it cannot be null (FastAPI says `anyOf [..., null]`
    for an optional one). A `team` parameter is a slug (the routes refuse anything else, 422)."""
    for param in operation.get("parameters", []):
        schema = param.get("schema", {})
        if param.get("in") == "query" and "anyOf" in schema:
            options = [o for o in schema["anyOf"] if o.get("type") != "null"]
            if len(options) == 1:
                schema.update(options[0])
                del schema["anyOf"]
        if param.get("name") != "team" or param.get("in") not in ("path", "query"):
            continue
        pattern = TEAM_PATTERN if param["in"] == "path" else _QUERY_TEAM
        schema = param.setdefault("schema", {})
        for option in schema.get("anyOf", [schema]):
            if option.get("type") == "string":
                option["pattern"] = pattern


def document(schema: dict[str, Any]) -> dict[str, Any]:
    """`schema` with only the JSON API (/api; the pages are not part of it), every operation's
    error codes declared, each with the error shape, and team parameters as slugs."""
    paths = schema.setdefault("paths", {})
    for path in [p for p in paths if not p.startswith("/api")]:
        del paths[path]
    for path, item in paths.items():
        for method in _METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            _parameters(operation)
            responses = operation.setdefault("responses", {})
            if (method, path) in EVENT_STREAM:
                ok = responses.setdefault("200", {"description": "Server-sent events"})
                ok["content"] = {"text/event-stream": {"schema": SSE_EVENT}}
            declared = {int(code) for code in responses if code.isdigit() and int(code) >= 400}
            for code in sorted(declared | _common_codes(method, path, operation)):
                responses[str(code)] = _error_response(code, responses.get(str(code)))
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.pop("HTTPValidationError", None)
    components.pop("ValidationError", None)
    components["Error"] = ERROR_SCHEMA
    return schema


def install_openapi(app: FastAPI) -> None:
    """Serve the post-processed document at /openapi.json (built once, on first request)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document(
                get_openapi(
                    title=app.title,
                    version=app.version,
                    description=app.description,
                    routes=app.routes,
                )
            )
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
