"""`handoff backup` while the app runs, `handoff restore` into a fresh HOME: the same handoffs,
ledger, audit log, accounts and files come back, and questions are answered again."""

from __future__ import annotations

import filecmp
import json
import tarfile
import threading
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import CliRunner, Result
from fastapi.testclient import TestClient

from api.cli import cli
from handoff.settings import get_settings

WRAPS = [
    "Shipped the retry policy for the webhook consumer. Blocked on the vault upgrade, waiting "
    "on infra. Tomorrow I pick up the flaky checkout test.",
    "Merged the ledger export. Nothing blocking. Decided to keep the old retry budget because "
    "the new one doubled the load. Tomorrow I start on the refund report.",
]


def handoff(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def use_home(monkeypatch: pytest.MonkeyPatch, home: Path) -> Any:
    monkeypatch.setenv("HANDOFF_HOME", str(home))
    get_settings.cache_clear()
    return get_settings()


#: Columns that differ by design: the kept upload's path moves with HOME; a token's last use
#: moves on with every request the writer makes after the snapshot.
MOVING = {"source_path", "last_used_at"}


def tables(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, but for team 'ops' (the writer's, still posting after the
    snapshot) and the `MOVING` columns."""
    engine = sa.create_engine(url)
    meta = sa.MetaData()
    with warnings.catch_warnings():  # SQLite's index on the missing flags (0011_metrics)
        warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based")
        meta.reflect(engine)
    out = {}
    with engine.connect() as conn:
        for name, table in sorted(meta.tables.items()):
            query = sa.select(*[c for c in table.columns if c.name not in MOVING])
            if "team" in table.columns:
                query = query.where(sa.or_(table.c.team.is_(None), table.c.team != "ops"))
            rows = conn.execute(query).all()
            out[name] = sorted((tuple(map(repr, r)) for r in rows), key=repr)
    engine.dispose()
    return out


@pytest.fixture
def published(client: TestClient) -> list[str]:
    """Two typed wraps and one uploaded file, posted and published as Maya of payments."""
    ids = []
    for text in WRAPS:
        r = client.post("/api/handoffs", json={"text": text, "author": "Maya", "team": "payments"})
        ids.append(r.json()["id"])
    r = client.post(
        "/api/handoffs",
        files={"file": ("wrap.txt", WRAPS[0].replace("Shipped", "Finished").encode())},
        data={"team": "payments", "author": "Ana"},
    )
    ids.append(r.json()["id"])
    for hid in ids:
        r = client.post(f"/api/handoffs/{hid}/publish", json={"force_reason": "test"})
        assert r.status_code == 200, r.text
    return ids


@pytest.fixture
def writer(client: TestClient) -> Iterator[threading.Event]:
    """Wraps posted in a loop while the backup runs (the snapshot must stay consistent)."""
    stop = threading.Event()

    def loop() -> None:
        while not stop.is_set():
            client.post("/api/handoffs", json={"text": "Quick note, all quiet.", "team": "ops"})

    thread = threading.Thread(target=loop)
    thread.start()
    yield stop
    stop.set()
    thread.join()


def test_backup_while_running_then_restore_into_a_fresh_home(
    client: TestClient,
    published: list[str],
    writer: threading.Event,
    home: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from api.wiring.services import build_services

    # a job whose queue message the backup cannot carry (team ops: compared apart below)
    stuck = build_services(get_settings()).jobs.create(
        team="ops", handoff_id=None, kind="index_handoff"
    )
    archive = tmp_path / "backups" / "handoff.tar.gz"
    out = handoff("backup", str(archive))
    writer.set()
    assert out.exit_code == 0, out.output
    original = get_settings()
    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))  # type: ignore[arg-type]
        names = set(tar.getnames())
    assert manifest["database"] == "sqlite" and "0009_retention" in manifest["schema_heads"]
    assert names == {"manifest.json", *manifest["files"]}
    assert not any(n.startswith("home/index") for n in names)
    before = tables(original.resolved_database_url)

    fresh = use_home(monkeypatch, tmp_path / "fresh")
    out = handoff("restore", str(archive))
    assert out.exit_code == 0, out.output
    assert "indexed 3 published handoffs" in out.output

    after = tables(fresh.resolved_database_url)
    assert after == before
    for name in ("handoffs", "ledger_items", "audit_log", "users", "teams", "memberships"):
        assert after[name], name
    kept = sorted((original.uploads_dir / "files").iterdir())
    assert len(kept) == 1
    restored = fresh.uploads_dir / "files" / kept[0].name
    assert filecmp.cmp(kept[0], restored, shallow=False)

    svc = build_services(fresh)
    failed = svc.jobs.get(stuck.id)
    assert failed.state == "failed" and "restore from backup" in (failed.error or "")
    moved = svc.store.get(published[2])
    assert moved.source_path == str(restored.resolve())
    answer = svc.answerer.ask("what is blocked?", team="payments")
    assert {c["handoff_id"] for c in answer["citations"]} & set(published)


def test_restore_refuses_a_home_in_use_and_a_damaged_archive(
    client: TestClient, published: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = tmp_path / "b.tar.gz"
    assert handoff("backup", str(archive)).exit_code == 0
    out = handoff("restore", str(archive))
    assert out.exit_code == 2
    assert "already exists" in out.output and "--force" in out.output
    assert "Traceback" not in out.output

    damaged = tmp_path / "damaged.tar.gz"
    with tarfile.open(archive) as src, tarfile.open(damaged, "w:gz") as dst:
        for member in src:
            data = src.extractfile(member).read()  # type: ignore[union-attr]
            if member.name == "database.sqlite3":
                data = data[:-1] + bytes([data[-1] ^ 1])
            import io

            dst.addfile(member, io.BytesIO(data))
    use_home(monkeypatch, tmp_path / "fresh")
    out = handoff("restore", str(damaged))
    assert out.exit_code == 2
    assert "does not match its checksum" in out.output
    assert not (tmp_path / "fresh" / "handoff.db").exists()

    out = handoff("restore", str(tmp_path / "missing.tar.gz"))
    assert out.exit_code == 2 and "There is no backup file" in out.output


def test_restore_force_replaces_a_home_in_use(
    client: TestClient, published: list[str], settings: Any, tmp_path: Path
) -> None:
    archive = tmp_path / "b.tar.gz"
    assert handoff("backup", str(archive)).exit_code == 0
    client.post("/api/handoffs", json={"text": "A later wrap.", "team": "payments"})
    from handoff.db import get_engine

    get_engine(settings.resolved_database_url).dispose()  # the server is stopped to restore
    out = handoff("restore", "--force", str(archive))
    assert out.exit_code == 0, out.output
    from api.wiring.services import build_services

    assert build_services(get_settings()).store.count(team="payments") == 3
