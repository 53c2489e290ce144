"""Errors of extraction.

SummarizerError (HandoffError)
└── ExtractionFailed      the model's answers never validated; `.attempts` keeps them

A provider that timed out, refused or failed raises `handoff.errors.LLMUnavailable`, the one the
answer writer raises too; `FallbackExtractor` serves the offline draft for either.
"""

from __future__ import annotations

from handoff.errors import HandoffError


class SummarizerError(HandoffError):
    status_code = 502


class ExtractionFailed(SummarizerError):
    def __init__(self, message: str, *, attempts: list[str] | None = None) -> None:
        super().__init__(message)
        self.attempts = attempts or []
