"""Backing up and restoring an instance: the database and the files under HOME, in one archive.

An archive is a tar.gz holding `manifest.json`, the database snapshot (`database.sqlite3` taken
with SQLite's online backup API, or `database.dump` from `pg_dump --format=custom`) and the files
under HOME (`home/...`: uploads, spoken answers, kept conversations, the development session key).
Both snapshots are consistent while the server runs: SQLite's backup copies a single
transaction's view, `pg_dump` reads inside one repeatable-read transaction.

Not in the archive: the search index (HOME/index; restore rebuilds it from the published
handoffs), caches of derived data (HOME/cache), the embedded job queue (HOME/broker) and uploads
still arriving (HOME/uploads/.incoming). Uploaded files are named once and never changed, so
copying them after the database snapshot can only add a file nobody references yet (harmless) or
miss one deleted meanwhile (its handoff is deleted too, a moment after the snapshot).

The manifest records the format, the product version, when, which database, its schema heads
(Alembic) and a SHA-256 per member; restore refuses an archive whose members do not match it, or
whose schema is newer than this code.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url

from handoff.db import get_engine, migrate
from handoff.errors import HandoffError
from handoff.progress import Progress, quiet
from handoff.settings import Settings

FORMAT = 1
MANIFEST = "manifest.json"
SQLITE_MEMBER = "database.sqlite3"
PG_MEMBER = "database.dump"
HOME_PREFIX = "home"
#: HOME's top-level entries that are derived, transient or the database itself.
NOT_BACKED_UP = frozenset({"index", "cache", "broker"})
_CHUNK = 1 << 20
#: Working folders of a backup or a restore (left behind only if one was killed).
STAGING_PREFIXES = (".handoff-backup-", ".restore-")


class BackupError(HandoffError):
    """A backup or restore cannot go on; the message says why in one sentence."""


@dataclass(frozen=True, slots=True)
class Summary:
    """What a backup wrote or a restore put back."""

    path: Path
    database: str
    files: int
    handoffs_indexed: int | None = None


def database_kind(url: str) -> str:
    if url.startswith("sqlite"):
        return "sqlite"
    if url.startswith("postgresql"):
        return "postgresql"
    raise BackupError("Backups support SQLite and PostgreSQL databases only.")


def sqlite_path(url: str) -> Path:
    path = make_url(url).database
    if not path or path == ":memory:":
        raise BackupError("An in-memory SQLite database cannot be backed up or restored.")
    return Path(path)


def libpq(url: str) -> tuple[str, dict[str, str]]:
    """The URL for pg_dump and pg_restore (libpq's form) and the environment carrying the
    password, so that it never appears on a command line."""
    parsed = make_url(url)
    env = {**os.environ}
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    plain = parsed.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def run_pg(args: list[str], env: dict[str, str], what: str) -> None:
    tool = args[0]
    if shutil.which(tool) is None:
        raise BackupError(f"{tool} is not installed; install the PostgreSQL client tools.")
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        reason = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise BackupError(f"{what} failed: {reason}")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def schema_heads(url: str) -> list[str]:
    with get_engine(url).connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return []
        return sorted(conn.execute(text("SELECT version_num FROM alembic_version")).scalars())


def database_files(url: str) -> set[Path]:
    """The files of a SQLite database (with its journal), which the snapshot replaces."""
    if database_kind(url) != "sqlite":
        return set()
    path = sqlite_path(url).resolve()
    return {path, *(path.with_name(path.name + s) for s in ("-wal", "-shm", "-journal"))}


def home_files(settings: Settings, exclude: Collection[Path] = ()) -> Iterator[Path]:
    """The files under HOME that belong in a backup (see the module's docstring), leaving out
    `exclude` (files, or folders with everything in them) and the database's own files."""
    home = settings.home.resolve()
    left_out = [p.resolve() for p in exclude]
    left_out += [home / name for name in NOT_BACKED_UP]
    left_out += [settings.uploads_dir.resolve() / ".incoming"]
    left_out += database_files(settings.resolved_database_url)
    for root, dirs, files in os.walk(home):
        here = Path(root)
        dirs[:] = sorted(
            d
            for d in dirs
            if here / d not in left_out and not (here == home and d.startswith(STAGING_PREFIXES))
        )
        for name in sorted(files):
            path = here / name
            if any(path.is_relative_to(p) for p in left_out) or path.is_symlink():
                continue
            if path.is_file():
                yield path


# -- backing up -------------------------------------------------------------------------------
def backup(settings: Settings, dest: Path, *, progress: Progress = quiet) -> Summary:
    """Write the archive to `dest` (atomically: a half-written archive never has its name)."""
    url = settings.resolved_database_url
    kind = database_kind(url)
    migrate(url)
    dest = dest.resolve()
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=dest.parent, prefix=STAGING_PREFIXES[0]) as tmp:
        staging = Path(tmp)
        progress("database", 0.0)
        member = _snapshot(url, kind, staging)
        progress("database", 1.0)
        files = {member: _sha256(staging / member)}
        home = settings.home.resolve()
        found = list(home_files(settings, exclude=(staging, dest)))
        archive = staging / "archive.tar.gz"
        with tarfile.open(archive, "w:gz") as tar:
            tar.add(staging / member, arcname=member)
            for i, path in enumerate(found, 1):
                name = str(PurePosixPath(HOME_PREFIX, *path.resolve().relative_to(home).parts))
                try:
                    files[name] = _sha256(path)
                    tar.add(path, arcname=name, recursive=False)
                except FileNotFoundError:
                    files.pop(name, None)  # deleted since the walk: its handoff is gone too
                progress("files", i / len(found))
            manifest = _manifest(settings, url, kind, files)
            _add_bytes(tar, MANIFEST, json.dumps(manifest, indent=2).encode())
        os.replace(archive, dest)
    return Summary(path=dest, database=kind, files=len(files) - 1)


def _snapshot(url: str, kind: str, staging: Path) -> str:
    """The database's snapshot in `staging`; returns its member name."""
    if kind == "sqlite":
        source = sqlite_path(url)
        src = sqlite3.connect(source)
        dst = sqlite3.connect(staging / SQLITE_MEMBER)
        try:
            src.backup(dst)  # the online backup API: a consistent copy while others write
        finally:
            dst.close()
            src.close()
        return SQLITE_MEMBER
    target, env = libpq(url)
    args = ["pg_dump", "--format=custom", "--no-owner", "--no-privileges"]
    run_pg([*args, f"--file={staging / PG_MEMBER}", f"--dbname={target}"], env, "pg_dump")
    return PG_MEMBER


def _manifest(settings: Settings, url: str, kind: str, files: dict[str, str]) -> dict[str, Any]:
    from importlib.metadata import PackageNotFoundError, version

    try:
        product = version("handoff")
    except PackageNotFoundError:
        product = "unknown"
    return {
        "format": FORMAT,
        "version": product,
        "created_at": datetime.now(UTC).isoformat(),
        "database": kind,
        "schema_heads": schema_heads(url),
        # where the uploads were: stored handoffs name their kept upload by its full path
        "uploads_dir": str(settings.uploads_dir.resolve()),
        "files": files,
    }


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    import io

    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(datetime.now(UTC).timestamp())
    info.mode = 0o600
    tar.addfile(info, io.BytesIO(data))
