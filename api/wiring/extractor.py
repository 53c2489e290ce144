"""The extractor from settings: offline, or the LLM with the offline draft as its fallback.

- no `HANDOFF_LLM`: `OfflineExtractor` (rules and libraries, no model);
- `HANDOFF_LLM`: `LLMExtractor` on the chat model `api.wiring.llm` builds, given the offline
  reader's findings as hints and transcripts cut at `HANDOFF_LLM_CHUNK_CHARS`;
- `HANDOFF_LLM_FALLBACK` (default true): a failing model serves the offline draft, labelled in
  `Declaration.extractor`; false surfaces the error.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from summarizer.offline import OfflineExtractor

if TYPE_CHECKING:
    from handoff.settings import Settings
    from summarizer.base import Extractor


def build_extractor(settings: Settings) -> Extractor:
    """The extractor the settings choose (see the module's docstring)."""
    offline = OfflineExtractor()
    if not settings.llm:
        return offline
    from api.wiring.llm import build_chat_model, structured_methods
    from summarizer.llm import FallbackExtractor, LLMExtractor

    llm = LLMExtractor(
        build_chat_model(settings),
        model_id=settings.llm,
        offline=offline,
        chunk_chars=settings.llm_chunk_chars,
        structured_methods=structured_methods(settings),
    )
    return FallbackExtractor(llm, offline) if settings.llm_fallback else llm
