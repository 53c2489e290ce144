"""ingest's imports point one way: `ingest.asr` is a stack in which each module imports only those
below it (the order `ingest/asr/__init__.py` documents), the rest of `ingest` never imports from
above itself, and nothing in `ingest` reads settings or reaches into `api`. Lazy imports inside
functions and `TYPE_CHECKING` imports count too: a cycle through them is still a cycle."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ASR_ORDER = [
    "base",
    "language",
    "chunking",
    "pronounce",
    "vocab_text",
    "term_spotting",
    "whisper_common",
    "pocketsphinx_lm",
    "whisper",
    "faster_whisper",
    "pocketsphinx",
    "registry",
]


def _modules() -> dict[str, Path]:
    found = {}
    for path in (ROOT / "ingest").rglob("*.py"):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imports(path) & (modules.keys() - {name}) for name, path in modules.items()}


def test_the_asr_package_is_a_stack() -> None:
    graph = _graph()
    listed = [f"ingest.asr.{name}" for name in ASR_ORDER]
    assert set(listed) == {m for m in graph if m.startswith("ingest.asr.")}
    for i, module in enumerate(listed):
        above = set(listed[i:])
        assert not graph[module] & above, f"{module} imports {sorted(graph[module] & above)}"


def test_ingest_has_no_import_cycle() -> None:
    graph = _graph()
    done: set[str] = set()

    def visit(module: str, path: list[str]) -> None:
        if module in path:
            raise AssertionError(" -> ".join([*path[path.index(module) :], module]))
        if module in done:
            return
        for target in graph[module]:
            visit(target, [*path, module])
        done.add(module)

    for module in graph:
        visit(module, [])


def test_only_the_loader_stands_on_asr_and_nothing_reads_settings() -> None:
    modules = _modules()
    for name, path in modules.items():
        imported = _imports(path)
        assert not {i for i in imported if i.startswith(("api", "handoff.settings"))}, name
        if not name.startswith("ingest.asr") and name != "ingest.loader":
            assert not {i for i in imported if i.startswith("ingest.asr")}, name
