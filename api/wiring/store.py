"""The system of record from settings: the handoff store with its ledger, the team vocabularies
and the job rows, all in the database at `HANDOFF_DATABASE_URL` (default SQLite in
`HANDOFF_HOME`), each migrated when first opened."""

from __future__ import annotations

from typing import TYPE_CHECKING

from handoff.store import HandoffStore

if TYPE_CHECKING:
    from api.jobs import JobStore
    from handoff.ledger import Ledger
    from handoff.protocol.messages import Links
    from handoff.settings import Settings
    from handoff.vocabulary import VocabularyRepository


def _database_url(settings: Settings) -> str:
    settings.home.mkdir(parents=True, exist_ok=True)
    return settings.resolved_database_url


def build_store(settings: Settings, *, ledger: Ledger) -> HandoffStore:
    """The handoff store; the ledger runs inside its transactions (publish, edit, unpublish,
    delete), so the two never disagree, and routing after it, so a publish and the
    notifications it causes (the outbox) commit together or not at all."""
    from handoff.protocol.routing import RoutingHook

    return HandoffStore(
        _database_url(settings), hooks=[ledger.hook, RoutingHook(links_for(settings))]
    )


def links_for(settings: Settings) -> Links:
    """Links in notifications, from HANDOFF_PUBLIC_URL (the address people use); their one-click
    actions are signed, expiring, single-use links (`api.notify.links`), made when the message
    is written, so the domain never sees the app's key."""
    from api.notify.links import signer
    from handoff.protocol.messages import Links

    return Links(settings.public_url or "http://localhost:8000", action=signer(settings))


def build_vocabulary(settings: Settings) -> VocabularyRepository:
    from handoff.vocabulary import VocabularyRepository

    return VocabularyRepository(_database_url(settings))


def build_jobs(settings: Settings) -> JobStore:
    from api.jobs import JobStore

    return JobStore(_database_url(settings))
