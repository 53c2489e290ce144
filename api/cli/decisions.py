"""The team's decision log from the command line.

    handoff decisions list [--team TEAM] [--json]
    handoff decisions export --adr DIR [--team TEAM]

With HANDOFF_URL set both read the server's log over its API; the ADRs are rendered here from
that JSON, the same way the server renders its zip, and link to HANDOFF_URL.
"""

from __future__ import annotations

from pathlib import Path

import click

import api.cli.remote as remote_api
from api.cli.base import echo_json, services
from api.usecases import decisions as usecase
from handoff.ledger.decision_log import LoggedDecision
from handoff.settings import get_settings


def _log(team: str | None) -> tuple[list[LoggedDecision], str]:
    """The decisions and the base URL their links use."""
    settings = get_settings()
    client = remote_api.remote(settings)
    if client is not None:
        rows = client.decisions(team or settings.default_team)
        return [LoggedDecision.from_json(r) for r in rows], client.base_url
    return usecase.decision_log(services(), team), settings.public_url or ""


@click.group()
def decisions() -> None:
    """The team's decisions: list them, export them as ADRs."""


@decisions.command("list")
@click.option("--team", help="Default: HANDOFF_DEFAULT_TEAM.")
@click.option("--json", "as_json", is_flag=True, help="The log as JSON.")
def decisions_list(team: str | None, as_json: bool) -> None:
    """Every decision, oldest first: number, status, date, title and why."""
    log, _ = _log(team)
    if as_json:
        echo_json([d.to_json() for d in log])
        return
    for d in log:
        status = d.status if d.superseded_by is None else f"superseded by {d.superseded_by}"
        why = f"  (why: {d.rationale})" if d.rationale else ""
        click.echo(f"{d.number:>4}  {d.decided_at.date()}  {status:<18} {d.title}{why}")


@decisions.command("export")
@click.option(
    "--adr",
    "folder",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="The folder to write one Markdown ADR per decision into (created if missing).",
)
@click.option("--team", help="Default: HANDOFF_DEFAULT_TEAM.")
def decisions_export(folder: Path, team: str | None) -> None:
    """Write the log as numbered ADRs; re-exporting rewrites only what changed."""
    log, base_url = _log(team)
    report = usecase.export_adrs(usecase.adr_files(log, base_url=base_url), folder)
    click.echo(
        f"{report.written} ADRs written, {report.unchanged} unchanged, in {report.folder}.",
        err=True,
    )
