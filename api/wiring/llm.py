"""The language model from settings: one chat model for extracting drafts and writing answers.

`HANDOFF_LLM=provider:model` goes to langchain's `init_chat_model` (there is no provider layer of
our own); a bare model name with `HANDOFF_LLM_BASE_URL` is any OpenAI-compatible server (vLLM,
llama.cpp, LM Studio). The extractor (`summarizer.llm`) and the answer writer (`search.llm`) get
a model built here, by `build_chat_model`, so a setting that works for one works for the other.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from handoff.errors import ConfigError

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from handoff.settings import Settings
    from search.llm import LLMAnswerer

PROVIDERS = ("openai", "anthropic", "ollama")
#: The package each provider needs, and the extra of ours that installs it.
EXTRAS = {
    "anthropic": "langchain-anthropic",
    "ollama": "langchain-ollama",
    "openai": "langchain-openai",
}


def provider_and_model(settings: Settings) -> tuple[str, str]:
    """('openai', 'gpt-4o-mini') from HANDOFF_LLM; a bare model name is OpenAI-compatible when a
    base URL says where. Refuses a provider we do not know, naming the ones we do."""
    spec = settings.llm or ""
    provider, _, name = spec.partition(":")
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
    from langchain.chat_models import init_chat_model

    try:
        return init_chat_model(
            name, model_provider=provider, **_provider_options(provider, settings)
        )
    except ImportError as exc:
        raise ConfigError(
            f"HANDOFF_LLM uses {provider}, which needs the {EXTRAS[provider]} package; install "
            f"handoff with the '{provider}' extra."
        ) from exc
    except Exception as exc:  # the provider library refused the configuration (e.g. no key)
        raise ConfigError(
            f"HANDOFF_LLM={settings.llm!r} could not be set up: {_sentence(exc)}"
        ) from exc


def structured_method(settings: Settings) -> str | None:
    """How the extractor asks for structured output: OpenAI-compatible servers get JSON mode
    (every one of them has it; tool calling and JSON schema vary); other providers their own."""
    return "json_mode" if provider_and_model(settings)[0] == "openai" else None


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
