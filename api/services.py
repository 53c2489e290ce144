"""Wiring: the one place that turns settings into concrete backends, and the use-cases on top.

The CLI, the HTTP routes and the Celery tasks all go through `Services`, so a wrap ingested from
the command line and one uploaded in the browser take the same path:

    source -> transcript (ingest) -> draft declaration (summarizer) -> store (handoff)
    publish -> ledger (in the store's transaction) -> index (search)
    ask -> retrieval + answer (search)
"""

from __future__ import annotations

import hashlib
import shutil
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import Any

from handoff.declaration import Declaration
from handoff.settings import Settings
from handoff.store import Handoff, HandoffStore
from ingest.loader import load_transcript
from ingest.transcript import Transcript
from summarizer.base import ExtractionContext, Extractor
from summarizer.offline import OfflineExtractor

Progress = Callable[[str, float], None]


def _no_progress(stage: str, fraction: float) -> None:
    return None


@dataclass
class Services:
    settings: Settings

    # -- backends (built lazily: the CLI's `extract` never opens a database) -------------------
    @cached_property
    def store(self) -> HandoffStore:
        self.settings.home.mkdir(parents=True, exist_ok=True)
        return HandoffStore(self.settings.resolved_database_url)

    @cached_property
    def extractor(self) -> Extractor:
        return OfflineExtractor()

    @cached_property
    def index(self) -> Any:
        from search.index import open_index

        return open_index(self.settings)

    # -- use-cases ---------------------------------------------------------------------------
    def transcribe(self, path: Path, *, progress: Progress = _no_progress) -> Transcript:
        return load_transcript(path, settings=self.settings, progress=progress)

    def context(
        self, *, author: str | None, team: str | None, recorded_at: datetime | None
    ) -> ExtractionContext:
        return ExtractionContext(
            author=author,
            team=team or self.settings.default_team,
            recorded_at=recorded_at,
            timezone=self.settings.timezone,
        )

    def extract(self, transcript: Transcript, context: ExtractionContext) -> Declaration:
        from handoff.missing import with_flags

        return with_flags(self.extractor.extract(transcript, context))

    def keep_upload(self, path: Path, *, team: str) -> tuple[Path, str]:
        """Copy an upload, unchanged, under HOME/uploads/<team>/; returns its path and SHA-256."""
        digest = hashlib.sha256()
        with path.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
        dest_dir = self.settings.uploads_dir / team
        dest_dir.mkdir(parents=True, exist_ok=True)
        dest = dest_dir / f"{uuid.uuid4().hex}{path.suffix.lower()}"
        shutil.copyfile(path, dest)
        return dest, digest.hexdigest()

    def ingest_text(
        self,
        text: str,
        *,
        author: str | None,
        team: str | None,
        recorded_at: datetime | None,
        handoff_id: str | None = None,
    ) -> Handoff:
        from ingest.text import transcript_from_text

        team = team or self.settings.default_team
        transcript = transcript_from_text(text)
        decl = self.extract(transcript, self.context(author=author, team=team, recorded_at=recorded_at))
        return self.store.create(
            team=team,
            author=author,
            recorded_at=recorded_at,
            source_kind="text",
            source_text=text,
            transcript=transcript.to_json(),
            declaration=decl,
            handoff_id=handoff_id,
            actor=author,
        )

    def ingest_file(
        self,
        path: Path,
        *,
        author: str | None,
        team: str | None,
        recorded_at: datetime | None,
        progress: Progress = _no_progress,
    ) -> Handoff:
        """Transcribe and extract first, store after: bad media never leaves a record behind."""
        team = team or self.settings.default_team
        transcript = self.transcribe(path, progress=progress)
        progress("extract", 0.9)
        decl = self.extract(transcript, self.context(author=author, team=team, recorded_at=recorded_at))
        if transcript.source_kind == "text":
            return self.store.create(
                team=team,
                author=author,
                recorded_at=recorded_at,
                source_kind="text",
                source_name=path.name,
                source_text=path.read_text(encoding="utf-8", errors="replace"),
                transcript=transcript.to_json(),
                declaration=decl,
                actor=author,
            )
        kept, sha = self.keep_upload(path, team=team)
        return self.store.create(
            team=team,
            author=author,
            recorded_at=recorded_at,
            source_kind=transcript.source_kind,
            source_name=path.name,
            source_path=str(kept),
            source_sha256=sha,
            transcript=transcript.to_json(),
            declaration=decl,
            actor=author,
        )

    def publish(
        self,
        handoff_id: str,
        *,
        team: str | None = None,
        actor: str | None = None,
        force_reason: str | None = None,
    ) -> Handoff:
        handoff = self.store.publish(handoff_id, team=team, actor=actor, force_reason=force_reason)
        self.index.add_handoff(handoff)
        return handoff

    def ask(
        self, question: str, *, team: str | None, as_of: datetime | None = None
    ) -> dict[str, Any]:
        from search.answer import answer_question

        return answer_question(
            question,
            team=team or self.settings.default_team,
            as_of=as_of,
            index=self.index,
            store=self.store,
        )


def build_services(settings: Settings) -> Services:
    return Services(settings)
