"""Sign-in and access control for the web app and the API (issue 15).

What the app factory uses:

    install_security(app, settings)   right after FastAPI(...): production checks, the policy
                                      dependency on every route, signed session cookies,
                                      security headers, the sign-in redirect      (security)
    check_production(settings)        refuse unsafe production settings; `handoff serve` too
                                                                                  (production)
    router                            /auth/login, /auth/logout, /auth/oidc/*, /api/me,
                                      /api/tokens, /api/teams/{team}/audit        (routes)
    PrincipalDep, OptionalPrincipalDep   the signed-in caller in a route          (deps)
    POLICY, Access, TeamFrom, Rule    the table of who may call what              (policy)
    routes_without_policy(app)        routes the table misses (a test asserts none)
    csrf_token(request)               the token templates put in forms            (csrf)

Modules are imported from directly (`from api.auth.security import install_security`), so
importing this package stays cheap.
"""
