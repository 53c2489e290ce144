"""What production refuses to start with, and where the session-signing key comes from.

`check_production(settings)` is called by the app factory and by `handoff serve`; it refuses with
every problem at once (`ProductionRefused`, one sentence each naming the variable to set), and
`handoff serve` also refuses demo accounts that still sign in with their published passwords.
In development a missing HANDOFF_SECRET_KEY is replaced by a random key kept in HOME/secret_key
(readable by its owner only), so sign-ins survive a restart without any setup.
"""

from __future__ import annotations

import os
import secrets
import time
from pathlib import Path
from typing import TYPE_CHECKING

from handoff.errors import ConfigError
from handoff.settings import Settings

if TYPE_CHECKING:
    from handoff.identity.directory import Directory

MIN_SECRET_LENGTH = 32
#: Values that appear in examples and templates: a key equal to one of these is no secret.
KNOWN_DEFAULTS = frozenset(
    {
        "changethis",
        "change-me",
        "changeme",
        "secret",
        "secret-key",
        "your-secret-key",
        "development",
        "dev",
        "handoff",
        "please-change-me-to-a-long-random-string",
    }
)


class ProductionRefused(ConfigError):
    """Production was asked to start with unsafe settings; `problems` holds one sentence each,
    and the message is those sentences, one a line."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def production_problems(settings: Settings) -> list[str]:
    """Every unsafe setting for production, one sentence each naming the variable to set."""
    if settings.environment != "production":
        return []
    problems = []
    key = settings.secret_key.get_secret_value() if settings.secret_key else ""
    if not key:
        problems.append(
            "HANDOFF_SECRET_KEY must be set in production: at least 32 random characters, "
            "e.g. from `python -c 'import secrets; print(secrets.token_urlsafe(48))'`."
        )
    elif key.strip().lower() in KNOWN_DEFAULTS or len(set(key)) < 8:
        problems.append("HANDOFF_SECRET_KEY is a well-known default; set a random value.")
    elif len(key) < MIN_SECRET_LENGTH:
        problems.append(
            f"HANDOFF_SECRET_KEY is too short for production: use at least {MIN_SECRET_LENGTH} "
            "random characters."
        )
    if not settings.cookies_secure:
        problems.append(
            "HANDOFF_SECURE_COOKIES must not be false in production: cookies go over HTTPS only."
        )
    if settings.open_signup:
        problems.append(
            "HANDOFF_OPEN_SIGNUP must be false in production: accounts come from an administrator "
            "or from HANDOFF_OIDC_ALLOWED_DOMAINS."
        )
    if settings.public_url is not None and not settings.public_url.startswith("https://"):
        problems.append("HANDOFF_PUBLIC_URL must be an https:// address in production.")
    if settings.debug_stage_pause.strip():
        problems.append("HANDOFF_DEBUG_STAGE_PAUSE is for tests; leave it empty in production.")
    return problems


def demo_account_problems(settings: Settings, directory: Directory) -> list[str]:
    """A demo account that still signs in with its published password, in production: one
    sentence naming them (they were made in development, on this database)."""
    if settings.environment != "production":
        return []
    from handoff.identity.demo import DEMO_ACCOUNTS

    open_demo = [
        a.username for a in DEMO_ACCOUNTS if directory.password_matches(a.username, a.password)
    ]
    if not open_demo:
        return []
    return [
        f"The demo accounts {', '.join(open_demo)} still sign in with their published passwords; "
        "disable them (`handoff users disable NAME`) or set new passwords before production."
    ]


def check_production(settings: Settings, *, directory: Directory | None = None) -> None:
    """Refuse to start production with unsafe settings (and, given the directory, with demo
    accounts that still sign in): ProductionRefused lists every problem, one sentence each."""
    problems = production_problems(settings)
    if directory is not None:
        problems += demo_account_problems(settings, directory)
    if problems:
        raise ProductionRefused(problems)


def resolve_secret_key(settings: Settings) -> str:
    """The key that signs session cookies: the setting, or (development only) HOME/secret_key."""
    if settings.secret_key is not None and settings.secret_key.get_secret_value():
        return settings.secret_key.get_secret_value()
    if settings.environment == "production":
        check_production(settings)  # raises: production never falls back to a file
    return _development_key(settings.home / "secret_key")


def _development_key(path: Path) -> str:
    for _ in range(20):
        try:
            key = path.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            key = None
        if key is not None and len(key) >= MIN_SECRET_LENGTH:
            return key
        if key is None:
            written = _write_new_key(path)
            if written is not None:
                return written
        time.sleep(0.05)  # another process is writing the file it just created
    raise ConfigError(
        f"The development key file {path} is unreadable or too short; delete it or set "
        "HANDOFF_SECRET_KEY."
    )


def _write_new_key(path: Path) -> str | None:
    """Create the key file readable by its owner only; None when another process got there
    first."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return None
    key = secrets.token_urlsafe(48)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(key)
    return key
