"""The architecture as the code has it: no import cycle, no borrowed private names, short steps.

DESIGN.md's "Layers": imports run one way (the layers themselves are import-linter
contracts in pyproject.toml, run by ``lint-imports`` in CI); this module checks what
those contracts cannot say: that no two modules of ``zoo`` import each other through any
chain (function-level imports included), that no module imports another's ``_private``
name, that nothing below the user's face imports the face back, and that the workflow's
functions stay short enough to read as the pipeline they run.
"""

from __future__ import annotations

import ast
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[1]
ZOO = ROOT / "zoo"

#: The faces: ``zoo`` for users, and the modules users and plugin authors import by name.
#: They sit on top, so they may import one another; nothing below imports them.
#: (``zoo.hookspecs`` is public too, but it is base: the registry loads plugins with it.)
FACES = {"zoo", "zoo.__main__", "zoo.data", "zoo.sklearn", "zoo.testing"}

#: The workflow's packages, whose functions each read as one pipeline (DESIGN "Layers").
SHORT_FUNCTIONS = ("_training", "_tuning", "_presets")
MAX_FUNCTION_LINES = 100


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("zoo", include_external_packages=False)


def _cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Strongly connected groups of two or more modules (Tarjan), each a cycle or several."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for other in graph.find_modules_directly_imported_by(module):
            if other not in index:
                visit(other)
                low[module] = min(low[module], low[other])
            elif other in on_stack:
                low[module] = min(low[module], index[other])
        if low[module] == index[module]:
            group = []
            while True:
                other = stack.pop()
                on_stack.discard(other)
                group.append(other)
                if other == module:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return groups


def test_no_import_cycle_among_zoo_modules(graph: grimp.ImportGraph) -> None:
    assert _cycles(graph) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    graph = grimp.ImportGraph()
    for module in ("a", "a.b", "a.c", "a.d"):
        graph.add_module(module)
    graph.add_import(importer="a.b", imported="a.c")
    graph.add_import(importer="a.c", imported="a.b")
    graph.add_import(importer="a.d", imported="a.b")
    assert _cycles(graph) == [["a.b", "a.c"]]


def test_nothing_below_the_faces_imports_a_face(graph: grimp.ImportGraph) -> None:
    found = {
        (importer, face)
        for face in FACES
        if face in graph.modules
        for importer in graph.find_modules_that_directly_import(face)
        if importer not in FACES and not importer.startswith("zoo._cli")
    }
    assert found == set()


def _modules() -> list[Path]:
    """Every module of the ``zoo`` package."""
    return sorted(ZOO.rglob("*.py"))


def _private_imports(path: Path, root: Path = ROOT) -> list[str]:
    """``path:line name`` for each ``_private`` name imported from a zoo module."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom) and (
            node.level or (node.module or "").startswith("zoo")
        ):
            for alias in node.names:
                name = alias.name
                if name.startswith("_") and not name.startswith("__"):
                    found.append(f"{path.relative_to(root)}:{node.lineno} {name}")
    return found


def test_no_module_imports_another_modules_private_name() -> None:
    found = [line for path in _modules() for line in _private_imports(path)]
    assert found == []


def test_the_private_name_finder_finds_one(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from zoo._x import public, _hidden\nfrom .y import _z\nfrom os import _exit\n"
    )
    found = [line.split()[-1] for line in _private_imports(sample, tmp_path)]
    assert found == ["_hidden", "_z"]


def _long_functions(path: Path) -> list[str]:
    """``path:function N lines`` for each function over `MAX_FUNCTION_LINES`."""
    return [
        f"{path.relative_to(ROOT)}:{node.name} {node.end_lineno - node.lineno + 1} lines"
        for node in ast.walk(ast.parse(path.read_text(), str(path)))
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES
    ]


@pytest.mark.parametrize("package", SHORT_FUNCTIONS)
def test_workflow_functions_are_short(package: str) -> None:
    found = [
        line for path in sorted((ZOO / package).rglob("*.py")) for line in _long_functions(path)
    ]
    assert found == []
