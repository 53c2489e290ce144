"""Sign-in, sign-out, the caller's account, API tokens, and a team's audit log over HTTP.

    GET  /auth/login             the sign-in page (password form; single sign-on button)
    POST /auth/login             password sign-in (CSRF-checked, rate-limited)
    POST /auth/logout            sign-out (CSRF-checked)
    GET  /auth/oidc/login        off to the OpenID Connect provider
    GET  /auth/oidc/callback     back from it: verified, account found or created, signed in
    GET  /api/me                 who the caller is, their teams and roles
    GET  /api/tokens             the caller's API tokens (never their secrets)
    POST /api/tokens             a new token, whose secret is in this answer only
    DELETE /api/tokens/{id}      revoke one of the caller's tokens
    GET  /api/teams/{team}/audit the team's audit log (lead)

Every sign-in starts a new server-side session with a new id and a new CSRF token.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, Field, StringConstraints
from starlette.concurrency import run_in_threadpool

from api.auth.csrf import FORM_FIELD, check_csrf, csrf_token
from api.auth.deps import SESSION_ID_KEY, IdentityDep, PrincipalDep, client_address
from api.auth.enforce import POLICY_DEPENDENCY
from api.auth.services import Identity
from api.limits import MAX_ROW_ID
from handoff.audit import Actor
from handoff.errors import InvalidInput, NotFound
from handoff.identity.demo import demo_sign_ins, demo_teams
from handoff.identity.errors import Forbidden, SignInFailed, TooManyAttempts
from handoff.identity.secrets import new_secret
from handoff.identity.views import User
from handoff.teams import TEAM_PATTERN, validate_team

#: The policy dependency is on the router too, so these routes are guarded even in an app that
#: forgot `install_security` (FastAPI runs it once per request either way).
router = APIRouter(dependencies=[POLICY_DEPENDENCY])
templates = Jinja2Templates(directory=str(Path(__file__).with_name("templates")))
NEXT_KEY = "next_after_sign_in"


def safe_next(value: str | None) -> str:
    """A local path to go to after signing in; anything else (another site, `//host`) is `/`."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    return value[:2000]


def landing(identity: Identity, user: User, target: str) -> str:
    """Where a sign-in goes: `target`, except that the bare home page opens one of the user's
    own teams when they are not in the default team (which would answer 404 for them)."""
    if target != "/":
        return target
    teams = identity.directory.memberships(user.id)
    if not teams or identity.settings.default_team in teams:
        return target
    return f"/?team={sorted(teams)[0]}"


def start_session(request: Request, identity: Identity, user: User, *, method: str) -> None:
    """Sign `user` in on this browser: the old session ends, a new id and CSRF token are made."""
    old = request.session.get(SESSION_ID_KEY)
    if isinstance(old, str):
        identity.sessions.end(old)
    request.session.clear()
    sid = identity.sessions.start(
        user.id,
        method=method,
        max_age_s=identity.settings.session_max_age_s,
        address=client_address(request),
    )
    request.session[SESSION_ID_KEY] = sid
    request.session["csrf"] = new_secret()
    actor = Actor(user_id=user.id, name=user.username, address=client_address(request))
    identity.audit.record(actor, "auth.sign_in", resource=("user", user.id), detail={"via": method})


def login_page(
    request: Request,
    identity: Identity,
    *,
    error: str | None = None,
    status: int = 200,
    next_path: str | None = None,
) -> Response:
    settings = identity.settings
    accounts = demo_sign_ins(identity.directory, environment=settings.environment)
    teams = demo_teams(settings.default_team)
    context = {
        "csrf_token": csrf_token(request),
        "csrf_field": FORM_FIELD,
        "next": safe_next(
            next_path or request.query_params.get("next") or request.session.get(NEXT_KEY)
        ),
        "error": error,
        "oidc_label": settings.oidc_label if identity.oidc is not None else None,
        "demo_accounts": [(a.username, a.password, a.summary(teams)) for a in accounts],
    }
    return templates.TemplateResponse(request, "login.html", context, status_code=status)


@router.get("/auth/login", response_class=HTMLResponse, include_in_schema=False)
def sign_in_page(request: Request, identity: IdentityDep) -> Response:
    return login_page(request, identity)


@router.post("/auth/login", response_class=HTMLResponse, include_in_schema=False)
async def sign_in(request: Request, identity: IdentityDep) -> Response:
    await check_csrf(request)  # login CSRF: a page of ours must have asked for this sign-in
    form = await request.form(max_files=0, max_fields=10)
    login = str(form.get("login") or "").strip()
    password = str(form.get("password") or "")
    target = safe_next(str(form.get("next") or ""))
    if not login or not password:
        return login_page(
            request,
            identity,
            error="Enter your account and password.",
            status=422,
            next_path=target,
        )
    address = client_address(request)
    try:
        await run_in_threadpool(identity.guard.check, login, address)
    except TooManyAttempts as exc:
        page = login_page(request, identity, error=str(exc), status=429, next_path=target)
        page.headers["Retry-After"] = str(exc.retry_after)
        return page
    user = await run_in_threadpool(identity.directory.authenticate, login, password)
    if user is None:
        await run_in_threadpool(identity.guard.failed, login, address)
        await run_in_threadpool(_record_failure, identity, login, address)
        return login_page(
            request,
            identity,
            error="The account or password is wrong.",
            status=401,
            next_path=target,
        )
    await run_in_threadpool(identity.guard.succeeded, login)
    await run_in_threadpool(start_session, request, identity, user, method="password")
    return RedirectResponse(landing(identity, user, target), status_code=303)


def _record_failure(identity: Identity, login: str, address: str | None) -> None:
    """One audit row per failed sign-in, naming the account only when it exists (what was typed
    is not stored: people type passwords into the account field)."""
    try:
        user_id: str | None = identity.directory.user(login).id
    except (NotFound, InvalidInput):
        user_id = None
    identity.audit.record(
        Actor.anonymous(address),
        "auth.sign_in_failed",
        resource=("user", user_id) if user_id else None,
        detail={"via": "password", "known_account": user_id is not None},
    )


@router.post("/auth/logout", include_in_schema=False)
async def sign_out(request: Request, identity: IdentityDep) -> Response:
    await check_csrf(request)
    sid = request.session.get(SESSION_ID_KEY)
    if isinstance(sid, str):
        await run_in_threadpool(_end_session, identity, sid, client_address(request))
    request.session.clear()
    return RedirectResponse("/auth/login", status_code=303)


def _end_session(identity: Identity, sid: str, address: str | None) -> None:
    user_id = identity.sessions.user_for(sid)
    identity.sessions.end(sid)
    user = identity.directory.user_by_id(user_id) if user_id else None
    if user is not None:
        actor = Actor(user_id=user.id, name=user.username, address=address)
        identity.audit.record(actor, "auth.sign_out", resource=("user", user.id))


# -- single sign-on -----------------------------------------------------------------------------
def _callback_url(request: Request, identity: Identity) -> str:
    base = identity.settings.public_url
    if base:
        return base.rstrip("/") + "/auth/oidc/callback"
    return str(request.url_for("oidc_callback"))


@router.get("/auth/oidc/login", include_in_schema=False)
async def oidc_login(request: Request, identity: IdentityDep, next: str | None = None) -> Response:
    if identity.oidc is None:
        raise NotFound("Single sign-on is not configured on this server.")
    request.session[NEXT_KEY] = safe_next(next)
    return await identity.oidc.login_redirect(request, _callback_url(request, identity))


@router.get("/auth/oidc/callback", name="oidc_callback", include_in_schema=False)
async def oidc_callback(request: Request, identity: IdentityDep) -> Response:
    if identity.oidc is None:
        raise NotFound("Single sign-on is not configured on this server.")
    target = safe_next(request.session.get(NEXT_KEY))
    address = client_address(request)
    try:
        claims = await identity.oidc.finish(request)
        user = await run_in_threadpool(
            identity.directory.oidc_sign_in,
            claims,
            rules=identity.provisioning,
            actor=Actor.anonymous(address),
        )
    except (SignInFailed, Forbidden) as exc:
        await run_in_threadpool(
            identity.audit.record,
            Actor.anonymous(address),
            "auth.sign_in_failed",
            detail={"via": "oidc", "reason": str(exc)[:200]},
        )
        return login_page(request, identity, error=str(exc), status=exc.status_code)
    await run_in_threadpool(start_session, request, identity, user, method="oidc")
    return RedirectResponse(landing(identity, user, target), status_code=303)


# -- the caller's account and tokens -----------------------------------------------------------
@router.get("/api/me", tags=["account"], summary="Who I am: account, teams and roles")
def me(request: Request, principal: PrincipalDep) -> dict[str, Any]:
    from api.deps import get_services
    from api.usecases import protocol

    out = principal.to_json()
    # where and when to reach me (issue 16): time zone, hours, days off, channels
    out["profile"] = protocol.profile_of(
        get_services(request.app.state.settings), principal.user_id
    )
    if principal.via == "session":
        out["csrf_token"] = csrf_token(request)  # for scripts of the page (X-CSRF-Token)
    return out


class TokenBody(BaseModel):
    name: str = Field(min_length=1, max_length=100, description="What the token is for.")
    teams: list[Annotated[str, StringConstraints(pattern=TEAM_PATTERN)]] | None = Field(
        default=None,
        min_length=1,
        max_length=100,
        description="Only these teams (default: all of mine).",
    )
    read_only: bool = Field(default=False, description="Only reading and asking.")


@router.get("/api/tokens", tags=["account"], summary="My API tokens (never their secrets)")
def list_tokens(principal: PrincipalDep, identity: IdentityDep) -> list[dict[str, Any]]:
    return [t.to_json() for t in identity.tokens.list(principal.user_id)]


@router.post(
    "/api/tokens",
    status_code=201,
    tags=["account"],
    summary="Create an API token; its secret is in this answer only",
)
def create_token(
    body: TokenBody, request: Request, principal: PrincipalDep, identity: IdentityDep
) -> dict[str, Any]:
    teams = [validate_team(t) for t in body.teams] if body.teams is not None else None
    # A team-limited token may only make tokens limited to (some of) the same teams.
    if principal.token_teams is not None and (
        teams is None or not set(teams) <= principal.token_teams
    ):
        raise Forbidden("A token limited to teams can only create tokens for those teams.")
    new = identity.tokens.create(
        principal.user_id,
        name=body.name,
        teams=teams,
        read_only=body.read_only or principal.read_only,
        actor=principal.actor(client_address(request)),
    )
    return new.info.to_json() | {"token": new.secret}


@router.delete(
    "/api/tokens/{token_id}", status_code=204, tags=["account"], summary="Revoke one of my tokens"
)
def revoke_token(
    token_id: str, request: Request, principal: PrincipalDep, identity: IdentityDep
) -> Response:
    identity.tokens.revoke(
        token_id, owner_id=principal.user_id, actor=principal.actor(client_address(request))
    )
    return Response(status_code=204)


@router.get("/api/teams/{team}/audit", tags=["audit"], summary="The team's audit log (lead)")
def team_audit(
    team: str,
    identity: IdentityDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    before: Annotated[
        int | None, Query(ge=1, le=MAX_ROW_ID, description="Older than this entry id.")
    ] = None,
) -> list[dict[str, Any]]:
    entries = identity.audit.entries(team=validate_team(team), limit=limit, before_id=before)
    return [e.to_json() for e in entries]


def sign_in_url(path: str) -> str:
    """Where a page sends a browser that must sign in first."""
    return f"/auth/login?next={quote(safe_next(path), safe='')}"
