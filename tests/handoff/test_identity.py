"""Identities in the domain core: team slugs, passwords, accounts, roles, tokens, sessions,
people links and demo accounts — on SQLite, and where storage matters on PostgreSQL too."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from handoff.audit import Actor, AuditLog
from handoff.db import session_scope
from handoff.errors import ConfigError, ConflictError, InvalidInput, NotFound
from handoff.identity.demo import (
    DEMO_ACCOUNTS,
    create_demo_accounts,
    demo_sign_ins,
    first_admin_hint,
)
from handoff.identity.directory import Directory, OidcIdentity, Provisioning
from handoff.identity.errors import Forbidden
from handoff.identity.models import ApiTokenRecord, WebSessionRecord
from handoff.identity.passwords import hash_password, verify_password
from handoff.identity.people import PeopleLinks
from handoff.identity.roles import Role
from handoff.identity.sessions import SessionStore
from handoff.identity.tokens import TokenStore
from handoff.teams import validate_team

OP = Actor.operator()
PASSWORD = "correct horse battery staple"


@pytest.fixture
def url(home: Path) -> str:
    return f"sqlite:///{home / 'handoff.db'}"


@pytest.fixture
def directory(url: str) -> Directory:
    return Directory(url)


@pytest.fixture
def alice(directory: Directory) -> str:
    directory.create_team("payments", actor=OP)
    directory.create_team("platform", actor=OP)
    user = directory.create_user("alice", password=PASSWORD, email="Alice@Example.org", actor=OP)
    directory.add_member("payments", "alice", actor=OP)
    return user.id


# -- team slugs ---------------------------------------------------------------------------------
@pytest.mark.parametrize("good", ["payments", "a", "team-2_b", "x" * 64])
def test_valid_team_slugs_pass_unchanged(good: str) -> None:
    assert validate_team(good) == good


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "../../somewhere",
        "/etc",
        "Payments",
        "pay ments",
        "pay\x00ments",
        "pay∕ments",  # U+2215 division slash
        "pay／ments",  # fullwidth solidus
        "payments\n",
        "%2e%2e",
        "x" * 65,
        "pàyments",
    ],
)
def test_invalid_team_slugs_are_refused_with_one_sentence(bad: str) -> None:
    with pytest.raises(InvalidInput) as err:
        validate_team(bad)
    message = str(err.value)
    assert message.endswith(".") and "\n" not in message
    assert "lowercase letters" in message


# -- passwords ----------------------------------------------------------------------------------
def test_password_is_hashed_with_argon2_and_verifies() -> None:
    hashed = hash_password(PASSWORD, min_length=12)
    assert hashed.startswith("$argon2id$") and PASSWORD not in hashed
    assert verify_password(PASSWORD, hashed)
    assert not verify_password(PASSWORD + "!", hashed)
    assert hash_password(PASSWORD, min_length=12) != hashed  # salted


def test_short_password_is_refused() -> None:
    with pytest.raises(InvalidInput, match="at least 12 characters"):
        hash_password("short", min_length=12)


def test_account_without_password_never_verifies() -> None:
    assert not verify_password("", None)
    assert not verify_password(PASSWORD, None)
    assert not verify_password(PASSWORD, "not a hash")


# -- accounts -----------------------------------------------------------------------------------
def test_authenticate_by_username_or_email(directory: Directory, alice: str) -> None:
    assert directory.authenticate("alice", PASSWORD) is not None
    assert directory.authenticate("ALICE@example.org", PASSWORD) is not None
    assert directory.authenticate("alice", "wrong password here") is None
    assert directory.authenticate("nobody", PASSWORD) is None
    directory.set_disabled("alice", True, actor=OP)
    assert directory.authenticate("alice", PASSWORD) is None


def test_usernames_and_emails_are_unique_and_checked(directory: Directory, alice: str) -> None:
    with pytest.raises(ConflictError, match="taken"):
        directory.create_user("Alice", password=PASSWORD, actor=OP)
    with pytest.raises(ConflictError, match="email"):
        directory.create_user("alice2", email="alice@example.org", password=PASSWORD, actor=OP)
    with pytest.raises(InvalidInput, match="username"):
        directory.create_user("../root", password=PASSWORD, actor=OP)
    with pytest.raises(InvalidInput, match="email"):
        directory.create_user("bob", email="not-an-email", password=PASSWORD, actor=OP)


# -- teams and roles ----------------------------------------------------------------------------
def test_roles_are_ordered_and_parsed() -> None:
    assert Role.MEMBER < Role.REVIEWER < Role.LEAD
    assert Role.parse(" Lead ") is Role.LEAD
    with pytest.raises(InvalidInput, match="member, reviewer, lead"):
        Role.parse("owner")


def test_membership_add_role_remove(directory: Directory, alice: str) -> None:
    assert directory.memberships(alice) == {"payments": Role.MEMBER}
    directory.set_role("payments", "alice", "reviewer", actor=OP)
    directory.add_member("platform", "alice", Role.LEAD, actor=OP)
    assert directory.memberships(alice) == {"payments": Role.REVIEWER, "platform": Role.LEAD}
    with pytest.raises(ConflictError):
        directory.add_member("payments", "alice", actor=OP)
    directory.remove_member("payments", "alice", actor=OP)
    assert directory.memberships(alice) == {"platform": Role.LEAD}
    with pytest.raises(NotFound):
        directory.remove_member("payments", "alice", actor=OP)
    with pytest.raises(NotFound, match="no team"):
        directory.add_member("nosuch", "alice", actor=OP)
    with pytest.raises(InvalidInput):
        directory.create_team("../x", actor=OP)


# -- API tokens ---------------------------------------------------------------------------------
def test_token_is_stored_hashed_and_verifies_until_revoked(
    url: str, directory: Directory, alice: str
) -> None:
    tokens = TokenStore(url)
    new = tokens.create(alice, name="ci", actor=OP)
    assert new.secret.startswith("hnd_") and len(new.secret) > 40
    with session_scope(url) as session:
        row = session.get(ApiTokenRecord, new.info.id)
        assert row is not None
        assert new.secret not in (row.secret_sha256, row.prefix)
        assert len(row.secret_sha256) == 64
    grant = tokens.verify(new.secret)
    assert grant is not None and grant.user_id == alice
    assert grant.teams is None and not grant.read_only
    assert tokens.verify(new.secret[:-1] + ("A" if new.secret[-1] != "A" else "B")) is None
    assert tokens.verify("hnd_short") is None
    tokens.revoke(new.info.id, owner_id=alice, actor=OP)
    assert tokens.verify(new.secret) is None
    with pytest.raises(ConflictError):
        tokens.revoke(new.info.id, owner_id=None, actor=OP)


def test_token_limits_are_kept_and_never_reach_past_the_owner(
    url: str, directory: Directory, alice: str
) -> None:
    tokens = TokenStore(url)
    limited = tokens.create(alice, name="bot", teams=["payments"], read_only=True, actor=OP)
    grant = tokens.verify(limited.secret)
    assert grant is not None
    assert grant.teams == frozenset({"payments"}) and grant.read_only
    with pytest.raises(InvalidInput, match="not in the team 'platform'"):
        tokens.create(alice, name="x", teams=["platform"], actor=OP)


def test_token_of_disabled_owner_and_of_another_owner(
    url: str, directory: Directory, alice: str
) -> None:
    tokens = TokenStore(url)
    new = tokens.create(alice, name="ci", actor=OP)
    bob = directory.create_user("bob", password=PASSWORD, actor=OP)
    with pytest.raises(NotFound):  # bob cannot revoke alice's token, nor learn it exists
        tokens.revoke(new.info.id, owner_id=bob.id, actor=OP)
    directory.set_disabled("alice", True, actor=OP)
    assert tokens.verify(new.secret) is None
    directory.set_disabled("alice", False, actor=OP)
    assert tokens.verify(new.secret) is not None


# -- sessions -----------------------------------------------------------------------------------
def test_sessions_start_resolve_end_and_expire(url: str, directory: Directory, alice: str) -> None:
    sessions = SessionStore(url)
    sid = sessions.start(alice, method="password", max_age_s=3600, address="127.0.0.1")
    assert sessions.user_for(sid) == alice
    assert sessions.user_for(sid + "x") is None
    sessions.end(sid)
    assert sessions.user_for(sid) is None
    old = sessions.start(alice, method="password", max_age_s=3600)
    with session_scope(url) as session:
        row = session.scalars(sa.select(WebSessionRecord)).one()
        row.expires_at = row.created_at - timedelta(seconds=1)
    assert sessions.user_for(old) is None
    again = sessions.start(alice, method="password", max_age_s=3600)
    directory.set_disabled("alice", True, actor=OP)
    assert sessions.user_for(again) is None


# -- single sign-on accounts --------------------------------------------------------------------
def _oidc(sub: str, email: str, verified: bool = True) -> OidcIdentity:
    return OidcIdentity(
        issuer="https://idp.example",
        subject=sub,
        email=email,
        email_verified=verified,
        name="Sam Doe",
        preferred_username=None,
    )


def test_oidc_links_by_verified_email_and_provisions_only_allowed_domains(
    directory: Directory, alice: str
) -> None:
    closed = Provisioning(auto_provision=True, allowed_domains=frozenset(), open_signup=False)
    with pytest.raises(Forbidden):  # an unverified email never links
        directory.oidc_sign_in(_oidc("s1", "alice@example.org", False), rules=closed, actor=OP)
    linked = directory.oidc_sign_in(_oidc("s1", "alice@example.org"), rules=closed, actor=OP)
    assert linked.id == alice and linked.oidc_subject == "s1"
    # Next time the subject alone finds her, whatever the email says.
    again = directory.oidc_sign_in(_oidc("s1", "changed@example.org"), rules=closed, actor=OP)
    assert again.id == alice
    with pytest.raises(Forbidden, match="no account"):
        directory.oidc_sign_in(_oidc("s2", "sam@acme.test"), rules=closed, actor=OP)
    acme = Provisioning(
        auto_provision=True, allowed_domains=frozenset({"acme.test"}), open_signup=False
    )
    sam = directory.oidc_sign_in(_oidc("s2", "sam@acme.test"), rules=acme, actor=OP)
    assert sam.username == "sam" and not sam.has_password
    assert directory.memberships(sam.id) == {}  # an account, but no team's work yet


# -- people links -------------------------------------------------------------------------------
def test_vocabulary_person_links_to_a_member_account(
    url: str, directory: Directory, alice: str
) -> None:
    from handoff.vocabulary import VocabularyRepository

    VocabularyRepository(url).add_person("payments", "Alice Nguyen")
    people = PeopleLinks(url)
    with pytest.raises(NotFound, match="vocabulary"):
        people.link("payments", "Sarah", "alice", actor=OP)
    with pytest.raises(InvalidInput, match="not in the team"):
        directory.create_user("carol", password=PASSWORD, actor=OP)
        people.link("payments", "Alice Nguyen", "carol", actor=OP)
    assert people.link("payments", "alice nguyen", "alice", actor=OP) == "Alice Nguyen"
    account = people.account_for("payments", "ALICE NGUYEN")
    assert account is not None and account.id == alice
    assert people.account_for("platform", "Alice Nguyen") is None
    assert people.people_of(alice) == {"payments": ["Alice Nguyen"]}
    people.unlink("payments", "Alice Nguyen", actor=OP)
    assert people.account_for("payments", "Alice Nguyen") is None


# -- the audit trail of identity changes --------------------------------------------------------
def test_every_identity_change_is_one_audit_row(url: str, directory: Directory, alice: str) -> None:
    directory.set_role("payments", "alice", "lead", actor=OP)
    TokenStore(url).create(alice, name="ci", actor=OP)
    actions = [e.action for e in AuditLog(url).entries()]
    assert actions == [
        "token.create",
        "member.role",
        "member.add",
        "user.create",
        "team.create",
        "team.create",
    ]
    payments = AuditLog(url).entries(team="payments")
    assert [e.action for e in payments] == ["member.role", "member.add", "team.create"]
    assert payments[0].detail == {"username": "alice", "from": "member", "to": "lead"}
    assert payments[0].actor.startswith("operator:")


# -- demo accounts and the first start ----------------------------------------------------------
def test_demo_accounts_in_development_only(directory: Directory) -> None:
    assert first_admin_hint(directory) is not None
    assert "handoff users create" in str(first_admin_hint(directory))
    with pytest.raises(ConfigError, match="HANDOFF_ENVIRONMENT"):
        create_demo_accounts(directory, environment="production", default_team="default")
    created = create_demo_accounts(directory, environment="development", default_team="default")
    assert {a.username for a in created} == {a.username for a in DEMO_ACCOUNTS}
    assert create_demo_accounts(directory, environment="development", default_team="default") == []
    assert first_admin_hint(directory) is None
    roles = {u.username: directory.memberships(u.id) for u in directory.users()}
    assert roles["lena"] == {"default": Role.LEAD}
    assert roles["rui"] == {"default": Role.REVIEWER}
    assert roles["priya"] == {"platform": Role.MEMBER}
    assert directory.user("admin").is_admin and roles["admin"] == {}
    maya = next(a for a in DEMO_ACCOUNTS if a.username == "maya")
    assert directory.authenticate("maya", maya.password) is not None
    assert demo_sign_ins(directory, environment="production") == []
    assert len(demo_sign_ins(directory, environment="development")) == len(DEMO_ACCOUNTS)
