"""`install_security(app, settings)`: everything the app factory adds for identities, in order.

1. refuses unsafe production settings (`check_production`);
2. the policy dependency on every FastAPI route added afterwards (so call this right after
   `FastAPI(...)`, before any `include_router`; it refuses to run later);
3. signed session cookies: HttpOnly, SameSite=Lax, Secure when HANDOFF_SECURE_COOKIES (on in
   production), named `__Host-...` when secure so no subdomain can set it;
4. security headers on every response: a Content-Security-Policy without inline script, nosniff,
   a referrer policy, frame denial, and HSTS when cookies are secure;
5. a handler that sends a browser without a session to the sign-in page (and keeps 401 + JSON for
   /api, /media and htmx requests).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.auth.enforce import POLICY_DEPENDENCY, policy_enforcer
from api.auth.policy import Rule
from api.auth.production import check_production, resolve_secret_key
from handoff.identity.errors import NotSignedIn, TooManyAttempts
from handoff.settings import Settings

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "media-src 'self' blob:; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
#: FastAPI's API docs load Swagger UI / ReDoc from a CDN with an inline bootstrap script; those
#: two static pages get a policy that allows exactly that, and nothing else does.
DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; img-src 'self' data: "
    "https://fastapi.tiangolo.com https://cdn.redoc.ly; worker-src blob:; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'none'"
)
DOCS_PATHS = frozenset({"/docs", "/redoc", "/docs/oauth2-redirect"})
SESSION_COOKIE = "handoff_session"


def session_cookie_name(settings: Settings) -> str:
    return f"__Host-{SESSION_COOKIE}" if settings.cookies_secure else SESSION_COOKIE


class SecurityHeaders:
    """Pure ASGI middleware (no body buffering, so streamed answers stay streamed)."""

    def __init__(self, app: ASGIApp, *, hsts: bool) -> None:
        self.app = app
        self.hsts = hsts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        csp = DOCS_CSP if scope.get("path") in DOCS_PATHS else CSP

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                for name, value in self._headers(csp):
                    if name not in present:
                        headers.append((name, value))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def _headers(self, csp: str) -> list[tuple[bytes, bytes]]:
        out = [
            (b"content-security-policy", csp.encode()),
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"same-origin"),
            (b"x-frame-options", b"DENY"),
            (b"cross-origin-opener-policy", b"same-origin"),
        ]
        if self.hsts:
            out.append((b"strict-transport-security", b"max-age=31536000; includeSubDomains"))
        return out


def _wants_page(request: Request) -> bool:
    path = request.url.path
    return (
        request.method == "GET"
        and not path.startswith(("/api", "/media"))
        and not request.headers.get("hx-request")
    )


async def _not_signed_in(request: Request, exc: Exception) -> Response:
    if _wants_page(request):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/auth/login?next={quote(target, safe='')}", status_code=303)
    headers = {"WWW-Authenticate": "Bearer"}
    if request.headers.get("hx-request"):
        headers["HX-Redirect"] = "/auth/login"
    return JSONResponse({"detail": str(exc)}, status_code=401, headers=headers)


async def _too_many(request: Request, exc: Exception) -> Response:
    retry = getattr(exc, "retry_after", 60)
    return JSONResponse({"detail": str(exc)}, status_code=429, headers={"Retry-After": str(retry)})


def install_security(
    app: FastAPI, settings: Settings, *, table: Mapping[tuple[str, str], Rule] | None = None
) -> None:
    """Add identities to a fresh app (see the module docstring); `table` replaces the policy
    table (tests). Raises ConfigError for unsafe production settings, and RuntimeError when
    routes were added before it."""
    check_production(settings)
    early = [r for r in app.router.routes if isinstance(r, APIRoute)]
    if early or any(type(r).__name__ == "_IncludedRouter" for r in app.router.routes):
        raise RuntimeError("install_security must run before any route is added to the app")
    app.router.dependencies.append(
        POLICY_DEPENDENCY if table is None else Depends(policy_enforcer(table))
    )
    app.add_middleware(
        SessionMiddleware,
        secret_key=resolve_secret_key(settings),
        session_cookie=session_cookie_name(settings),
        max_age=settings.session_max_age_s,
        same_site="lax",
        https_only=settings.cookies_secure,
    )
    # Added last, so it is outermost: even a response the session layer makes gets the headers.
    app.add_middleware(SecurityHeaders, hsts=settings.cookies_secure)
    app.add_exception_handler(NotSignedIn, _not_signed_in)
    app.add_exception_handler(TooManyAttempts, _too_many)


def installed(app: Any) -> bool:
    """Whether `install_security` ran on this app (for a start-up assertion)."""
    return any(
        getattr(d, "dependency", None) is not None
        and getattr(d.dependency, "__qualname__", "").startswith("policy_enforcer")
        for d in getattr(app.router, "dependencies", [])
    )
