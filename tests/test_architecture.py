"""The package's shape: imports run one way down the pipeline, no cycles, small modules.

Every import is read with ``ast``, those inside functions and under ``TYPE_CHECKING`` included,
so a cycle cannot hide behind a lazy import.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "derive"

# Top to bottom; a module may import from its own layer and from layers below it.
LAYERS = ("cli", "api", "documents", "check", "calculus", "language", "ir", "catalog", "errors")
# Modules at the top of the package that sit in a layer of their own.
TOP_MODULES = {"__init__": "cli", "__main__": "cli", "api": "api", "errors": "errors",
               "budget": "errors"}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def _layer(module: str) -> str:
    parts = module.split(".")
    if len(parts) == 1:
        return "cli"  # the package itself: derive/__init__.py
    return TOP_MODULES.get(parts[1], parts[1])


def _imports(module: str, path: Path, known: set[str]) -> set[str]:
    """The derive modules that ``module`` imports, anywhere in its body."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return {name for name in found if name in known and name != module}


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    known = set(modules)
    graph = {name: _imports(name, path, known) for name, path in modules.items()}
    # Importing a submodule runs its package's __init__ first; those edges are not cycles.
    return {name: {t for t in targets if not name.startswith(t + ".")}
            for name, targets in graph.items()}


def test_architecture_has_no_import_cycle() -> None:
    graph = _graph()
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        path.append(node)
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                cycle = path[path.index(target):] + [target]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if target not in state:
                visit(target)
        path.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)


def test_architecture_imports_run_down_the_pipeline() -> None:
    upward = []
    for module, targets in _graph().items():
        rank = LAYERS.index(_layer(module))
        for target in targets:
            if target == "derive":
                continue  # __version__ and the package marker
            if LAYERS.index(_layer(target)) < rank:
                upward.append(f"{module} imports {target}")
    assert upward == []


def test_architecture_catalog_is_data() -> None:
    for module, targets in _graph().items():
        if _layer(module) == "catalog":
            assert {_layer(t) for t in targets} <= {"catalog", "errors"}, module


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: p.name)
def test_architecture_module_is_small(path: Path) -> None:
    lines = path.read_text(encoding="utf-8").count("\n")
    assert lines <= 600, f"{path.relative_to(PACKAGE)} has {lines} lines"


def test_architecture_folders_are_small() -> None:
    for folder in [PACKAGE, *(p for p in PACKAGE.iterdir() if p.is_dir())]:
        modules = [p for p in folder.glob("*.py") if p.name != "__init__.py"]
        assert len(modules) <= 12, f"{folder.name} has {len(modules)} modules"


def test_architecture_test_is_not_vacuous() -> None:
    graph = _graph()
    assert "derive.calculus.index_method" in graph
    assert "derive.ir.expr" in graph["derive.calculus.index_method"]
    assert _layer("derive.documents.render") == "documents"
