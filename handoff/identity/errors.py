"""Errors of the identity layer, all rooted in `handoff.errors.HandoffError`.

    HandoffError
    ├── NotSignedIn        401: no valid session or token; sign in first
    ├── SignInFailed       401: wrong account or password (never says which)
    ├── Forbidden          403: signed in and in the team, but the role is missing
    ├── TooManyAttempts    429: sign-in attempts over the limit; carries `retry_after` seconds
    ├── ProviderUnavailable 502: the single sign-on provider did not answer usably
    └── (NotFound 404)     a team the caller is not in answers exactly like a missing record

One handler in the app turns each into JSON under /api and a page elsewhere, by `status_code`.
"""

from __future__ import annotations

from handoff.errors import HandoffError


class NotSignedIn(HandoffError):
    status_code = 401


class SignInFailed(HandoffError):
    status_code = 401


class Forbidden(HandoffError):
    status_code = 403


class TooManyAttempts(HandoffError):
    status_code = 429

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ProviderUnavailable(HandoffError):
    """The single sign-on provider did not answer, or answered something unusable."""

    status_code = 502
