"""Restoring a backup (`api.usecases.backup`) into this instance's HOME and database.

Meant for a fresh instance, with the server stopped: it refuses a HOME or a database that already
holds data unless told to replace it (`force`). Every member is checked against the manifest's
SHA-256 before anything is replaced; the schema is then brought up to this code's heads, the kept
uploads are pointed at their new place, and the search index is rebuilt from the published
handoffs (it is never in a backup).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path, PurePosixPath
from typing import Any

from sqlalchemy import Table, inspect, select, update
from sqlalchemy.exc import SQLAlchemyError

from api.usecases.backup import (
    FORMAT,
    HOME_PREFIX,
    MANIFEST,
    PG_MEMBER,
    SQLITE_MEMBER,
    STAGING_PREFIXES,
    BackupError,
    Summary,
    database_kind,
    home_files,
    libpq,
    run_pg,
    sqlite_path,
)
from api.wiring.services import Services
from handoff.db import MIGRATIONS_DIR, forget, get_engine, migrate, session_scope
from handoff.models import HandoffRecord, JobRecord
from handoff.progress import Progress, quiet
from handoff.settings import Settings

_CHUNK = 1 << 20


def restore(
    svc: Services, archive: Path, *, force: bool = False, progress: Progress = quiet
) -> Summary:
    """Put the backup at `archive` in place of this instance's data (see the module)."""
    settings = svc.settings
    url = settings.resolved_database_url
    kind = database_kind(url)
    if not archive.is_file():
        raise BackupError(f"There is no backup file at {archive}.")
    settings.home.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=settings.home, prefix=STAGING_PREFIXES[1]) as tmp:
        staging = Path(tmp)
        manifest = _unpack(archive, staging, progress)
        if manifest["database"] != kind:
            raise BackupError(
                f"This backup holds a {manifest['database']} database but "
                f"HANDOFF_DATABASE_URL names a {kind} one."
            )
        _check_heads(manifest.get("schema_heads") or [])
        in_use = _in_use(settings, url, kind, skip=staging)
        if in_use and not force:
            raise BackupError(f"{in_use}; restore into a fresh one, or pass --force to replace it.")
        progress("database", 0.0)
        forget(url)
        _put_database(url, kind, staging, replace=bool(in_use))
        progress("database", 1.0)
        count = _put_files(settings, staging, skip=staging)
    forget(url)
    migrate(url)
    _point_uploads(url, manifest.get("uploads_dir"), settings.uploads_dir.resolve())
    _fail_unfinished_jobs(svc)
    total = max(1, svc.store.count(status="published") + svc.store.count(status="acknowledged"))
    indexed = svc.index.rebuild(svc.store, progress=lambda n: progress("index", n / total))
    return Summary(path=archive, database=kind, files=count, handoffs_indexed=indexed)


def _unpack(archive: Path, staging: Path, progress: Progress) -> dict[str, Any]:
    """The manifest, with every member it lists written under `staging` and its checksum
    verified; anything else in the archive (links, unlisted or unsafe names) is refused."""
    try:
        with tarfile.open(archive, "r:gz") as tar:
            manifest = _read_manifest(tar)
            files: dict[str, str] = manifest["files"]
            seen: set[str] = set()
            for member in tar:
                if member.name == MANIFEST:
                    continue
                if not member.isfile() or member.name not in files or not _safe(member.name):
                    raise BackupError(f"The backup holds an unexpected entry '{member.name}'.")
                _extract(tar, member, staging, files[member.name])
                seen.add(member.name)
                progress("verify", len(seen) / max(1, len(files)))
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise BackupError(f"{archive} is not a readable handoff backup ({exc}).") from exc
    missing = sorted(set(files) - seen)
    if missing:
        raise BackupError(f"The backup is incomplete: {missing[0]} is missing.")
    return manifest


def _read_manifest(tar: tarfile.TarFile) -> dict[str, Any]:
    try:
        fh = tar.extractfile(MANIFEST)
    except KeyError:
        fh = None
    if fh is None:
        raise BackupError("The file is not a handoff backup: it has no manifest.")
    try:
        manifest = json.loads(fh.read())
    except ValueError as exc:
        raise BackupError("The backup's manifest is not valid JSON.") from exc
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict):
        raise BackupError("The backup's manifest lists no files.")
    if manifest.get("format") != FORMAT:
        raise BackupError(f"This backup has format {manifest.get('format')}; expected {FORMAT}.")
    return manifest


def _safe(name: str) -> bool:
    path = PurePosixPath(name)
    return not path.is_absolute() and ".." not in path.parts and name == path.as_posix()


def _extract(tar: tarfile.TarFile, member: tarfile.TarInfo, staging: Path, sha: str) -> None:
    source = tar.extractfile(member)
    if source is None:
        raise BackupError(f"The backup's entry '{member.name}' cannot be read.")
    dest = staging / member.name
    dest.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    with dest.open("wb") as out:
        for chunk in iter(lambda: source.read(_CHUNK), b""):
            digest.update(chunk)
            out.write(chunk)
    if digest.hexdigest() != sha:
        raise BackupError(f"The backup is damaged: {member.name} does not match its checksum.")


def _check_heads(heads: list[str]) -> None:
    """Refuse a schema this code does not know (a backup made by a newer version)."""
    from alembic.script import ScriptDirectory

    known = {rev.revision for rev in ScriptDirectory(str(MIGRATIONS_DIR)).walk_revisions()}
    unknown = sorted(set(heads) - known)
    if unknown:
        raise BackupError(
            f"The backup's schema ({unknown[0]}) is newer than this handoff; upgrade handoff first."
        )


def _in_use(settings: Settings, url: str, kind: str, *, skip: Path) -> str | None:
    """Why the target is not fresh, or None: a database with tables, or files under HOME."""
    if kind == "sqlite":
        path = sqlite_path(url)
        if path.is_file() and path.stat().st_size > 0:
            return f"The database {path} already exists"
    else:
        try:
            with get_engine(url).connect() as conn:
                if inspect(conn).get_table_names():
                    return "The database at HANDOFF_DATABASE_URL is not empty"
        except SQLAlchemyError as exc:
            raise BackupError("Cannot reach the database at HANDOFF_DATABASE_URL.") from exc
    if any(True for _ in home_files(settings, exclude=(skip,))):
        return f"The data directory {settings.home} is not empty"
    return None


def _put_database(url: str, kind: str, staging: Path, *, replace: bool) -> None:
    if kind == "sqlite":
        target = sqlite_path(url)
        target.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm", "-journal"):
            target.with_name(target.name + suffix).unlink(missing_ok=True)
        shutil.copyfile(staging / SQLITE_MEMBER, target)
        return
    dbname, env = libpq(url)
    args = ["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error"]
    if replace:
        args += ["--clean", "--if-exists"]
    try:
        run_pg([*args, f"--dbname={dbname}", str(staging / PG_MEMBER)], env, "pg_restore")
    except subprocess.SubprocessError as exc:  # pragma: no cover - the tool itself broke
        raise BackupError(f"pg_restore failed: {exc}") from exc


def _put_files(settings: Settings, staging: Path, *, skip: Path) -> int:
    """Replace HOME's backed-up files with the archive's; the stale index goes too."""
    for path in list(home_files(settings, exclude=(skip,))):
        path.unlink()
    root = staging / HOME_PREFIX
    count = 0
    if root.is_dir():
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            dest = settings.home / path.relative_to(root)
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(path, dest)
            count += 1
    return count


def _fail_unfinished_jobs(svc: Services) -> None:
    """Jobs that were queued or running at the snapshot lost their queue message (the queue is
    not in a backup): they are failed with a reason, so the page offers to retry them."""
    with session_scope(svc.settings.resolved_database_url) as session:
        ids = session.scalars(
            select(JobRecord.id).where(JobRecord.state.in_(("queued", "running")))
        ).all()
    for job_id in ids:
        svc.jobs.fail(job_id, "The job was interrupted by a restore from backup; retry it.")


def _point_uploads(url: str, old: str | None, new: Path) -> None:
    """Stored handoffs name their kept upload by its full path; under another HOME the same
    file is at the same place relative to the uploads folder."""
    if not old or Path(old) == new:
        return
    table = HandoffRecord.__table__
    assert isinstance(table, Table)
    with session_scope(url) as session:
        rows = session.execute(
            select(table.c.id, table.c.source_path).where(table.c.source_path.is_not(None))
        ).all()
        for handoff_id, path in rows:
            kept = Path(path)
            if kept.is_relative_to(old):
                # the move is not an edit: updated_at stays as it was
                session.execute(
                    update(table)
                    .where(table.c.id == handoff_id)
                    .values(
                        source_path=str(new / kept.relative_to(old)),
                        updated_at=table.c.updated_at,
                    )
                )
