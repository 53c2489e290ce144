"""People and teams as the protocol needs them: a person's profile (hours, channels), a team's
rules, whom a name in a wrap is, who a team's leads are, and where to reach each of them.

A name resolves to an account through the team's links (`person_links`), with the vocabulary's
aliases and handle standing for the person's name; failing that, a member whose username or
display name is that name, when exactly one is. Anything less certain is nobody: the blocker goes
to the leads with "who can clear this?", because routing someone else's work to a person is worse
than asking.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from handoff.errors import InvalidInput
from handoff.identity.models import MembershipRecord, PersonLinkRecord, UserRecord
from handoff.identity.roles import Role
from handoff.protocol.hours import Schedule, check_days_off, check_hours, is_hhmm, zone
from handoff.protocol.models import DEFAULT_HOURS, PersonProfile, TeamRules
from handoff.vocabulary import VocabPerson

#: Team rules when a lead set none.
DEFAULT_RULES: dict[str, Any] = {
    "escalate_after_hours": 4.0,
    "flag_unacknowledged": True,
    "reminder_minutes": 30,
    "slack_channel": None,
    "team_email": None,
    "webhook_url": None,
    "rollup_times": [],
    "rollup_timezone": "UTC",
}
MAX_WEBHOOKS = 10
#: A rollup goes out at most this many times a (local) day.
MAX_ROLLUP_TIMES = 6


def _fold(name: str) -> str:
    return " ".join(name.strip().lstrip("@").split()).casefold()


def user_for_name(session: Session, team: str, name: str | None) -> UserRecord | None:
    """The enabled member of `team` that a person's name in a wrap is, or None (see module)."""
    if not name or not name.strip():
        return None
    wanted = _fold(name)
    names = {wanted}
    for person in session.scalars(select(VocabPerson).where(VocabPerson.team == team)):
        keys = {_fold(person.name), *(_fold(a) for a in person.aliases or [] if a)}
        if person.handle:
            keys.add(_fold(person.handle))
        if wanted in keys:
            names.add(_fold(person.name))
    for link in session.scalars(select(PersonLinkRecord).where(PersonLinkRecord.team == team)):
        if _fold(link.person_name) in names:
            user = session.get(UserRecord, link.user_id)
            if user is not None and not user.disabled and _is_member(session, team, user.id):
                return user
    found = [
        u
        for u in members(session, team)
        if names & {_fold(u.username), _fold(u.display_name or "")}
    ]
    return found[0] if len(found) == 1 else None


def _is_member(session: Session, team: str, user_id: str) -> bool:
    return (
        session.scalar(
            select(MembershipRecord.id).where(
                MembershipRecord.team == team, MembershipRecord.user_id == user_id
            )
        )
        is not None
    )


def members(session: Session, team: str, *, role: Role | None = None) -> list[UserRecord]:
    """Enabled members of the team (with `role`, only those with at least it), by username."""
    q = (
        select(UserRecord, MembershipRecord.role)
        .join(MembershipRecord, MembershipRecord.user_id == UserRecord.id)
        .where(MembershipRecord.team == team, UserRecord.disabled.is_(False))
        .order_by(UserRecord.username)
    )
    return [u for u, r in session.execute(q) if role is None or Role.parse(r) >= role]


def leads(session: Session, team: str) -> list[UserRecord]:
    return members(session, team, role=Role.LEAD)


def role_of(session: Session, team: str, user_id: str) -> Role | None:
    value = session.scalar(
        select(MembershipRecord.role).where(
            MembershipRecord.team == team, MembershipRecord.user_id == user_id
        )
    )
    return Role.parse(value) if value else None


def person_name(session: Session, team: str, user: UserRecord) -> str:
    """The name the team's wraps use for this account: its linked person, else its display name."""
    link = session.scalar(
        select(PersonLinkRecord.person_name).where(
            PersonLinkRecord.team == team, PersonLinkRecord.user_id == user.id
        )
    )
    return link or user.display_name or user.username


def names_of(session: Session, team: str, user: UserRecord) -> set[str]:
    """Every name (folded) the team's wraps may use for this account."""
    out = {_fold(user.username), _fold(user.display_name or user.username)}
    for name in session.scalars(
        select(PersonLinkRecord.person_name).where(
            PersonLinkRecord.team == team, PersonLinkRecord.user_id == user.id
        )
    ):
        out.add(_fold(name))
    return out


# -- profiles ----------------------------------------------------------------------------------
def profile(session: Session, user_id: str) -> PersonProfile:
    """The account's profile, created with the defaults (UTC, Mon-Fri 09-17) on first use."""
    row = session.get(PersonProfile, user_id)
    if row is None:
        row = PersonProfile(
            user_id=user_id, timezone="UTC", hours=dict(DEFAULT_HOURS), days_off=[], webhooks=[]
        )
        session.add(row)
        session.flush()
    return row


def schedule(row: PersonProfile) -> Schedule:
    return Schedule.of(row.timezone, row.hours or {}, row.days_off or [])


def profile_json(row: PersonProfile, user: UserRecord) -> dict[str, Any]:
    return {
        "timezone": row.timezone,
        "hours": row.hours,
        "days_off": row.days_off or [],
        "channels": {
            "inapp": True,
            "email": row.email or user.email,
            "slack_user_id": row.slack_user_id,
            "webhooks": list(row.webhooks or []),
        },
    }


def update_profile(session: Session, user_id: str, patch: dict[str, Any]) -> PersonProfile:
    """Apply a partial update (time zone, hours, days off, channels), each checked first."""
    row = profile(session, user_id)
    if "timezone" in patch:
        zone(str(patch["timezone"]))
        row.timezone = str(patch["timezone"])
    if "hours" in patch:
        if not isinstance(patch["hours"], dict):
            raise InvalidInput("'hours' must map weekdays to [start, end].")
        row.hours = check_hours(patch["hours"])
    if "days_off" in patch:
        row.days_off = check_days_off(list(patch["days_off"] or []))
    channels = patch.get("channels") or {}
    if "email" in channels:
        row.email = _email(channels["email"])
    if "slack_user_id" in channels:
        row.slack_user_id = str(channels["slack_user_id"] or "").strip() or None
    if "webhooks" in channels:
        row.webhooks = _webhooks(channels["webhooks"] or [])
    return row


def _email(value: Any) -> str | None:
    text = str(value or "").strip()
    if text and ("@" not in text or " " in text or len(text) > 320):
        raise InvalidInput(f"{text!r} is not an email address.")
    return text or None


def _webhooks(urls: list[Any]) -> list[str]:
    if len(urls) > MAX_WEBHOOKS:
        raise InvalidInput(f"At most {MAX_WEBHOOKS} webhooks.")
    return [_url(u) for u in urls]


def _url(value: Any) -> str:
    text = str(value or "").strip()
    if not text.startswith(("https://", "http://")) or len(text) > 2000:
        raise InvalidInput(f"{text!r} is not an http(s) URL.")
    return text


def add_days_off(session: Session, user_id: str, days: list[str]) -> None:
    row = profile(session, user_id)
    row.days_off = sorted({*(row.days_off or []), *days})


# -- team rules --------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Rules:
    escalate_after_hours: float
    flag_unacknowledged: bool
    reminder_minutes: int
    slack_channel: str | None
    team_email: str | None
    webhook_url: str | None
    rollup_times: tuple[str, ...] = ()
    rollup_timezone: str = "UTC"

    def to_json(self) -> dict[str, Any]:
        out = {name: getattr(self, name) for name in DEFAULT_RULES}
        out["rollup_times"] = list(self.rollup_times)
        return out


def _defaults() -> dict[str, Any]:
    return {k: list(v) if isinstance(v, list) else v for k, v in DEFAULT_RULES.items()}


def rules(session: Session, team: str) -> Rules:
    row = session.get(TeamRules, team)
    values = _defaults() if row is None else {n: getattr(row, n) for n in DEFAULT_RULES}
    values["rollup_times"] = tuple(values["rollup_times"] or ())
    values["rollup_timezone"] = values["rollup_timezone"] or "UTC"
    return Rules(**values)


def update_rules(session: Session, team: str, patch: dict[str, Any]) -> Rules:
    unknown = set(patch) - set(DEFAULT_RULES)
    if unknown:
        raise InvalidInput(f"Unknown team rules: {', '.join(sorted(unknown))}.")
    row = session.get(TeamRules, team)
    if row is None:
        row = TeamRules(team=team, **_defaults())
        session.add(row)
    if "escalate_after_hours" in patch:
        hours = float(patch["escalate_after_hours"])
        if not 0 < hours <= 200:
            raise InvalidInput("'escalate_after_hours' must be between 0 and 200.")
        row.escalate_after_hours = hours
    if "reminder_minutes" in patch:
        minutes = int(patch["reminder_minutes"])
        if not 0 < minutes <= 480:
            raise InvalidInput("'reminder_minutes' must be between 1 and 480.")
        row.reminder_minutes = minutes
    if "flag_unacknowledged" in patch:
        row.flag_unacknowledged = bool(patch["flag_unacknowledged"])
    if "slack_channel" in patch:
        row.slack_channel = str(patch["slack_channel"] or "").strip() or None
    if "team_email" in patch:
        row.team_email = _email(patch["team_email"])
    if "webhook_url" in patch:
        row.webhook_url = _url(patch["webhook_url"]) if patch["webhook_url"] else None
    if "rollup_times" in patch:
        row.rollup_times = check_rollup_times(patch["rollup_times"])
    if "rollup_timezone" in patch:
        name = str(patch["rollup_timezone"] or "UTC").strip() or "UTC"
        zone(name)
        row.rollup_timezone = name
    session.flush()
    return rules(session, team)


def check_rollup_times(value: Any) -> list[str]:
    """The rollup's local times, sorted, each "HH:MM" (a string may list them with commas)."""
    if value is None:
        return []
    items = value.split(",") if isinstance(value, str) else list(value)
    times = sorted({str(t).strip() for t in items if str(t).strip()})
    bad = [t for t in times if not is_hhmm(t)]
    if bad:
        raise InvalidInput(f"Rollup times are HH:MM, e.g. 09:00; not {bad[0]!r}.")
    if len(times) > MAX_ROLLUP_TIMES:
        raise InvalidInput(f"A rollup goes out at most {MAX_ROLLUP_TIMES} times a day.")
    return times


# -- where to reach someone ----------------------------------------------------------------------
def addresses(session: Session, user: UserRecord) -> list[tuple[str, str]]:
    """(channel, address) pairs for one person: in-app always, then what their profile gives."""
    row = profile(session, user.id)
    out = [("inapp", user.id)]
    email = row.email or user.email
    if email:
        out.append(("email", email))
    if row.slack_user_id:
        out.append(("slack", row.slack_user_id))
    out.extend(("webhook", url) for url in row.webhooks or [])
    return out


def team_addresses(session: Session, team: str) -> list[tuple[str, str]]:
    r = rules(session, team)
    out: list[tuple[str, str]] = []
    if r.slack_channel:
        out.append(("slack", r.slack_channel))
    if r.team_email:
        out.append(("email", r.team_email))
    if r.webhook_url:
        out.append(("webhook", r.webhook_url))
    return out
