"""Commands over speech and words: transcribe, and the team vocabulary (`vocab ...`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

import click

from api.cli.base import echo_json, services
from api.cli.core import chat_choice, chat_options, language_choice, progress_bar, typed_language
from api.cli.remote import remote
from api.usecases import people, speech, vocabulary
from handoff.audit import Actor
from handoff.settings import get_settings
from handoff.teams import validate_team
from ingest.asr.registry import ENGINES

_path = click.Path(path_type=Path, dir_okay=True)


def _fmt_time(seconds: float | None) -> str:
    if seconds is None:
        return ""
    minutes, secs = divmod(seconds, 60)
    return f"{int(minutes):02d}:{secs:05.2f}"


@click.command()
@click.argument("path", type=_path)
@click.option(
    "--asr",
    "engine",
    type=click.Choice(ENGINES),
    help="Speech engine (default: HANDOFF_ASR).",
)
@click.option(
    "--team", help="Whose vocabulary guides the recognizer (default: HANDOFF_DEFAULT_TEAM)."
)
@chat_choice
@language_choice
@click.option("--json", "as_json", is_flag=True, help="Print the transcript as JSON.")
def transcribe(
    path: Path,
    engine: str | None,
    team: str | None,
    channel: str | None,
    since: str | None,
    until: str | None,
    language: str | None,
    as_json: bool,
) -> None:
    """Print the transcript of PATH (a clip, voice note, chat export or wrap)."""
    chat = chat_options(channel, since, until)
    svc = services()
    speech.check_heard(svc, path, team=team, language=language, asr=engine)
    with progress_bar("transcribe") as report:
        transcript = speech.transcribe(
            svc, path, progress=report, team=team, asr=engine, chat=chat, language=language
        )
    if as_json:
        echo_json(transcript.contract_json())
        return
    model = f" ({transcript.model})" if transcript.model else ""
    length = f", {transcript.duration_s:.1f} s" if transcript.duration_s else ""
    heard = f", language {transcript.language}" if transcript.language else ""
    click.echo(f"# engine: {transcript.engine}{model}{length}{heard}", err=True)
    for seg in transcript.segments:
        if seg.start_s is not None:
            who = f" [{seg.speaker}]" if seg.speaker else ""
            click.echo(f"[{_fmt_time(seg.start_s)} - {_fmt_time(seg.end_s)}]{who} {seg.text}")
        elif seg.speaker:
            when = seg.at.isoformat(timespec="minutes") if seg.at else (seg.clock or "")
            click.echo(
                f"[{when}] {seg.speaker}: {seg.text}" if when else f"{seg.speaker}: {seg.text}"
            )
        else:
            click.echo(seg.text)


@click.group()
def vocab() -> None:
    """A team's vocabulary: people, items, projects, ticket prefixes."""


def _over_http(method: str, team: str | None, tail: str, body: Any = None) -> tuple[bool, Any]:
    """With HANDOFF_URL set, the vocabulary call made on the server as the token's user (a
    lead, for changes): (True, its answer); else (False, None) and the command works locally."""
    client = remote()
    if client is None:
        return False, None
    slug = validate_team(team or get_settings().default_team)
    return True, client.vocabulary_call(method, slug, tail, body)


@vocab.command("show")
@click.option("--team")
def vocab_show(team: str | None) -> None:
    """Print the team's vocabulary as JSON."""
    remote_done, answer = _over_http("GET", team, "")
    echo_json(answer if remote_done else people.vocabulary_json(services(), team))


@vocab.command("language")
@click.argument("code", required=False, callback=typed_language)
@click.option("--team")
def vocab_language(code: str | None, team: str | None) -> None:
    """Show the language the team's clips are transcribed in, or set it to CODE: an ISO 639-1
    code (en, de, ...) or auto (Whisper detects it). A clip's --language overrides it."""
    if code is None:
        remote_done, answer = _over_http("GET", team, "")
        shown = answer if remote_done else people.vocabulary_json(services(), team)
        click.echo(shown["language"])
        return
    remote_done, answer = _over_http("PUT", team, "/language", {"language": code})
    out = answer if remote_done else vocabulary.set_language(services(), team, code)
    if out.get("warning"):
        click.echo(f"handoff: {out['warning']}", err=True)
    click.echo(out["language"])


@vocab.command("add-person")
@click.argument("name")
@click.option("--team")
@click.option("--handle", help="Chat handle, e.g. @siobhan.")
@click.option("--alias", "aliases", multiple=True, help="Another spelling or a mishearing.")
def vocab_add_person(
    name: str, team: str | None, handle: str | None, aliases: tuple[str, ...]
) -> None:
    """Add a person (or merge a handle and aliases into one already known)."""
    body = {"name": name, "handle": handle, "aliases": list(aliases)}
    remote_done, answer = _over_http("POST", team, "/people", body)
    if remote_done:
        echo_json(answer)
        return
    person = vocabulary.add_person(
        services(), team, name, handle=handle, aliases=aliases, actor=Actor.operator()
    )
    echo_json({"name": person.name, "handle": person.handle, "aliases": list(person.aliases)})


@vocab.command("add")
@click.argument("kind", type=click.Choice(["item", "project", "ticket-prefix"]))
@click.argument("terms", nargs=-1, required=True)
@click.option("--team")
def vocab_add(kind: str, terms: tuple[str, ...], team: str | None) -> None:
    """Add item or project names, or ticket prefixes (BILL, OPS)."""
    body = {"kind": kind.replace("-", "_"), "terms": list(terms)}
    remote_done, answer = _over_http("POST", team, "/terms", body)
    if remote_done:
        echo_json(answer)
        return
    added = vocabulary.add_terms(services(), team, kind.replace("-", "_"), terms)
    echo_json({"added": added})


@vocab.command("alias")
@click.argument("heard")
@click.argument("name")
@click.option("--team")
def vocab_alias(heard: str, name: str, team: str | None) -> None:
    """Record a correction: HEARD (as transcribed) means the person NAME."""
    remote_done, answer = _over_http("POST", team, "/corrections", {"heard": heard, "name": name})
    if remote_done:
        echo_json(answer)
        return
    person = vocabulary.learn_correction(services(), team, heard, name)
    echo_json({"name": person.name, "handle": person.handle, "aliases": list(person.aliases)})


@vocab.command("remove")
@click.argument("value")
@click.option("--team")
def vocab_remove(value: str, team: str | None) -> None:
    """Remove a person (by name) or a term."""
    remote_done, _ = _over_http("DELETE", team, "/" + quote(value, safe=""))
    if not remote_done:
        vocabulary.remove(services(), team, value, actor=Actor.operator())
    click.echo(f"Removed {value!r}.")


@vocab.command("link")
@click.argument("name")
@click.argument("username")
@click.option("--team")
def vocab_link(name: str, username: str, team: str | None) -> None:
    """Link the person NAME to the team member's account USERNAME (work waiting on them can be
    routed to them); people matching one member's account without doubt are linked by
    themselves."""
    tail = "/people/" + quote(name, safe="") + "/user"
    remote_done, answer = _over_http("PUT", team, tail, {"username": username})
    if not remote_done:
        answer = people.link(services(), team, name, username, actor=Actor.operator())
    echo_json(answer)


@vocab.command("unlink")
@click.argument("name")
@click.option("--team")
def vocab_unlink(name: str, team: str | None) -> None:
    """Remove the link between the person NAME and their account."""
    remote_done, _ = _over_http("DELETE", team, "/people/" + quote(name, safe="") + "/user")
    if not remote_done:
        people.unlink(services(), team, name, actor=Actor.operator())
    click.echo(f"Unlinked {name!r}.")
