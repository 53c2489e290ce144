"""Engine, sessions and migrations for the system of record (SQLite default, PostgreSQL at scale).

Migrations are Alembic revisions in `handoff/migrations/versions`; each capability adds its own
revision branching from the base, and `migrate()` upgrades to all heads. The app and the CLI call
`migrate()` on start, so a newcomer never runs Alembic by hand.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from handoff.errors import ConfigError

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # WAL lets the web server read while a worker writes; foreign keys make cascades real.
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


@lru_cache(maxsize=8)
def get_engine(url: str) -> Engine:
    """One engine per database URL per process."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    try:
        return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)
    except Exception as exc:  # bad dialect, missing driver
        raise ConfigError(
            f"HANDOFF_DATABASE_URL is not a usable database URL ({exc.__class__.__name__})."
        ) from exc


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


_migrated: set[str] = set()


def migrate(url: str) -> None:
    """Bring the database at `url` to the newest schema (once per process per URL)."""
    if url in _migrated:
        return
    engine = get_engine(url)
    try:
        with engine.begin() as conn:
            cfg = alembic_config(url)
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "heads")
    except Exception as exc:
        if "could not connect" in str(exc).lower() or "connection refused" in str(exc).lower():
            raise ConfigError(
                "Cannot reach the database at HANDOFF_DATABASE_URL "
                f"({engine.url.render_as_string()})."
            ) from exc
        raise
    _migrated.add(url)


def forget(url: str) -> None:
    """Close this process's connections to `url` and forget that it was migrated: its database
    was replaced underneath (a restore), so the next `migrate()` looks at it again."""
    _migrated.discard(url)
    get_engine(url).dispose()


@lru_cache(maxsize=8)
def _factory(url: str) -> sessionmaker[Session]:
    return sessionmaker(get_engine(url), expire_on_commit=False)


@contextmanager
def session_scope(url: str) -> Iterator[Session]:
    """A transaction: committed when the block ends, rolled back (nothing half-written) on error."""
    session = _factory(url)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
