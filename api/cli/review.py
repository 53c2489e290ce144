"""Follow-up commands: the questions a draft's missing fields raise, and merging the answers.

handoff followups ID            one short question per missing flag
handoff answer ID FIELD TEXT    merge a typed answer (or --recording PATH) and recompute flags
handoff reextract ID            run extraction again on the stored transcript
"""

from __future__ import annotations

from pathlib import Path

import click

from api.cli.base import UserError, echo_json, services
from api.cli.core import result_json
from api.usecases import drafting
from api.usecases import followups as followup_questions


@click.command()
@click.argument("handoff_id")
@click.option("--team")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of lines.")
def followups(handoff_id: str, team: str | None, as_json: bool) -> None:
    """List the follow-up questions for a draft's missing fields."""
    items = followup_questions.followups(services(), handoff_id, team=team)
    if as_json:
        echo_json(items)
        return
    if not items:
        click.echo("Nothing is missing.")
    for item in items:
        click.echo(f"{item['field']}: {item['question']}")


@click.command()
@click.argument("handoff_id")
@click.argument("field")
@click.argument("text", required=False)
@click.option(
    "--recording",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Answer with a short recording (or a text file) instead of TEXT.",
)
@click.option("--team")
@click.option("--by", "actor", help="Who is answering (default: the author).")
def answer(
    handoff_id: str,
    field: str,
    text: str | None,
    recording: Path | None,
    team: str | None,
    actor: str | None,
) -> None:
    """Merge an answer to FIELD's follow-up question into the draft; prints the handoff."""
    if (text is None) == (recording is None):
        raise UserError("Give the answer either as TEXT or with --recording PATH.")
    handoff = followup_questions.answer_followup(
        services(),
        handoff_id,
        field=field,
        answer=text,
        recording=recording,
        actor=actor,
        team=team,
    )
    echo_json(result_json(handoff))


@click.command()
@click.argument("handoff_id")
@click.option("--team")
def reextract(handoff_id: str, team: str | None) -> None:
    """Extract a draft again from its stored transcript (e.g. after an LLM timeout)."""
    echo_json(result_json(drafting.reextract(services(), handoff_id, team=team)))
