"""The CLI against a real server: uvicorn on 127.0.0.1, the CLI with HANDOFF_URL and a token.

The server is the real app (Celery tasks run eagerly in its request thread, as in the other API
tests); the CLI runs through click in this process with its settings re-read from the
environment, so every call goes over HTTP and acts as the token's user.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from handoff.audit import Actor
from handoff.identity.roles import Role
from tests.api.conftest import signed_in_token


@dataclass
class Server:
    url: str
    settings: Any
    lead: str  # Maya's token: lead in payments (and the other test teams)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(app: Any, settings: Any) -> Iterator[Server]:
    import uvicorn

    port = _free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield Server(f"http://127.0.0.1:{port}", settings, signed_in_token(settings))
    finally:
        srv.should_exit = True
        thread.join(timeout=10)


def handoff(monkeypatch: pytest.MonkeyPatch, url: str, token: str, *args: str) -> Result:
    """Run `handoff ARGS` as the token's user against URL."""
    from api.cli import cli
    from handoff.settings import get_settings

    monkeypatch.setenv("HANDOFF_URL", url)
    monkeypatch.setenv("HANDOFF_TOKEN", token)
    get_settings.cache_clear()
    try:
        return CliRunner().invoke(cli, list(args), catch_exceptions=False)
    finally:
        get_settings.cache_clear()


def one_sentence(result: Result) -> str:
    assert result.exit_code == 2, result.output
    err = result.stderr.strip()
    assert err.startswith("handoff: ") and "\n" not in err and "Traceback" not in err, err
    return err


def _json(result: Result) -> Any:
    import json

    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_the_cli_posts_lists_shows_publishes_and_asks_as_the_token_user(
    server: Server, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, example_wrap: str
) -> None:
    from handoff.audit import AuditLog

    wrap = tmp_path / "wrap.txt"
    wrap.write_text(example_wrap)
    run = lambda *a: handoff(monkeypatch, server.url, server.lead, *a)  # noqa: E731
    posted = _json(run("ingest", str(wrap), "--team", "payments", "--publish", "--force", "ok"))
    assert set(posted) == {"id", "status", "team", "declaration"}
    assert posted["status"] == "published" and posted["team"] == "payments"

    listed = _json(run("list", "--team", "payments"))
    assert [h["id"] for h in listed] == [posted["id"]]
    assert listed[0]["author"] == "Maya"  # the token's user, not a typed name

    shown = _json(run("show", posted["id"], "--audit"))
    assert shown["id"] == posted["id"] and shown["declaration"] == posted["declaration"]
    assert {"author", "missing", "published_at", "audit"} <= set(shown)
    assert "transcript" not in shown  # the same shape as `show` locally
    assert "no handoff" in one_sentence(run("show", posted["id"], "--team", "ops")).lower()

    answer = _json(run("ask", "what is blocking?", "--team", "payments", "--json"))
    assert set(answer) >= {"answer", "citations"}
    plain = run("ask", "what is blocking?", "--team", "payments", "--as-of", "2030-01-01")
    assert plain.exit_code == 0 and plain.stdout.strip()

    assert _json(run("vocab", "add-person", "Siobhan", "--team", "payments"))["name"] == "Siobhan"
    people = _json(run("vocab", "show", "--team", "payments"))["people"]
    assert "Siobhan" in [p["name"] for p in people]
    linked = _json(run("vocab", "link", "Siobhan", "maya", "--team", "payments"))
    assert linked["user"] == "maya"
    people = _json(run("vocab", "show", "--team", "payments"))["people"]
    assert {p["name"]: p["user"] for p in people}["Siobhan"] == "maya"
    assert run("vocab", "unlink", "Siobhan", "--team", "payments").exit_code == 0

    assert _json(run("unpublish", posted["id"]))["status"] == "draft"
    assert run("delete", posted["id"], "--yes").stdout.strip() == f"Deleted handoff {posted['id']}."

    rows = [
        r
        for r in AuditLog(server.settings.resolved_database_url).entries(team="payments")
        if r.action.startswith(("handoff.", "vocabulary."))
    ]
    actions = {r.action for r in rows}
    assert {"handoff.post", "handoff.publish", "vocabulary.edit", "handoff.delete"} <= actions
    assert {r.actor.split(" ")[0] for r in rows} == {"maya"}  # "maya (token ...)"
    assert server.lead not in str([r.to_json() for r in rows])


def test_wrong_revoked_and_unreachable_are_one_sentence(
    server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    from api.auth.services import get_identity

    wrong = one_sentence(handoff(monkeypatch, server.url, "hnd_wrong", "list"))
    assert "HANDOFF_TOKEN" in wrong and "hnd_wrong" not in wrong

    identity = get_identity(server.settings)
    maya = identity.directory.user("maya")
    spare = identity.tokens.create(maya.id, name="spare", actor=Actor.operator())
    assert handoff(monkeypatch, server.url, spare.secret, "list").exit_code == 0
    identity.tokens.revoke(spare.info.id, actor=Actor.operator(), owner_id=None)
    revoked = one_sentence(handoff(monkeypatch, server.url, spare.secret, "list"))
    assert spare.secret not in revoked

    gone = one_sentence(handoff(monkeypatch, f"http://127.0.0.1:{_free_port()}", "hnd_x", "list"))
    assert "HANDOFF_URL" in gone

    refused = one_sentence(handoff(monkeypatch, server.url, server.lead, "users", "list"))
    assert "HANDOFF_URL" in refused


def test_other_team_is_not_found_and_read_only_cannot_publish(
    server: Server, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, example_wrap: str
) -> None:
    from api.auth.services import get_identity

    wrap = tmp_path / "wrap.txt"
    wrap.write_text(example_wrap)
    draft = _json(
        handoff(monkeypatch, server.url, server.lead, "ingest", str(wrap), "--team", "payments")
    )

    identity = get_identity(server.settings)
    op = Actor.operator()
    identity.directory.create_team("nights", actor=op)
    ola = identity.directory.create_user("ola", display_name="Ola", actor=op)
    identity.directory.add_member("nights", "ola", Role.LEAD, actor=op)
    identity.directory.add_member("payments", "ola", Role.MEMBER, actor=op)
    nights = identity.tokens.create(ola.id, name="nights", actor=op, teams=["nights"]).secret
    hidden = one_sentence(handoff(monkeypatch, server.url, nights, "show", draft["id"]))
    assert "no handoff" in hidden.lower() or "not found" in hidden.lower()

    reader = identity.tokens.create(ola.id, name="ro", actor=op, read_only=True).secret
    listed = _json(handoff(monkeypatch, server.url, reader, "list", "--team", "payments"))
    assert [h["id"] for h in listed] == [draft["id"]]
    asked = handoff(
        monkeypatch, server.url, reader, "ask", "what is blocking?", "--team", "payments"
    )
    assert asked.exit_code == 0, asked.output
    refused = one_sentence(
        handoff(monkeypatch, server.url, reader, "publish", draft["id"], "--force", "x")
    )
    assert "read-only" in refused.lower()


def test_followups_and_answer_over_http_match_local_output(
    server: Server, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    wrap = tmp_path / "wrap.txt"
    wrap.write_text("Working on the refund flow, blocked on the vendor API. Back Monday.")
    run = lambda *a: handoff(monkeypatch, server.url, server.lead, *a)  # noqa: E731
    draft = _json(run("ingest", str(wrap), "--team", "payments"))
    questions = _json(run("followups", draft["id"], "--json"))
    assert questions and {"field", "question", "reason"} <= set(questions[0])
    merged = _json(run("answer", draft["id"], questions[0]["field"], "Sam owns it"))
    assert set(merged) == {"id", "status", "team", "declaration"}
    bad = one_sentence(run("answer", draft["id"], "no_such_field", "x"))
    assert "no_such_field" in bad or "field" in bad.lower()


def test_error_mapping_and_missing_token_without_a_server(monkeypatch: pytest.MonkeyPatch) -> None:
    import httpx

    from api.cli.remote import RemoteClient, RemoteError

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/ask"):
            detail = [{"loc": ["body", "question"], "msg": "Field required", "type": "missing"}]
            return httpx.Response(422, json={"detail": detail})
        return httpx.Response(502, text="<html>bad gateway</html>")

    client = RemoteClient("http://h.example", "hnd_secret", transport=httpx.MockTransport(answer))
    with pytest.raises(RemoteError, match=r"^question: Field required$"):
        client.ask({})
    with pytest.raises(RemoteError, match=r"^The server answered 502 Bad Gateway\.$"):
        client.list_handoffs({})
    no_token = one_sentence(handoff(monkeypatch, "http://127.0.0.1:9", "", "list"))
    assert "HANDOFF_TOKEN" in no_token
