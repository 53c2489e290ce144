"""Follow-up commands: the questions a draft's missing fields raise, and merging the answers.

handoff followups ID            one short question per missing flag
handoff answer ID FIELD TEXT    merge a typed answer (or --recording PATH) and recompute flags
handoff reextract ID            run extraction again on the stored transcript
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

import api.cli.remote as remote_api
from api.cli.base import UserError, echo_json, services
from api.cli.core import remote_team_check, result_json
from api.cli.remote import remote
from api.usecases import followups as followup_questions
from api.usecases import posting


@click.command()
@click.argument("handoff_id")
@click.option("--team")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of lines.")
def followups(handoff_id: str, team: str | None, as_json: bool) -> None:
    """List the follow-up questions for a draft's missing fields."""
    client = remote()
    if client is not None:  # the questions are computed here from the server's draft
        items = remote_followups(remote_team_check(client, handoff_id, team))
    else:
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
    client = remote()
    if client is not None:
        remote_team_check(client, handoff_id, team)
        if recording is not None:
            merged = client.answer_recording(handoff_id, field, recording)
        else:
            assert text is not None
            merged = client.answer(handoff_id, field, text)
        echo_json(remote_api.result(merged))
        return
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


def remote_followups(handoff: dict[str, Any]) -> list[dict[str, str]]:
    """The server has no follow-up route of its own (pages compute them from the draft); the
    same function runs here on the declaration it sent."""
    from handoff.declaration import Declaration
    from summarizer.followups import questions

    raw = handoff.get("declaration")
    return questions(Declaration.model_validate(raw)) if raw else []


@click.command()
@click.argument("handoff_id")
@click.option("--team")
def reextract(handoff_id: str, team: str | None) -> None:
    """Extract a draft again from its stored transcript (e.g. after an LLM timeout)."""
    echo_json(result_json(posting.reextract(services(), handoff_id, team=team)))
