"""The identity layer's parts, built once per settings (like `api.deps.get_services`).

Only here do settings become concrete parts: which attempt counter (in-process or Redis), whether
single sign-on is on, which database.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING

from fastapi import Request

from api.auth.ratelimit import AttemptCounter, MemoryCounter, RedisCounter, SignInGuard
from handoff.audit import AuditLog
from handoff.identity.directory import Directory, Provisioning
from handoff.identity.people import PeopleLinks
from handoff.identity.sessions import SessionStore
from handoff.identity.tokens import TokenStore
from handoff.settings import Settings

if TYPE_CHECKING:
    from api.auth.oidc import OidcClient


@dataclass
class Identity:
    settings: Settings
    directory: Directory
    tokens: TokenStore
    sessions: SessionStore
    people: PeopleLinks
    audit: AuditLog
    guard: SignInGuard

    @cached_property
    def oidc(self) -> OidcClient | None:
        """The single-sign-on client, or None when HANDOFF_OIDC_ISSUER is not set."""
        if not self.settings.oidc_issuer:
            return None
        from api.auth.oidc import OidcClient

        return OidcClient(self.settings)

    @property
    def provisioning(self) -> Provisioning:
        s = self.settings
        return Provisioning(
            auto_provision=s.oidc_auto_provision,
            allowed_domains=s.oidc_domains,
            open_signup=s.open_signup,
        )


def attempt_counter(settings: Settings) -> AttemptCounter:
    if settings.rate_limit_url:
        return RedisCounter.from_url(settings.rate_limit_url)
    return MemoryCounter()


def build_identity(settings: Settings) -> Identity:
    url = settings.resolved_database_url
    guard = SignInGuard(
        attempt_counter(settings),
        per_account=settings.signin_max_failures,
        per_address=settings.signin_max_failures_per_address,
        window_s=settings.signin_window_s,
    )
    return Identity(
        settings=settings,
        directory=Directory(url, password_min_length=settings.password_min_length),
        tokens=TokenStore(url),
        sessions=SessionStore(url),
        people=PeopleLinks(url),
        audit=AuditLog(url),
        guard=guard,
    )


@lru_cache(maxsize=4)
def get_identity(settings: Settings) -> Identity:
    """One `Identity` per settings per process (so the in-process attempt counts are shared)."""
    return build_identity(settings)


def identity_of(request: Request) -> Identity:
    return get_identity(request.app.state.settings)
