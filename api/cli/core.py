"""Commands over handoffs: extract, ingest, schema, show, list, publish."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from tqdm import tqdm

import api.cli.remote as remote_api
from api.cli.base import UserError, echo_json, echo_json_line, parse_time, services
from api.cli.remote import RemoteClient, remote
from api.usecases import bulk, drafting, lifecycle, posting
from api.usecases.bulk import Row
from api.usecases.speech import check_heard, transcribe
from api.wiring.services import Services
from handoff.audit import Actor
from handoff.declaration import declaration_schema
from handoff.errors import HandoffError
from handoff.progress import Progress
from handoff.settings import get_settings
from handoff.store import Handoff

#: A change made at the server's console is audited as the operator running the command.
OPERATOR = Actor.operator

if TYPE_CHECKING:
    from ingest.chat import ChatOptions

_path = click.Path(path_type=Path, dir_okay=True)


def _common(fn: Any) -> Any:
    fn = click.option("--recorded-at", help="When the wrap was recorded (ISO-8601).")(fn)
    fn = click.option("--team", help="The author's team (default: HANDOFF_DEFAULT_TEAM).")(fn)
    fn = click.option("--author", help="Who is handing over.")(fn)
    return fn


def typed_language(_ctx: Any, _param: Any, value: str | None) -> str | None:
    """A language as typed (`DE`, ` auto`) in the form it is stored in."""
    return value.strip().lower() if value is not None else None


def language_choice(fn: Any) -> Any:
    """--language: the language a clip is in, for this clip only (default: the team's)."""
    return click.option(
        "--language",
        metavar="CODE|auto",
        callback=typed_language,
        help="The clip's language: an ISO 639-1 code (en, de, ...) or auto to detect it "
        "(default: the team's, see `handoff vocab language`).",
    )(fn)


def chat_choice(fn: Any) -> Any:
    """--channel/--since/--until: which part of a Slack export or chat log to read."""
    fn = click.option("--until", help="Chat: only messages up to this ISO-8601 time.")(fn)
    fn = click.option("--since", help="Chat: only messages from this ISO-8601 time on.")(fn)
    fn = click.option("--channel", help="Slack export or chat log: only this channel.")(fn)
    return fn


def chat_options(channel: str | None, since: str | None, until: str | None) -> ChatOptions:
    """The ChatOptions the --channel/--since/--until flags ask for."""
    from ingest.chat import ChatOptions

    return ChatOptions(
        channel=channel, since=parse_time(since, "--since"), until=parse_time(until, "--until")
    )


@contextmanager
def progress_bar(label: str) -> Iterator[Progress]:
    """A bar on stderr that follows a job's stages (hidden when stderr is not a terminal)."""
    bar = tqdm(
        total=100,
        desc=label,
        unit="%",
        file=sys.stderr,
        disable=not sys.stderr.isatty(),
        bar_format="{desc}: {percentage:3.0f}%|{bar}| {postfix}",
    )

    def report(stage: str, fraction: float) -> None:
        bar.set_postfix_str(stage)
        bar.n = round(max(0.0, min(1.0, fraction)) * 100)
        bar.refresh()

    try:
        yield report
    finally:
        bar.close()


def result_json(handoff: Handoff) -> dict[str, Any]:
    return {
        "id": handoff.id,
        "status": handoff.status,
        "team": handoff.team,
        "declaration": handoff.declaration.to_json() if handoff.declaration else None,
        **({"masked": handoff.masked} if handoff.masked else {}),
    }


@click.command()
@click.argument("path", type=_path)
@_common
@chat_choice
@language_choice
def extract(
    path: Path,
    author: str | None,
    team: str | None,
    recorded_at: str | None,
    channel: str | None,
    since: str | None,
    until: str | None,
    language: str | None,
) -> None:
    """Print the declaration extracted from PATH (a wrap, clip or chat export); stores nothing.
    Secrets in it are masked before a model sees them, as when it is posted."""
    from ingest.masking import mask_transcript

    svc = services()
    when = parse_time(recorded_at, "--recorded-at")
    chat = chat_options(channel, since, until)
    with progress_bar("extract") as report:
        transcript = transcribe(svc, path, progress=report, team=team, chat=chat, language=language)
    transcript, _ = mask_transcript(transcript)
    context = drafting.context(svc, author=author, team=team, recorded_at=when)
    decl = drafting.extract(svc, transcript, context)
    echo_json(decl.to_json())


@click.command()
@click.argument("path", type=_path)
@_common
@chat_choice
@language_choice
@click.option("--publish", "do_publish", is_flag=True, help="Publish after extraction.")
@click.option(
    "--force",
    "force_reason",
    metavar="REASON",
    help="With --publish: publish despite missing fields, recording this reason.",
)
def ingest(
    path: Path,
    author: str | None,
    team: str | None,
    recorded_at: str | None,
    channel: str | None,
    since: str | None,
    until: str | None,
    language: str | None,
    do_publish: bool,
    force_reason: str | None,
) -> None:
    """Store a handoff from PATH and print {id, status, declaration}.

    A .jsonl PATH imports many: one object per line with text, author, team, recorded_at (and
    optionally id); one result line is printed per input line.
    """
    if force_reason is not None and not do_publish:
        raise UserError("--force only makes sense with --publish.")
    client = remote()
    if client is not None:
        fields = {"author": author, "team": team, "recorded_at": recorded_at}
        fields |= {"channel": channel, "since": since, "until": until, "language": language}
        _ingest_remote(client, path, fields, do_publish=do_publish, force_reason=force_reason)
        return
    svc = services()
    when = parse_time(recorded_at, "--recorded-at")
    chat = chat_options(channel, since, until)
    if path.suffix.lower() == ".jsonl":
        _ingest_jsonl(
            path, svc, do_publish=do_publish, force_reason=force_reason, author=author, team=team
        )
        return
    check_heard(svc, path, team=team, language=language)  # refused before any work
    with progress_bar("ingest") as report:
        handoff = posting.ingest_file(
            svc,
            path,
            author=author,
            team=team,
            recorded_at=when,
            progress=report,
            chat=chat,
            language=language,
        )
    if do_publish:
        try:
            handoff = lifecycle.publish(
                svc, handoff.id, team=handoff.team, actor=author, force_reason=force_reason
            )
        except HandoffError:
            # The draft is stored; print it so the reviewer can fix it or publish with --force.
            echo_json(result_json(handoff))
            raise
    echo_json(result_json(handoff))


def _ingest_remote(
    client: RemoteClient,
    path: Path,
    fields: dict[str, str | None],
    *,
    do_publish: bool,
    force_reason: str | None,
) -> None:
    """Upload the wrap, follow its job to the end, then publish: the same steps and output as
    locally, done by the server as the token's user (who is the author unless a reviewer names
    one with --author). A bulk .jsonl import is history from the server's own machine."""
    if path.suffix.lower() == ".jsonl":
        raise UserError("A .jsonl bulk import runs on the server's machine; unset HANDOFF_URL.")
    for option in ("recorded_at", "since", "until"):  # checked here, sent with their zone
        when = parse_time(fields[option], "--" + option.replace("_", "-"))
        fields[option] = when.isoformat() if when else None
    fields["team"] = fields["team"] or get_settings().default_team
    accepted = client.post_wrap(path, fields)
    with progress_bar("ingest") as report:
        client.wait_job(accepted["job_id"], progress=report)
    handoff = remote_api.result(client.handoff(accepted["id"]))
    if do_publish:
        try:
            handoff = remote_api.result(client.publish(handoff["id"], force_reason))
        except HandoffError:
            echo_json(handoff)  # the draft is stored, as locally
            raise
    echo_json(handoff)


def _ingest_jsonl(
    path: Path,
    svc: Services,
    *,
    do_publish: bool,
    force_reason: str | None,
    author: str | None,
    team: str | None,
) -> None:
    """Each line stands alone: a bad line prints an error object and the rest still import.

    A bulk import is history that was already handed over elsewhere, so `--publish` publishes
    every line; a line with missing fields is published with an override reason recorded in its
    audit trail (`--force REASON` sets it), and its flags stay visible for a reviewer.
    """
    lines = path.read_text(encoding="utf-8").splitlines()
    bulk_reason = force_reason or f"Bulk import of existing handoffs from {path.name}."
    parsed: list[tuple[int, Row | str]] = []  # a row, or why the line is bad
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            if not isinstance(row, dict) or not isinstance(row.get("text"), str):
                raise UserError("each line must be a JSON object with a 'text' string")
            parsed.append(
                (
                    number,
                    {
                        "text": row["text"],
                        "author": row.get("author") or author,
                        "team": row.get("team") or team,
                        "recorded_at": parse_time(row.get("recorded_at"), "recorded_at"),
                        "id": row.get("id"),
                    },
                )
            )
        except (json.JSONDecodeError, UserError) as exc:
            why = exc.format_message() if isinstance(exc, UserError) else str(exc)
            parsed.append((number, why))
    rows = [row for _, row in parsed if isinstance(row, dict)]
    failures = 0
    # In batches (names embedded together, the index written per batch); results keep line order.
    with tqdm(
        total=len(rows), desc="ingest", file=sys.stderr, disable=not sys.stderr.isatty()
    ) as bar:
        results = bulk.import_many(
            svc, rows, publish=do_publish, force_reason=bulk_reason, progress=bar.update
        )
        for number, row in parsed:
            result = row if isinstance(row, str) else next(results)
            if isinstance(result, (str, HandoffError)):
                failures += 1
                echo_json_line({"line": number, "error": str(result)})
            else:
                echo_json_line(result_json(result))
    if failures:
        raise UserError(f"{failures} of {len(lines)} lines could not be imported (see output).")


@click.command()
def schema() -> None:
    """Print the declaration's JSON Schema."""
    echo_json(declaration_schema())


@click.command()
@click.argument("handoff_id")
@click.option("--team")
@click.option("--audit", is_flag=True, help="Include the audit trail.")
def show(handoff_id: str, team: str | None, audit: bool) -> None:
    """Print one stored handoff."""
    client = remote()
    if client is not None:
        data = remote_team_check(client, handoff_id, team)
        out = remote_api.result(data) | remote_api.summary(data)
        if audit:
            out["audit"] = client.audit_trail(handoff_id)
        echo_json(out)
        return
    svc = services()
    handoff = svc.store.get(handoff_id, team=team)
    out = result_json(handoff) | handoff.summary_json()
    if audit:
        out["audit"] = svc.store.audit_trail(handoff_id, team=team)
    echo_json(out)


@click.command("list")
@click.option("--team")
@click.option("--status", type=click.Choice(["draft", "published", "acknowledged"]))
@click.option("--author")
@click.option("--limit", default=20, show_default=True)
def list_cmd(team: str | None, status: str | None, author: str | None, limit: int) -> None:
    """List stored handoffs, newest first."""
    client = remote()
    if client is not None:
        query = {"team": team or get_settings().default_team, "status": status, "author": author}
        echo_json(client.list_handoffs(query | {"limit": limit}))
        return
    svc = services()
    rows = svc.store.list(
        team=team or svc.settings.default_team, status=status, author=author, limit=limit
    )
    echo_json([h.summary_json() for h in rows])


@click.command()
@click.argument("handoff_id")
@click.option("--team")
@click.option("--by", "actor", help="Who is publishing.")
@click.option(
    "--force",
    "force_reason",
    metavar="REASON",
    help="Publish despite missing fields, recording this reason.",
)
def publish(handoff_id: str, team: str | None, actor: str | None, force_reason: str | None) -> None:
    """Publish a draft (refused while fields are missing, unless --force REASON)."""
    client = remote()
    if client is not None:
        remote_team_check(client, handoff_id, team)
        echo_json(remote_api.result(client.publish(handoff_id, force_reason)))
        return
    svc = services()
    handoff = lifecycle.publish(
        svc, handoff_id, team=team, actor=actor, force_reason=force_reason, audit=OPERATOR()
    )
    echo_json(result_json(handoff))


@click.command()
@click.argument("handoff_id")
@click.option("--team")
@click.option("--by", "actor", help="Who is unpublishing (for the audit trail).")
def unpublish(handoff_id: str, team: str | None, actor: str | None) -> None:
    """Take a published handoff back to draft; the ledger and answers forget it."""
    client = remote()
    if client is not None:
        remote_team_check(client, handoff_id, team)
        echo_json(remote_api.result(client.unpublish(handoff_id)))
        return
    echo_json(
        result_json(
            lifecycle.unpublish(services(), handoff_id, team=team, actor=actor, audit=OPERATOR())
        )
    )


@click.command()
@click.argument("handoff_id")
@click.option("--team")
@click.option("--by", "actor", help="Who is deleting.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def delete(handoff_id: str, team: str | None, actor: str | None, yes: bool) -> None:
    """Delete a handoff with its upload; the ledger and answers forget it. Permanent."""
    if not yes:
        if not sys.stdin.isatty():
            raise UserError("Deleting is permanent; add --yes to confirm.")
        click.confirm(f"Delete handoff {handoff_id} and its upload for good?", abort=True)
    client = remote()
    if client is not None:
        remote_team_check(client, handoff_id, team)
        client.delete(handoff_id)
    else:
        lifecycle.delete(services(), handoff_id, team=team, actor=actor, audit=OPERATOR())
    click.echo(f"Deleted handoff {handoff_id}.")


def remote_team_check(client: RemoteClient, handoff_id: str, team: str | None) -> dict[str, Any]:
    """The handoff from the server; with --team, one of another team is not found, as locally
    (the server itself already answers 404 for a team the token's user is not in)."""
    data = client.handoff(handoff_id)
    if team is not None and data.get("team") != team:
        raise UserError(f"No handoff with id '{handoff_id}' in team '{team}'.")
    return data
