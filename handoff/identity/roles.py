"""Roles within a team, ordered: each one can do everything the one before it can.

    member    post wraps, ask, acknowledge, edit and publish their own drafts
    reviewer  also edit and publish others' drafts
    lead      also team settings, vocabulary, routing rules, rollups, the team's audit log

Instance administration (users, teams) is not a team role: it is the user's `is_admin` flag, and
it grants no access to any team's work by itself (an admin adds themselves to a team, audited).
"""

from __future__ import annotations

from enum import IntEnum

from handoff.errors import InvalidInput


class Role(IntEnum):
    """A team role; comparisons follow the order (`Role.LEAD >= Role.REVIEWER`)."""

    MEMBER = 1
    REVIEWER = 2
    LEAD = 3

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, value: str | Role) -> Role:
        """The role named `value` ('member', 'reviewer', 'lead'); InvalidInput otherwise."""
        if isinstance(value, Role):
            return value
        try:
            return cls[str(value).strip().upper()]
        except KeyError:
            names = ", ".join(r.label for r in cls)
            raise InvalidInput(f"{value!r} is not a role; use one of {names}.") from None
