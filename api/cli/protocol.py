"""The protocol at the terminal: `handoff inbox`, `ack`, `not-mine`, `resolve`, `reassign`, a
person's settings (`handoff me`), a team's rules (`handoff rules`), and `handoff notify` for the
outbox (deliver now; run the clock's work now).

With HANDOFF_URL set they act as the token's user through the API. On the server's machine they
act for the account named by `--as` (the operator speaking for someone, recorded in the audit log
as that account).
"""

from __future__ import annotations

from typing import Any

import click

from api.cli.base import UserError, echo_json, services
from api.cli.remote import RemoteClient, refuse_remote, remote
from api.usecases import protocol, protocol_delivery
from handoff.audit import Actor
from handoff.identity.directory import Directory
from handoff.protocol.hours import WEEKDAYS
from handoff.settings import get_settings

AS_OPTION = click.option(
    "--as", "as_user", metavar="USERNAME", help="On the server: act for this account."
)


def _local_user(as_user: str | None) -> tuple[str, Actor]:
    if not as_user:
        raise UserError("Say whom you act for with --as USERNAME (or set HANDOFF_URL and a token).")
    svc = services()
    user = Directory(svc.settings.resolved_database_url).user(as_user)
    return user.id, Actor(user.id, user.display_name)


def _item_call(client: RemoteClient, item: str, action: str, body: dict[str, Any]) -> Any:
    return client.call("POST", f"/items/{item}/{action}", json=body)


@click.command("inbox")
@AS_OPTION
def inbox_cmd(as_user: str | None) -> None:
    """What needs you: blockers routed to you, items to acknowledge, questions for leads."""
    client = remote()
    if client is not None:
        echo_json(client.call("GET", "/inbox"))
        return
    user_id, _ = _local_user(as_user)
    echo_json(protocol.inbox_of(services(), user_id))


@click.command("ack")
@click.argument("item")
@click.option("--read-back", help="One line: what you understood you now own.")
@AS_OPTION
def ack_cmd(item: str, read_back: str | None, as_user: str | None) -> None:
    """I've got it: take ITEM (its owner in the ledger becomes you)."""
    client = remote()
    if client is not None:
        echo_json(_item_call(client, item, "acknowledge", {"read_back": read_back}))
        return
    user_id, actor = _local_user(as_user)
    echo_json(
        protocol.acknowledge(
            services(), item, team=None, user_id=user_id, actor=actor, read_back=read_back
        )
    )


@click.command("not-mine")
@click.argument("item")
@click.option("--belongs-to", required=True, help="Whose it is instead.")
@AS_OPTION
def not_mine_cmd(item: str, belongs_to: str, as_user: str | None) -> None:
    """ITEM is not yours: it goes to whom you name."""
    client = remote()
    if client is not None:
        echo_json(_item_call(client, item, "not-mine", {"belongs_to": belongs_to}))
        return
    user_id, actor = _local_user(as_user)
    echo_json(
        protocol.not_mine(
            services(), item, team=None, user_id=user_id, actor=actor, belongs_to=belongs_to
        )
    )


@click.command("resolve")
@click.argument("item")
@click.option("--note", required=True, help='How it was resolved ("approved, decided: 12 hours").')
@AS_OPTION
def resolve_cmd(item: str, note: str, as_user: str | None) -> None:
    """Resolve a blocker (or next action) routed to you, with a note; whoever raised it hears."""
    client = remote()
    if client is not None:
        echo_json(_item_call(client, item, "resolve", {"note": note}))
        return
    user_id, actor = _local_user(as_user)
    echo_json(
        protocol.resolve(services(), item, team=None, user_id=user_id, actor=actor, note=note)
    )


@click.command("reassign")
@click.argument("item")
@click.option("--to", "to", required=True, help="Who can clear it (a person's name).")
@AS_OPTION
def reassign_cmd(item: str, to: str, as_user: str | None) -> None:
    """(Leads) name who can clear ITEM; it is routed to them."""
    client = remote()
    if client is not None:
        echo_json(_item_call(client, item, "reassign", {"to": to}))
        return
    user_id, actor = _local_user(as_user)
    echo_json(protocol.reassign(services(), item, team=None, user_id=user_id, actor=actor, to=to))


def hours_option(values: tuple[str, ...]) -> dict[str, list[str] | None]:
    """`mon=09:00-17:00` (or `sat=off`) options as profile hours."""
    out: dict[str, list[str] | None] = {}
    for value in values:
        day, _, span = value.partition("=")
        if day.strip().lower()[:3] not in WEEKDAYS or not span:
            raise UserError(
                f"--hours takes DAY=HH:MM-HH:MM or DAY=off, e.g. mon=09:00-17:00, not {value!r}."
            )
        if span.strip().lower() == "off":
            out[day.strip().lower()[:3]] = None
            continue
        start, _, end = span.partition("-")
        out[day.strip().lower()[:3]] = [start.strip(), end.strip()]
    return out


@click.group("me")
def me() -> None:
    """Your time zone, working hours, days off and channels."""


@me.command("show")
@AS_OPTION
def me_show(as_user: str | None) -> None:
    client = remote()
    if client is not None:
        echo_json(client.call("GET", "/me").get("profile"))
        return
    user_id, _ = _local_user(as_user)
    echo_json(protocol.profile_of(services(), user_id))


@me.command("set")
@click.option("--timezone", help="IANA time zone, e.g. Europe/London.")
@click.option("--hours", multiple=True, help="DAY=HH:MM-HH:MM or DAY=off; repeatable.")
@click.option("--day-off", "days_off", multiple=True, help="A date off (YYYY-MM-DD); repeatable.")
@click.option("--email", help="Email address for notifications ('' to use the account's).")
@click.option("--slack", "slack_user_id", help="Slack user id ('' for none).")
@click.option("--webhook", "webhooks", multiple=True, help="A webhook URL; repeatable (replaces).")
@AS_OPTION
def me_set(
    timezone: str | None,
    hours: tuple[str, ...],
    days_off: tuple[str, ...],
    email: str | None,
    slack_user_id: str | None,
    webhooks: tuple[str, ...],
    as_user: str | None,
) -> None:
    """Change what you give; the rest stays."""
    patch: dict[str, Any] = {}
    if timezone:
        patch["timezone"] = timezone
    if hours:
        patch["hours"] = hours_option(hours)
    if days_off:
        patch["days_off"] = list(days_off)
    channels = {
        k: v for k, v in (("email", email), ("slack_user_id", slack_user_id)) if v is not None
    }
    if webhooks:
        channels["webhooks"] = list(webhooks)  # type: ignore[assignment]
    if channels:
        patch["channels"] = channels
    client = remote()
    if client is not None:
        if "hours" in patch:
            patch["hours"] = _merged(client.call("GET", "/me")["profile"]["hours"], patch["hours"])
        echo_json(client.call("PUT", "/me", json=patch))
        return
    user_id, actor = _local_user(as_user)
    if "hours" in patch:
        current = protocol.profile_of(services(), user_id)["hours"]
        patch["hours"] = _merged(current, patch["hours"])
    echo_json({"profile": protocol.set_profile(services(), user_id, patch, actor=actor)})


def _merged(
    stored: dict[str, list[str]], given: dict[str, list[str] | None]
) -> dict[str, list[str] | None]:
    """The days given on the command line over the stored week (the API replaces the week)."""
    return {WEEKDAYS[int(k)]: v for k, v in stored.items()} | given


@click.group("rules")
def rules() -> None:
    """A team's protocol rules and channels (leads)."""


@rules.command("show")
@click.argument("team")
def rules_show(team: str) -> None:
    client = remote()
    if client is not None:
        echo_json(client.call("GET", f"/teams/{team}/rules"))
        return
    echo_json(protocol.rules_of(services(), team))


@rules.command("set")
@click.argument("team")
@click.option("--escalate-after-hours", type=click.FloatRange(min=0.5, max=200))
@click.option("--reminder-minutes", type=click.IntRange(min=1, max=480))
@click.option("--flag-unacknowledged/--no-flag-unacknowledged", default=None)
@click.option("--slack-channel")
@click.option("--team-email")
@click.option("--webhook-url")
@click.option(
    "--rollup-times",
    help='Local times the team rollup goes to the team channels, e.g. "09:00,17:00"; "" for none.',
)
@click.option("--rollup-timezone", help="The IANA time zone of --rollup-times, e.g. Europe/London.")
def rules_set(team: str, **options: Any) -> None:
    """Change the options given; the rest stays."""
    patch = {k: v for k, v in options.items() if v is not None}
    if "rollup_times" in patch:  # the API takes a list
        patch["rollup_times"] = [t.strip() for t in patch["rollup_times"].split(",") if t.strip()]
    client = remote()
    if client is not None:
        echo_json(client.call("PUT", f"/teams/{team}/rules", json=patch))
        return
    echo_json(protocol.set_rules(services(), team, patch, actor=Actor.operator()))


@click.group("notify")
def notify() -> None:
    """The notification outbox, on the server: deliver what is due, run the clock's work."""


@notify.command("deliver")
def notify_deliver() -> None:
    """Deliver every notification that is due now (the worker's task does the same)."""
    refuse_remote("notify")
    done = protocol_delivery.deliver_due(get_settings())
    echo_json(
        {
            "delivered": len(done.delivered),
            "retrying": len(done.retrying),
            "failed": len(done.failed),
        }
    )


@notify.command("tick")
def notify_tick() -> None:
    """Write the escalations, reminders and digests due now (the beat task does the same)."""
    refuse_remote("notify")
    echo_json(protocol.tick(get_settings()))


COMMANDS = (inbox_cmd, ack_cmd, not_mine_cmd, resolve_cmd, reassign_cmd, me, rules, notify)
