"""The search index from settings: where Chroma lives, and the embedder it is given.

No `HANDOFF_CHROMA_URL`: an embedded Chroma under `HANDOFF_HOME/index`. With it: a client of that
server, checked with a heartbeat so a wrong URL fails here, in one sentence, not at the first
question. The index itself (`search.index.FieldIndex`) takes the client and the embedder.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from search.errors import IndexUnavailable

if TYPE_CHECKING:
    from chromadb.api import ClientAPI

    from handoff.settings import Settings
    from handoff.store import HandoffStore
    from search.embeddings import Embedder
    from search.index import FieldIndex, FieldsOf


def chroma_client(settings: Settings) -> ClientAPI:
    """An embedded Chroma under HOME/index, or a client of the server at HANDOFF_CHROMA_URL."""
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    try:
        if settings.chroma_url:
            from urllib.parse import urlparse

            url = urlparse(settings.chroma_url)
            client = chromadb.HttpClient(
                host=url.hostname or "127.0.0.1",
                port=url.port or 8000,
                ssl=url.scheme == "https",
                settings=chroma_settings,
            )
            client.heartbeat()
            return client
        settings.index_dir.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(settings.index_dir), settings=chroma_settings)
    except Exception as exc:
        where = settings.chroma_url or str(settings.index_dir)
        raise IndexUnavailable(
            f"Cannot open the search index at {where} (check HANDOFF_CHROMA_URL)."
        ) from exc


def build_index(settings: Settings, embedder: Embedder, *, fields_of: FieldsOf) -> FieldIndex:
    """The field index on the configured Chroma; `fields_of` tells it which ledger item each
    field of a handoff became (see `ledger_fields`)."""
    from search.index import FieldIndex

    return FieldIndex(chroma_client(settings), embedder, fields_of=fields_of)


def ledger_fields(store: HandoffStore, handoff_id: str) -> dict[str, str]:
    """Which ledger item each field of the handoff became ({"blockers[0]": item id, ...})."""
    from handoff.ledger import fields_of

    with store.session() as session:
        return fields_of(session, handoff_id)
