"""The way of asking for structured output is chosen per provider and moves down the list when
a server refuses one (llama.cpp's server answers 500 to `json_schema`) — but never on an outage
after a way has worked."""

from __future__ import annotations

import pytest

from api.wiring.llm import SERVER_METHODS, build_chat_model, structured_methods
from handoff.errors import LLMUnavailable
from handoff.settings import Settings
from ingest.text import transcript_from_text
from summarizer.llm import LLMExtractor
from summarizer.offline import OfflineExtractor
from tests.summarizer.fake_llm import FakeLLM, Status, fake_llm_server
from tests.summarizer.test_llm import CONTEXT, WRAP, good_answer


def settings(fake: FakeLLM) -> Settings:
    return Settings(llm="test-model", llm_base_url=fake.url, llm_api_key="test", llm_max_retries=0)


def extractor(fake: FakeLLM, methods: tuple[str, ...]) -> LLMExtractor:
    return LLMExtractor(
        build_chat_model(settings(fake)),
        model_id="test-model",
        offline=OfflineExtractor(),
        structured_methods=methods,
    )


def test_servers_are_asked_for_a_schema_first_and_hosted_models_their_own_way() -> None:
    with fake_llm_server() as fake:
        assert structured_methods(settings(fake)) == SERVER_METHODS
        pinned = settings(fake).model_copy(update={"llm_structured": "json_mode"})
        assert structured_methods(pinned) == ("json_mode",)
    assert structured_methods(Settings(llm="anthropic:claude-x")) == ()


def test_a_refused_response_format_moves_to_the_next_way_and_stays_there() -> None:
    with fake_llm_server() as fake:
        fake.enqueue(Status(500), good_answer(), good_answer())
        x = extractor(fake, ("json_schema", "json_mode"))
        first = x.extract(transcript_from_text(WRAP), CONTEXT)
        second = x.extract(transcript_from_text(WRAP), CONTEXT)
        formats = [r.get("response_format", {}).get("type") for r in fake.requests]
    assert formats == ["json_schema", "json_object", "json_object"]
    assert x.structured_method == "json_mode"
    assert first.shipped and second.blockers[0].needed_from == "Petra"


def test_a_server_error_after_a_way_worked_is_an_outage_not_a_refusal() -> None:
    with fake_llm_server() as fake:
        fake.enqueue(good_answer(), Status(500))
        x = extractor(fake, ("json_schema", "json_mode"))
        x.extract(transcript_from_text(WRAP), CONTEXT)
        with pytest.raises(LLMUnavailable, match="HTTP 500"):
            x.extract(transcript_from_text(WRAP), CONTEXT)
    assert x.structured_method == "json_schema"
