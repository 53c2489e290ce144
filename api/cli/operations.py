"""Operating an instance: `handoff backup PATH`, `handoff restore PATH`, and a team's
`handoff retention show|set|apply`. They act on this machine's data as the operator, so they
refuse to run against a remote server (LOCAL_ONLY)."""

from __future__ import annotations

from pathlib import Path

import click

from api.cli.base import echo_json, echo_json_line, services
from api.cli.core import progress_bar
from api.usecases import retention as retention_use
from api.usecases.backup import backup as backup_now
from api.usecases.restore import restore as restore_now
from handoff.audit import Actor
from handoff.settings import get_settings
from handoff.teams import validate_team


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


def _days(value: int | None) -> int | None:
    """0 on the command line means "keep for ever" (None in the rules)."""
    return None if value == 0 else value


@click.group()
def retention() -> None:
    """A team's retention rules: show, set, and apply them now."""


@retention.command("show")
@click.argument("team")
def retention_show(team: str) -> None:
    """Print TEAM's rules as JSON (null days keep for ever)."""
    echo_json(retention_use.show(services(), team).to_json())


@retention.command("set")
@click.argument("team")
@click.option("--media-days", type=click.IntRange(min=0), help="Delete uploads after N days.")
@click.option("--handoff-days", type=click.IntRange(min=0), help="Delete handoffs after M days.")
def retention_set(team: str, media_days: int | None, handoff_days: int | None) -> None:
    """Replace TEAM's rules; 0 (or leaving an option out) keeps that kind for ever."""
    rules = retention_use.set_rules(
        services(),
        team,
        media_days=_days(media_days),
        handoff_days=_days(handoff_days),
        actor=Actor.operator(),
    )
    echo_json(rules.to_json())


@retention.command("apply")
@click.option("--dry-run", is_flag=True, help="List what would be deleted; delete nothing.")
@click.option("--team", help="Only this team's rules (default: every team's).")
def retention_apply(dry_run: bool, team: str | None) -> None:
    """Apply the rules now (the daily `handoff.apply_retention` task does the same)."""
    done = retention_use.apply(
        services(), team=validate_team(team) if team else None, dry_run=dry_run
    )
    for deletion in done:
        echo_json_line(deletion.to_json())
    verb = "Would delete" if dry_run else "Deleted"
    handoffs = sum(d.rule == "handoff_days" for d in done)
    click.echo(f"{verb} {handoffs} handoffs and the media of {len(done) - handoffs}.", err=True)
