"""The FastAPI application: JSON API under /api, docs at /docs, web UI at /."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse

from api.deps import get_services
from handoff.errors import HandoffError, PublishRefused
from handoff.settings import get_settings


def create_app() -> FastAPI:
    app = FastAPI(
        title="handoff",
        description="Turns end-of-shift wraps into handoffs the next shift can trust.",
        version="0.1.0",
    )
    app.state.settings = get_settings()

    @app.exception_handler(HandoffError)
    async def handoff_error(_request: Request, exc: HandoffError) -> JSONResponse:
        body: dict[str, object] = {"detail": str(exc)}
        if isinstance(exc, PublishRefused):
            body["missing"] = [f.model_dump() for f in exc.missing]
        status = exc.status_code if 400 <= exc.status_code < 600 else 400
        return JSONResponse(body, status_code=status)

    from api.routes import handoffs

    app.include_router(handoffs.router, prefix="/api")

    @app.get("/", include_in_schema=False)
    def home() -> RedirectResponse:
        return RedirectResponse("/docs")

    @app.get("/api/health")
    def health() -> dict[str, str]:
        get_services(app.state.settings)
        return {"status": "ok"}

    return app
