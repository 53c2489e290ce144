"""Wiring: the one place that turns settings into concrete backends, and the use-cases on top.

The CLI, the HTTP routes and the Celery tasks all go through `Services`, so a wrap ingested from
the command line and one uploaded in the browser take the same path:

    source -> transcript (ingest) -> draft declaration (summarizer) -> store (handoff)
    publish -> ledger (in the store's transaction) -> index (search)
    ask -> retrieval + answer (search)
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from api.wiring.asr import build_transcriber, media_limits
from handoff.declaration import Declaration
from handoff.errors import InvalidInput
from handoff.paths import safe_suffix
from handoff.progress import Progress
from handoff.settings import Settings
from handoff.store import Handoff, HandoffStore
from handoff.teams import validate_team
from ingest.loader import load_transcript
from ingest.transcript import Transcript
from summarizer.base import ExtractionContext, Extractor
from summarizer.offline import OfflineExtractor

if TYPE_CHECKING:
    from handoff.errors import HandoffError
    from ingest.asr.base import Transcriber

#: A follow-up answered by voice is a short clip; a longer one is a new wrap.
ANSWER_CLIP_SECONDS = 120.0
ANSWER_CLIP_NAME = re.compile(r"[0-9a-f]{32}(?:\.[a-z0-9]{1,8})?")


def _no_progress(stage: str, fraction: float) -> None:
    return None


@dataclass
class Services:
    settings: Settings

    # -- backends (built lazily: the CLI's `extract` never opens a database) -------------------
    @cached_property
    def store(self) -> HandoffStore:
        self.settings.home.mkdir(parents=True, exist_ok=True)
        # The ledger runs inside the store's transactions (publish, edit, unpublish, delete).
        return HandoffStore(self.settings.resolved_database_url, hooks=[self.ledger.hook])

    @cached_property
    def ledger(self) -> Any:
        from handoff.ledger import Ledger

        # Names are matched by embedding only when refs, exact and fuzzy names found nothing;
        # the model loads on first such use.
        return Ledger(embed=lambda texts: self.embedder.embed(texts))

    @cached_property
    def embedder(self) -> Any:
        from search.embeddings import embedder_for

        return embedder_for(self.settings)

    @cached_property
    def extractor(self) -> Extractor:
        """Offline by default; with HANDOFF_LLM the LLM extractor, falling back to the offline
        draft (labelled in `Declaration.extractor`) unless HANDOFF_LLM_FALLBACK=false."""
        offline = OfflineExtractor()
        if not self.settings.llm:
            return offline
        from summarizer.llm import FallbackExtractor, LLMExtractor, build_chat_model

        key = self.settings.llm_api_key
        model = build_chat_model(
            self.settings.llm,
            base_url=self.settings.llm_base_url,
            api_key=key.get_secret_value() if key else None,
            timeout_s=self.settings.llm_timeout_s,
            max_retries=self.settings.llm_max_retries,
        )
        provider = self.settings.llm.partition(":")[0] if ":" in self.settings.llm else "openai"
        llm = LLMExtractor(
            model,
            model_id=self.settings.llm,
            offline=offline,
            chunk_chars=self.settings.llm_chunk_chars,
            structured_method="json_mode" if provider == "openai" else None,
        )
        return FallbackExtractor(llm, offline) if self.settings.llm_fallback else llm

    @cached_property
    def index(self) -> Any:
        from search.index import FieldIndex, chroma_client

        return FieldIndex(chroma_client(self.settings), self.embedder, fields_of=self.ledger_fields)

    @cached_property
    def answerer(self) -> Any:
        from search.answer import Answerer

        llm = None
        if self.settings.llm:
            from search.llm import LLMAnswerer, build_chat_model

            key = self.settings.llm_api_key
            model = build_chat_model(
                self.settings.llm,
                base_url=self.settings.llm_base_url,
                api_key=key.get_secret_value() if key else None,
                timeout_s=self.settings.llm_timeout_s,
            )
            llm = LLMAnswerer(model, name=f"llm:{self.settings.llm}")
        return Answerer(
            index=self.index,
            session=self.store.session,
            people=self.people,
            timezone=self.settings.timezone,
            llm=llm,
        )

    # -- use-cases ---------------------------------------------------------------------------
    def transcribe(
        self,
        path: Path,
        *,
        progress: Progress = _no_progress,
        team: str | None = None,
        asr: str | None = None,
        chat: Any = None,
        keep_audio: bool = False,
    ) -> Transcript:
        """Any clip, chat export or wrap as a transcript; the team's vocabulary guides the
        recognizer. `keep_audio` caches the decoded audio under HOME/cache (for stored uploads)."""
        return load_transcript(
            path,
            limits=media_limits(self.settings),
            progress=progress,
            hints=speech_hints(self.team_vocabulary(self.team_name(team))),
            chat=chat,
            audio_cache=self.settings.cache_dir / "audio" if keep_audio else None,
            transcriber=self._transcriber(asr) if self._media_ready(path) else None,
        )

    @cached_property
    def transcriber(self) -> Transcriber:
        """The configured speech engine, kept: its decoder processes and models stay loaded."""
        return build_transcriber(self.settings)

    def _transcriber(self, asr: str | None) -> Transcriber:
        """The kept engine, or a new one for a call that names another (`--asr`)."""
        return self.transcriber if asr is None else build_transcriber(self.settings, engine=asr)

    def _media_ready(self, path: Path) -> bool:
        """Whether `path` is media (only then is the engine built; text needs none)."""
        from ingest.loader import detect_kind

        try:
            return detect_kind(path) == "media"
        except Exception:
            return False  # load_transcript says why

    def prepare_speech(self, team: str | None, *, warm: bool = False) -> bool:
        """Build the team's speech model now (None: the one every team without a vocabulary
        shares), so its next clip does not wait for it (about 20 s after the vocabulary changed);
        with `warm`, also start the decoder processes. False when the engine needs no preparing."""
        from ingest.asr.base import Hints, Preparable, Warmable

        engine = self.transcriber
        hints = Hints() if team is None else speech_hints(self.team_vocabulary(team))
        if warm and isinstance(engine, Warmable):
            engine.warm_up(hints)
            return True
        if isinstance(engine, Preparable):
            engine.prepare(hints)
            return True
        return False

    # -- team vocabulary (issue 3): recognizer hints and extraction's name normalizing --------
    @cached_property
    def vocabulary(self) -> Any:
        from handoff.vocabulary import VocabularyRepository

        self.settings.home.mkdir(parents=True, exist_ok=True)
        return VocabularyRepository(self.settings.resolved_database_url)

    def team_vocabulary(self, team: str) -> Any:
        """The team's vocabulary; empty (and no database created) while there is no database."""
        from handoff.vocabulary import TeamVocabulary

        url = self.settings.resolved_database_url
        if url.startswith("sqlite") and not Path(url.split("///", 1)[-1]).exists():
            return TeamVocabulary(team=team)
        return self.vocabulary.get(team)

    def context(
        self, *, author: str | None, team: str | None, recorded_at: datetime | None
    ) -> ExtractionContext:
        team = self.team_name(team)
        return ExtractionContext(
            author=author,
            team=team,
            recorded_at=recorded_at,
            timezone=self.settings.timezone,
            vocabulary=extraction_vocabulary(self.team_vocabulary(team)),
        )

    def extract(self, transcript: Transcript, context: ExtractionContext) -> Declaration:
        from handoff.missing import with_flags

        return with_flags(self.extractor.extract(transcript, context))

    def team_name(self, team: str | None) -> str:
        """The team a request names (the default when it names none), checked to be a slug."""
        return validate_team(team or self.settings.default_team)

    def keep_upload(self, path: Path) -> tuple[Path, str]:
        """Copy an upload, unchanged, to HOME/uploads/files/<uuid><suffix>; returns its path and
        SHA-256. Every part of the name is the server's: the suffix is one the server recognizes,
        never the client's file name."""
        digest = hashlib.sha256()
        with path.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
        dest_dir = self.settings.uploads_dir / "files"
        dest_dir.mkdir(parents=True, exist_ok=True)
        dest = dest_dir / f"{uuid.uuid4().hex}{safe_suffix(path)}"
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

        team = self.team_name(team)
        transcript = transcript_from_text(text)
        decl = self.extract(
            transcript, self.context(author=author, team=team, recorded_at=recorded_at)
        )
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
        chat: Any = None,
    ) -> Handoff:
        """Transcribe and extract first, store after: bad media never leaves a record behind.
        `chat` (ChatOptions) picks a channel and time range of a chat export."""
        team = self.team_name(team)
        transcript = self.transcribe(path, progress=progress, team=team, keep_audio=True, chat=chat)
        progress("extract", 0.9)
        decl = self.extract(
            transcript, self.context(author=author, team=team, recorded_at=recorded_at)
        )
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
        kept, sha = self.keep_upload(path)
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

    # -- follow-ups: one question per missing flag; an answer is merged and flags recomputed ---
    def followups(self, handoff_id: str, *, team: str | None = None) -> list[dict[str, str]]:
        from summarizer.followups import questions

        handoff = self.store.get(handoff_id, team=team)
        return questions(handoff.declaration) if handoff.declaration else []

    def answer_followup(
        self,
        handoff_id: str,
        *,
        field: str,
        answer: str | None = None,
        recording: Path | None = None,
        actor: str | None = None,
        team: str | None = None,
    ) -> Handoff:
        """Merge a typed answer (or a short re-recording, transcribed) into the draft for the flag
        on `field`; the store validates the edit, recomputes the flags and audits it.

        A recorded answer is kept (see `answer_clip`) and its evidence points into it, so the
        reviewer can hear what was said, not only read what the recognizer made of it."""
        from handoff.declaration import Evidence
        from handoff.errors import InvalidInput
        from summarizer.followups import answer_patch

        handoff = self.store.get(handoff_id, team=team)
        if handoff.declaration is None:
            raise InvalidInput("This handoff has no draft yet; wait for extraction to finish.")
        evidence, kept = None, None
        if recording is not None:
            spoken = self._check_answer_clip(recording)
            transcript = self.transcribe(recording, team=handoff.team)
            answer = transcript.text
            if spoken:
                kept = self._keep_answer_clip(recording, handoff)
            evidence = Evidence(
                quote=answer,
                start_s=transcript.segments[0].start_s if transcript.segments else None,
                end_s=transcript.segments[-1].end_s if transcript.segments else None,
                speaker=actor or handoff.author,
                clip=kept.name if kept else None,
            )
        if not answer:
            raise InvalidInput("Give an answer as text or as a recording.")
        context = self.context(
            author=handoff.author, team=handoff.team, recorded_at=handoff.recorded_at
        )
        try:
            patch = answer_patch(
                handoff.declaration, field=field, answer=answer, context=context, evidence=evidence
            )
            if kept is not None and kept.name not in json.dumps(patch, default=str):
                kept.unlink(missing_ok=True)  # no evidence kept ("returns_at", "nothing shipped")
            return self.store.edit(
                handoff_id, patch, team=handoff.team, actor=actor or handoff.author
            )
        except BaseException:
            if kept is not None:
                kept.unlink(missing_ok=True)  # the answer was refused: nothing points at the clip
            raise

    def _check_answer_clip(self, recording: Path) -> bool:
        """Whether a recorded answer is a clip (a text file may answer too), refusing a clip that
        is unusable or longer than `ANSWER_CLIP_SECONDS`, cheaply, before any recognition."""
        from ingest.errors import MediaTooLong
        from ingest.loader import check_media, detect_kind

        if detect_kind(recording) != "media":
            return False
        info = check_media(recording, limits=media_limits(self.settings))
        if info.duration_s is not None and info.duration_s > ANSWER_CLIP_SECONDS:
            raise MediaTooLong(
                f"A spoken answer can last at most {ANSWER_CLIP_SECONDS:.0f} seconds; this one "
                f"lasts {info.duration_s:.0f}."
            )
        return True

    def _keep_answer_clip(self, recording: Path, handoff: Handoff) -> Path:
        folder = self.answer_clips_dir(handoff)
        folder.mkdir(parents=True, exist_ok=True)
        dest = folder / f"{uuid.uuid4().hex}{safe_suffix(recording)}"
        shutil.copyfile(recording, dest)
        return dest

    def answer_clips_dir(self, handoff: Handoff) -> Path:
        """Where a handoff's spoken follow-up answers are kept: HOME/uploads/answers/<digest>.

        Imported handoffs may carry ids chosen elsewhere, so the folder is named by a digest of the
        id, never by the id itself."""
        folder = hashlib.sha256(handoff.id.encode()).hexdigest()[:32]
        return self.settings.uploads_dir / "answers" / folder

    def answer_clip(self, handoff_id: str, name: str, *, team: str | None = None) -> Path:
        """The stored clip of a spoken answer, by the name its evidence gives."""
        from handoff.errors import NotFound

        handoff = self.store.get(handoff_id, team=team)
        path = self.answer_clips_dir(handoff) / name
        if not ANSWER_CLIP_NAME.fullmatch(name) or not path.is_file():
            raise NotFound(f"Handoff '{handoff_id}' has no answer clip '{name}'.")
        return path

    def reextract(
        self, handoff_id: str, *, team: str | None = None, actor: str | None = None
    ) -> Handoff:
        """Run extraction again on the stored transcript (after an LLM timeout, or a new model)."""
        handoff = self.store.get(handoff_id, team=team)
        if not handoff.transcript:
            raise InvalidInput("This handoff has no transcript to extract from.")
        transcript = Transcript.model_validate(handoff.transcript)
        decl = self.extract(
            transcript,
            self.context(author=handoff.author, team=handoff.team, recorded_at=handoff.recorded_at),
        )
        return self.store.set_extraction(
            handoff.team, handoff_id, transcript=None, declaration=decl, actor=actor or "system"
        )

    def publish(
        self,
        handoff_id: str,
        *,
        team: str | None = None,
        actor: str | None = None,
        force_reason: str | None = None,
    ) -> Handoff:
        handoff = self.publish_unindexed(
            handoff_id, team=team, actor=actor, force_reason=force_reason
        )
        self.index.add_handoff(handoff)
        return handoff

    def import_many(
        self,
        rows: Iterable[dict[str, Any]],
        *,
        publish: bool = False,
        force_reason: str | None = None,
        progress: Callable[[int], None] | None = None,
        batch: int = 64,
    ) -> Iterator[Handoff | HandoffError]:
        """Ingest (and publish) many wraps; yields each row's handoff, or the error that stopped
        it, in order. A row's result is what `ingest_text` then `publish` give; a failed row never
        stops the others (a refused publish leaves its draft, as one by one).

        Rows: {"text", "author", "team", "recorded_at", "id"}, optionally an already extracted
        "declaration". Faster than one by one: item names are embedded per batch, and a batch is
        indexed (after its handoffs are committed) while the next one is being published.
        """
        from concurrent.futures import Future, ThreadPoolExecutor

        pending = list(rows)
        # Indexing a batch (mostly the embedding model) overlaps publishing the next one.
        indexer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="import-index")
        previous: tuple[Future[int], list[Handoff | HandoffError], int] | None = None
        try:
            for start in range(0, len(pending), batch):
                chunk = pending[start : start + batch]
                results = self._import_batch(chunk, publish=publish, force_reason=force_reason)
                indexed = indexer.submit(
                    self.index.add_handoffs,
                    [r for r in results if isinstance(r, Handoff) and r.status != "draft"],
                )
                if previous is not None:
                    yield from self._indexed(previous, progress)
                previous = (indexed, results, len(chunk))
            if previous is not None:
                yield from self._indexed(previous, progress)
        finally:
            indexer.shutdown(wait=True)

    @staticmethod
    def _indexed(
        batch: tuple[Any, list[Handoff | HandoffError], int],
        progress: Callable[[int], None] | None,
    ) -> Iterator[Handoff | HandoffError]:
        indexed, results, size = batch
        indexed.result()  # an index failure stops the import, as it stops `publish`
        if progress is not None:
            progress(size)
        yield from results

    def _import_batch(
        self, chunk: list[dict[str, Any]], *, publish: bool, force_reason: str | None
    ) -> list[Handoff | HandoffError]:
        from handoff.errors import HandoffError

        given = [r for r in chunk if r.get("declaration") is not None]
        if publish and given:  # no extraction in between: embed the whole batch's names
            self.ledger.warm(r["declaration"] for r in given)
        results: list[Handoff | HandoffError] = []
        for row in chunk:
            try:
                handoff = self._import_one(row)
                if publish:
                    if row.get("declaration") is None:
                        self.ledger.warm([handoff.declaration])
                    handoff = self.publish_unindexed(
                        handoff.id,
                        team=handoff.team,
                        actor=handoff.author,
                        force_reason=force_reason,
                    )
                results.append(handoff)
            except HandoffError as exc:
                results.append(exc)
        return results

    def _import_one(self, row: dict[str, Any]) -> Handoff:
        team = self.team_name(row.get("team"))
        decl = row.get("declaration")
        if decl is None:
            return self.ingest_text(
                row["text"],
                author=row.get("author"),
                team=team,
                recorded_at=row.get("recorded_at"),
                handoff_id=row.get("id"),
            )
        from ingest.text import transcript_from_text

        return self.store.create(
            team=team,
            author=row.get("author"),
            recorded_at=row.get("recorded_at"),
            source_kind="text",
            source_text=row["text"],
            transcript=transcript_from_text(row["text"]).to_json(),
            declaration=decl,
            handoff_id=row.get("id"),
            actor=row.get("author"),
        )

    def publish_unindexed(
        self,
        handoff_id: str,
        *,
        team: str | None = None,
        actor: str | None = None,
        force_reason: str | None = None,
    ) -> Handoff:
        """`publish` without the index update, which the web app runs in a worker
        (`index_handoff`)."""
        handoff = self.store.publish(handoff_id, team=team, actor=actor, force_reason=force_reason)
        if handoff.declaration is not None:  # the team's vocabulary grows from what it publishes
            self.vocabulary.grow_from_declaration(
                handoff.team, handoff.declaration.to_json(), author=handoff.author
            )
        return handoff

    def unpublish(
        self, handoff_id: str, *, team: str | None = None, actor: str | None = None
    ) -> Handoff:
        """Back to draft: the ledger rolls its effects back in the transaction, the index after."""
        handoff = self.store.unpublish(handoff_id, team=team, actor=actor)
        self.index.remove_handoff(handoff.id, team=handoff.team)
        return handoff

    def delete(
        self, handoff_id: str, *, team: str | None = None, actor: str | None = None
    ) -> Handoff:
        """Delete the record (the ledger rolls back in its transaction), then its index entries,
        its kept upload and its spoken answers: deleting means the data is gone."""
        handoff = self.store.delete(handoff_id, team=team, actor=actor)
        self.index.remove_handoff(handoff.id, team=handoff.team)
        uploads = self.settings.uploads_dir.resolve()
        if handoff.source_path:
            kept = Path(handoff.source_path).resolve()
            if kept.is_relative_to(uploads):  # only what keep_upload copied; never a user's file
                kept.unlink(missing_ok=True)
        shutil.rmtree(self.answer_clips_dir(handoff), ignore_errors=True)
        return handoff

    def edit(
        self,
        handoff_id: str,
        patch: dict[str, Any],
        *,
        team: str | None = None,
        actor: str | None = None,
    ) -> Handoff:
        """Edit a declaration; a published one is re-applied to the ledger and re-indexed.

        A new spoken return time ('tomorrow 9am SGT') gets its resolved time too, whoever edits.
        """
        if "returns_at" in patch and "returns_at_iso" not in patch:
            patch = {**patch, "returns_at_iso": self._resolve_return(handoff_id, patch, team)}
        handoff = self.store.edit(handoff_id, patch, team=team, actor=actor)
        if handoff.status != "draft":
            self.index.add_handoff(handoff)
        return handoff

    def _resolve_return(
        self, handoff_id: str, patch: dict[str, Any], team: str | None
    ) -> str | None:
        from summarizer.returns import resolve_time

        phrase = patch["returns_at"]
        if phrase is not None and not isinstance(phrase, str):
            raise InvalidInput("'returns_at' must be text such as 'tomorrow 9am SGT'.")
        if not phrase or not phrase.strip():
            return None
        current = self.store.get(handoff_id, team=team)
        resolved = resolve_time(
            phrase, recorded_at=current.recorded_at, default_tz=self.settings.timezone
        )
        return resolved.isoformat() if resolved else None

    def ledger_fields(self, handoff_id: str) -> dict[str, str]:
        from handoff.ledger import fields_of

        with self.store.session() as session:
            return fields_of(session, handoff_id)

    def people(self, team: str) -> list[str]:
        """Names the team's handoffs know: authors (for questions about people)."""
        from sqlalchemy import select

        from handoff.models import HandoffRecord

        with self.store.session() as session:
            rows = session.scalars(
                select(HandoffRecord.author).distinct().where(HandoffRecord.team == team)
            )
            return sorted(r for r in rows if r)

    def items(
        self,
        team: str | None = None,
        *,
        kind: str | None = None,
        state: str | None = None,
        as_of: datetime | None = None,
        limit: int = 500,
    ) -> list[Any]:
        """The team's ledger items (newest activity first), as `ItemView`s with `to_json()`."""
        from handoff.ledger import read_items

        with self.store.session() as session:
            return read_items(
                session,
                self.team_name(team),
                kinds=[kind] if kind else None,
                states=[state] if state else None,
                as_of=as_of,
                limit=limit,
            )

    def item(self, item_id: str, *, team: str | None = None, as_of: datetime | None = None) -> Any:
        """One ledger item with its timeline and events (`NotFound` outside the team)."""
        from handoff.ledger import read_item

        with self.store.session() as session:
            return read_item(session, item_id, team=team, as_of=as_of)

    def rebuild(self, *, team: str | None = None, progress: Any = None) -> tuple[int, int]:
        """Rebuild the ledger, then the index, from the system of record."""
        ledgered = self.ledger.rebuild(self.store, team=team)
        indexed = self.index.rebuild(self.store, team=team, progress=progress)
        return ledgered, indexed

    def ask(
        self,
        question: str,
        *,
        team: str | None,
        as_of: datetime | None = None,
        conversation: Any = (),
    ) -> dict[str, Any]:
        """Answer from the team's published handoffs, with citations. `conversation` is the
        earlier questions of the same conversation (strings or {"question": ...})."""
        return dict(
            self.answerer.ask(
                question,
                team=self.team_name(team),
                as_of=as_of,
                conversation=conversation,
            )
        )

    def ask_stream(
        self,
        question: str,
        *,
        team: str | None,
        as_of: datetime | None = None,
        conversation: Any = (),
    ) -> Any:
        """The same answer as events: {"type": "token", "text"}..., then {"type": "done", ...}."""
        return self.answerer.stream(
            question,
            team=self.team_name(team),
            as_of=as_of,
            conversation=conversation,
        )

    # -- background jobs (the web app: store the wrap first, extract in a worker) --------------
    @cached_property
    def jobs(self) -> Any:
        from api.jobs import JobStore

        self.settings.home.mkdir(parents=True, exist_ok=True)
        return JobStore(self.settings.resolved_database_url)

    def accept_wrap(
        self,
        *,
        author: str | None,
        team: str | None,
        recorded_at: datetime | None,
        text: str | None = None,
        upload: Path | None = None,
        source_name: str | None = None,
        chat: Any = None,
    ) -> Handoff:
        """Store a wrap durably (text in the row, a file under HOME/uploads) before any work on it.

        The record starts without a declaration; `process_wrap` fills it in, in a worker. `chat`
        (ChatOptions) picks a channel and time range of an uploaded chat export; it is kept with
        the handoff so the worker and any retry read the same part.
        """
        from ingest.loader import detect_kind

        team = self.team_name(team)
        if upload is None:
            if text is None or not text.strip():
                raise InvalidInput("The wrap is empty; paste some text or upload a file.")
            return self.store.create(
                team=team,
                author=author,
                recorded_at=recorded_at,
                source_kind="text",
                source_name=source_name,
                source_text=text,
                actor=author,
            )
        # Refuse what can never be read now (415, nothing stored) rather than in a failed job.
        kind = detect_kind(upload)
        if kind == "media":
            # No audio, corrupt, too long: refused before anything is stored (probe only, cheap).
            from ingest.loader import check_media

            check_media(upload, limits=media_limits(self.settings))
        source_kind: Literal["text", "media", "chat"] = (
            "media" if kind == "media" else "chat" if kind in ("chat", "slack") else "text"
        )
        options = chat.to_json() if chat is not None else {}
        if options:
            if source_kind != "chat":
                raise InvalidInput(
                    "A channel or time range applies to a chat export, not to this upload."
                )
            # Cheap for a chat export, and an unknown channel or an empty range is refused now.
            self.transcribe(upload, team=team, chat=chat)
        kept, sha = self.keep_upload(upload)
        return self.store.create(
            team=team,
            author=author,
            recorded_at=recorded_at,
            source_kind=source_kind,
            source_name=source_name or upload.name,
            source_path=str(kept),
            source_sha256=sha,
            source_options=options,
            actor=author,
        )

    def process_wrap(
        self, handoff_id: str, *, team: str | None = None, progress: Progress = _no_progress
    ) -> Handoff:
        """Transcribe and extract a stored wrap and attach the draft (safe to run again)."""
        from ingest.text import transcript_from_text

        handoff = self.store.get(handoff_id, team=team)
        progress("transcribe", 0.05)
        if handoff.source_path:
            from ingest.chat import ChatOptions

            transcript = self.transcribe(
                Path(handoff.source_path),
                progress=progress,
                team=handoff.team,
                keep_audio=True,
                chat=ChatOptions.from_json(handoff.source_options),
            )
        else:
            transcript = transcript_from_text(handoff.source_text or "")
        progress("extract", 0.9)
        context = self.context(
            author=handoff.author, team=handoff.team, recorded_at=handoff.recorded_at
        )
        decl = self.extract(transcript, context)
        return self.store.set_extraction(
            handoff.team, handoff.id, transcript=transcript.to_json(), declaration=decl
        )

    def index_handoff(self, handoff_id: str, *, team: str | None = None) -> int:
        """(Re)index one handoff's fields; run after publish, in a worker for the web app."""
        handoff = self.store.get(handoff_id, team=team)
        if handoff.status == "draft":
            self.index.remove_handoff(handoff.id)
            return 0
        return int(self.index.add_handoff(handoff))


def speech_hints(vocab: Any) -> Any:
    """A `TeamVocabulary` as the recognizers' hints (names and aliases, items, ticket prefixes)."""
    from ingest.asr.base import Hints

    people = [n for p in vocab.people for n in (p.name, *p.aliases)]
    return Hints(
        people=tuple(people),
        items=tuple([*vocab.items, *vocab.projects]),
        prefixes=tuple(vocab.ticket_prefixes),
    )


def extraction_vocabulary(vocab: Any) -> Any:
    """A `TeamVocabulary` as extraction's `Vocabulary` (so "Shivon" can become "Siobhan")."""
    from summarizer.base import Person, Vocabulary

    return Vocabulary(
        people=tuple(Person(p.name, p.handle, tuple(p.aliases)) for p in vocab.people),
        items=tuple([*vocab.items, *vocab.projects]),
        ticket_prefixes=tuple(vocab.ticket_prefixes),
    )


def build_services(settings: Settings) -> Services:
    return Services(settings)
