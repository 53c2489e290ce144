"""One-click action links: signed with the app's key, expiring, and good for one use (a row in
`action_tokens`, written by `consume` in the caller's transaction)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import func, select

from api.notify.links import (
    ActionLinkExpired,
    ActionLinkInvalid,
    ActionLinkUsed,
    ActionTokenRecord,
    action_url,
    consume,
    make_action_token,
    purge_expired,
    read_action_token,
)
from handoff.db import session_scope
from handoff.settings import Settings

KEY = "k" * 8 + "0123456789abcdefghijklmnopqrstuvwxyz"
NOW = datetime(2026, 12, 7, 1, 30, tzinfo=UTC)


@pytest.fixture
def keyed(settings: Settings) -> Settings:
    return settings.model_copy(
        update={"secret_key": SecretStr(KEY), "public_url": "https://h.test"}
    )


@pytest.fixture
def stored(keyed: Settings, database_url: str) -> Settings:
    """The keyed settings on SQLite, then on the real PostgreSQL."""
    return keyed.model_copy(update={"database_url": database_url})


@pytest.fixture
def sarah(stored: Settings) -> str:
    """A team and a user in a migrated database; Sarah's user id."""
    from api.auth.services import get_identity
    from handoff.audit import Actor

    directory = get_identity(stored).directory
    directory.create_team("payments", actor=Actor.operator())
    return str(directory.create_user("sarah", display_name="Sarah", actor=Actor.operator()).id)


def test_a_token_carries_its_claim_and_makes_a_link(keyed: Settings) -> None:
    token = make_action_token(keyed, "u1", "resolve", "item-9", 3600, team="payments", now=NOW)
    claim = read_action_token(keyed, token, now=NOW + timedelta(minutes=59))
    assert (claim.team, claim.user_id, claim.action, claim.item_id) == (
        "payments",
        "u1",
        "resolve",
        "item-9",
    )
    assert claim.expires_at == NOW + timedelta(hours=1)
    assert action_url(keyed, token) == f"https://h.test/actions/{token}"
    other = make_action_token(keyed, "u1", "resolve", "item-9", 3600, team="payments", now=NOW)
    assert read_action_token(keyed, other, now=NOW).token_id != claim.token_id


def test_expired_tampered_and_foreign_tokens_are_refused(keyed: Settings) -> None:
    token = make_action_token(keyed, "u1", "acknowledge", "item-9", 60, team="payments", now=NOW)
    with pytest.raises(ActionLinkExpired) as expired:
        read_action_token(keyed, token, now=NOW + timedelta(seconds=60))
    assert expired.value.status_code == 410
    body, _, signature = token.rpartition(".")
    with pytest.raises(ActionLinkInvalid):
        read_action_token(keyed, body + "." + signature[::-1], now=NOW)
    with pytest.raises(ActionLinkInvalid):
        read_action_token(keyed, token[:-4], now=NOW)
    other_key = keyed.model_copy(update={"secret_key": SecretStr("z" * 48)})
    with pytest.raises(ActionLinkInvalid):
        read_action_token(other_key, token, now=NOW)
    with pytest.raises(ValueError):
        make_action_token(keyed, "u1", "delete_everything", "item-9", 60, team="payments")


def test_a_session_cookie_value_is_not_an_action_link(keyed: Settings) -> None:
    """Same key, other salt: something signed for another purpose does not pass."""
    from itsdangerous import URLSafeSerializer

    forged = URLSafeSerializer(KEY).dumps(
        {"j": "x", "t": "payments", "u": "u1", "a": "resolve", "i": "item-9", "x": 2**40}
    )
    with pytest.raises(ActionLinkInvalid):
        read_action_token(keyed, str(forged), now=NOW)


def _used(settings: Settings) -> int:
    with session_scope(settings.resolved_database_url) as session:
        return int(session.scalar(select(func.count()).select_from(ActionTokenRecord)) or 0)


def test_a_link_works_once(stored: Settings, sarah: str) -> None:
    token = make_action_token(stored, sarah, "resolve", "item-9", 3600, team="payments", now=NOW)
    claim = read_action_token(stored, token, now=NOW)
    url = stored.resolved_database_url
    with session_scope(url) as session:
        consume(session, claim, now=NOW)
    with pytest.raises(ActionLinkUsed) as used, session_scope(url) as session:
        consume(session, claim, now=NOW + timedelta(minutes=1))
    assert used.value.status_code == 409
    with session_scope(url) as session:
        row = session.get(ActionTokenRecord, claim.token_id)
        assert row is not None and row.team == "payments" and row.used_at == NOW


def test_a_rolled_back_action_leaves_the_link_usable(stored: Settings, sarah: str) -> None:
    token = make_action_token(
        stored, sarah, "acknowledge", "item-9", 3600, team="payments", now=NOW
    )
    claim = read_action_token(stored, token, now=NOW)
    url = stored.resolved_database_url
    with pytest.raises(RuntimeError), session_scope(url) as session:
        consume(session, claim, now=NOW)
        raise RuntimeError("the action failed after the link was marked")
    assert _used(stored) == 0
    with session_scope(url) as session:
        consume(session, claim, now=NOW)
    assert _used(stored) == 1


def test_concurrent_uses_let_exactly_one_through(stored: Settings, sarah: str) -> None:
    token = make_action_token(stored, sarah, "resolve", "item-9", 3600, team="payments", now=NOW)
    claim = read_action_token(stored, token, now=NOW)
    url = stored.resolved_database_url
    outcomes: list[str] = []
    start = threading.Barrier(6)

    def use() -> None:
        start.wait()
        try:
            with session_scope(url) as session:
                consume(session, claim, now=NOW)
            outcomes.append("ok")
        except ActionLinkUsed:
            outcomes.append("used")

    threads = [threading.Thread(target=use) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["ok"] + ["used"] * 5


def test_expired_marks_are_purged(stored: Settings, sarah: str) -> None:
    url = stored.resolved_database_url
    for ttl in (60, 3600):
        token = make_action_token(stored, sarah, "resolve", "i", ttl, team="payments", now=NOW)
        with session_scope(url) as session:
            consume(session, read_action_token(stored, token, now=NOW), now=NOW)
    with session_scope(url) as session:
        assert purge_expired(session, now=NOW + timedelta(minutes=5)) == 1
    assert _used(stored) == 1


def test_the_default_lifetime_is_the_setting(keyed: Settings) -> None:
    short: Any = keyed.model_copy(update={"action_link_ttl_s": 120})
    token = make_action_token(short, "u1", "resolve", "item-9", team="payments", now=NOW)
    assert read_action_token(short, token, now=NOW).expires_at == NOW + timedelta(seconds=120)
