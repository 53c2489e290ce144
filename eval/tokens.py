"""A bearer token for benchmarks: every API route checks who is asking, so a benchmark signs in
like any client, as a lead of the teams it measures (created when missing).

Written straight into the system of record before the server starts (or beside it: tokens are
read from the database on each request), never through a route a benchmark would then time.
"""

from __future__ import annotations

from contextlib import suppress
from pathlib import Path

from handoff.errors import ConflictError, NotFound


def bench_token(
    home: Path,
    teams: list[str],
    *,
    database_url: str | None = None,
    username: str = "bench",
    every_team: bool = False,
) -> str:
    """A new API token for `username`, a lead of each of `teams` (and, with `every_team`, of
    every team there is); teams and user are created when missing, so a benchmark can call this
    on a home that `handoff demo` filled."""
    from api.auth.services import build_identity
    from handoff.audit import Actor
    from handoff.identity.roles import Role
    from handoff.settings import Settings

    identity = build_identity(Settings(home=home, database_url=database_url))
    directory, op = identity.directory, Actor.operator()
    known = {t.slug for t in directory.teams()}
    if every_team:
        teams = sorted(known | set(teams))
    try:
        user = directory.user(username)
    except NotFound:
        user = directory.create_user(username, actor=op)
    for team in teams:
        if team not in known:
            directory.create_team(team, actor=op)
        with suppress(ConflictError):  # already a member from an earlier run
            directory.add_member(team, username, Role.LEAD, actor=op)
    return identity.tokens.create(user.id, name="benchmark", actor=op).secret


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
