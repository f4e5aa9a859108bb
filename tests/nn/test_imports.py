"""tickcast.nn imports only NumPy (and the standard library, tickcast.errors); tqdm lazily."""

from __future__ import annotations

import ast
from pathlib import Path

import tickcast.nn

ALLOWED_TOP = {"numpy", "__future__", "typing", "collections", "math", "time", "os", "json"}


def _imports(tree: ast.Module, top_level_only: bool):
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    for node in nodes:
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            yield node.module or ""


def test_nn_modules_import_only_numpy_and_tickcast_errors():
    folder = Path(tickcast.nn.__file__).parent
    modules = sorted(folder.glob("*.py"))
    assert len(modules) >= 10
    for path in modules:
        tree = ast.parse(path.read_text())
        for name in _imports(tree, top_level_only=True):
            root = name.split(".")[0]
            ok = root in ALLOWED_TOP or name == "tickcast.errors" or name.startswith("tickcast.nn")
            assert ok, f"{path.name} imports {name} at module level"
        lazy = set(_imports(tree, top_level_only=False)) - set(_imports(tree, top_level_only=True))
        assert lazy <= {"tqdm"}, f"{path.name} lazily imports {lazy}"
