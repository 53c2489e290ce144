"""One-click actions from a delivered email: the publish routes the blocker to Sarah, the real
EmailNotifier delivers it to a real SMTP server on 127.0.0.1, and the links in that mail are
opened by a browser that is signed in as nobody. Each link acts once, as Sarah; an expired, a
forged, a reused link and one for another team's item are refused, each with one sentence."""

from __future__ import annotations

import email
import email.policy
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from api.notify.links import ActionTokenRecord, action_url, make_action_token
from handoff.db import session_scope
from handoff.ledger.models import LedgerEvent, LedgerItem
from tests.api.conftest import bearer
from tests.api.notify.conftest import Mailbox
from tests.api.test_protocol_api import _member, _published

BASE = "http://testserver"


@pytest.fixture
def mail_env(home: Any, monkeypatch: pytest.MonkeyPatch, mailbox: tuple[Mailbox, int]) -> Mailbox:
    """Email on, to the local SMTP server; links on the test client's address. Requested before
    `client`, so the app reads these settings."""
    from handoff.settings import get_settings

    box, port = mailbox
    for name, value in {
        "HANDOFF_SMTP_HOST": "127.0.0.1",
        "HANDOFF_SMTP_PORT": str(port),
        "HANDOFF_SMTP_SECURITY": "none",
        "HANDOFF_PUBLIC_URL": BASE,
    }.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    return box


@pytest.fixture
def anonymous(app: Any) -> Iterator[TestClient]:
    """A browser signed in as nobody: the link is all it has."""
    with TestClient(app) as c:
        yield c


def _sarah(client: TestClient, settings: Any) -> dict[str, str]:
    who = bearer(_member(settings, "sarah", "Sarah"))
    r = client.put("/api/me", headers=who, json={"channels": {"email": "sarah@example.com"}})
    assert r.status_code == 200, r.text
    return who


def _mail_links(box: Mailbox, to: str) -> dict[str, str]:
    """The action links of the one mail `to` got, by label, from its plain-text part."""
    [raw] = [raw for _, rcpts, raw in box.received if to in rcpts]
    mail = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(mail, email.message.EmailMessage)
    plain = mail.get_body(preferencelist=("plain",))
    assert plain is not None
    text = plain.get_content()
    found = dict(re.findall(r"^(Acknowledge|Resolve|Not mine): (\S+)", text, re.MULTILINE))
    assert set(found) == {"Acknowledge", "Resolve", "Not mine"}, text
    assert all(url.startswith(f"{BASE}/actions/") for url in found.values())
    return found


def _path(url: str) -> str:
    return url.removeprefix(BASE)


def _resolved_events(settings: Any, item_id: str) -> int:
    with session_scope(settings.resolved_database_url) as s:
        return int(
            s.scalar(
                select(func.count())
                .select_from(LedgerEvent)
                .where(LedgerEvent.item_id == item_id, LedgerEvent.action == "resolved")
            )
            or 0
        )


@pytest.fixture
def delivered(
    mail_env: Mailbox, client: TestClient, settings: Any, posted: dict[str, Any]
) -> dict[str, str]:
    """The example wrap published; Sarah's mail arrived; its links by label."""
    _sarah(client, settings)
    _published(client, posted)
    return _mail_links(mail_env, "sarah@example.com")


def _item_of(settings: Any, url: str) -> LedgerItem:
    from api.notify.links import read_action_token

    claim = read_action_token(settings, url.rsplit("/", 1)[1])
    with session_scope(settings.resolved_database_url) as s:
        item = s.get(LedgerItem, claim.item_id)
        assert item is not None
        s.expunge(item)
        return item


def test_the_mails_resolve_link_resolves_exactly_once(
    delivered: dict[str, str], anonymous: TestClient, client: TestClient, settings: Any
) -> None:
    url = _path(delivered["Resolve"])
    page = anonymous.get(url)
    assert page.status_code == 200
    assert "session timeout" in page.text and "Sarah" in page.text and 'name="note"' in page.text
    item = _item_of(settings, delivered["Resolve"])
    assert _resolved_events(settings, item.id) == 0  # a GET changes nothing

    done = anonymous.post(url, data={"note": "approved. Sarah decided: 12 hours"})
    assert done.status_code == 200 and "Resolved" in done.text
    assert _item_of(settings, delivered["Resolve"]).state == "resolved"
    # the ledger says Sarah did it (not whoever held the browser), and Maya, who raised it, hears
    with session_scope(settings.resolved_database_url) as s:
        ev = s.scalars(
            select(LedgerEvent).where(
                LedgerEvent.item_id == item.id, LedgerEvent.action == "resolved"
            )
        ).one()
        assert ev.author == "Sarah" and ev.text == "approved. Sarah decided: 12 hours"
    inbox = client.get("/api/inbox").json()["notifications"]
    assert "blocker_resolved" in [n["kind"] for n in inbox]

    again = anonymous.post(url, data={"note": "again"})
    assert again.status_code == 409 and "already used" in again.text
    assert anonymous.get(url).status_code == 409
    assert _resolved_events(settings, item.id) == 1


def test_the_acknowledge_link_takes_the_item_once(
    delivered: dict[str, str], anonymous: TestClient, settings: Any
) -> None:
    url = _path(delivered["Acknowledge"])
    r = anonymous.post(url, data={"read_back": "I decide the timeout"})
    assert r.status_code == 200 and "You have it" in r.text
    with session_scope(settings.resolved_database_url) as s:
        item = s.get(LedgerItem, _item_of(settings, delivered["Acknowledge"]).id)
        assert item is not None and item.owner == "Sarah"
    r = anonymous.post(url)
    assert r.status_code == 409 and "already used" in r.text


def test_a_refused_action_leaves_the_link_usable(
    delivered: dict[str, str], anonymous: TestClient, settings: Any
) -> None:
    url = _path(delivered["Resolve"])
    empty = anonymous.post(url, data={"note": "  "})
    assert empty.status_code == 422 and "Say how it was resolved" in empty.text
    assert anonymous.post(url, data={"note": "approved"}).status_code == 200


def test_expired_forged_and_other_teams_links_are_refused(
    delivered: dict[str, str], anonymous: TestClient, client: TestClient, settings: Any
) -> None:
    item = _item_of(settings, delivered["Resolve"])
    sarah_id = _claim_user(settings, delivered["Resolve"])
    long_ago = datetime.now(UTC) - timedelta(days=10)
    expired = make_action_token(
        settings, sarah_id, "resolve", item.id, ttl=3600, team="payments", now=long_ago
    )
    for r in (anonymous.get(f"/actions/{expired}"), anonymous.post(f"/actions/{expired}")):
        assert r.status_code == 410 and "expired" in r.text

    token = delivered["Resolve"].rsplit("/", 1)[1]
    forged = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    r = anonymous.post(f"/actions/{forged}", data={"note": "x"})
    assert r.status_code == 400 and "This action link is not valid" in r.text

    # Sarah is in ops too; a link signed for ops cannot reach a payments item
    from api.auth.services import get_identity
    from handoff.audit import Actor

    get_identity(settings).directory.add_member("ops", "sarah", "member", actor=Actor.operator())
    other = make_action_token(settings, sarah_id, "resolve", item.id, team="ops")
    r = anonymous.post(f"/actions/{other}", data={"note": "x"})
    assert r.status_code == 404 and item.state == "open"
    with session_scope(settings.resolved_database_url) as s:  # refused: not used up either
        assert s.scalar(select(func.count()).select_from(ActionTokenRecord)) == 0
    assert action_url(settings, other).startswith(BASE)


def _claim_user(settings: Any, url: str) -> str:
    from api.notify.links import read_action_token

    return read_action_token(settings, url.rsplit("/", 1)[1]).user_id


def test_a_browser_signed_in_as_someone_else_still_acts_as_the_links_person(
    delivered: dict[str, str], app: Any, settings: Any
) -> None:
    """The session is not the credential: Lars, signed in, opening Sarah's link acts as Sarah.
    His session's CSRF token is still required on the POST (the confirm page carries it)."""
    from api.auth.services import get_identity
    from handoff.audit import Actor
    from tests.api.auth_support import PASSWORD
    from tests.api.test_auth import sign_in

    directory = get_identity(settings).directory
    directory.create_user("lars", display_name="Lars", actor=Actor.operator())
    directory.add_member("payments", "lars", "member", actor=Actor.operator())
    directory.set_password("lars", PASSWORD, actor=Actor.operator())
    with TestClient(app, follow_redirects=False) as lars:
        assert sign_in(lars, "lars").status_code == 303
        url = _path(delivered["Acknowledge"])
        page = lars.get(url)
        found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert page.status_code == 200 and found is not None
        assert lars.post(url, data={"read_back": "x"}).status_code == 403  # no CSRF token
        r = lars.post(url, data={"read_back": "x", "csrf_token": found.group(1)})
        assert r.status_code == 200, r.text
    with session_scope(settings.resolved_database_url) as s:
        item = s.get(LedgerItem, _item_of(settings, delivered["Acknowledge"]).id)
        assert item is not None and item.owner == "Sarah"


def test_a_leads_link_names_who_can_clear_it(
    mail_env: Mailbox, client: TestClient, anonymous: TestClient, settings: Any, posted: Any
) -> None:
    """Sarah is nobody here yet, so Maya (lead) is asked "who can clear this?"; her message's
    link names Sarah once she has joined, and the blocker is routed to Sarah."""
    from handoff.protocol.models import Assignment, OutboxRow

    _published(client, posted)
    with session_scope(settings.resolved_database_url) as s:
        row = s.scalars(select(OutboxRow).where(OutboxRow.kind == "who_can_clear")).first()
        assert row is not None
        [(label, url)] = row.message["actions"]
    assert label == "Name who can clear it" and url.startswith(f"{BASE}/actions/")
    page = anonymous.get(_path(url))
    assert page.status_code == 200 and 'name="to"' in page.text and "Maya" in page.text
    _sarah(client, settings)
    r = anonymous.post(_path(url), data={"to": "Sarah"})
    assert r.status_code == 200 and "Routed to Sarah" in r.text
    with session_scope(settings.resolved_database_url) as s:
        routed = s.scalars(select(Assignment).where(Assignment.reason == "blocker")).one()
        sarah_id = routed.user_id
    assert _mail_links(mail_env, "sarah@example.com")  # and her mail, with her own links
    # a member's link cannot name anyone: reassigning is a lead's
    item = _item_of(settings, url)
    token = make_action_token(settings, sarah_id, "reassign", item.id, team="payments")
    r = anonymous.post(f"/actions/{token}", data={"to": "Maya"})
    assert r.status_code == 403 and "Only a lead" in r.text
