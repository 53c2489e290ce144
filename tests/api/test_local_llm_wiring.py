"""`HANDOFF_LLM=local`: the pulled model in this process, or one sentence saying what to run."""

from __future__ import annotations

from pathlib import Path

import pytest

from api.wiring.extractor import build_hybrid, refine_kind
from api.wiring.llm import build_chat_model, provider_and_model
from handoff.errors import ConfigError
from handoff.settings import Settings
from summarizer.llamacpp import LlamaCppChat
from summarizer.llm import LLMExtractor
from summarizer.repair import RepairExtractor


def test_local_names_the_default_model_and_an_unpulled_one_says_how_to_pull(
    tmp_path: Path,
) -> None:
    assert provider_and_model(Settings(llm="local")) == ("local", "qwen2.5-coder-1.5b")
    with pytest.raises(ConfigError, match=r"handoff models pull qwen2\.5-coder-1\.5b"):
        build_chat_model(Settings(llm="local", model_cache=tmp_path))
    with pytest.raises(ConfigError, match=r"not a local model; use one of qwen2\.5-coder-1\.5b"):
        build_chat_model(Settings(llm="local:whisper-base", model_cache=tmp_path))
    with pytest.raises(ConfigError, match="is not a file"):
        build_chat_model(Settings(llm=f"llamacpp:{tmp_path / 'none.gguf'}"))


def test_the_pulled_model_is_built_with_the_settings_and_repairs_by_default(
    local_llm: Path,
) -> None:
    settings = Settings(
        llm="local", model_cache=local_llm.parent.parent, llm_threads=3, llm_context=2048
    )
    chat = build_chat_model(settings)
    assert isinstance(chat, LlamaCppChat)
    assert (chat.model_path, chat.n_threads, chat.n_ctx) == (str(local_llm), 3, 2048)
    assert refine_kind(settings) == "repair" and isinstance(build_hybrid(settings), RepairExtractor)
    rewrite = settings.model_copy(update={"llm_refine": "rewrite"})
    assert isinstance(build_hybrid(rewrite), LLMExtractor)
    server = Settings(llm="m", llm_base_url="http://127.0.0.1:9/v1")
    assert refine_kind(server) == "rewrite"
