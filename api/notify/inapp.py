"""The in-app channel: the outbox row is the inbox entry, so delivering it means checking that the
recipient is an account that can sign in to read it; a `delivered` in-app row is what the person's
inbox lists under "Needs you". Always on for everyone, needing no settings."""

from __future__ import annotations

from api.notify.base import DeliveryError, Message, register
from handoff.db import session_scope
from handoff.identity.models import UserRecord
from handoff.settings import Settings

NAME = "inapp"


class InAppNotifier:
    name = NAME

    def __init__(self, settings: Settings) -> None:
        self.url = settings.resolved_database_url

    def send(self, message: Message, address: str) -> None:
        """`address` is the recipient's account id."""
        with session_scope(self.url) as session:
            user = session.get(UserRecord, address)
            if user is None or user.disabled:
                raise DeliveryError(
                    f"No enabled account {address!r} to show {message.kind!r} to.",
                    retryable=False,
                )


register(NAME, InAppNotifier)
