"""The extractors from settings: offline, the LLM with the offline draft as its fallback, or both
in turn (hybrid drafting).

- no `HANDOFF_LLM`: `OfflineExtractor` (rules and libraries, no model);
- `HANDOFF_LLM`: `LLMExtractor` on the chat model `api.wiring.llm` builds, given the offline
  reader's findings as hints and transcripts cut at `HANDOFF_LLM_CHUNK_CHARS`;
- `HANDOFF_LLM_FALLBACK` (default true): a failing model serves the offline draft, labelled in
  `Declaration.extractor`; false surfaces the error.

`HANDOFF_LLM_MODE` says how a stored wrap is drafted when an LLM is configured:

- `hybrid` (the default): the offline draft is stored first (`build_first_pass`), so a reviewer
  never waits on the model, and the LLM (`build_refiner`, no fallback: its failure is recorded,
  the offline draft stands) refines it in the background (`api.usecases.refining`);
- `llm`: the LLM writes the draft, the offline one its fallback (`build_extractor`).

`build_extractor` stays the one-shot extractor either way: `handoff extract`, which stores
nothing, and the evaluation get the best draft one call can give.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from summarizer.offline import OfflineExtractor

if TYPE_CHECKING:
    from handoff.settings import Settings
    from summarizer.base import Extractor
    from summarizer.llm import LLMExtractor

DraftingMode = Literal["offline", "hybrid", "llm"]


def drafting_mode(settings: Settings) -> DraftingMode:
    """How a stored wrap is drafted (see the module's docstring)."""
    if not settings.llm:
        return "offline"
    return settings.llm_mode


def offline_extractor(settings: Settings) -> OfflineExtractor:
    """The offline reader; with `HANDOFF_HEADING_EMBEDDINGS` it reads headings the label table
    does not know with the embeddings model, loaded on the first such heading."""
    if not settings.heading_embeddings:
        return OfflineExtractor()
    from api.wiring.embeddings import build_embedder
    from summarizer.labels import LabelClassifier

    return OfflineExtractor(label_classifier=LabelClassifier(lambda: build_embedder(settings)))


def build_extractor(settings: Settings) -> Extractor:
    """The one-shot extractor the settings choose (see the module's docstring)."""
    offline = offline_extractor(settings)
    if not settings.llm:
        return offline
    from summarizer.llm import FallbackExtractor

    llm = _llm_extractor(settings, offline)
    return FallbackExtractor(llm, offline) if settings.llm_fallback else llm


def build_first_pass(settings: Settings) -> Extractor:
    """The extractor whose draft a stored wrap gets first: offline in hybrid mode, otherwise the
    one-shot extractor."""
    if drafting_mode(settings) == "hybrid":
        return offline_extractor(settings)
    return build_extractor(settings)


def build_refiner(settings: Settings) -> Extractor | None:
    """The LLM extractor that refines the offline draft in hybrid mode, with no fallback (its
    failure is recorded and the offline draft stands); None in the other modes."""
    if drafting_mode(settings) != "hybrid":
        return None
    return build_hybrid(settings)


def refine_kind(settings: Settings) -> Literal["repair", "rewrite"]:
    """How the LLM refines the offline draft: `rewrite` (it writes the whole declaration) or
    `repair` (it answers questions about what the offline pass left open). `auto` repairs with a
    local model — measured on two CPU cores, rewriting took over a minute a wrap and scored below
    the offline draft — and rewrites with a server or hosted model."""
    if settings.llm_refine != "auto":
        return settings.llm_refine
    from api.wiring.llm import provider_and_model

    return "repair" if provider_and_model(settings)[0] in ("local", "llamacpp") else "rewrite"


def build_hybrid(settings: Settings) -> Extractor:
    """The refining extractor: offline draft plus the LLM's repair or rewrite (`refine_kind`)."""
    if refine_kind(settings) == "rewrite":
        return _llm_extractor(settings, offline_extractor(settings))
    from api.wiring.llm import build_chat_model, structured_methods
    from summarizer.repair import RepairExtractor

    methods = structured_methods(settings)
    return RepairExtractor(
        build_chat_model(settings),
        model_id=settings.llm or "",
        offline=offline_extractor(settings),
        method=methods[0] if methods else None,
    )


def _llm_extractor(settings: Settings, offline: Extractor) -> LLMExtractor:
    from api.wiring.llm import build_chat_model, structured_methods
    from summarizer.llm import LLMExtractor

    return LLMExtractor(
        build_chat_model(settings),
        model_id=settings.llm or "",
        offline=offline,
        chunk_chars=settings.llm_chunk_chars,
        structured_methods=structured_methods(settings),
    )
