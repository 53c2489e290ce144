"""Versioned prompt templates: `prompts/<name>.v<N>.md`, loaded by name (latest version by default).

A prompt is code: changing one means adding a new version file (or editing one under review) and
the tests in `tests/summarizer/test_prompts.py` pin what each must say. Templates use `$name`
placeholders (`string.Template`), so JSON braces in a prompt need no escaping; a missing value is a
developer error and raises.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from string import Template

PROMPT_DIR = Path(__file__).resolve().parent
_FILE_RE = re.compile(r"^(?P<name>[a-z0-9_]+)\.v(?P<version>\d+)\.md$")


class PromptNotFound(LookupError):
    """No prompt file with that name (or version); the message lists what exists."""


@dataclass(frozen=True, slots=True)
class Prompt:
    name: str
    version: int
    text: str

    @property
    def id(self) -> str:
        """`name@vN:sha8`, recorded with every draft an LLM produced."""
        digest = hashlib.sha256(self.text.encode()).hexdigest()[:8]
        return f"{self.name}@v{self.version}:{digest}"

    def render(self, **values: object) -> str:
        return Template(self.text).substitute({k: str(v) for k, v in values.items()})


def available() -> dict[str, list[int]]:
    """Every prompt name and its versions, ascending."""
    found: dict[str, list[int]] = {}
    for path in PROMPT_DIR.glob("*.md"):
        m = _FILE_RE.match(path.name)
        if m:
            found.setdefault(m.group("name"), []).append(int(m.group("version")))
    return {name: sorted(versions) for name, versions in sorted(found.items())}


@lru_cache(maxsize=32)
def load_prompt(name: str, version: int | None = None) -> Prompt:
    """The prompt `name` at `version` (default: the latest)."""
    versions = available().get(name)
    if not versions:
        raise PromptNotFound(f"No prompt named {name!r}; prompts are {', '.join(available())}.")
    chosen = versions[-1] if version is None else version
    if chosen not in versions:
        raise PromptNotFound(
            f"Prompt {name!r} has no version {chosen}; versions are "
            f"{', '.join(map(str, versions))}."
        )
    text = (PROMPT_DIR / f"{name}.v{chosen}.md").read_text(encoding="utf-8")
    return Prompt(name=name, version=chosen, text=text)
