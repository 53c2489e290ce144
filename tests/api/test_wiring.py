"""Settings become backends in `api.wiring` only, the same way for every user of a backend: one
chat model for the extractor and the answer writer (ollama included), one `LLMUnavailable`, the
embeddings endpoint's key from its own setting, and errors that name the variable to set."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from api.usecases import drafting, questions
from api.wiring.services import Services, build_services
from handoff.errors import ConfigError, LLMUnavailable
from handoff.settings import get_settings
from ingest.text import transcript_from_text
from tests.search.conftest import load_history
from tests.summarizer.test_llm import WRAP, good_answer

AFTER = datetime.fromisoformat("2026-11-19T09:00:00+00:00")


@dataclass
class FakeServer:
    """Answers Ollama's /api/chat (NDJSON chunks) and OpenAI's /v1/embeddings with what is queued;
    keeps each request's path, headers and body."""

    replies: list[str] = field(default_factory=list)
    requests: list[tuple[str, dict[str, str], dict[str, Any]]] = field(default_factory=list)
    url: str = ""


def _ollama_lines(model: str, text: str) -> Iterator[dict[str, Any]]:
    pieces = [text[start : start + 12] for start in range(0, len(text), 12)]
    for n, piece in enumerate([*pieces, ""]):
        done = n == len(pieces)
        yield {
            "model": model,
            "created_at": "2026-11-19T09:00:00Z",
            "message": {"role": "assistant", "content": piece},
            "done": done,
            **({"done_reason": "stop"} if done else {}),
        }


@pytest.fixture
def server() -> Iterator[FakeServer]:
    fake = FakeServer()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            return None

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            fake.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}, body))
            self.send_response(200)
            if self.path.endswith("/embeddings"):
                data = [{"object": "embedding", "index": i, "embedding": [0.1, 0.2, 0.3]}
                        for i, _ in enumerate(body["input"])]  # fmt: skip
                out = json.dumps({"object": "list", "data": data, "model": body["model"]})
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(out.encode())
                return
            text = fake.replies.pop(0) if fake.replies else "The handoffs do not say."
            self.send_header("Content-Type", "application/x-ndjson")
            self.end_headers()
            for line in _ollama_lines(body["model"], text):
                self.wfile.write((json.dumps(line) + "\n").encode())

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    fake.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    yield fake
    httpd.shutdown()
    httpd.server_close()


def _services(monkeypatch: pytest.MonkeyPatch, **env: str) -> Services:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()
    return build_services(get_settings())


def test_ollama_extracts_and_answers_with_one_configuration(
    server: FakeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_history(_services(monkeypatch))  # published offline; the model answers about it
    svc = _services(
        monkeypatch,
        HANDOFF_LLM="ollama:llama3.1",
        HANDOFF_LLM_BASE_URL=server.url,
        HANDOFF_LLM_TIMEOUT_S="7",
        HANDOFF_LLM_FALLBACK="false",
    )
    extractor_model = svc.extractor.model  # type: ignore[attr-defined]
    assert svc.answerer.llm is not None
    answer_model = svc.answerer.llm.model
    for model in (extractor_model, answer_model):
        assert type(model).__name__ == "ChatOllama"
        assert model.base_url == server.url and model.client_kwargs == {"timeout": 7.0}

    server.replies.append(good_answer())
    context = drafting.context(svc, author="Jonas", team=None, recorded_at=AFTER)
    decl = drafting.extract(svc, transcript_from_text(WRAP), context)
    assert decl.extractor == "llm:ollama:llama3.1"
    assert decl.blockers[0].needed_from == "Petra"
    assert server.requests[-1][0] == "/api/chat" and "format" in server.requests[-1][2]

    server.replies.append("Auth is waiting on Sarah's session timeout decision [1].")
    got = questions.ask(svc, "what's blocking auth?", team="core", as_of=AFTER)
    assert got["answered_by"] == "llm:ollama:llama3.1"
    assert len(got["citations"]) == 1 and "Sarah" in got["citations"][0]["quote"]


def test_an_unreachable_model_is_one_error_for_both(
    server: FakeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.browser.conftest import free_port

    load_history(_services(monkeypatch))
    svc = _services(
        monkeypatch,
        HANDOFF_LLM="openai:test-model",
        HANDOFF_LLM_BASE_URL=f"http://127.0.0.1:{free_port()}/v1",
        HANDOFF_LLM_MAX_RETRIES="0",
        HANDOFF_LLM_FALLBACK="false",
    )
    with pytest.raises(LLMUnavailable) as extracting:
        drafting.extract(
            svc,
            transcript_from_text(WRAP),
            drafting.context(svc, author="Jonas", team=None, recorded_at=AFTER),
        )
    with pytest.raises(LLMUnavailable) as answering:
        questions.ask(svc, "what's blocking auth?", team="core", as_of=AFTER)
    assert extracting.value.status_code == answering.value.status_code == 503


def test_the_embeddings_key_is_its_own_setting(
    server: FakeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "from-the-environment")
    env = {"HANDOFF_EMBEDDINGS": "openai:embed-test", "HANDOFF_EMBEDDINGS_BASE_URL": server.url}
    assert _services(monkeypatch, **env).embedder.embed(["x"]) == [[0.1, 0.2, 0.3]]
    assert server.requests[-1][1]["authorization"] == "Bearer unused"
    svc = _services(monkeypatch, HANDOFF_EMBEDDINGS_API_KEY="from-the-setting", **env)
    svc.embedder.embed(["x"])
    assert server.requests[-1][0] == "/embeddings"
    assert server.requests[-1][1]["authorization"] == "Bearer from-the-setting"


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"HANDOFF_LLM": "nosuch:model"}, "HANDOFF_LLM"),
        ({"HANDOFF_LLM": "bare-model"}, "HANDOFF_LLM_BASE_URL"),
        ({"HANDOFF_EMBEDDINGS": "word2vec"}, "HANDOFF_EMBEDDINGS"),
        ({"HANDOFF_EMBEDDINGS": "minilm:other"}, "HANDOFF_EMBEDDINGS"),
    ],
)
def test_a_wrong_setting_names_the_variable(
    env: dict[str, str], variable: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    svc = _services(monkeypatch, **env)
    backend = "extractor" if "HANDOFF_LLM" in env else "embedder"
    with pytest.raises(ConfigError, match=variable):
        getattr(svc, backend)
    assert not svc.settings.home.exists()  # nothing was opened on the way


def test_the_offline_reader_reads_unknown_headings_with_the_embeddings_model() -> None:
    from api.wiring.extractor import offline_extractor
    from handoff.settings import Settings

    on = offline_extractor(Settings(heading_embeddings=True))
    assert on.label_classifier is not None
    assert on.label_classifier.part("Where are things at?") == "in_flight"  # the real MiniLM
    assert offline_extractor(Settings(heading_embeddings=False)).label_classifier is None
