"""The extractor seam: transcript in, draft declaration (with evidence) out.

Two implementations: `summarizer.offline.OfflineExtractor` (default, no model) and
`summarizer.llm.LLMExtractor` (langchain). Either way `handoff.missing` recomputes the flags.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from handoff.declaration import Declaration
from ingest.transcript import Transcript


@dataclass(frozen=True, slots=True)
class Person:
    """Someone a team knows, so 'Shivon' can become 'Siobhan' and '@li' can become 'Li Wei'."""

    name: str
    handle: str | None = None
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """A team's words: people, item/project names, ticket prefixes."""

    people: tuple[Person, ...] = ()
    items: tuple[str, ...] = ()
    ticket_prefixes: tuple[str, ...] = ()

    def terms(self) -> list[str]:
        out: list[str] = []
        for p in self.people:
            out.append(p.name)
            if p.handle:
                out.append(p.handle)
            out.extend(p.aliases)
        return [*out, *self.items, *self.ticket_prefixes]


@dataclass(frozen=True, slots=True)
class ExtractionContext:
    author: str | None = None
    team: str | None = None
    recorded_at: datetime | None = None
    timezone: str | None = None
    vocabulary: Vocabulary = field(default_factory=Vocabulary)


class Extractor(Protocol):
    name: str

    def extract(self, transcript: Transcript, context: ExtractionContext) -> Declaration: ...
