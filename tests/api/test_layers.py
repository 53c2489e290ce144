"""Imports point one way in `api/` (routes, commands, tasks -> use-cases -> wiring), and only
`api/` reads settings to choose a backend: `search` and `summarizer` are given theirs. Every
import statement counts, lazy and TYPE_CHECKING ones too."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _imports(path: Path) -> set[str]:
    """Every module `path` imports, absolute, with the names imported from it."""
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{parent}.{base}" if base else parent
            found |= {base} | {f"{base}.{alias.name}" for alias in node.names}
    return found


def _offenders(folder: str, forbidden: tuple[str, ...]) -> list[str]:
    return sorted(
        f"{path.relative_to(ROOT)} imports {name}"
        for path in (ROOT / folder).rglob("*.py")
        for name in _imports(path)
        if any(name == f or name.startswith(f + ".") for f in forbidden)
    )


@pytest.mark.parametrize(
    ("folder", "forbidden"),
    [
        (
            "api/wiring",
            ("api.usecases", "api.routes", "api.cli", "api.tasks", "api.deps", "api.app"),
        ),
        ("api/usecases", ("api.routes", "api.cli", "api.tasks", "api.deps", "api.app")),
        ("search", ("handoff.settings", "api")),
        ("summarizer", ("handoff.settings", "api")),
    ],
)
def test_imports_point_one_way(folder: str, forbidden: tuple[str, ...]) -> None:
    assert _offenders(folder, forbidden) == []
