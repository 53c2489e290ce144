"""The FastAPI application: JSON API under /api, OpenAPI docs at /docs, the web UI at /.

Errors are turned into responses in one place: under /api every error is JSON `{"detail": one
sentence}` with its 4xx/5xx status (a refused publish adds `missing`); elsewhere it is a page.
That holds for 422 (the first problem as a sentence, not FastAPI's list) and for an unexpected
exception (500, logged with its traceback; the body never carries it). `api.openapi` makes the
OpenAPI document say so, route by route.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import compile_path

from api.limits import BodyLimitMiddleware
from api.openapi import install_openapi
from handoff.errors import HandoffError, PublishRefused
from handoff.settings import Settings, get_settings

log = logging.getLogger(__name__)
HERE = Path(__file__).parent


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api") or request.url.path.startswith("/media")


def validation_sentence(exc: RequestValidationError) -> str:
    """The first validation problem as one sentence a person can act on."""
    errors = list(exc.errors())
    if not errors:
        return "The request is not valid."
    first = errors[0]
    loc = [str(p) for p in first.get("loc", ()) if p not in ("body", "query", "path")]
    where = ".".join(loc)
    msg = str(first.get("msg", "is not valid")).rstrip(".")
    if first.get("type") == "missing":
        return f"'{where}' is required." if where else "The request body is required."
    if first.get("type") in ("json_invalid", "model_attributes_type", "dict_type"):
        return "The request body must be a JSON object."
    return f"Invalid value at '{where}': {msg}." if where else f"{msg}."


def allowed_methods(app: FastAPI, request: Request) -> str:
    """The `Allow` header of a 405 (RFC 9110): the methods of the resource the path names,
    i.e. of the most specific route template that matches it, as the OpenAPI document lists
    them. (Starlette's own names only the first route's method.)"""
    from api.auth.policy import app_routes

    path = request.url.path
    by_template: dict[str, set[str]] = {}
    for route in app_routes(app):
        by_template.setdefault(route.path, set()).add(route.method)
    matching = [t for t in by_template if compile_path(t)[0].match(path)]
    if not matching:
        return ""
    template = max(matching, key=lambda t: len(re.sub(r"\{[^}]*\}", "", t)))
    return ", ".join(sorted(by_template[template]))


def _error_page(request: Request, status: int, detail: str) -> Response:
    from api.routes.web import render

    # The same header as every page: who is signed in, and the way to sign out.
    return render(request, "error.html", {"status": status, "detail": detail}, status=status)


def create_app(settings: Settings | None = None) -> FastAPI:
    """The app with identities mounted: `install_security` runs before any route exists, so the
    policy dependency guards every route added after it (`api.auth.policy.POLICY`)."""
    from api.auth.security import install_security

    app = FastAPI(
        title="handoff",
        description="Turns end-of-shift wraps into handoffs the next shift can trust.",
        version="0.1.0",
    )
    app.state.settings = settings or get_settings()
    # Starlette runs the last-added middleware first, so the body limit goes in before the
    # security layer: it sits inside it, and a 413 it answers still gets the security headers.
    app.add_middleware(BodyLimitMiddleware, settings=app.state.settings)
    install_security(app, app.state.settings)
    _add_error_handlers(app)
    _add_routes(app)
    install_openapi(app)
    return app


def _add_error_handlers(app: FastAPI) -> None:
    """One place that turns errors into JSON under /api and /media, and into a page elsewhere."""

    @app.exception_handler(HandoffError)
    async def handoff_error(request: Request, exc: HandoffError) -> Response:
        status = exc.status_code if 400 <= exc.status_code < 600 else 400
        if status >= 500:
            log.warning("%s: %s", exc.__class__.__name__, exc)
        if not _wants_json(request) and not request.headers.get("hx-request"):
            return _error_page(request, status, str(exc))
        body: dict[str, Any] = {"detail": str(exc)}
        if isinstance(exc, PublishRefused):
            body["missing"] = [f.model_dump() for f in exc.missing]
        return JSONResponse(body, status_code=status)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        detail = validation_sentence(exc)
        if not _wants_json(request) and not request.headers.get("hx-request"):
            return _error_page(request, 422, detail)
        return JSONResponse({"detail": detail}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        detail = exc.detail if isinstance(exc.detail, str) else "The request failed."
        if exc.status_code == 404 and detail == "Not Found":
            detail = f"There is nothing at {request.url.path}."
        headers = dict(getattr(exc, "headers", None) or {})
        if exc.status_code == 405:
            detail = f"{request.method} is not allowed on {request.url.path}."
            headers["Allow"] = allowed_methods(app, request)
        if not _wants_json(request):
            page = _error_page(request, exc.status_code, detail)
            page.headers.update(headers)
            return page
        return JSONResponse({"detail": detail}, status_code=exc.status_code, headers=headers)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        # Starlette logs the exception and its traceback after this answers; the client gets
        # one sentence, never the traceback.
        detail = "The server failed to answer this request; the failure is logged."
        if not _wants_json(request) and not request.headers.get("hx-request"):
            return _error_page(request, 500, detail)
        return JSONResponse({"detail": detail}, status_code=500)


def _add_routes(app: FastAPI) -> None:
    """The routers (each route guarded by the policy dependency), static files, health."""
    from api.auth.routes import router as auth_router
    from api.routes import (
        actions,
        ask,
        decisions,
        handoffs,
        items,
        jobs,
        metrics,
        protocol,
        protocol_pages,
        refinement,
        retention,
        rollups,
        vocabulary,
        web,
    )

    modules = (
        handoffs,
        refinement,
        jobs,
        ask,
        items,
        vocabulary,
        decisions,
        rollups,
        retention,
        metrics,
        protocol,
    )
    for module in modules:
        app.include_router(module.router, prefix="/api")
    app.include_router(handoffs.media_router)
    app.include_router(auth_router)
    app.include_router(web.router)
    app.include_router(refinement.pages)
    app.include_router(decisions.pages)
    app.include_router(rollups.pages)
    app.include_router(metrics.pages)
    if app.state.settings.prometheus:  # operators' metrics; off: nothing at the path
        app.include_router(metrics.ops)
    app.include_router(protocol_pages.pages)
    app.include_router(actions.pages)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    @app.get("/api/health", tags=["meta"], summary="Liveness: the database answers")
    def health() -> dict[str, str]:
        from api.deps import get_services

        get_services(app.state.settings).store.count()
        return {"status": "ok"}

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> Response:
        return HTMLResponse(status_code=204)
