"""The language model from settings: one chat model for extracting drafts and writing answers.

`HANDOFF_LLM=provider:model` goes to langchain's `init_chat_model` (there is no provider layer of
our own); a bare model name with `HANDOFF_LLM_BASE_URL` is any OpenAI-compatible server (vLLM,
llama.cpp, LM Studio). `HANDOFF_LLM=local` (the pulled Qwen2.5-Coder 1.5B), `local:<pulled model>`
or `llamacpp:/path/model.gguf` runs a GGUF model in this process (`summarizer.llamacpp`). The
extractor (`summarizer.llm`) and the answer writer (`search.llm`) get a model built here, by
`build_chat_model`, so a setting that works for one works for the other.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from handoff.errors import ConfigError

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from handoff.settings import Settings
    from search.llm import LLMAnswerer

PROVIDERS = ("openai", "anthropic", "ollama", "local", "llamacpp")
#: The model `HANDOFF_LLM=local` runs (a name `handoff models pull` knows).
DEFAULT_LOCAL_MODEL = "qwen2.5-coder-1.5b"
#: The package each provider needs, and the extra of ours that installs it.
EXTRAS = {
    "anthropic": "langchain-anthropic",
    "ollama": "langchain-ollama",
    "openai": "langchain-openai",
    "local": "llama-cpp-python",
    "llamacpp": "llama-cpp-python",
}
#: Our extra for each provider's package (`pip install 'handoff[local-llm]'`).
EXTRA_NAMES = {"local": "local-llm", "llamacpp": "local-llm"}


def provider_and_model(settings: Settings) -> tuple[str, str]:
    """('openai', 'gpt-4o-mini') from HANDOFF_LLM; a bare model name is OpenAI-compatible when a
    base URL says where. Refuses a provider we do not know, naming the ones we do."""
    spec = settings.llm or ""
    provider, _, name = spec.partition(":")
    if spec == "local":
        return "local", DEFAULT_LOCAL_MODEL
    if not name:
        provider, name = ("openai", spec) if settings.llm_base_url else ("", spec)
    if provider not in PROVIDERS or not name:
        raise ConfigError(
            f"HANDOFF_LLM={spec!r} names no known provider; use one of "
            f"{', '.join(p + ':<model>' for p in PROVIDERS)}, or set HANDOFF_LLM_BASE_URL for an "
            "OpenAI-compatible server."
        )
    return provider, name


def _provider_options(provider: str, settings: Settings) -> dict[str, Any]:
    """init_chat_model's keyword arguments: timeout, retries, URL and key, spelled per provider."""
    key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else None
    if provider == "ollama":
        # ChatOllama has no `timeout` or `max_retries` (it would ignore them): the HTTP client's
        # timeout is the per-request one, and there is no key to send.
        options: dict[str, Any] = {"client_kwargs": {"timeout": settings.llm_timeout_s}}
    else:
        options = {"timeout": settings.llm_timeout_s, "max_retries": settings.llm_max_retries}
        if key:
            options["api_key"] = key
        elif provider == "openai" and settings.llm_base_url:
            options["api_key"] = "not-needed"  # local OpenAI-compatible servers ignore the key
    if settings.llm_base_url:
        options["base_url"] = settings.llm_base_url
    return options | {"temperature": 0}


def build_chat_model(settings: Settings) -> BaseChatModel:
    """The chat model HANDOFF_LLM names, configured by the other HANDOFF_LLM_* settings.

    A provider whose package is missing, or whose library refuses the configuration (no key),
    is a `ConfigError` naming what to set or install."""
    provider, name = provider_and_model(settings)
    if provider in ("local", "llamacpp"):
        return build_local_model(settings, provider, name)
    from langchain.chat_models import init_chat_model

    try:
        return init_chat_model(
            name, model_provider=provider, **_provider_options(provider, settings)
        )
    except ImportError as exc:
        raise ConfigError(
            f"HANDOFF_LLM uses {provider}, which needs the {EXTRAS[provider]} package; install "
            f"handoff with the '{EXTRA_NAMES.get(provider, provider)}' extra."
        ) from exc
    except Exception as exc:  # the provider library refused the configuration (e.g. no key)
        raise ConfigError(
            f"HANDOFF_LLM={settings.llm!r} could not be set up: {_sentence(exc)}"
        ) from exc


def build_local_model(settings: Settings, provider: str, name: str) -> BaseChatModel:
    """A GGUF model run in-process: a model `handoff models pull` fetched (`local:<name>`) or a
    file (`llamacpp:<path>`). Missing files and a missing runtime are `ConfigError`s that say
    which command or extra fixes them; the weights load on first use, once per process."""
    from pathlib import Path

    from api.wiring.models import MODELS, model_path
    from summarizer.llamacpp import LlamaCppChat

    if provider == "llamacpp":
        path = Path(name).expanduser()
        if not path.is_file():
            raise ConfigError(f"HANDOFF_LLM names {name}, which is not a file.")
    else:
        llms = [n for n, m in MODELS.items() if m.target.endswith(".gguf")]
        if name not in llms:
            known = ", ".join(llms)
            raise ConfigError(f"HANDOFF_LLM=local:{name} is not a local model; use one of {known}.")
        found = model_path(name, settings.model_cache)
        if found is None:
            raise ConfigError(
                f"The local model {name} is not here yet; run `handoff models pull {name}` once."
            )
        path = found
    try:
        import llama_cpp  # noqa: F401
    except ImportError as exc:
        raise ConfigError(
            "HANDOFF_LLM=local needs the llama.cpp runtime; install handoff with the 'local-llm' "
            "extra (pip install 'handoff[local-llm]')."
        ) from exc
    return LlamaCppChat(
        model_path=str(path),
        model_name=name if provider == "local" else path.name,
        n_ctx=settings.llm_context,
        n_threads=settings.llm_threads or max(1, os.cpu_count() or 1),
        max_tokens=settings.llm_max_tokens,
        lookup_tokens=settings.llm_lookup_tokens,
    )


#: What `auto` asks an OpenAI-compatible server for, in order: a JSON Schema (vLLM, OpenAI), then
#: tool calling (llama.cpp's server constrains it with a grammar; it refuses `json_schema`), then
#: plain JSON mode. The extractor moves down the list when a server refuses one.
SERVER_METHODS = ("json_schema", "function_calling", "json_mode")


def structured_methods(settings: Settings) -> tuple[str, ...]:
    """How the extractor asks for structured output, in the order to try. A setting other than
    `auto` is the only one tried; providers with one good way (Anthropic's tools, Ollama's
    schema, the local model's grammar) use langchain's default for them."""
    if settings.llm_structured != "auto":
        return (settings.llm_structured,)
    provider = provider_and_model(settings)[0]
    if provider == "openai" and settings.llm_base_url:
        return SERVER_METHODS
    return ()


def build_answer_writer(settings: Settings) -> LLMAnswerer | None:
    """The model that writes answers from retrieved facts; None offline (no HANDOFF_LLM)."""
    if not settings.llm:
        return None
    from search.llm import LLMAnswerer

    return LLMAnswerer(build_chat_model(settings), name=f"llm:{settings.llm}")


def _sentence(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or exc.__class__.__name__
    text = text.split(". ")[0].rstrip(".")
    return (text[:200] + "…" if len(text) > 200 else text) + "."
