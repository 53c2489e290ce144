"""Each package draws its error tree in the docstring of its `errors.py`; the drawing must match
the classes (a class drawn under the wrong root sends a reader to the wrong handler)."""

from __future__ import annotations

import importlib
import inspect
import re
from types import ModuleType

import pytest

MODULES = ("handoff.errors", "ingest.errors", "summarizer.errors", "search.errors")
_BRANCH = re.compile(r"[├└]── (?P<names>[A-Z]\w*(?: / [A-Z]\w*)*)")
_ROOT = re.compile(r"^(?P<indent>\s*)(?P<name>[A-Z]\w*)(?: \((?P<parent>[A-Z]\w*)\))?(?:\s{2,}|$)")


def _drawn(module: ModuleType) -> dict[str, str | None]:
    """Class name -> the parent the docstring draws it under (None: a root drawn bare)."""
    drawn: dict[str, str | None] = {}
    stack: list[str] = []
    root_col = 0
    for line in (module.__doc__ or "").splitlines():
        branch = _BRANCH.search(line)
        if branch:
            depth = (branch.start() - root_col) // 4 + 1
            del stack[depth:]
            for name in branch["names"].split(" / "):
                drawn[name] = stack[depth - 1]
            stack.append(branch["names"].split(" / ")[0])
            continue
        root = _ROOT.match(line)
        if root:
            drawn[root["name"]] = root["parent"]
            stack, root_col = [root["name"]], len(root["indent"])
    return drawn


def _classes(module: ModuleType) -> dict[str, type[BaseException]]:
    return {
        name: cls
        for name, cls in inspect.getmembers(module, inspect.isclass)
        if issubclass(cls, BaseException) and cls.__module__ == module.__name__
    }


@pytest.mark.parametrize("name", MODULES)
def test_the_docstring_draws_every_error_under_its_parent(name: str) -> None:
    module = importlib.import_module(name)
    drawn = _drawn(module)
    classes = _classes(module)
    assert set(classes) <= set(drawn), f"not drawn: {sorted(set(classes) - set(drawn))}"
    for cls_name, cls in classes.items():
        parent = drawn[cls_name]
        if parent is not None:
            assert cls.__bases__[0].__name__ == parent, f"{cls_name} is drawn under {parent}"
