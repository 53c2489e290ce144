"""Who may do what: one declarative table from (method, route template) to the access it needs.

    access              who passes
    public              anyone, signed in or not
    signed_in           any signed-in account
    member              a member of the team (any role)
    reviewer            a reviewer or lead of the team
    lead                a lead of the team
    admin               an instance administrator (users, teams); no team's work by itself
    author_or_reviewer  the handoff's author (their own draft), or a reviewer or lead
    action_link         whoever holds a signed one-click action link: the token in the path is
                        the credential, checked by the route (signature, expiry, single use),
                        and the action runs as the person it names (see `api.routes.actions`)

The team comes from the path (`{team}`), the query (`?team=`), the body (`team` in JSON or a
form), or the resource the path names (a handoff, a job, a ledger item); without one, a route uses
HANDOFF_DEFAULT_TEAM, exactly as the routes themselves do. A team the caller is not in answers
404 like a missing record; a missing role answers 403 (see `api.auth.enforce`).

`routes_without_policy(app)` lists the app's routes the table does not cover; a test asserts
there are none, so a new route cannot ship without a decision about who may call it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from starlette.routing import Mount, compile_path


class Access(StrEnum):
    PUBLIC = "public"
    SIGNED_IN = "signed_in"
    MEMBER = "member"
    REVIEWER = "reviewer"
    LEAD = "lead"
    ADMIN = "admin"
    AUTHOR_OR_REVIEWER = "author_or_reviewer"
    LINK = "action_link"


TEAM_ACCESS = frozenset({Access.MEMBER, Access.REVIEWER, Access.LEAD, Access.AUTHOR_OR_REVIEWER})


class TeamFrom(StrEnum):
    NONE = "none"
    PATH = "path"  # the {team} path parameter
    QUERY = "query"  # ?team=, default HANDOFF_DEFAULT_TEAM
    BODY = "body"  # "team" in a JSON body or a form field, default HANDOFF_DEFAULT_TEAM
    HANDOFF = "handoff"  # the handoff named by {handoff_id}
    JOB = "job"  # the job named by {job_id}
    ITEM = "item"  # the ledger item named by {item_id}


#: The path parameter each source reads.
PARAM = {
    TeamFrom.PATH: "team",
    TeamFrom.HANDOFF: "handoff_id",
    TeamFrom.JOB: "job_id",
    TeamFrom.ITEM: "item_id",
}
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True, slots=True)
class Rule:
    access: Access
    team: TeamFrom = TeamFrom.NONE
    #: Whether a read-only token may call it; None = by method (GET is a read). Asking a question
    #: is a POST that changes nothing, so its rules say `reads=True`.
    reads: bool | None = None

    def is_read(self, method: str) -> bool:
        return self.reads if self.reads is not None else method.upper() in READ_METHODS


A = Access
T = TeamFrom
PUBLIC = Rule(A.PUBLIC)

#: (method, route template as the app spells it) -> rule. HEAD follows GET.
POLICY: dict[tuple[str, str], Rule] = {
    # -- meta and static ----------------------------------------------------------------------
    ("GET", "/api/health"): PUBLIC,
    ("GET", "/favicon.ico"): PUBLIC,
    ("GET", "/static/{path:path}"): PUBLIC,
    ("GET", "/openapi.json"): PUBLIC,
    ("GET", "/docs"): PUBLIC,
    ("GET", "/docs/oauth2-redirect"): PUBLIC,
    ("GET", "/redoc"): PUBLIC,
    # -- handoffs (JSON API) ------------------------------------------------------------------
    ("POST", "/api/handoffs"): Rule(A.MEMBER, T.BODY),
    ("GET", "/api/handoffs"): Rule(A.MEMBER, T.QUERY),
    ("GET", "/api/handoffs/{handoff_id}"): Rule(A.MEMBER, T.HANDOFF),
    ("PATCH", "/api/handoffs/{handoff_id}"): Rule(A.AUTHOR_OR_REVIEWER, T.HANDOFF),
    ("POST", "/api/handoffs/{handoff_id}/answers"): Rule(A.AUTHOR_OR_REVIEWER, T.HANDOFF),
    ("POST", "/api/handoffs/{handoff_id}/answers/recording"): Rule(A.AUTHOR_OR_REVIEWER, T.HANDOFF),
    ("POST", "/api/handoffs/{handoff_id}/publish"): Rule(A.AUTHOR_OR_REVIEWER, T.HANDOFF),
    ("POST", "/api/handoffs/{handoff_id}/unpublish"): Rule(A.AUTHOR_OR_REVIEWER, T.HANDOFF),
    ("DELETE", "/api/handoffs/{handoff_id}"): Rule(A.AUTHOR_OR_REVIEWER, T.HANDOFF),
    ("POST", "/api/handoffs/{handoff_id}/acknowledge"): Rule(A.MEMBER, T.HANDOFF),
    ("GET", "/api/handoffs/{handoff_id}/audit"): Rule(A.MEMBER, T.HANDOFF),
    # hybrid drafting: take the LLM's suggestion into the draft
    ("POST", "/api/handoffs/{handoff_id}/suggestion/apply"): Rule(A.AUTHOR_OR_REVIEWER, T.HANDOFF),
    # -- media: the clip and spoken answers of a handoff ----------------------------------------
    ("GET", "/media/{handoff_id}"): Rule(A.MEMBER, T.HANDOFF),
    ("GET", "/media/{handoff_id}/answers/{name}"): Rule(A.MEMBER, T.HANDOFF),
    # -- jobs ------------------------------------------------------------------------------------
    ("GET", "/api/jobs/{job_id}"): Rule(A.MEMBER, T.JOB),
    ("POST", "/api/jobs/{job_id}/retry"): Rule(A.MEMBER, T.JOB),
    ("POST", "/api/jobs/{job_id}/cancel"): Rule(A.MEMBER, T.JOB),
    # -- asking (reads, though POST) -----------------------------------------------------------
    ("POST", "/api/ask"): Rule(A.MEMBER, T.BODY, reads=True),
    ("POST", "/api/ask/stream"): Rule(A.MEMBER, T.BODY, reads=True),
    ("GET", "/api/ask/stream"): Rule(A.MEMBER, T.QUERY),
    # -- the item ledger -------------------------------------------------------------------------
    ("GET", "/api/items"): Rule(A.MEMBER, T.QUERY),
    ("GET", "/api/items/{item_id}"): Rule(A.MEMBER, T.ITEM),
    # -- the team's vocabulary -------------------------------------------------------------------
    ("GET", "/api/teams/{team}/vocabulary"): Rule(A.MEMBER, T.PATH),
    ("POST", "/api/teams/{team}/vocabulary/people"): Rule(A.LEAD, T.PATH),
    ("POST", "/api/teams/{team}/vocabulary/terms"): Rule(A.LEAD, T.PATH),
    ("POST", "/api/teams/{team}/vocabulary/corrections"): Rule(A.LEAD, T.PATH),
    ("DELETE", "/api/teams/{team}/vocabulary/{value}"): Rule(A.LEAD, T.PATH),
    ("PUT", "/api/teams/{team}/vocabulary/language"): Rule(A.LEAD, T.PATH),
    ("PUT", "/api/teams/{team}/vocabulary/people/{name}/user"): Rule(A.LEAD, T.PATH),
    ("DELETE", "/api/teams/{team}/vocabulary/people/{name}/user"): Rule(A.LEAD, T.PATH),
    # -- the team's retention rules (issue 18) ---------------------------------------------------
    ("GET", "/api/teams/{team}/retention"): Rule(A.LEAD, T.PATH),
    ("PUT", "/api/teams/{team}/retention"): Rule(A.LEAD, T.PATH),
    # -- the protocol (issue 16): inbox, per-item acknowledgment, resolution, rules -------------
    ("GET", "/api/inbox"): Rule(A.SIGNED_IN),
    ("POST", "/api/items/{item_id}/acknowledge"): Rule(A.MEMBER, T.ITEM),
    ("POST", "/api/items/{item_id}/not-mine"): Rule(A.MEMBER, T.ITEM),
    # the person it was routed to, whom it names, or a lead (checked by the use-case)
    ("POST", "/api/items/{item_id}/resolve"): Rule(A.MEMBER, T.ITEM),
    ("POST", "/api/items/{item_id}/reassign"): Rule(A.LEAD, T.ITEM),
    ("GET", "/api/handoffs/{handoff_id}/notifications"): Rule(A.MEMBER, T.HANDOFF),
    ("GET", "/api/handoffs/{handoff_id}/acknowledgments"): Rule(A.MEMBER, T.HANDOFF),
    ("PUT", "/api/me"): Rule(A.SIGNED_IN),
    ("GET", "/api/teams/{team}/rules"): Rule(A.LEAD, T.PATH),
    ("PUT", "/api/teams/{team}/rules"): Rule(A.LEAD, T.PATH),
    ("GET", "/api/teams/{team}/overdue"): Rule(A.MEMBER, T.PATH),
    ("GET", "/inbox"): Rule(A.SIGNED_IN),
    ("GET", "/settings"): Rule(A.SIGNED_IN),
    ("POST", "/settings"): Rule(A.SIGNED_IN),
    ("GET", "/teams/{team}/settings"): Rule(A.LEAD, T.PATH),
    ("POST", "/teams/{team}/settings"): Rule(A.LEAD, T.PATH),
    ("POST", "/items/{item_id}/acknowledge"): Rule(A.MEMBER, T.ITEM),
    ("POST", "/items/{item_id}/not-mine"): Rule(A.MEMBER, T.ITEM),
    ("POST", "/items/{item_id}/resolve"): Rule(A.MEMBER, T.ITEM),
    ("POST", "/items/{item_id}/reassign"): Rule(A.LEAD, T.ITEM),
    # -- web pages and their form posts --------------------------------------------------------
    ("GET", "/"): Rule(A.MEMBER, T.QUERY),
    ("GET", "/post"): Rule(A.MEMBER, T.QUERY),
    ("GET", "/ask"): Rule(A.MEMBER, T.QUERY),
    ("GET", "/handoffs/{handoff_id}"): Rule(A.MEMBER, T.HANDOFF),
    ("GET", "/handoffs/{handoff_id}/panel"): Rule(A.MEMBER, T.HANDOFF),
    ("POST", "/handoffs/{handoff_id}/acknowledge"): Rule(A.MEMBER, T.HANDOFF),
    ("POST", "/handoffs/{handoff_id}/save"): Rule(A.AUTHOR_OR_REVIEWER, T.HANDOFF),
    ("POST", "/handoffs/{handoff_id}/answer"): Rule(A.AUTHOR_OR_REVIEWER, T.HANDOFF),
    ("POST", "/handoffs/{handoff_id}/answer-recording"): Rule(A.AUTHOR_OR_REVIEWER, T.HANDOFF),
    ("POST", "/handoffs/{handoff_id}/publish"): Rule(A.AUTHOR_OR_REVIEWER, T.HANDOFF),
    ("POST", "/handoffs/{handoff_id}/unpublish"): Rule(A.AUTHOR_OR_REVIEWER, T.HANDOFF),
    ("POST", "/handoffs/{handoff_id}/delete"): Rule(A.AUTHOR_OR_REVIEWER, T.HANDOFF),
    ("GET", "/handoffs/{handoff_id}/refinement"): Rule(A.MEMBER, T.HANDOFF),
    ("POST", "/handoffs/{handoff_id}/suggestion/apply"): Rule(A.AUTHOR_OR_REVIEWER, T.HANDOFF),
    ("GET", "/items/{item_id}"): Rule(A.MEMBER, T.ITEM),
    ("GET", "/jobs/{job_id}"): Rule(A.MEMBER, T.JOB),
    ("POST", "/jobs/{job_id}/retry"): Rule(A.MEMBER, T.JOB),
    ("POST", "/jobs/{job_id}/cancel"): Rule(A.MEMBER, T.JOB),
    ("GET", "/teams/{team}/audit"): Rule(A.LEAD, T.PATH),
    ("GET", "/teams/{team}/decisions"): Rule(A.MEMBER, T.PATH),
    ("GET", "/teams/{team}/rollup"): Rule(A.MEMBER, T.PATH),
    # Metrics name people: the team's leads read them (issue 17).
    ("GET", "/teams/{team}/metrics"): Rule(A.LEAD, T.PATH),
    # A citation link of an answer: counts as followed, then shows the handoff.
    ("GET", "/handoffs/{handoff_id}/cited"): Rule(A.MEMBER, T.HANDOFF),
    # A pod: the route itself answers 404 unless the caller is in one of its teams.
    ("GET", "/pods/{pod}/rollup"): Rule(A.SIGNED_IN),
    # -- sign-in, the caller's account and tokens (api.auth.routes) -----------------------------
    ("GET", "/auth/login"): PUBLIC,
    ("POST", "/auth/login"): PUBLIC,
    ("POST", "/auth/logout"): PUBLIC,
    ("GET", "/auth/oidc/login"): PUBLIC,
    ("GET", "/auth/oidc/callback"): PUBLIC,
    ("GET", "/api/me"): Rule(A.SIGNED_IN),
    ("GET", "/api/tokens"): Rule(A.SIGNED_IN),
    ("POST", "/api/tokens"): Rule(A.SIGNED_IN),
    ("DELETE", "/api/tokens/{token_id}"): Rule(A.SIGNED_IN),
    ("GET", "/api/teams/{team}/audit"): Rule(A.LEAD, T.PATH),
    ("GET", "/api/teams/{team}/decisions"): Rule(A.MEMBER, T.PATH),
    ("GET", "/api/teams/{team}/rollup"): Rule(A.MEMBER, T.PATH),
    ("GET", "/api/pods/{pod}/rollup"): Rule(A.SIGNED_IN),
    ("GET", "/api/teams/{team}/metrics"): Rule(A.LEAD, T.PATH),
    # -- one-click actions from email and Slack (issue 16) ---------------------------------------
    # The signed, expiring, single-use token in the path is the credential (the person may not be
    # signed in); the GET changes nothing, the POST uses the link up with its action.
    ("GET", "/actions/{token}"): Rule(A.LINK),
    ("POST", "/actions/{token}"): Rule(A.LINK),
    # -- operators ----------------------------------------------------------------------------
    # Instance-wide job and delivery figures: administrators (a scraper uses an administrator's
    # read-only token that is not limited to teams). Off with HANDOFF_PROMETHEUS=false.
    ("GET", "/metrics/prometheus"): Rule(A.ADMIN),
}


def check_table(table: Mapping[tuple[str, str], Rule]) -> list[str]:
    """Mistakes in a table itself: a team role without a team source, a source without its
    path parameter, an author check on something that is not a handoff."""
    problems: list[str] = []
    for (method, path), rule in table.items():
        where = f"{method} {path}"
        if rule.access in TEAM_ACCESS and rule.team is TeamFrom.NONE:
            problems.append(f"{where}: '{rule.access}' needs a team source.")
        if rule.access not in TEAM_ACCESS and rule.team is not TeamFrom.NONE:
            problems.append(f"{where}: '{rule.access}' takes no team.")
        param = PARAM.get(rule.team)
        if param is not None and "{" + param not in path:
            problems.append(f"{where}: the team source '{rule.team}' needs {{{param}}}.")
        if rule.access is Access.AUTHOR_OR_REVIEWER and rule.team is not TeamFrom.HANDOFF:
            problems.append(f"{where}: the author is known only for a handoff.")
    return problems


# -- matching a request to its rule -----------------------------------------------------------
@dataclass(frozen=True, slots=True)
class _Compiled:
    method: str
    template: str
    regex: re.Pattern[str]
    literal: int  # characters outside parameters: more is more specific
    rule: Rule


def compile_table(table: Mapping[tuple[str, str], Rule]) -> list[_Compiled]:
    out = []
    for (method, template), rule in table.items():
        regex, _fmt, _conv = compile_path(template)
        literal = len(re.sub(r"\{[^}]*\}", "", template))
        out.append(_Compiled(method.upper(), template, regex, literal, rule))
    out.sort(key=lambda c: -c.literal)
    return out


_COMPILED = compile_table(POLICY)


def rule_for(
    method: str, path: str, compiled: list[_Compiled] | None = None
) -> tuple[str, Rule] | None:
    """(template, rule) for a request; HEAD uses GET's rule. None when no rule matches."""
    wanted = "GET" if method.upper() == "HEAD" else method.upper()
    for entry in compiled if compiled is not None else _COMPILED:
        if entry.method == wanted and entry.regex.match(path):
            return entry.template, entry.rule
    return None


# -- the app's routes ---------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class AppRoute:
    method: str
    path: str
    #: whether FastAPI dependencies run for it (APIRoute); plain routes and mounts cannot be
    #: guarded by the policy dependency, so they must be public
    guarded: bool


def app_routes(app: Any) -> list[AppRoute]:
    """Every (method, template) the app answers, with included routers' prefixes applied."""
    from fastapi.routing import APIRoute

    found: dict[tuple[str, str], AppRoute] = {}
    for original, template, methods in _walk(app.routes):
        if isinstance(original, Mount):
            key = ("GET", f"{original.path}/{{path:path}}")
            found[key] = AppRoute(*key, guarded=False)
            continue
        for method in sorted(methods or {"GET"}):
            if method == "HEAD":
                continue
            found[(method, template)] = AppRoute(
                method, template, guarded=isinstance(original, APIRoute)
            )
    return sorted(found.values(), key=lambda r: (r.path, r.method))


def _walk(routes: list[Any]) -> Iterator[tuple[Any, str, set[str] | None]]:
    try:  # FastAPI >= 0.160 keeps included routers as branches; this flattens them
        from fastapi.routing import iter_route_contexts
    except ImportError:  # older FastAPI copies routes into the app with their full path
        for route in routes:
            yield route, getattr(route, "path_format", route.path), getattr(route, "methods", None)
        return
    for ctx in iter_route_contexts(routes):
        original = ctx.original_route
        template = ctx.path if isinstance(original, Mount) else ctx.path_format
        yield original, template or "", ctx.methods


def routes_without_policy(
    app: Any, table: Mapping[tuple[str, str], Rule] | None = None
) -> list[str]:
    """'METHOD /template' of every route of `app` the table does not cover."""
    rules = POLICY if table is None else table
    return [f"{r.method} {r.path}" for r in app_routes(app) if (r.method, r.path) not in rules]


def policy_problems(app: Any, table: Mapping[tuple[str, str], Rule] | None = None) -> list[str]:
    """Everything wrong between an app and a table: uncovered routes, routes the dependency cannot
    guard that are not public, overlapping templates with different rules, table mistakes."""
    rules = POLICY if table is None else table
    problems = [f"{r} has no policy." for r in routes_without_policy(app, rules)]
    for r in app_routes(app):
        rule = rules.get((r.method, r.path))
        if rule is not None and not r.guarded and rule.access is not Access.PUBLIC:
            problems.append(f"{r.method} {r.path} is not a FastAPI route, so it must be public.")
    problems.extend(check_table(rules))
    problems.extend(_overlaps(rules))
    return problems


def _overlaps(table: Mapping[tuple[str, str], Rule]) -> list[str]:
    """Two templates of one method that can match the same path with different rules: the check
    would depend on which one the matcher tries first."""
    out = []
    keys = sorted(table)
    for i, (m1, p1) in enumerate(keys):
        for m2, p2 in keys[i + 1 :]:
            if m1 == m2 and table[(m1, p1)] != table[(m2, p2)] and _can_overlap(p1, p2):
                out.append(f"{m1} {p1} and {p2} can match the same path with different rules.")
    return out


def _segments(template: str) -> list[str]:
    return template.strip("/").split("/")


def _compatible(x: str, y: str) -> bool:
    return x == y or x.startswith("{") or y.startswith("{")


def _can_overlap(a: str, b: str) -> bool:
    sa, sb = _segments(a), _segments(b)
    for mine, other in ((sa, sb), (sb, sa)):
        if mine[-1].endswith(":path}"):  # matches any rest, so only the prefix must agree
            prefix = mine[:-1]
            return len(other) >= len(prefix) and all(
                _compatible(x, y) for x, y in zip(prefix, other, strict=False)
            )
    return len(sa) == len(sb) and all(_compatible(x, y) for x, y in zip(sa, sb, strict=True))
