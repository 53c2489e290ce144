"""FastAPI dependencies that say who a request is.

A request is authenticated by `Authorization: Bearer hnd_...` (scripts, the CLI, integrations)
or by the signed session cookie (the browser); a bearer header that is not a valid token is a 401,
never a fallback to the cookie. The principal is resolved once per request and kept on
`request.state.principal`, so the policy check and the route share it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from api.auth.principal import Principal
from api.auth.services import Identity, identity_of
from handoff.audit import Actor
from handoff.errors import ConfigError
from handoff.identity.errors import NotSignedIn

SESSION_ID_KEY = "sid"
_UNSET = object()


def client_address(request: Request) -> str | None:
    """The peer's address (behind a proxy, run uvicorn with --proxy-headers to see the client)."""
    return request.client.host if request.client else None


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise NotSignedIn("Send the API token as 'Authorization: Bearer <token>'.")
    return value.strip()


def resolve_principal(request: Request, identity: Identity) -> Principal | None:
    """Who the request is, or None for an anonymous one (blocking: database reads)."""
    token = _bearer(request)
    if token is not None:
        grant = identity.tokens.verify(token)
        user = identity.directory.user_by_id(grant.user_id) if grant else None
        if grant is None or user is None:
            raise NotSignedIn("The API token is not valid, or it was revoked.")
        return Principal.from_token(user, identity.directory.memberships(user.id), grant)
    if "session" not in request.scope:
        return None
    sid = request.session.get(SESSION_ID_KEY)
    if not isinstance(sid, str):
        return None
    user_id = identity.sessions.user_for(sid)
    user = identity.directory.user_by_id(user_id) if user_id else None
    if user is None:
        request.session.pop(SESSION_ID_KEY, None)  # expired or signed out elsewhere
        return None
    return Principal.from_session(user, identity.directory.memberships(user.id))


async def optional_principal(request: Request) -> Principal | None:
    """The request's principal (resolved once per request), or None when anonymous."""
    cached = getattr(request.state, "principal", _UNSET)
    if cached is not _UNSET:
        return cached  # type: ignore[return-value]
    principal = await run_in_threadpool(resolve_principal, request, identity_of(request))
    request.state.principal = principal
    return principal


async def require_principal(request: Request) -> Principal:
    principal = await optional_principal(request)
    if principal is None:
        raise NotSignedIn("Sign in first.")
    return principal


def identity_dep(request: Request) -> Identity:
    return identity_of(request)


async def request_actor(request: Request) -> Actor:
    """The signed-in caller as the audit log names it (account, and token if any, and address):
    what routes pass as `actor=` instead of a typed name."""
    principal = await require_principal(request)
    return principal.actor(client_address(request))


@dataclass(frozen=True, slots=True)
class Caller:
    """The signed-in caller as a route needs them: the display name a handoff shows as its
    author, publisher or acknowledger, the account id, and the audit log's `Actor`."""

    name: str
    user_id: str
    actor: Actor


async def request_caller(request: Request) -> Caller:
    principal = await require_principal(request)
    return Caller(
        name=principal.display_name or principal.username,
        user_id=principal.user_id,
        actor=principal.actor(client_address(request)),
    )


def policy_team(request: Request) -> str:
    """The team the policy check found for this request (from the path, query, body or the
    resource), so a route acts on exactly the team that was checked."""
    team = getattr(request.state, "team", None)
    if not isinstance(team, str):
        raise ConfigError(f"{request.method} {request.url.path} has no team-scoped policy.")
    return team


PrincipalDep = Annotated[Principal, Depends(require_principal)]
ActorDep = Annotated[Actor, Depends(request_actor)]
CallerDep = Annotated[Caller, Depends(request_caller)]
TeamDep = Annotated[str, Depends(policy_team)]
OptionalPrincipalDep = Annotated[Principal | None, Depends(optional_principal)]
IdentityDep = Annotated[Identity, Depends(identity_dep)]
