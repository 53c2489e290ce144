"""What every speech engine is and is told: the `Transcriber` protocol, its optional abilities and
the hints it is given (progress is reported through `handoff.progress`, as every stage does).

    Transcriber.transcribe(audio, hints=..., progress=...) -> Transcript

Nothing here imports from the rest of `ingest.asr`, so the engines, the registry and the helpers
they share can all import it without forming a cycle through it.

Some engines can do work ahead of a clip (build a language model for a team's vocabulary, load
weights, start decoder processes), or hear more than English. Those abilities are small protocols
(`Preparable`, `Warmable`, `Multilingual`) that the caller checks with `isinstance`, so a new
ability is declared once, typed, and found by a type checker rather than by a `hasattr` string.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from handoff.progress import Progress
from ingest.media import Audio
from ingest.transcript import Transcript


@dataclass(frozen=True, slots=True)
class Hints:
    """What a recognizer is told about the team: free terms plus people, items, ticket prefixes,
    and the language its clips are in: an ISO 639-1 code, `auto` (the recognizer detects it), or
    None (English, as before there was a setting). The language is the team's setting or one
    upload's override (`api.usecases.speech`); it does not make the hints truthy, since it is no
    vocabulary."""

    terms: tuple[str, ...] = ()
    people: tuple[str, ...] = ()
    items: tuple[str, ...] = ()
    prefixes: tuple[str, ...] = ()
    language: str | None = None

    def all_terms(self) -> list[str]:
        return list(dict.fromkeys([*self.people, *self.items, *self.prefixes, *self.terms]))

    def __bool__(self) -> bool:
        return bool(self.terms or self.people or self.items or self.prefixes)


class Transcriber(Protocol):
    """A speech engine: audio (and the team's words) in, a timed transcript out. `name` and
    `model` are written into every transcript, so a reader knows what heard it."""

    name: str
    model: str | None

    def transcribe(
        self, audio: Audio, *, hints: Hints = ..., progress: Progress = ...
    ) -> Transcript: ...


@runtime_checkable
class Multilingual(Protocol):
    """An engine that can say, before it loads anything, whether its model hears languages
    other than English (Whisper's multilingual models do; `*.en` models and pocketsphinx do
    not). An engine without it is taken to hear English only."""

    @property
    def multilingual(self) -> bool: ...


@runtime_checkable
class Preparable(Protocol):
    """An engine that builds something per vocabulary (pocketsphinx's language model, ~20 s), so
    it can be built before the team's next clip arrives."""

    def prepare(self, hints: Hints = ...) -> object: ...


@runtime_checkable
class Warmable(Protocol):
    """An engine that can load its models (and start its processes) now, so the first clip does
    not pay for them."""

    def warm_up(self, hints: Hints = ...) -> None: ...
