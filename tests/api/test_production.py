"""HANDOFF_ENVIRONMENT=production refuses to start with unsafe settings: every problem named, one
sentence a line; `handoff serve` exits 2 before listening, and also refuses demo accounts that
still sign in with their published passwords."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from api.app import create_app
from api.auth.production import ProductionRefused, check_production
from api.auth.services import get_identity
from api.cli import cli
from api.wiring.services import build_services
from handoff.audit import Actor
from handoff.identity.demo import DEMO_ACCOUNTS, create_demo_accounts
from handoff.settings import Settings, get_settings

GOOD_KEY = "k7Qv2pX9sLm4Zr8Tn1Wc6Yb3Hd5Jf0Ge-AaBbCcDd"


@pytest.fixture
def no_listening(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("serve started listening")

    monkeypatch.setattr("uvicorn.run", refuse)


def serve(monkeypatch: pytest.MonkeyPatch, **env: str) -> Any:
    monkeypatch.setenv("HANDOFF_ENVIRONMENT", "production")
    for name, value in env.items():
        monkeypatch.setenv(f"HANDOFF_{name}", value)
    get_settings.cache_clear()
    return CliRunner().invoke(cli, ["serve", "--no-worker"])


def test_every_problem_is_named_at_once(home: Path) -> None:
    settings = Settings(
        home=home,
        environment="production",
        secure_cookies=False,
        open_signup=True,
        public_url="http://handoff.example",
    )
    with pytest.raises(ProductionRefused) as err:
        check_production(settings)
    problems = err.value.problems
    assert len(problems) == 4 and str(err.value).splitlines() == problems
    with pytest.raises(ProductionRefused, match="HANDOFF_OPEN_SIGNUP"):
        create_app(settings)  # the app factory refuses the same way
    for problem, variable in zip(
        problems,
        (
            "HANDOFF_SECRET_KEY",
            "HANDOFF_SECURE_COOKIES",
            "HANDOFF_OPEN_SIGNUP",
            "HANDOFF_PUBLIC_URL",
        ),
        strict=True,
    ):
        assert variable in problem and problem.endswith(".")


def test_serve_exits_2_with_a_sentence_per_problem(
    monkeypatch: pytest.MonkeyPatch, home: Path, no_listening: None
) -> None:
    result = serve(monkeypatch, SECURE_COOKIES="false", OPEN_SIGNUP="true")
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 3 and all(line.startswith("handoff: ") for line in lines)
    assert "HANDOFF_SECRET_KEY" in lines[0] and "HANDOFF_OPEN_SIGNUP" in lines[2]
    assert "Traceback" not in result.output
    assert not (home / "handoff.db").exists()  # refused before anything was created


def test_serve_refuses_demo_accounts_that_still_sign_in(
    monkeypatch: pytest.MonkeyPatch, home: Path, no_listening: None
) -> None:
    dev = Settings(home=home)
    build_services(dev).store.count()  # the database, migrated
    directory = get_identity(dev).directory
    create_demo_accounts(directory, environment="development", default_team="default")
    result = serve(monkeypatch, SECRET_KEY=GOOD_KEY)
    assert result.exit_code == 2, result.output
    (line,) = result.stderr.strip().splitlines()
    assert "demo accounts" in line and "maya" in line and line.endswith(".")
    for account in DEMO_ACCOUNTS:
        directory.set_disabled(account.username, True, actor=Actor.operator())
    result = serve(monkeypatch, SECRET_KEY=GOOD_KEY)
    assert isinstance(result.exception, AssertionError), result.output  # it went on to listen
