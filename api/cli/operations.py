"""Operating an instance: `handoff backup PATH`, `handoff restore PATH`, and a team's
`handoff retention show|set|apply`. They act on this machine's data as the operator, so they
refuse to run against a remote server (LOCAL_ONLY)."""

from __future__ import annotations

from pathlib import Path

import click

from api.cli.base import services
from api.cli.core import progress_bar
from api.usecases.backup import backup as backup_now
from api.usecases.restore import restore as restore_now
from handoff.settings import get_settings


@click.command()
@click.argument("path", type=click.Path(path_type=Path, dir_okay=False))
def backup(path: Path) -> None:
    """Write a backup of the database and the files under HOME to PATH (a .tar.gz).

    Safe while the server runs. The search index is left out: restore rebuilds it."""
    with progress_bar("backup") as report:
        summary = backup_now(get_settings(), path, progress=report)
    click.echo(f"Backed up the {summary.database} database and {summary.files} files to {path}.")


@click.command()
@click.argument("path", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--force", is_flag=True, help="Replace the data of a HOME or database in use.")
def restore(path: Path, force: bool) -> None:
    """Restore the backup at PATH into HOME and HANDOFF_DATABASE_URL (stop the server first).

    Refuses a HOME or database that already holds data unless --force; rebuilds the index."""
    with progress_bar("restore") as report:
        summary = restore_now(services(), path, force=force, progress=report)
    click.echo(
        f"Restored the {summary.database} database and {summary.files} files from {path}; "
        f"indexed {summary.handoffs_indexed} published handoffs."
    )
