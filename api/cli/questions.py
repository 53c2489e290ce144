"""Commands over the published state of the work: ask, reindex."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import datetime
from typing import Any

import click
from tqdm import tqdm

from api.cli.base import UserError, echo_json, parse_time, services
from api.cli.conversations import Conversations, check_name
from api.cli.remote import remote
from api.usecases import items, questions
from handoff.errors import HandoffError
from handoff.settings import get_settings
from handoff.teams import validate_team


@click.command()
@click.argument("question", required=False)
@click.option("--team", help="Whose handoffs to answer from (default: HANDOFF_DEFAULT_TEAM).")
@click.option("--as-of", "as_of", help="Answer as things stood at this ISO-8601 time.")
@click.option("--json", "as_json", is_flag=True, help="Print {answer, citations} as JSON.")
@click.option(
    "--follow-up",
    "follow_up",
    is_flag=True,
    help='Read QUESTION in the context of the team\'s last conversation ("and who owns it?").',
)
@click.option(
    "--conversation",
    "conversation",
    metavar="NAME",
    help="Continue (or start) the team's conversation called NAME.",
)
@click.option(
    "-i",
    "--interactive",
    is_flag=True,
    help="Ask question after question; each one follows up the ones before.",
)
def ask(
    question: str | None,
    team: str | None,
    as_of: str | None,
    as_json: bool,
    follow_up: bool,
    conversation: str | None,
    interactive: bool,
) -> None:
    """Answer QUESTION from published handoffs, with citations.

    A plain question starts the team's conversation afresh (kept under the data directory);
    --follow-up continues it, --conversation NAME keeps a named one, -i asks in a loop.
    """
    if not interactive and (question is None or not question.strip()):
        raise UserError("Ask a question.")
    if conversation is not None:
        check_name(conversation)
    settings = get_settings()
    team = validate_team(team or settings.default_team)  # a slug, before it names a file
    when = parse_time(as_of, "--as-of")
    answer = answerer(team, when)
    store = Conversations(settings.home, team)  # this machine's, also against a server
    if conversation is not None:
        name = conversation
    elif follow_up:
        name = store.current()
    else:
        name = ""
    earlier = store.questions(name) if (conversation is not None or follow_up) else []
    if follow_up and conversation is None and not earlier:
        raise UserError(f"There is no earlier question for team '{team}' to follow up; ask one.")
    if interactive:
        _interactive(answer, store, name, earlier, question, team=team, as_json=as_json)
        return
    assert question is not None
    result = answer(question.strip(), earlier)
    _show(result, as_json)
    try:
        store.save(name, [*earlier, question.strip()])
    except OSError:
        if conversation is not None or follow_up:
            raise
        # A plain question answers the same with a read-only data directory.


#: Answers one question given the earlier ones of its conversation.
Answerer = Callable[[str, list[str]], dict[str, Any]]


def answerer(team: str, as_of: datetime | None) -> Answerer:
    """The one place `ask` chooses: the local search and model, or the server's `/api/ask` as
    the token's user (the same `{answer, citations}`)."""
    client = remote()
    if client is not None:
        when = as_of.isoformat() if as_of else None

        def over_http(text: str, earlier: list[str]) -> dict[str, Any]:
            body = {"question": text, "team": team, "as_of": when, "conversation": earlier}
            return client.ask(body)

        return over_http
    svc = services()

    def local(text: str, earlier: list[str]) -> dict[str, Any]:
        return questions.ask(svc, text, team=team, as_of=as_of, conversation=earlier, via="cli")

    return local


def _show(result: dict[str, Any], as_json: bool) -> None:
    if as_json:
        echo_json(result)
        return
    click.echo(result["answer"])
    for i, cite in enumerate(result["citations"], start=1):
        at = f" at {cite['start_s']:.0f}s" if cite.get("start_s") is not None else ""
        click.echo(
            f'  [{i}] {cite["author"] or "unknown"}, {cite["recorded_at"]}{at}: "{cite["quote"]}"'
        )


_QUIT = {"/quit", "/exit", "quit", "exit"}


def _interactive(
    answer: Answerer,
    store: Conversations,
    name: str,
    earlier: list[str],
    first: str | None,
    *,
    team: str,
    as_json: bool,
) -> None:
    """A question loop that keeps the conversation, on disk too, so --follow-up can go on later.

    A bad question is one sentence on stderr and the loop goes on; Ctrl-D or /quit ends it.
    """
    click.echo(
        f"Asking team '{team}'; each question follows up the ones before. "
        "/new starts over, /quit or Ctrl-D ends.",
        err=True,
    )
    pending = [first] if first and first.strip() else []
    while True:
        if pending:
            line = pending.pop()
        else:
            try:
                line = click.prompt(
                    "?", default="", show_default=False, prompt_suffix=" ", err=True
                )
            except click.Abort:
                click.echo("", err=True)
                return
        text = line.strip()
        if not text:
            continue
        if text.lower() in _QUIT:
            return
        if text.lower() == "/new":
            earlier = []
            store.save(name, earlier)
            continue
        try:
            result = answer(text, earlier)
        except HandoffError as exc:
            click.echo(f"handoff: {exc}", err=True)
            continue
        _show(result, as_json)
        earlier = [*earlier, text]
        store.save(name, earlier)


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
        ledgered, indexed = items.rebuild(svc, team=team, progress=lambda n: bar.update(n - bar.n))
    finally:
        bar.close()
    click.echo(f"Rebuilt the ledger from {ledgered} and indexed {indexed} published handoffs.")
