"""The one dependency that enforces the policy table on every FastAPI route.

For a request it finds the rule of the route (`api.auth.policy.rule_for`), resolves the principal
(bearer token or session cookie), checks the CSRF token of a cookie-authenticated state change,
then the access: anonymous -> 401; read-only token on a write -> 403; not in the team -> 404 with
the very sentence a missing record gets; in the team without the role -> 403 with one sentence.
A route with no rule fails closed (500 naming the gap), so a forgotten entry never means "open".

The team and role it found are left on `request.state.team` / `request.state.role` for the route.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from api.auth.csrf import check_csrf, read_form
from api.auth.deps import optional_principal
from api.auth.policy import PARAM, Access, Rule, TeamFrom, check_table, compile_table, rule_for
from api.auth.principal import Principal
from api.auth.services import Identity, identity_of
from handoff.db import session_scope
from handoff.errors import ConfigError, InvalidInput, NotFound
from handoff.identity.errors import Forbidden, NotSignedIn
from handoff.identity.roles import Role
from handoff.teams import validate_team

_HANDOFFS = sa.table("handoffs", sa.column("id"), sa.column("team"), sa.column("author_user_id"))
_JOBS = sa.table("jobs", sa.column("id"), sa.column("team"))
_ITEMS = sa.table("ledger_items", sa.column("id"), sa.column("team"))

#: What each resource says when it does not exist; the same sentence answers a team one is not in.
_MISSING = {
    TeamFrom.HANDOFF: "No handoff with id '{}'.",
    TeamFrom.JOB: "No job with id '{}'.",
    TeamFrom.ITEM: "No ledger item with id '{}'.",
}
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


@dataclass(frozen=True, slots=True)
class Target:
    """The team a request acts on, and the handoff's author when the resource is a handoff."""

    team: str
    author_id: str | None = None
    not_found: str = ""


def _route_path(request: Request) -> str:
    path: str = request.scope["path"]
    root = request.scope.get("root_path", "")
    return path[len(root) :] if root and path.startswith(root) else path


def policy_enforcer(
    table: Mapping[tuple[str, str], Rule] | None = None,
) -> Callable[[Request], Awaitable[Principal | None]]:
    """A dependency enforcing `table` (default: `api.auth.policy.POLICY`) on every route it
    guards; a route missing from the table fails closed (500 naming it)."""
    compiled = compile_table(table) if table is not None else None

    async def enforce(request: Request) -> Principal | None:
        found = rule_for(request.method, _route_path(request), compiled)
        if found is None:
            raise ConfigError(f"{request.method} {_route_path(request)} has no access policy.")
        return await enforce_rule(request, found[1])

    return enforce


def require(access: Access, team: TeamFrom = TeamFrom.NONE, *, reads: bool | None = None) -> Any:
    """`Depends(...)` enforcing one rule on one route, for a route kept outside the table."""
    rule = Rule(access, team, reads)
    if problems := check_table({("ANY", "/{team}/{handoff_id}/{job_id}/{item_id}"): rule}):
        raise ValueError(problems[0])

    async def enforce(request: Request) -> Principal | None:
        return await enforce_rule(request, rule)

    return Depends(enforce)


async def enforce_rule(request: Request, rule: Rule) -> Principal | None:
    """Check one rule for one request (see the module docstring); the principal or None.

    A refused request's form (read here for its team or CSRF token) is closed at once: the
    route that would have closed its uploaded file never runs."""
    try:
        return await _enforce_rule(request, rule)
    except BaseException:
        form = getattr(request.state, "policy_form", None)
        if form is not None:
            await form.close()
        raise


async def _enforce_rule(request: Request, rule: Rule) -> Principal | None:
    principal = await optional_principal(request)
    if principal is not None and principal.via == "session":
        await check_csrf(request)
    if rule.access in (Access.PUBLIC, Access.LINK):  # a link's route checks the link itself
        return principal
    if principal is None:
        raise NotSignedIn("Sign in first.")
    if principal.read_only and not rule.is_read(request.method):
        raise Forbidden("This API token is read-only.")
    if rule.access is Access.SIGNED_IN:
        return principal
    if rule.access is Access.ADMIN:
        if not principal.is_admin:
            raise Forbidden("Only an administrator may do this.")
        return principal
    target = await resolve_target(request, rule, identity_of(request))
    role = principal.role_in(target.team)
    if role is None:
        raise NotFound(target.not_found)
    check_role(rule, role, principal, target)
    request.state.team, request.state.role = target.team, role
    return principal


def check_role(rule: Rule, role: Role, principal: Principal, target: Target) -> None:
    """403 with one sentence when `role` is not enough for `rule` (membership already holds)."""
    if rule.access is Access.AUTHOR_OR_REVIEWER:
        is_author = target.author_id is not None and target.author_id == principal.user_id
        if role < Role.REVIEWER and not is_author:
            raise Forbidden("Only the handoff's author or a reviewer of the team may change it.")
        return
    needed = {Access.MEMBER: Role.MEMBER, Access.REVIEWER: Role.REVIEWER, Access.LEAD: Role.LEAD}
    wanted = needed[rule.access]
    if role < wanted:
        raise Forbidden(f"This needs the {wanted.label} role in the team '{target.team}'.")


async def resolve_target(request: Request, rule: Rule, identity: Identity) -> Target:
    """The team (and author) the request acts on; NotFound for a resource that does not exist."""
    default = identity.settings.default_team
    if rule.team in _MISSING:
        key = str(request.path_params.get(PARAM[rule.team], ""))
        return await run_in_threadpool(_resource_target, identity.settings, rule.team, key)
    if rule.team is TeamFrom.PATH:
        raw: str | None = str(request.path_params.get("team", ""))
    elif rule.team is TeamFrom.QUERY:
        raw = (request.query_params.get("team") or "").strip() or None
    else:
        raw = await body_team(request)
    team = validate_team(raw or default)
    # A team that does not exist has no members, so it answers like one the caller is not in.
    return Target(team=team, not_found=f"There is no team '{team}'.")


def _resource_target(settings: Any, source: TeamFrom, key: str) -> Target:
    missing = _MISSING[source].format(key)
    table = {TeamFrom.HANDOFF: _HANDOFFS, TeamFrom.JOB: _JOBS, TeamFrom.ITEM: _ITEMS}[source]
    columns = [table.c.team]
    if source is TeamFrom.HANDOFF:
        columns.append(table.c.author_user_id)
    with session_scope(settings.resolved_database_url) as session:
        row = session.execute(sa.select(*columns).where(table.c.id == key)).first()
    if row is None:
        raise NotFound(missing)
    author = row[1] if source is TeamFrom.HANDOFF else None
    return Target(team=row[0], author_id=author, not_found=missing)


async def body_team(request: Request) -> str | None:
    """The `team` a JSON body or a form names (None when it names none). Starlette keeps the
    parsed body on the request, so the route reads it again without a second read."""
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    value: Any = None
    if ctype == "application/json":
        try:
            data = await request.json()
        except ValueError:
            return None  # the route answers the malformed body itself
        value = data.get("team") if isinstance(data, dict) else None
    elif ctype in _FORM_TYPES:
        value = (await read_form(request)).get("team")
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidInput("'team' must be a team name.")
    return value.strip() or None


#: The dependency for the app's table; `install_security` puts it on every route.
enforce_policy = policy_enforcer()
POLICY_DEPENDENCY = Depends(enforce_policy)
