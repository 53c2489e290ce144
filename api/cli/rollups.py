"""Rollups and pods from the command line.

    handoff rollup [--team TEAM | --pod POD] [--since ISO] [--until ISO] [--json]
    handoff pods create|add|remove|list      (operators, on the server's machine)

With HANDOFF_URL set, `handoff rollup` asks the server (a pod's rollup then covers the teams the
token's account is in); `handoff pods` changes this machine's database only.
"""

from __future__ import annotations

import json

import click

import api.cli.remote as remote_api
from api.cli.base import echo_json, parse_time, services
from api.usecases import rollups as usecase
from handoff.audit import Actor
from handoff.rollups.pods import Pod, Pods
from handoff.settings import get_settings


@click.command("rollup")
@click.option("--team", help="Default: HANDOFF_DEFAULT_TEAM.")
@click.option("--pod", help="A pod's rollup instead of one team's.")
@click.option("--since", help="Start of the period (default: a day before --until).")
@click.option("--until", help="End of the period (default: now).")
@click.option("--json", "as_json", is_flag=True, help="JSON instead of Markdown.")
def rollup(
    team: str | None, pod: str | None, since: str | None, until: str | None, as_json: bool
) -> None:
    """The team's state now and what changed in the period, every line citing its handoff."""
    start, end = parse_time(since, "--since"), parse_time(until, "--until")
    client = remote_api.remote()
    if client is not None:
        path = (
            f"/pods/{pod}/rollup" if pod else f"/teams/{team or get_settings().default_team}/rollup"
        )
        params = {
            "since": start.isoformat() if start else None,
            "until": end.isoformat() if end else None,
            "format": "json" if as_json else "markdown",
        }
        text = client.rollup(path, params)
        click.echo(json.dumps(json.loads(text), indent=2) if as_json else text.rstrip("\n"))
        return
    svc = services()
    if pod:
        found = usecase.pod(svc, pod, readable_teams=None, since=start, until=end)
        if as_json:
            echo_json(found.to_json())
        else:
            click.echo(usecase.pod_text(svc, found).rstrip("\n"))
        return
    one = usecase.team(svc, team, since=start, until=end)
    if as_json:
        echo_json(one.to_json())
    else:
        click.echo(usecase.team_text(svc, one).rstrip("\n"))


def _pods() -> Pods:
    return Pods(get_settings().resolved_database_url)


def _show(pod: Pod) -> None:
    click.echo(f"{pod.slug}  {', '.join(pod.teams) or '(no teams)'}")


@click.group()
def pods() -> None:
    """Pods: groups of teams whose rollup goes to the next time zone."""


@pods.command("create")
@click.argument("pod")
@click.option("--name", "display_name", help="The name people see (default: the slug).")
@click.option("--team", "teams", multiple=True, help="A team to put in it (repeatable).")
def pods_create(pod: str, display_name: str | None, teams: tuple[str, ...]) -> None:
    store, actor = _pods(), Actor.operator()
    made = store.create(pod, actor=actor, display_name=display_name)
    for team in teams:
        made = store.add_team(pod, team, actor=actor)
    _show(made)


@pods.command("add")
@click.argument("pod")
@click.argument("team")
def pods_add(pod: str, team: str) -> None:
    _show(_pods().add_team(pod, team, actor=Actor.operator()))


@pods.command("remove")
@click.argument("pod")
@click.argument("team")
def pods_remove(pod: str, team: str) -> None:
    _show(_pods().remove_team(pod, team, actor=Actor.operator()))


@pods.command("list")
def pods_list() -> None:
    for pod in _pods().pods():
        _show(pod)
