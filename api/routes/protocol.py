"""The protocol over HTTP: the caller's inbox, per-item acknowledge / not mine / resolve /
reassign, delivery status and acknowledgments per handoff, the caller's hours and channels, and a
team's rules (leads).

    GET  /api/inbox                              what needs me (count for the header)
    POST /api/items/{id}/acknowledge             "I've got it" (+ optional one-line read-back)
    POST /api/items/{id}/not-mine                not mine: whose it is
    POST /api/items/{id}/resolve                 resolved, with a note (routed person or lead)
    POST /api/items/{id}/reassign                a lead names who can clear it (re-routed)
    GET  /api/handoffs/{id}/notifications        delivery status and latency per notification
    GET  /api/handoffs/{id}/acknowledgments      who took each item, when, their read-back
    PUT  /api/me                                 my time zone, hours, days off, channels
    GET|PUT /api/teams/{team}/rules              escalation, reminders, team channels, rollup
                                                 times (lead)
    GET  /api/teams/{team}/overdue               handoffs unacknowledged by the next shift
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal
from zoneinfo import available_timezones

from fastapi import APIRouter
from pydantic import AfterValidator, BaseModel, Field

from api.auth.deps import CallerDep, PrincipalDep, TeamDep
from api.deps import ServicesDep, TeamPath
from api.usecases import protocol

router = APIRouter(tags=["protocol"])


class AckBody(BaseModel):
    read_back: str | None = Field(
        default=None, max_length=500, description="One line: what you understood you now own."
    )


class NotMineBody(BaseModel):
    belongs_to: str = Field(min_length=1, max_length=200, description="Whose it is instead.")


class ResolveBody(BaseModel):
    note: str = Field(
        min_length=1, max_length=2000, description='How it was resolved ("decided: 12 hours").'
    )


class ReassignBody(BaseModel):
    to: str = Field(min_length=1, max_length=200, description="Who can clear it (a person's name).")


def _known_zone(name: str) -> str:
    if name not in _ZONE_SET:
        raise ValueError(f"Unknown time zone {name!r}; use an IANA name such as Europe/London.")
    return name


#: The IANA zones this machine knows: the document lists them, so a client sees what is valid.
ZONES = sorted(available_timezones())
_ZONE_SET = frozenset(ZONES)
TimeZoneName = Annotated[
    str, Field(max_length=64, json_schema_extra={"enum": ZONES}), AfterValidator(_known_zone)
]
Weekday = Literal[
    "mon", "tue", "wed", "thu", "fri", "sat", "sun", "0", "1", "2", "3", "4", "5", "6"
]
ClockTime = Annotated[str, Field(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]


class Channels(BaseModel):
    email: str | None = Field(default=None, max_length=320, pattern=r"^[^@\s]*@[^\s]*$")
    slack_user_id: str | None = Field(default=None, max_length=64)
    webhooks: list[Annotated[str, Field(max_length=2000, pattern=r"^https?://")]] | None = Field(
        default=None, max_length=10
    )


class ProfileBody(BaseModel):
    timezone: TimeZoneName | None = Field(default=None, description="IANA, e.g. Europe/London.")
    hours: (
        dict[Weekday, Annotated[list[ClockTime], Field(min_length=2, max_length=2)] | None] | None
    ) = Field(
        default=None,
        description='Per weekday: {"mon": ["09:00", "17:00"], "sat": null}; the end after '
        "the start (a night shift is two days).",
    )
    days_off: list[date] | None = Field(default=None, max_length=366, description="ISO dates.")
    channels: Channels | None = None


class RulesBody(BaseModel):
    escalate_after_hours: float | None = Field(default=None, gt=0, le=200)
    flag_unacknowledged: bool | None = None
    reminder_minutes: int | None = Field(default=None, ge=1, le=480)
    slack_channel: str | None = Field(default=None, max_length=64)
    team_email: str | None = Field(default=None, max_length=320)
    webhook_url: str | None = Field(default=None, max_length=2000)
    rollup_times: list[str] | None = Field(
        default=None,
        max_length=6,
        description='Local times the team rollup goes to the team channels, e.g. ["09:00"]; '
        "empty: none is sent.",
    )
    rollup_timezone: str | None = Field(
        default=None, max_length=64, description="The IANA zone of rollup_times (default UTC)."
    )


@router.get("/inbox", summary="What needs me: routed blockers, items to acknowledge, questions")
def get_inbox(svc: ServicesDep, principal: PrincipalDep) -> dict[str, Any]:
    return protocol.inbox_of(svc, principal.user_id, teams=principal.teams)


@router.post("/items/{item_id}/acknowledge", summary="I've got it: take the item (ledger owner)")
def acknowledge_item(
    item_id: str, svc: ServicesDep, caller: CallerDep, team: TeamDep, body: AckBody | None = None
) -> dict[str, Any]:
    read_back = body.read_back if body else None
    return protocol.acknowledge(
        svc, item_id, team=team, user_id=caller.user_id, actor=caller.actor, read_back=read_back
    )


@router.post("/items/{item_id}/not-mine", summary="Not mine: say whose it is (it is re-routed)")
def not_mine(
    item_id: str, body: NotMineBody, svc: ServicesDep, caller: CallerDep, team: TeamDep
) -> dict[str, Any]:
    return protocol.not_mine(
        svc,
        item_id,
        team=team,
        user_id=caller.user_id,
        actor=caller.actor,
        belongs_to=body.belongs_to,
    )


@router.post("/items/{item_id}/resolve", summary="Resolve a blocker or next action with a note")
def resolve_item(
    item_id: str, body: ResolveBody, svc: ServicesDep, caller: CallerDep, team: TeamDep
) -> dict[str, Any]:
    return protocol.resolve(
        svc, item_id, team=team, user_id=caller.user_id, actor=caller.actor, note=body.note
    )


@router.post("/items/{item_id}/reassign", summary="Name who can clear it (lead); re-routed")
def reassign_item(
    item_id: str, body: ReassignBody, svc: ServicesDep, caller: CallerDep, team: TeamDep
) -> dict[str, Any]:
    return protocol.reassign(
        svc, item_id, team=team, user_id=caller.user_id, actor=caller.actor, to=body.to
    )


@router.get("/handoffs/{handoff_id}/notifications", summary="Delivery status of its notifications")
def notifications(handoff_id: str, svc: ServicesDep) -> dict[str, Any]:
    return protocol.handoff_notifications(svc, handoff_id)


@router.get("/handoffs/{handoff_id}/acknowledgments", summary="Who took each item, and read-backs")
def acknowledgments(handoff_id: str, svc: ServicesDep) -> dict[str, Any]:
    return protocol.handoff_acknowledgments(svc, handoff_id)


@router.put("/me", summary="Set my time zone, working hours, days off and channels")
def put_me(body: ProfileBody, svc: ServicesDep, caller: CallerDep) -> dict[str, Any]:
    patch = body.model_dump(exclude_unset=True)
    if body.channels is not None:
        patch["channels"] = body.channels.model_dump(exclude_unset=True)
    return {"profile": protocol.set_profile(svc, caller.user_id, patch, actor=caller.actor)}


@router.get("/teams/{team}/rules", summary="The team's protocol rules and channels (lead)")
def get_rules(team: TeamPath, svc: ServicesDep) -> dict[str, Any]:
    return protocol.rules_of(svc, team)


@router.put("/teams/{team}/rules", summary="Set the team's protocol rules and channels (lead)")
def put_rules(
    team: TeamPath, body: RulesBody, svc: ServicesDep, caller: CallerDep
) -> dict[str, Any]:
    return protocol.set_rules(svc, team, body.model_dump(exclude_unset=True), actor=caller.actor)


@router.get("/teams/{team}/overdue", summary="Handoffs nobody acknowledged by the next shift")
def overdue(team: TeamPath, svc: ServicesDep) -> list[dict[str, str]]:
    return protocol.overdue(svc, team)
