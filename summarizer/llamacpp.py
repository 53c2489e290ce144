"""A langchain chat model that runs a GGUF model in this process with llama.cpp.

`HANDOFF_LLM=local` (or `llamacpp:/path/model.gguf`) makes the extractor and the answer writer talk
to this class instead of a server. It is a real `BaseChatModel`, so everything that works with a
hosted model (messages, `with_structured_output`, include_raw re-asks) works here unchanged.

Why in-process rather than `python -m llama_cpp.server`: one worker, one model, no port to guard,
and the weights load once per process (`load_model` is cached), which a worker pays once and every
later wrap reuses. llama.cpp keeps the key/value state of the previous prompt and re-evaluates only
what differs, so the fixed system prompt that starts every request is evaluated once per process
(the prefix cache).

Structured output is enforced by the decoder: the JSON Schema of the answer is compiled into a
llama.cpp grammar, so every token sampled keeps the output valid against the schema — a small model
cannot answer with prose, a missing bracket or an unknown status. What a grammar cannot enforce
(the answer being true) is the grounding's job (`summarizer.grounding`).

The runtime is an optional extra (`pip install 'handoff[local-llm]'`); importing this module does
not need it, building a model does.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Sequence
from functools import lru_cache
from operator import itemgetter
from pathlib import Path
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.output_parsers import JsonOutputParser, PydanticOutputParser
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.runnables import Runnable, RunnableMap, RunnablePassthrough
from pydantic import BaseModel, ConfigDict, Field

from handoff.errors import ConfigError

#: OpenAI-style roles for langchain's message types.
_ROLES = {"human": "user", "ai": "assistant", "system": "system", "tool": "tool"}


class LoadedModel:
    """One llama.cpp model and the lock that serialises its use (a context is not thread-safe:
    two requests at once in the web app take turns)."""

    def __init__(self, llama: Any) -> None:
        self.llama = llama
        self.lock = threading.Lock()


@lru_cache(maxsize=2)
def load_model(path: str, n_ctx: int, threads: int, lookup_tokens: int) -> LoadedModel:
    """The model at `path`, loaded once per process and kept (a worker loads it on its first wrap).

    `lookup_tokens` > 0 turns on prompt-lookup speculative decoding: the decoder proposes the
    next tokens by finding the last few in the prompt, which fits extraction (quotes and names are
    copied from the transcript) and costs no second model. llama-cpp-python verifies the proposal
    against every position's logits, so it keeps them all (`logits_all`: context x vocabulary
    floats, 2.5 GB for Qwen2.5 at 4,096 tokens)."""
    try:
        from llama_cpp import Llama
        from llama_cpp.llama_speculative import LlamaPromptLookupDecoding
    except ImportError as exc:
        raise ConfigError(
            "HANDOFF_LLM=local needs the llama.cpp runtime; install handoff with the "
            "'local-llm' extra (pip install 'handoff[local-llm]')."
        ) from exc
    if not Path(path).is_file():
        raise ConfigError(f"The local model {path} does not exist; run `handoff models pull`.")
    draft = LlamaPromptLookupDecoding(num_pred_tokens=lookup_tokens) if lookup_tokens else None
    try:
        llama = Llama(
            model_path=path,
            n_ctx=n_ctx,
            n_threads=threads,
            n_threads_batch=threads,
            n_batch=512,
            draft_model=draft,
            logits_all=draft is not None,
            verbose=False,
        )
    except (ValueError, RuntimeError) as exc:  # llama.cpp's words for a file it cannot load
        raise ConfigError(f"{path} could not be loaded as a GGUF model: {exc}") from exc
    return LoadedModel(llama)


def bounded(schema: dict[str, Any], *, max_items: int, max_chars: int) -> dict[str, Any]:
    """`schema` with every array and string given an upper bound, for the grammar only.

    A small model that starts repeating itself would otherwise write items until `max_tokens`
    cuts the JSON off mid-string — valid at every token, invalid at the end. Bounded, the grammar
    closes the array or string, so the answer parses; the bounds are far above what a wrap says
    (validation of the parsed answer still uses the unbounded model)."""
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if isinstance(value, dict):
            out[key] = bounded(value, max_items=max_items, max_chars=max_chars)
        elif isinstance(value, list):
            out[key] = [
                bounded(v, max_items=max_items, max_chars=max_chars) if isinstance(v, dict) else v
                for v in value
            ]
        else:
            out[key] = value
    if out.get("type") == "array":
        out.setdefault("maxItems", max_items)
    if out.get("type") == "string" and "enum" not in out:
        out.setdefault("maxLength", max_chars)
    return out


def _openai_messages(messages: Sequence[BaseMessage]) -> list[dict[str, str]]:
    out = []
    for m in messages:
        content = m.content if isinstance(m.content, str) else json.dumps(m.content)
        out.append({"role": _ROLES.get(m.type, "user"), "content": content})
    return out


class LlamaCppChat(BaseChatModel):
    """A chat model on a local GGUF file (see the module's docstring)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    model_path: str
    model_name: str = "local"
    n_ctx: int = 4096
    n_threads: int = Field(default_factory=lambda: max(1, os.cpu_count() or 1))
    max_tokens: int = 1024
    temperature: float = 0.0
    lookup_tokens: int = 0
    max_items: int = 10  # per list in a structured answer (see `bounded`)
    max_chars: int = 240  # per string in a structured answer

    @property
    def _llm_type(self) -> str:
        return "llama.cpp"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model": self.model_name, "n_ctx": self.n_ctx, "temperature": self.temperature}

    def loaded(self) -> LoadedModel:
        return load_model(self.model_path, self.n_ctx, self.n_threads, self.lookup_tokens)

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        model = self.loaded()
        with model.lock:
            out = model.llama.create_chat_completion(
                messages=_openai_messages(messages),
                temperature=self.temperature,
                max_tokens=kwargs.get("max_tokens", self.max_tokens),
                stop=stop,
                response_format=kwargs.get("response_format"),
                seed=0,
            )
        choice = out["choices"][0]
        usage = out.get("usage") or {}
        message = AIMessage(
            content=choice["message"].get("content") or "",
            response_metadata={"finish_reason": choice.get("finish_reason"), "usage": usage},
            usage_metadata={
                "input_tokens": usage.get("prompt_tokens", 0),
                "output_tokens": usage.get("completion_tokens", 0),
                "total_tokens": usage.get("total_tokens", 0),
            },
        )
        return ChatResult(generations=[ChatGeneration(message=message)])

    def with_structured_output(  # type: ignore[override]
        self,
        schema: type[BaseModel] | dict[str, Any],
        *,
        include_raw: bool = False,
        method: str | None = None,
        **kwargs: Any,
    ) -> Runnable[Any, Any]:
        """The answer constrained by `schema`'s grammar and parsed into it. With `include_raw`, a
        dict of the raw message, the parsed value and the parsing error (as langchain's hosted
        models return), so callers that re-ask on an invalid answer work here too."""
        parser: Runnable[Any, Any]
        if isinstance(schema, type) and issubclass(schema, BaseModel):
            json_schema = schema.model_json_schema()
            parser = PydanticOutputParser(pydantic_object=schema)
        else:
            json_schema, parser = dict(schema), JsonOutputParser()
        grammar_schema = bounded(json_schema, max_items=self.max_items, max_chars=self.max_chars)
        bound = self.bind(response_format={"type": "json_object", "schema": grammar_schema})
        if not include_raw:
            return bound | parser
        parsed = RunnablePassthrough.assign(
            parsed=itemgetter("raw") | parser, parsing_error=lambda _: None
        )
        unparsed = RunnablePassthrough.assign(parsed=lambda _: None)
        return RunnableMap(raw=bound) | parsed.with_fallbacks(
            [unparsed], exception_key="parsing_error"
        )
