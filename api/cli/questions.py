"""Commands over the published state of the work: ask, reindex."""

from __future__ import annotations

import sys

import click
from tqdm import tqdm

from api.cli.base import UserError, echo_json, parse_time, services


@click.command()
@click.argument("question")
@click.option("--team", help="Whose handoffs to answer from (default: HANDOFF_DEFAULT_TEAM).")
@click.option("--as-of", "as_of", help="Answer as things stood at this ISO-8601 time.")
@click.option("--json", "as_json", is_flag=True, help="Print {answer, citations} as JSON.")
def ask(question: str, team: str | None, as_of: str | None, as_json: bool) -> None:
    """Answer QUESTION from published handoffs, with citations."""
    if not question.strip():
        raise UserError("Ask a question.")
    svc = services()
    result = svc.ask(question.strip(), team=team, as_of=parse_time(as_of, "--as-of"))
    if as_json:
        echo_json(result)
        return
    click.echo(result["answer"])
    for i, cite in enumerate(result["citations"], start=1):
        at = f" at {cite['start_s']:.0f}s" if cite.get("start_s") is not None else ""
        click.echo(
            f'  [{i}] {cite["author"] or "unknown"}, {cite["recorded_at"]}{at}: "{cite["quote"]}"'
        )


@click.command()
@click.option("--team", help="Only this team (default: every team).")
def reindex(team: str | None) -> None:
    """Rebuild the item ledger and the search index from the system of record."""
    svc = services()
    total = svc.store.count(team=team, status="published") + svc.store.count(
        team=team, status="acknowledged"
    )
    bar = tqdm(
        total=total,
        desc="reindex",
        unit="handoff",
        file=sys.stderr,
        disable=not sys.stderr.isatty(),
    )
    try:
        ledgered, indexed = svc.rebuild(team=team, progress=lambda n: bar.update(n - bar.n))
    finally:
        bar.close()
    click.echo(f"Rebuilt the ledger from {ledgered} and indexed {indexed} published handoffs.")
