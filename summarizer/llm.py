"""The LLM extractor: any langchain chat model, structured output, every item grounded.

    HANDOFF_LLM=openai:gpt-4o-mini | anthropic:claude-... | ollama:llama3.1
    HANDOFF_LLM=<model> with HANDOFF_LLM_BASE_URL (any OpenAI-compatible server)
    (`api.wiring.llm` builds the model, the same one the answer writer gets)

The model sees the versioned prompts in `prompts/`, the transcript between markers (it is data,
never instructions) and the offline reader's findings as hints. Its answer is validated against
`LLMDraft`; one re-ask carries the validation error, a second failure raises `ExtractionFailed` with
both answers. Long transcripts are cut into chunks on segment boundaries, extracted one by one and
merged. Then code takes over: every item's quote must be found in the transcript (else the item is
dropped), owners and resolvers must be people the transcript names, refs must occur in it, the
return time is resolved by `summarizer.returns`, and `handoff.missing` computes the flags. Provider
errors and timeouts become `LLMUnavailable`; `FallbackExtractor` then serves the offline draft,
labelled.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from rapidfuzz import fuzz

from handoff.declaration import (
    LIST_PARTS,
    PART_BY_NAME,
    PARTS,
    Declaration,
    Status,
)
from handoff.errors import LLMUnavailable
from handoff.refs import find_refs
from ingest.transcript import Segment, Transcript
from prompts import load_prompt
from summarizer.base import ExtractionContext, Extractor
from summarizer.errors import ExtractionFailed, SummarizerError
from summarizer.grounding import Grounding
from summarizer.normalize import normalize
from summarizer.returns import resolve_time


# -- what the model must return ------------------------------------------------------------------
class _Out(BaseModel):
    model_config = ConfigDict(extra="ignore")


class LLMShipped(_Out):
    summary: str
    refs: list[str] = Field(default_factory=list)
    quote: str


class LLMInFlight(_Out):
    item: str
    status: Status = "in_progress"
    summary: str | None = None
    refs: list[str] = Field(default_factory=list)
    owner: str | None = None
    quote: str


class LLMDecision(_Out):
    decision: str
    rationale: str | None = None
    item: str | None = None
    quote: str

    @field_validator("rationale")
    @classmethod
    def _no_blank_rationale(cls, value: str | None) -> str | None:
        return value or None  # models write "" for "no reason given"


class LLMBlocker(_Out):
    description: str
    item: str | None = None
    needed_from: str | None = None
    why_blocking: str | None = None
    quote: str


class LLMNextAction(_Out):
    action: str
    item: str | None = None
    owner: str | None = None
    quote: str

    @model_validator(mode="after")
    def _quote_or_action(self) -> LLMNextAction:
        # An action is often said in the words the model wrote it in: with no quote, those words
        # are looked for in the transcript (other parts' items need a quote).
        self.quote = self.quote or self.action
        return self


class LLMEmpty(_Out):
    part: Literal["shipped", "in_flight", "decisions", "blockers", "next_actions", "returns_at"]
    quote: str


class LLMDraft(_Out):
    """The declaration as the model writes it: items with quotes, no flags (code computes those)."""

    shipped: list[LLMShipped] = Field(default_factory=list)
    in_flight: list[LLMInFlight] = Field(default_factory=list)
    decisions: list[LLMDecision] = Field(default_factory=list)
    blockers: list[LLMBlocker] = Field(default_factory=list)
    next_actions: list[LLMNextAction] = Field(default_factory=list)
    returns_at: str | None = None
    returns_quote: str | None = None
    stated_empty: list[LLMEmpty] = Field(default_factory=list)


def _sentence(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or exc.__class__.__name__
    text = text.split(". ")[0].rstrip(".")
    return (text[:200] + "…" if len(text) > 200 else text) + "."


# -- the extractor -------------------------------------------------------------------------------
def transcript_lines(segments: list[Segment]) -> list[str]:
    """The transcript as the model reads it: one line per segment, chat lines with their author."""
    lines = []
    for seg in segments:
        text = " ".join(seg.text.split())
        if seg.speaker:
            stamp = f"[{seg.at:%H:%M}] " if seg.at else ""
            lines.append(f"{stamp}{seg.speaker}: {text}")
        else:
            lines.append(text)
    return lines


def chunk_segments(segments: list[Segment], max_chars: int) -> list[list[Segment]]:
    """Consecutive segments in chunks of at most `max_chars` (a longer segment is its own chunk)."""
    chunks: list[list[Segment]] = []
    current: list[Segment] = []
    size = 0
    for seg in segments:
        n = len(seg.text) + 32
        if current and size + n > max_chars:
            chunks.append(current)
            current, size = [], 0
        current.append(seg)
        size += n
    if current:
        chunks.append(current)
    return chunks


class LLMExtractor:
    """Extraction by a chat model, grounded and checked by code."""

    def __init__(
        self,
        model: Any,
        *,
        model_id: str,
        offline: Extractor | None = None,
        chunk_chars: int = 12_000,
        structured_method: str | None = None,
        structured_methods: Sequence[str] = (),
        prompt_version: int | None = None,
    ) -> None:
        self.model = model
        self.name = f"llm:{model_id}"
        self.offline = offline
        self.chunk_chars = chunk_chars
        # The ways to ask for structured output, best first; one a server refuses is dropped.
        self.methods: list[str | None] = list(structured_methods) or [structured_method]
        self._method_answered = False  # once a way worked, a server error is an outage
        # How often each grounding check fired: over this extractor's life, and the last draft.
        self.grounding_fired: Counter[str] = Counter()
        self.last_grounding: Counter[str] = Counter()
        self.system = load_prompt("extract_system", prompt_version)
        self.user = load_prompt("extract_user", prompt_version)
        self.reask = load_prompt("extract_reask", prompt_version)

    # The runnable that validates the answer into LLMDraft and keeps the raw answer and the error.
    def _structured(self) -> Any:
        kwargs: dict[str, Any] = {"include_raw": True}
        if self.methods[0]:
            kwargs["method"] = self.methods[0]
        return self.model.with_structured_output(LLMDraft, **kwargs)

    @property
    def structured_method(self) -> str | None:
        """The way of asking for structured output in use (None: the provider's default)."""
        return self.methods[0]

    def extract(self, transcript: Transcript, context: ExtractionContext) -> Declaration:
        segments = transcript.segments or [Segment(text=transcript.text)]
        offline = self.offline.extract(transcript, context) if self.offline is not None else None
        hints = self._hints(transcript, context, offline)
        chunks = chunk_segments(segments, self.chunk_chars)
        drafts = [
            self._ask(chunk, context, hints, index=i, total=len(chunks), transcript=transcript)
            for i, chunk in enumerate(chunks)
        ]
        check = Grounding(transcript, context, offline=offline)
        decl = self._declaration(merge_drafts(drafts), check, context)
        self.last_grounding = Counter(check.fired)
        self.grounding_fired.update(check.fired)
        return decl

    def _hints(
        self, transcript: Transcript, context: ExtractionContext, draft: Declaration | None
    ) -> dict[str, Any]:
        """The offline reader's findings: refs, people, the return time, as the model's hints."""
        refs = find_refs(normalize(transcript.text))
        people = sorted(
            {p.name for p in context.vocabulary.people}
            | {s.speaker for s in transcript.segments if s.speaker}
        )
        found: dict[str, Any] = {"refs": refs, "people": people}
        if draft is not None:
            named = {a.owner for a in draft.next_actions if a.owner}
            named |= {b.needed_from for b in draft.blockers if b.needed_from}
            found["people"] = sorted(set(people) | named)
            if draft.returns_at:
                found["return_time"] = {
                    "said": draft.returns_at,
                    "resolved": draft.returns_at_iso.isoformat() if draft.returns_at_iso else None,
                }
            found["time_expressions"] = [draft.returns_at] if draft.returns_at else []
        return found

    def _messages(
        self,
        chunk: list[Segment],
        context: ExtractionContext,
        hints: dict[str, Any],
        note: str,
        source: str,
    ) -> list[tuple[str, str]]:
        user = self.user.render(
            author=context.author or "unknown",
            recorded_at=context.recorded_at.isoformat() if context.recorded_at else "unknown",
            source=source,
            chunk_note=note,
            hints=json.dumps(hints, ensure_ascii=False),
            transcript="\n".join(transcript_lines(chunk)),
        )
        return [("system", self.system.text), ("human", user)]

    def _ask(
        self,
        chunk: list[Segment],
        context: ExtractionContext,
        hints: dict[str, Any],
        *,
        index: int,
        total: int,
        transcript: Transcript,
    ) -> LLMDraft:
        note = (
            f"This is part {index + 1} of {total} of a long transcript; "
            "extract only what this part "
            "says.\n"
            if total > 1
            else ""
        )
        messages: list[tuple[str, str]] = self._messages(
            chunk,
            context,
            hints,
            note,
            "chat thread" if transcript.source_kind == "chat" else "speech or text",
        )
        attempts: list[str] = []
        for _attempt in range(2):
            result = self._invoke(messages)
            raw = result.get("raw")
            content = getattr(raw, "content", "") if raw is not None else ""
            attempts.append(content if isinstance(content, str) else json.dumps(content))
            parsed = result.get("parsed")
            if isinstance(parsed, LLMDraft) and result.get("parsing_error") is None:
                return parsed
            if isinstance(parsed, dict):
                try:
                    return LLMDraft.model_validate(parsed)
                except ValueError as exc:
                    error: Any = exc
            else:
                error = result.get("parsing_error") or "the answer was empty"
            messages = [
                *messages,
                ("ai", attempts[-1]),
                ("human", self.reask.render(error=_sentence(Exception(str(error))))),
            ]
        raise ExtractionFailed(
            "The LLM's answer did not match the declaration schema twice; "
            "the draft can be retried.",
            attempts=attempts,
        )

    def _invoke(self, messages: list[tuple[str, str]]) -> dict[str, Any]:
        while True:
            try:
                result = self._structured().invoke(messages)
                self._method_answered = True
                break
            except Exception as exc:
                if len(self.methods) > 1 and not self._method_answered and _refused_format(exc):
                    # The server does not do this kind of structured output (llama.cpp's server
                    # answers 500 to `json_schema`): ask the next way, and keep asking that way.
                    self.methods.pop(0)
                    continue
                raise LLMUnavailable(_provider_error(exc, self.name)) from exc
        if not isinstance(result, dict):
            return {"raw": None, "parsed": result, "parsing_error": None}
        return result

    # -- code takes over: grounding, people, refs, times ------------------------------------------
    def _declaration(
        self, draft: LLMDraft, check: Grounding, context: ExtractionContext
    ) -> Declaration:
        decl = Declaration(
            author=context.author,
            team=context.team,
            recorded_at=context.recorded_at,
            extractor=self.name,
        )
        for part in PARTS:
            kept = (check.item(part, raw) for raw in getattr(draft, part.name))
            getattr(decl, part.name).extend(item for item in kept if item is not None)
        if draft.returns_at and check.returns(draft.returns_at, draft.returns_quote):
            when = resolve_time(
                normalize(draft.returns_at),
                recorded_at=context.recorded_at,
                default_tz=context.timezone,
            )
            if when is not None or check.evidence(draft.returns_at):
                decl.returns_at, decl.returns_at_iso = draft.returns_at, when
        empty = {e.part for e in draft.stated_empty if check.evidence(e.quote)}
        decl.stated_empty = sorted(p for p in empty if p == "returns_at" or not getattr(decl, p))
        return decl


def _refused_format(exc: BaseException) -> bool:
    """Whether a provider error is a server refusing the request's shape (4xx, or a 500 that
    servers such as llama.cpp's give for an unsupported `response_format`), not an outage."""
    status = getattr(exc, "status_code", None)
    return status in (400, 404, 415, 422, 500, 501)


def _provider_error(exc: BaseException, name: str) -> str:
    kind = exc.__class__.__name__.lower()
    if "timeout" in kind:
        return f"The LLM ({name}) did not answer in time; the draft can be retried."
    status = getattr(exc, "status_code", None)
    if status:
        return f"The LLM ({name}) answered with HTTP {status}; the draft can be retried."
    if "connection" in kind:
        return f"The LLM ({name}) could not be reached; the draft can be retried."
    return f"The LLM ({name}) failed ({_sentence(exc).rstrip('.')}); the draft can be retried."


def _key(part: str, item: BaseModel) -> str:
    return " ".join(str(getattr(item, PART_BY_NAME[part].text)).lower().split())


def merge_drafts(drafts: list[LLMDraft]) -> LLMDraft:
    """One draft from the chunks' drafts: items in order without near-duplicates (an item the
    overlap repeated), the last return time said, parts stated empty that no chunk filled."""
    if len(drafts) == 1:
        return drafts[0]
    merged = LLMDraft()
    for draft in drafts:
        for part in LIST_PARTS:
            kept: list[Any] = getattr(merged, part)
            for item in getattr(draft, part):
                key = _key(part, item)
                if all(fuzz.token_set_ratio(key, _key(part, k)) < 90 for k in kept):
                    kept.append(item)
        if draft.returns_at:
            merged.returns_at, merged.returns_quote = draft.returns_at, draft.returns_quote
        merged.stated_empty.extend(draft.stated_empty)
    return merged


class FallbackExtractor:
    """The LLM extractor, or — when it fails — the offline draft, labelled with why."""

    def __init__(
        self,
        primary: Extractor,
        fallback: Extractor,
        *,
        on_error: Callable[[SummarizerError | LLMUnavailable], None] | None = None,
    ) -> None:
        self.primary = primary
        self.fallback = fallback
        self.name = primary.name
        self.on_error = on_error

    def extract(self, transcript: Transcript, context: ExtractionContext) -> Declaration:
        try:
            return self.primary.extract(transcript, context)
        except (SummarizerError, LLMUnavailable) as exc:
            if self.on_error:
                self.on_error(exc)
            decl = self.fallback.extract(transcript, context)
            reason = "LLM unavailable" if isinstance(exc, LLMUnavailable) else "LLM answer invalid"
            return decl.model_copy(
                update={"extractor": f"{self.fallback.name} (fallback: {reason}: {exc})"}
            )
