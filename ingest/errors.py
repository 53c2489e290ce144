"""Errors of ingest.

IngestError (HandoffError)     anything that stops a file becoming a transcript
├── UnsupportedInput           not a format handoff reads
├── MediaError                 media that cannot be used; `.stderr` keeps ffmpeg's text for logs
│   ├── NoAudioStream
│   ├── MediaDecodeError       corrupt, truncated or undecodable data
│   ├── SilentMedia            empty or all-silent audio
│   └── MediaTooLong / MediaTooLarge
├── TextTooLong                a text wrap past its character limit (413)
├── LanguageNotHeard           a language the configured speech model cannot hear (an
│                              English-only model asked for German): the sentence names the
│                              setting that fixes it
└── ChatImportError            a chat export that cannot be read
    └── ExportTooLarge         past a limit of `ingest.archive` (413)

RecognizerUnavailable (ConfigError)
                               the chosen speech engine is not installed or has no model: a
                               setting or an extra to install, not a bad file
"""

from __future__ import annotations

from handoff.errors import ConfigError, HandoffError


class IngestError(HandoffError):
    status_code = 422


class UnsupportedInput(IngestError):
    status_code = 415


class MediaError(IngestError):
    def __init__(self, message: str, *, stderr: str | None = None) -> None:
        super().__init__(message)
        self.stderr = stderr


class NoAudioStream(MediaError):
    pass


class MediaDecodeError(MediaError):
    pass


class SilentMedia(MediaError):
    pass


class MediaTooLong(MediaError):
    status_code = 413


class MediaTooLarge(MediaError):
    status_code = 413


class TextTooLong(IngestError):
    status_code = 413


class LanguageNotHeard(IngestError):
    pass


class ChatImportError(IngestError):
    pass


class RecognizerUnavailable(ConfigError):
    pass
