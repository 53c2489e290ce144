"""`Services`: the backends one process uses, each built from settings on first use.

Building is lazy so that a command pays only for what it touches: `handoff extract` never opens a
database, a question never loads a speech model. Every backend is built by a function of this
package (`build_*`); the use-cases (`api.usecases`) receive the container and never read settings
for a backend choice. One container per settings per process: `api.deps.get_services` (the web
app, a worker) or `api.cli.base.services` (a command).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from handoff.settings import Settings

if TYPE_CHECKING:
    from api.jobs import JobStore
    from api.notify.base import Notifier
    from handoff.ledger import Ledger
    from handoff.refinement import Refinements
    from handoff.store import HandoffStore
    from handoff.vocabulary import VocabularyRepository
    from ingest.asr.base import Transcriber
    from search.answer import Answerer
    from search.embeddings import Embedder
    from search.index import FieldIndex
    from summarizer.base import Extractor


@dataclass
class Services:
    """A typed holder of lazily built backends (see the module's docstring)."""

    settings: Settings

    @cached_property
    def store(self) -> HandoffStore:
        from api.wiring.store import build_store

        return build_store(self.settings, ledger=self.ledger)

    @cached_property
    def ledger(self) -> Ledger:
        from handoff.ledger import Ledger

        # Names are matched by embedding only when refs, exact and fuzzy names found nothing;
        # the model loads on first such use.
        return Ledger(embed=lambda texts: self.embedder.embed(texts))

    @cached_property
    def embedder(self) -> Embedder:
        from api.wiring.embeddings import build_embedder

        return build_embedder(self.settings)

    @cached_property
    def extractor(self) -> Extractor:
        from api.wiring.extractor import build_extractor

        return build_extractor(self.settings)

    @cached_property
    def first_pass(self) -> Extractor:
        """The extractor a stored wrap's first draft comes from (offline in hybrid drafting)."""
        from api.wiring.extractor import build_first_pass

        return build_first_pass(self.settings)

    @cached_property
    def refiner(self) -> Extractor | None:
        """The LLM that refines the stored offline draft in hybrid drafting; None otherwise."""
        from api.wiring.extractor import build_refiner

        return build_refiner(self.settings)

    @cached_property
    def refinements(self) -> Refinements:
        from handoff.refinement import Refinements

        return Refinements(self.store)

    @cached_property
    def index(self) -> FieldIndex:
        from api.wiring.index import build_index, ledger_fields

        return build_index(
            self.settings,
            self.embedder,
            fields_of=lambda handoff_id: ledger_fields(self.store, handoff_id),
        )

    @cached_property
    def answerer(self) -> Answerer:
        from api.wiring.llm import build_answer_writer
        from search.answer import Answerer

        return Answerer(
            index=self.index,
            session=self.store.session,
            people=self.store.authors,
            timezone=self.settings.timezone,
            llm=build_answer_writer(self.settings),
        )

    @cached_property
    def transcriber(self) -> Transcriber:
        """The configured speech engine, kept: its decoder processes and models stay loaded."""
        from api.wiring.asr import build_transcriber

        return build_transcriber(self.settings)

    @cached_property
    def vocabulary(self) -> VocabularyRepository:
        from api.wiring.store import build_vocabulary

        return build_vocabulary(self.settings)

    @cached_property
    def jobs(self) -> JobStore:
        from api.wiring.store import build_jobs

        return build_jobs(self.settings)

    def notifier(self, channel: str) -> Notifier:
        """The delivery channel named `channel` (email, slack, webhook, ...), built on first use."""
        from api.wiring.notify import build_notifier

        return build_notifier(self.settings, channel)


def build_services(settings: Settings) -> Services:
    """The one way to get a container: nothing is built until it is asked for."""
    return Services(settings)
