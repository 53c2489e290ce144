"""The policy table: every route of the app has a rule, and the rule is what a caller meets.

A small app checks the semantics (401 anonymous, 404 outside the team exactly like a missing
record, 403 with one sentence for a missing role, fail-closed for a route with no rule). Then the
real app, with `install_security` mounted as the app factory will, is walked route by route as
anonymous, as a lead of another team, as an administrator, and as each role of the team.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient

from api.auth.deps import ActorDep, TeamDep
from api.auth.policy import (
    POLICY,
    Access,
    Rule,
    TeamFrom,
    app_routes,
    check_table,
    policy_problems,
    routes_without_policy,
)
from api.auth.security import install_security, installed
from handoff.errors import HandoffError
from handoff.settings import Settings
from tests.api.auth_support import TEAM, World, build_world

SMALL_TABLE = {
    ("GET", "/api/teams/{team}/notes"): Rule(Access.MEMBER, TeamFrom.PATH),
    ("POST", "/api/teams/{team}/notes"): Rule(Access.LEAD, TeamFrom.PATH),
    ("GET", "/api/handoffs/{handoff_id}"): Rule(Access.MEMBER, TeamFrom.HANDOFF),
    ("PATCH", "/api/handoffs/{handoff_id}"): Rule(Access.AUTHOR_OR_REVIEWER, TeamFrom.HANDOFF),
    ("GET", "/health"): Rule(Access.PUBLIC),
    ("GET", "/admin"): Rule(Access.ADMIN),
    ("GET", "/board"): Rule(Access.MEMBER, TeamFrom.QUERY),
}


def small_app(settings: Settings, *, extra_route: bool = False) -> FastAPI:
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    app.state.settings = settings
    install_security(app, settings, table=SMALL_TABLE)

    @app.exception_handler(HandoffError)
    async def as_json(request: Request, exc: HandoffError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=exc.status_code)

    @app.get("/api/teams/{team}/notes")
    def notes(team: str) -> dict[str, str]:
        return {"team": team}

    @app.post("/api/teams/{team}/notes")
    def add_note(team: str, request: Request) -> dict[str, str]:
        return {"team": team, "role": request.state.role.label}

    @app.get("/api/handoffs/{handoff_id}")
    def handoff(handoff_id: str) -> dict[str, str]:
        return {"id": handoff_id}

    @app.patch("/api/handoffs/{handoff_id}")
    def edit(handoff_id: str) -> dict[str, str]:
        return {"id": handoff_id}

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/admin")
    def admin() -> dict[str, str]:
        return {"ok": "yes"}

    @app.get("/board")
    def board(request: Request) -> dict[str, str]:
        return {"team": request.state.team}

    if extra_route:

        @app.get("/forgotten")
        def forgotten() -> dict[str, str]:
            return {"open": "no"}

    return app


@pytest.fixture
def world(settings: Settings) -> World:
    return build_world(settings)


@pytest.fixture
def small(settings: Settings, world: World) -> Iterator[TestClient]:
    with TestClient(small_app(settings, extra_route=True), follow_redirects=False) as client:
        yield client


def test_anonymous_is_401_except_on_public_routes(small: TestClient) -> None:
    assert small.get("/health").status_code == 200
    r = small.get(f"/api/teams/{TEAM}/notes")
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"


def test_a_browser_without_a_session_is_sent_to_sign_in(small: TestClient, world: World) -> None:
    r = small.get("/board", params={"team": TEAM})
    assert r.status_code == 303
    assert r.headers["location"] == "/auth/login?next=%2Fboard%3Fteam%3Dpayments"
    assert small.get("/board", params={"team": TEAM}, headers=world.bearer("mia")).json() == {
        "team": TEAM
    }
    # No ?team= means HANDOFF_DEFAULT_TEAM, as the routes themselves do; mia is not in it.
    assert small.get("/board", headers=world.bearer("mia")).status_code == 404
    bad = small.get("/board", params={"team": "../../etc"}, headers=world.bearer("mia"))
    assert bad.status_code == 422 and "A team name is" in bad.json()["detail"]


def test_outside_the_team_is_404_exactly_like_missing(small: TestClient, world: World) -> None:
    outsider = world.bearer("otto")
    missing = small.get("/api/handoffs/no-such-id", headers=outsider)
    hidden = small.get(f"/api/handoffs/{world.handoff_id}", headers=outsider)
    assert missing.status_code == hidden.status_code == 404
    assert missing.json()["detail"] == "No handoff with id 'no-such-id'."
    assert hidden.json()["detail"] == f"No handoff with id '{world.handoff_id}'."
    no_team = small.get("/api/teams/nosuch/notes", headers=outsider)
    not_mine = small.get(f"/api/teams/{TEAM}/notes", headers=outsider)
    assert no_team.status_code == not_mine.status_code == 404
    assert not_mine.json()["detail"] == f"There is no team '{TEAM}'."
    # An administrator is not in the team either: administration is not access to the work.
    assert small.get(f"/api/teams/{TEAM}/notes", headers=world.bearer("admin")).status_code == 404


def test_missing_role_is_403_with_one_sentence(small: TestClient, world: World) -> None:
    r = small.post(f"/api/teams/{TEAM}/notes", headers=world.bearer("mia"))
    assert r.status_code == 403
    assert r.json()["detail"] == f"This needs the lead role in the team '{TEAM}'."
    ok = small.post(f"/api/teams/{TEAM}/notes", headers=world.bearer("lee"))
    assert ok.status_code == 200 and ok.json() == {"team": TEAM, "role": "lead"}


def test_authors_edit_their_own_drafts_reviewers_any(small: TestClient, world: World) -> None:
    path = f"/api/handoffs/{world.handoff_id}"
    refused = small.patch(path, headers=world.bearer("mia"))
    assert refused.status_code == 403 and "author or a reviewer" in refused.json()["detail"]
    assert small.patch(path, headers=world.bearer("ann")).status_code == 200
    assert small.patch(path, headers=world.bearer("rex")).status_code == 200
    assert small.patch(path, headers=world.bearer("otto")).status_code == 404


def test_admin_routes_need_the_admin_flag(small: TestClient, world: World) -> None:
    assert small.get("/admin", headers=world.bearer("lee")).status_code == 403
    assert small.get("/admin", headers=world.bearer("admin")).status_code == 200


def test_a_route_without_a_rule_is_listed_and_fails_closed(
    small: TestClient, settings: Settings
) -> None:
    app = small_app(settings, extra_route=True)
    assert routes_without_policy(app, SMALL_TABLE) == ["GET /forgotten"]
    r = small.get("/forgotten")
    assert r.status_code == 500 and "has no access policy" in r.json()["detail"]
    assert routes_without_policy(small_app(settings), SMALL_TABLE) == []


def test_table_mistakes_are_reported() -> None:
    bad = {
        ("GET", "/x"): Rule(Access.MEMBER),
        ("GET", "/y/{team}"): Rule(Access.PUBLIC, TeamFrom.PATH),
        ("GET", "/z"): Rule(Access.LEAD, TeamFrom.HANDOFF),
        ("GET", "/items/{item_id}"): Rule(Access.AUTHOR_OR_REVIEWER, TeamFrom.ITEM),
    }
    problems = check_table(bad)
    assert len(problems) == 4, problems
    assert check_table(POLICY) == []


def test_install_security_refuses_to_run_after_routes(settings: Settings) -> None:
    app = FastAPI()

    @app.get("/early")
    def early() -> None:
        return None

    with pytest.raises(RuntimeError, match="before any route"):
        install_security(app, settings)


# -- the real app ---------------------------------------------------------------------------------
def test_every_route_of_the_app_has_a_policy(settings: Settings) -> None:
    from api.app import create_app

    app = create_app(settings)
    assert routes_without_policy(app) == []
    assert installed(app)
    assert policy_problems(app) == []
    covered = {(r.method, r.path) for r in app_routes(app)}
    assert set(POLICY) == covered  # and the table names no route that does not exist


#: The reviewed decision for each route, written out so that changing who may call a route is a
#: visible change here too (the table is the source; this is its review copy).
REVIEWED = {
    "GET /": "member, query",
    "POST /api/ask": "member, body",
    "GET /api/ask/stream": "member, query",
    "POST /api/ask/stream": "member, body",
    "GET /api/handoffs": "member, query",
    "POST /api/handoffs": "member, body",
    "DELETE /api/handoffs/{handoff_id}": "author_or_reviewer, handoff",
    "GET /api/handoffs/{handoff_id}": "member, handoff",
    "PATCH /api/handoffs/{handoff_id}": "author_or_reviewer, handoff",
    "POST /api/handoffs/{handoff_id}/acknowledge": "member, handoff",
    "POST /api/handoffs/{handoff_id}/answers": "author_or_reviewer, handoff",
    "POST /api/handoffs/{handoff_id}/answers/recording": "author_or_reviewer, handoff",
    "GET /api/handoffs/{handoff_id}/audit": "member, handoff",
    "POST /api/handoffs/{handoff_id}/suggestion/apply": "author_or_reviewer, handoff",
    "POST /api/handoffs/{handoff_id}/publish": "author_or_reviewer, handoff",
    "POST /api/handoffs/{handoff_id}/unpublish": "author_or_reviewer, handoff",
    "GET /api/health": "public",
    "GET /api/items": "member, query",
    "GET /api/items/{item_id}": "member, item",
    "GET /api/jobs/{job_id}": "member, job",
    "POST /api/jobs/{job_id}/retry": "member, job",
    "POST /api/jobs/{job_id}/cancel": "member, job",
    "GET /api/me": "signed_in",
    "GET /api/teams/{team}/audit": "lead, path",
    "GET /api/teams/{team}/decisions": "member, path",
    "GET /api/teams/{team}/rollup": "member, path",
    "GET /api/pods/{pod}/rollup": "signed_in",
    "GET /api/teams/{team}/vocabulary": "member, path",
    "POST /api/teams/{team}/vocabulary/corrections": "lead, path",
    "POST /api/teams/{team}/vocabulary/people": "lead, path",
    "POST /api/teams/{team}/vocabulary/terms": "lead, path",
    "DELETE /api/teams/{team}/vocabulary/{value}": "lead, path",
    "PUT /api/teams/{team}/vocabulary/language": "lead, path",
    "PUT /api/teams/{team}/vocabulary/people/{name}/user": "lead, path",
    "DELETE /api/teams/{team}/vocabulary/people/{name}/user": "lead, path",
    "GET /api/teams/{team}/retention": "lead, path",
    "PUT /api/teams/{team}/retention": "lead, path",
    "GET /api/tokens": "signed_in",
    "POST /api/tokens": "signed_in",
    "DELETE /api/tokens/{token_id}": "signed_in",
    "GET /ask": "member, query",
    "GET /auth/login": "public",
    "POST /auth/login": "public",
    "POST /auth/logout": "public",
    "GET /auth/oidc/callback": "public",
    "GET /auth/oidc/login": "public",
    "GET /docs": "public",
    "GET /docs/oauth2-redirect": "public",
    "GET /favicon.ico": "public",
    "GET /handoffs/{handoff_id}": "member, handoff",
    "POST /handoffs/{handoff_id}/acknowledge": "member, handoff",
    "POST /handoffs/{handoff_id}/answer": "author_or_reviewer, handoff",
    "POST /handoffs/{handoff_id}/answer-recording": "author_or_reviewer, handoff",
    "POST /handoffs/{handoff_id}/delete": "author_or_reviewer, handoff",
    "GET /handoffs/{handoff_id}/refinement": "member, handoff",
    "POST /handoffs/{handoff_id}/suggestion/apply": "author_or_reviewer, handoff",
    "GET /handoffs/{handoff_id}/panel": "member, handoff",
    "POST /handoffs/{handoff_id}/publish": "author_or_reviewer, handoff",
    "POST /handoffs/{handoff_id}/save": "author_or_reviewer, handoff",
    "POST /handoffs/{handoff_id}/unpublish": "author_or_reviewer, handoff",
    "GET /items/{item_id}": "member, item",
    "GET /jobs/{job_id}": "member, job",
    "POST /jobs/{job_id}/retry": "member, job",
    "POST /jobs/{job_id}/cancel": "member, job",
    "GET /teams/{team}/audit": "lead, path",
    "GET /teams/{team}/decisions": "member, path",
    "GET /teams/{team}/rollup": "member, path",
    "GET /pods/{pod}/rollup": "signed_in",
    "GET /teams/{team}/metrics": "lead, path",
    "GET /api/teams/{team}/metrics": "lead, path",
    "GET /handoffs/{handoff_id}/cited": "member, handoff",
    "GET /metrics/prometheus": "admin",
    "GET /media/{handoff_id}": "member, handoff",
    "GET /media/{handoff_id}/answers/{name}": "member, handoff",
    "GET /openapi.json": "public",
    "GET /post": "member, query",
    "GET /redoc": "public",
    "GET /static/{path:path}": "public",
    # the protocol (issue 16)
    "GET /api/inbox": "signed_in",
    "POST /api/items/{item_id}/acknowledge": "member, item",
    "POST /api/items/{item_id}/not-mine": "member, item",
    "POST /api/items/{item_id}/resolve": "member, item",
    "POST /api/items/{item_id}/reassign": "lead, item",
    "GET /api/handoffs/{handoff_id}/notifications": "member, handoff",
    "GET /api/handoffs/{handoff_id}/acknowledgments": "member, handoff",
    "PUT /api/me": "signed_in",
    "GET /api/teams/{team}/rules": "lead, path",
    "PUT /api/teams/{team}/rules": "lead, path",
    "GET /api/teams/{team}/overdue": "member, path",
    "GET /inbox": "signed_in",
    "GET /settings": "signed_in",
    "POST /settings": "signed_in",
    "GET /teams/{team}/settings": "lead, path",
    "POST /teams/{team}/settings": "lead, path",
    "POST /items/{item_id}/acknowledge": "member, item",
    "POST /items/{item_id}/not-mine": "member, item",
    "POST /items/{item_id}/resolve": "member, item",
    "POST /items/{item_id}/reassign": "lead, item",
    # one-click links from email and Slack: the signed single-use token is the credential
    "GET /actions/{token}": "action_link",
    "POST /actions/{token}": "action_link",
}


def test_the_table_is_the_reviewed_policy() -> None:
    actual = {
        f"{m} {p}": r.access.value + (f", {r.team.value}" if r.team is not TeamFrom.NONE else "")
        for (m, p), r in POLICY.items()
    }
    assert actual == REVIEWED


class Reached(HandoffError):
    """Raised in place of the route's services: the policy let the request through."""

    status_code = 418


#: Routes whose handlers take no `ServicesDep` (they run for real when allowed).
NO_SERVICES = {"/api/health", "/favicon.ico", "/static/{path:path}", "/openapi.json", "/docs"}
NO_SERVICES |= {"/docs/oauth2-redirect", "/redoc", "/api/me", "/api/tokens"}
NO_SERVICES |= {"/api/tokens/{token_id}", "/api/teams/{team}/audit", "/teams/{team}/audit"}
CALLERS = (None, "otto", "admin", "mia", "ann", "rex", "lee")


def expected(rule: Rule, caller: str | None, method: str, path: str) -> int | str:
    """What the policy should answer: 'allowed', or the refusing status."""
    if rule.access in (Access.PUBLIC, Access.LINK):
        return "allowed"
    if caller is None:
        page = method == "GET" and not path.startswith(("/api", "/media"))
        return 303 if page else 401
    if rule.access is Access.SIGNED_IN:
        return "allowed"
    if rule.access is Access.ADMIN:  # instance-wide (operators' metrics): no team's role counts
        return "allowed" if caller == "admin" else 403
    if caller in ("otto", "admin"):
        return 404
    role = {"mia": 1, "ann": 1, "rex": 2, "lee": 3}[caller]
    if rule.access is Access.MEMBER:
        return "allowed"
    if rule.access is Access.LEAD:
        return "allowed" if role >= 3 else 403
    if rule.access is Access.AUTHOR_OR_REVIEWER:
        return "allowed" if role >= 2 or caller == "ann" else 403
    raise AssertionError(rule)


def _request(
    client: TestClient, world: World, method: str, template: str, caller: str | None
) -> Any:
    values = {
        "{handoff_id}": world.handoff_id,
        "{job_id}": world.job_id,
        "{item_id}": world.item_id,
        "{team}": TEAM,
        "{value}": "x",
        "{name}": "x",
        "{token_id}": "x",
        "{path:path}": "app.css",
    }
    path = template
    for key, value in values.items():
        path = path.replace(key, value)
    body = {"team": TEAM, "question": "what is blocked?", "text": "t", "name": "n"}
    kwargs: dict[str, Any] = {"headers": world.bearer(caller), "params": {"team": TEAM}}
    if method != "GET":
        kwargs["json"] = body
    return client.request(method, path, follow_redirects=False, **kwargs)


def test_every_route_answers_each_caller_as_the_table_says(settings: Settings) -> None:
    from api.app import create_app
    from api.deps import services_dep

    world = build_world(settings)
    app = create_app(settings)

    def reached() -> None:
        raise Reached("The policy let this request through.")

    app.dependency_overrides[services_dep] = reached
    wrong = []
    with TestClient(app) as client:
        for (method, template), rule in sorted(POLICY.items()):
            if template.startswith("/auth/"):
                continue  # sign-in routes check their own CSRF; test_auth.py covers them
            for caller in CALLERS:
                r = _request(client, world, method, template, caller)
                want = expected(rule, caller, method, template)
                if want == "allowed":
                    ok = (
                        r.status_code == 418
                        if template not in NO_SERVICES
                        else (
                            r.status_code not in (401, 403)
                            and (r.status_code != 404 or template == "/api/tokens/{token_id}")
                        )
                    )
                else:
                    ok = r.status_code == want
                if not ok:
                    wrong.append(f"{method} {template} as {caller}: {r.status_code}, want {want}")
    assert not wrong, "\n".join(wrong)


def test_routes_read_the_checked_team_and_the_actor(settings: Settings, world: World) -> None:
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    app.state.settings = settings
    table = {("POST", "/api/wraps"): Rule(Access.MEMBER, TeamFrom.BODY)}
    install_security(app, settings, table=table)

    @app.exception_handler(HandoffError)
    async def as_json(request: Request, exc: HandoffError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=exc.status_code)

    @app.post("/api/wraps")
    async def post(team: TeamDep, actor: ActorDep, request: Request) -> dict[str, Any]:
        if request.headers["content-type"].startswith("application/json"):
            text = (await request.json())["text"]  # the policy read the body first: still here
        else:
            async with request.form(max_files=1, max_fields=20) as form:
                text = (await form["file"].read()).decode()  # type: ignore[union-attr]
        return {"team": team, "actor": actor.name, "text": text}

    mia = world.bearer("mia")
    with TestClient(app) as client:
        r = client.post("/api/wraps", json={"text": "hi", "team": TEAM}, headers=mia).json()
        assert r["team"] == TEAM and r["text"] == "hi"
        assert r["actor"].startswith("mia (token ")
        form = client.post(
            "/api/wraps", data={"team": TEAM}, files={"file": ("w.txt", b"clip")}, headers=mia
        )
        assert form.json()["text"] == "clip" and form.json()["team"] == TEAM
        # A text field as long as HANDOFF_MAX_FORM_BYTES allows is not refused by the policy's
        # own reading of the form (Starlette's default part limit is 1 MiB).
        long_text = {"team": TEAM, "text": "x" * 1_500_000}
        big = client.post(
            "/api/wraps", files={"file": ("w.txt", b"ok")}, data=long_text, headers=mia
        )
        assert big.status_code == 200 and big.json()["team"] == TEAM
        other = client.post("/api/wraps", json={"text": "x", "team": "platform"}, headers=mia)
        assert other.status_code == 404
        evil = client.post("/api/wraps", json={"text": "x", "team": "../../x"}, headers=mia)
        assert evil.status_code == 422 and "A team name is" in evil.json()["detail"]
