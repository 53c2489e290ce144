"""Errors of extraction.

SummarizerError (HandoffError)
├── LLMUnavailable        the provider timed out, refused or failed; the draft can be retried
└── ExtractionFailed      the model's answers never validated; `.attempts` keeps them
"""

from __future__ import annotations

from handoff.errors import HandoffError


class SummarizerError(HandoffError):
    status_code = 502


class LLMUnavailable(SummarizerError):
    pass


class ExtractionFailed(SummarizerError):
    def __init__(self, message: str, *, attempts: list[str] | None = None) -> None:
        super().__init__(message)
        self.attempts = attempts or []
