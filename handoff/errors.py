"""Errors of the domain core.

    HandoffError                 root of every error a user can cause or see
    ├── ConfigError              a setting is wrong or a backend is not installed
    │   └── ProductionRefused    unsafe production settings, one sentence each (`api.auth`)
    ├── LLMUnavailable           the language model timed out, refused or failed (a retry may do)
    ├── InvalidInput             bad input: the message says what to fix
    │   └── TooManyItems         a declaration past HANDOFF_MAX_ITEMS (`handoff.limits`)
    ├── NotFound                 no such record in this team
    ├── ConflictError            a state transition that is not allowed
    │   ├── PublishRefused       required fields are missing; carries the flags
    │   └── ConcurrentChange     another writer changed the record first (a lost race)
    └── StaleVersion             the writer's version (If-Match) is not the current one: 412

Other packages root their own errors (`IngestError`, `SummarizerError`, `SearchError`) in
`HandoffError`, so the CLI and the API turn any of them into one sentence. A backend that is not
installed is a `ConfigError` wherever it is raised (`RecognizerUnavailable`,
`EmbeddingsUnavailable`): the fix is a setting or an extra, not the input. The API's own few
(`PayloadTooLarge`, `UnsupportedMediaType`, `QueueUnavailable`) subclass `HandoffError` directly.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from handoff.declaration import MissingFlag


class HandoffError(Exception):
    """Root of all handoff errors. `str(err)` is one sentence for a person."""

    status_code = 400


class ConfigError(HandoffError):
    """A setting is wrong or a backend's library is missing; names the variable or extra."""

    status_code = 500


class InvalidInput(HandoffError):
    status_code = 422


class NotFound(HandoffError):
    status_code = 404


class ConflictError(HandoffError):
    """The record is not in a state that allows this."""

    status_code = 409


class PublishRefused(ConflictError):
    def __init__(self, missing: list[MissingFlag]) -> None:
        fields = ", ".join(flag.field for flag in missing)
        super().__init__(
            f"Publishing is refused while required fields are missing ({fields}); "
            "fill them in or publish with a reason to override."
        )
        self.missing = missing


class ConcurrentChange(ConflictError):
    """Another writer changed the record between this one's read and its write (the row's
    version moved: `handoff.models.HandoffRecord.version`); nothing of this write was kept."""


class StaleVersion(HandoffError):
    """The write named a version (HTTP `If-Match`, the review form's hidden field) that is no
    longer the current one: someone else changed the record since it was read. Carries the
    current version so the answer can say which one to reload."""

    status_code = 412

    def __init__(self, current: int) -> None:
        super().__init__(
            f"Someone else changed this handoff since you loaded it (it is now version "
            f"{current}); reload it and make your change again."
        )
        self.current = current


class LLMUnavailable(HandoffError):
    """The configured language model could not be reached or failed. Raised by the extractor
    (which can fall back to the offline draft) and by the answer writer alike, so both packages
    import it from here."""

    status_code = 503
