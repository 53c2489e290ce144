"""Conversations for `handoff ask`, kept per owner and team under HOME/conversations.

The API takes a follow-up's earlier questions in the request, from the signed-in caller's own
page or script, and stores none: one user's conversation never reaches another. A shell has no
such state, so the CLI keeps them on disk: the team's last conversation (continued by
`--follow-up`) and named ones (`--conversation NAME`). Only questions are kept, as the answerer
re-reads them for context.

Conversations belong to their user: a file is keyed by the owner's account id (server-made) and
the team's validated slug, never by a path or name from input; the operator at the console has
their own (`HOME/conversations/<team>.json`, where they always were).
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import quote

from handoff.errors import InvalidInput

KEEP = 20  # earlier questions kept per conversation; a follow-up only needs the last few
_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


def check_name(name: str) -> str:
    """A conversation name becomes a JSON key, never a path; keep it short and plain anyway."""
    if not _NAME_RE.fullmatch(name):
        raise InvalidInput(
            "A conversation name is 1-64 letters, digits, '.', '_' or '-', starting with a "
            "letter or digit."
        )
    return name


class Conversations:
    """One JSON file per team: {"current": name, "questions": {name: [questions]}}.

    The unnamed conversation is "" (a plain `ask` starts it afresh); `current` is the one a
    `--follow-up` continues, whichever was used last.
    """

    def __init__(self, home: Path, team: str, *, owner: str | None = None) -> None:
        # quote() leaves '.' alone, so even a team called '..' gets a file name, not a path;
        # the owner is an account id the server made (hex), quoted all the same.
        folder = home / "conversations"
        if owner is not None:
            folder = folder / "users" / quote(owner, safe="")
        self.path = folder / f"{quote(team, safe='')}.json"

    def _read(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            data = None
        if not isinstance(data, dict) or not isinstance(data.get("questions"), dict):
            return {"current": "", "questions": {}}
        if not isinstance(data.get("current"), str):
            data["current"] = ""
        return data

    def _write(self, data: dict[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(data, f, ensure_ascii=False, indent=1)
            os.replace(tmp, self.path)  # atomic: a crash never leaves half a file
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def current(self) -> str:
        """The name of the conversation used last ("" for the unnamed one)."""
        return str(self._read()["current"])

    def questions(self, name: str) -> list[str]:
        """The earlier questions of conversation `name` (oldest first)."""
        got = self._read()["questions"].get(name, [])
        return [q for q in got if isinstance(q, str)] if isinstance(got, list) else []

    def save(self, name: str, questions: list[str]) -> None:
        """Store a conversation's questions and make it the one `--follow-up` continues."""
        data = self._read()
        data["questions"][name] = questions[-KEEP:]
        data["current"] = name
        self._write(data)
