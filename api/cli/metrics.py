"""The team's protocol metrics from the command line.

    handoff metrics [--team T] [--since ISO] [--until ISO] [--person NAME] [--within-days N]
                    [--json | --csv]

With HANDOFF_URL set it asks the server (the token's account must lead the team).
"""

from __future__ import annotations

import json
from typing import Any

import click

import api.cli.remote as remote_api
from api.cli.base import UserError, echo_json, parse_time, services
from api.usecases import metrics as usecase
from handoff.settings import get_settings


@click.command("metrics")
@click.option("--team", help="Default: HANDOFF_DEFAULT_TEAM.")
@click.option("--since", help="Start of the period (default: 28 days before --until).")
@click.option("--until", help="End of the period (default: now).")
@click.option("--person", help="Only this person's figures (by name).")
@click.option("--within-days", type=int, help="Re-litigated: superseded within N days (14).")
@click.option("--json", "as_json", is_flag=True, help="Every table as JSON.")
@click.option("--csv", "as_csv", is_flag=True, help="Every value as one CSV line.")
def metrics(
    team: str | None,
    since: str | None,
    until: str | None,
    person: str | None,
    within_days: int | None,
    as_json: bool,
    as_csv: bool,
) -> None:
    """Completeness, missing fields, time to publish, acknowledge and context, blockers,
    questions and re-litigated decisions, computed from the system of record."""
    if as_json and as_csv:
        raise UserError("Choose one of --json and --csv.")
    start, end = parse_time(since, "--since"), parse_time(until, "--until")
    client = remote_api.remote()
    if client is not None:
        params = {
            "since": start.isoformat() if start else None,
            "until": end.isoformat() if end else None,
            "person": person,
            "within_days": within_days,
            "format": "csv" if as_csv else "json",
        }
        slug = team or get_settings().default_team
        query = {k: v for k, v in params.items() if v is not None}
        text = client.send("GET", f"/teams/{slug}/metrics", params=query).text
        data = None if as_csv else json.loads(text)
    else:
        report = usecase.report(
            services(), team, since=start, until=end, person=person, within_days=within_days
        )
        text, data = report.to_csv(), report.to_json()
    if as_csv:
        click.echo(text, nl=False)
    elif as_json:
        echo_json(data)
    else:
        click.echo(summary(data or {}))


def summary(data: dict[str, Any]) -> str:
    """Each table as aligned text, its headline first: what a lead reads in a terminal."""
    who = f", {data['person']}" if data.get("person") else ""
    lines = [f"Team {data.get('team')}{who}: {data.get('since')} to {data.get('until')}"]
    for table in data.get("metrics", {}).values():
        measures = list(table["measures"])
        lines += ["", f"{table['title']} ({table['unit']})"]
        header = [table["dimension"], *(m.replace("_", " ") for m in measures)]
        rows = [[str(r["key"]), *(_cell(r.get(m)) for m in measures)] for r in table["rows"]]
        widths = [max(len(c) for c in col) for col in zip(header, *rows, strict=False)]
        for row in [header, *rows]:
            lines.append(
                "  "
                + "  ".join(
                    c.rjust(w) if i else c.ljust(w)
                    for i, (c, w) in enumerate(zip(row, widths, strict=True))
                )
            )
    return "\n".join(lines)


def _cell(value: Any) -> str:
    return "–" if value is None else str(value)
