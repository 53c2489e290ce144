"""How long-running work reports how far it got.

Decoding a clip, recognizing its speech and extracting the draft each report a stage and a
fraction; the CLI draws a bar from them and a job stores them for the page that polls it. One type
for all of them, so a reporter written for one stage fits every other.
"""

from __future__ import annotations

from collections.abc import Callable

#: `progress(stage, fraction)`: the stage's name ("transcribing") and how much of it is done (0..1).
Progress = Callable[[str, float], None]


def quiet(stage: str, fraction: float) -> None:
    """The `Progress` for callers that do not watch: the default wherever progress is optional."""
    return None
