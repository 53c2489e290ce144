"""What a background job's stage is called on screen.

Workers report stages as short machine words ("decode", "load model", "transcribe", ...; see
`api.tasks` and the recognizers in `ingest`). This is the one table that turns them into words
for people: the web UI renders it on the server, so no script keeps a copy that could drift.
A stage missing here is still shown, capitalised, rather than hidden: a new stage in a worker
must never blank the progress line.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

#: Stage word (as a worker reports it) -> what the progress line says.
STAGE_LABELS: Mapping[str, str] = MappingProxyType(
    {
        "queued": "Queued",
        "decode": "Decoding the clip",
        "load model": "Loading the speech model",
        "language model": "Loading the speech model",
        "transcribe": "Transcribing",
        "import": "Importing the chat",
        "extract": "Extracting the declaration",
        "refining": "Refining with the LLM",
        "index": "Indexing for answers",
        "done": "Done",
    }
)


def stage_label(stage: str | None) -> str:
    """The words for `stage`; an unknown one (e.g. "retrying in 4 s") as it came, capitalised."""
    if not stage:
        return "Working"
    return STAGE_LABELS.get(stage) or stage[:1].upper() + stage[1:]
