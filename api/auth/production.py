"""What production refuses to start with, and where the session-signing key comes from.

`check_production(settings)` is called by the app factory and by `handoff serve`; each refusal is
a ConfigError naming the variable to set. In development a missing HANDOFF_SECRET_KEY is replaced
by a random key kept in HOME/secret_key (readable by its owner only), so sign-ins survive a restart
without any setup.
"""

from __future__ import annotations

import os
import secrets
import time
from pathlib import Path

from handoff.errors import ConfigError
from handoff.settings import Settings

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


def check_production(settings: Settings) -> None:
    """Refuse unsafe settings in production (one sentence naming the variable); nothing else."""
    if settings.environment != "production":
        return
    key = settings.secret_key.get_secret_value() if settings.secret_key else ""
    if not key:
        raise ConfigError(
            "HANDOFF_SECRET_KEY must be set in production: at least 32 random characters, "
            "e.g. from `python -c 'import secrets; print(secrets.token_urlsafe(48))'`."
        )
    if key.strip().lower() in KNOWN_DEFAULTS or len(set(key)) < 8:
        raise ConfigError("HANDOFF_SECRET_KEY is a well-known default; set a random value.")
    if len(key) < MIN_SECRET_LENGTH:
        raise ConfigError(
            f"HANDOFF_SECRET_KEY is too short for production: use at least {MIN_SECRET_LENGTH} "
            "random characters."
        )
    if not settings.cookies_secure:
        raise ConfigError(
            "HANDOFF_SECURE_COOKIES must not be false in production: cookies go over HTTPS only."
        )
    if settings.open_signup:
        raise ConfigError(
            "HANDOFF_OPEN_SIGNUP must be false in production: accounts come from an administrator "
            "or from HANDOFF_OIDC_ALLOWED_DOMAINS."
        )
    if settings.public_url is not None and not settings.public_url.startswith("https://"):
        raise ConfigError("HANDOFF_PUBLIC_URL must be an https:// address in production.")


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
