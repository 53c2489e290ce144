"""`handoff backup` and `handoff restore` on the real PostgreSQL (pg_dump / pg_restore): a
scratch database is backed up, restored into another scratch database, and compared."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from api.usecases import lifecycle, posting
from api.wiring.services import build_services
from handoff.settings import get_settings
from tests.api.test_backup import WRAPS, handoff, tables, use_home

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


@pytest.fixture
def second_database(postgres_server: str) -> Iterator[str]:
    """Another empty scratch database, dropped afterwards."""
    from handoff.db import get_engine

    name = f"handoff_restore_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(postgres_server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = postgres_server.rsplit("/", 1)[0] + f"/{name}"
    yield url
    get_engine(url).dispose()
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_postgres_backup_restores_into_an_empty_database(
    postgres_url: str,
    second_database: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HANDOFF_DATABASE_URL", postgres_url)
    get_settings.cache_clear()
    svc = build_services(get_settings())
    for text in WRAPS:
        draft = posting.ingest_text(svc, text, author="Maya", team="payments", recorded_at=None)
        lifecycle.publish(svc, draft.id, force_reason="test")
    archive = tmp_path / "pg.tar.gz"
    out = handoff("backup", str(archive))
    assert out.exit_code == 0, out.output
    assert "postgresql database" in out.output

    monkeypatch.setenv("HANDOFF_DATABASE_URL", second_database)
    use_home(monkeypatch, tmp_path / "fresh")
    out = handoff("restore", str(archive))
    assert out.exit_code == 0, out.output
    assert "indexed 2 published handoffs" in out.output
    assert tables(second_database) == tables(postgres_url)

    out = handoff("restore", str(archive))
    assert out.exit_code == 2 and "is not empty" in out.output
    out = handoff("restore", "--force", str(archive))
    assert out.exit_code == 0, out.output
    assert tables(second_database) == tables(postgres_url)
