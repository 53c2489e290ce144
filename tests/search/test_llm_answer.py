"""The LLM answerer through the real langchain client against a local OpenAI-compatible server:
it sees only the retrieved facts, and its citations are checked against them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from api.usecases import questions
from tests.search.conftest import ChatServer, load_history

AFTER = datetime.fromisoformat("2026-11-19T09:00:00+00:00")


@pytest.fixture
def llm_services(chat_server: ChatServer, home: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    from api.wiring.services import build_services
    from handoff.settings import get_settings

    monkeypatch.setenv("HANDOFF_LLM", "openai:test-model")
    monkeypatch.setenv("HANDOFF_LLM_BASE_URL", chat_server.url)
    get_settings.cache_clear()
    return build_services(get_settings())


def test_llm_answer_cites_only_what_was_retrieved(
    llm_services: Any, chat_server: ChatServer
) -> None:
    load_history(llm_services)
    chat_server.enqueue("Auth is waiting on Sarah's session timeout decision [1]. See also [42].")
    got = questions.ask(llm_services, "what's blocking auth?", team="core", as_of=AFTER)
    assert got["answered_by"] == "llm:openai:test-model"
    assert got["answer"] == "Auth is waiting on Sarah's session timeout decision [1]. See also."
    assert got["dropped_citations"] == [42]
    assert len(got["citations"]) == 1 and "Sarah" in got["citations"][0]["quote"]
    prompt = chat_server.requests[-1]["messages"][-1]["content"]
    assert "session timeout" in prompt and "[1]" in prompt


def test_uncited_claims_fall_back_to_the_ledger_answer(
    llm_services: Any, chat_server: ChatServer
) -> None:
    load_history(llm_services)
    chat_server.enqueue("Auth is blocked by the moon phase.")
    got = questions.ask(llm_services, "what's blocking auth?", team="core", as_of=AFTER)
    assert got["answered_by"] == "offline" and "Sarah" in got["answer"]


def test_llm_stream(llm_services: Any, chat_server: ChatServer) -> None:
    load_history(llm_services)
    chat_server.enqueue("Sarah owns the session timeout decision blocking auth [1].")
    events = list(
        questions.ask_stream(llm_services, "what's blocking auth?", team="core", as_of=AFTER)
    )
    assert len([e for e in events if e["type"] == "token"]) > 1
    assert events[-1]["citations"] and events[-1]["answer"].endswith("[1].")


def test_a_refusal_followed_by_an_uncited_claim_is_not_shown(
    llm_services: Any, chat_server: ChatServer
) -> None:
    load_history(llm_services)
    chat_server.enqueue("The handoffs do not say, but auth is blocked by the moon phase.")
    got = questions.ask(llm_services, "what's blocking auth?", team="core", as_of=AFTER)
    assert got["answered_by"] == "offline" and "moon" not in got["answer"]
