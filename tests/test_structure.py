"""The package's import structure: no cycles, the data flowing one way, and the speed
machinery (forks, garbage-collector pauses) behind one door.

Imports are read from the source (``ast``), wherever they are in a module (a function's
``import`` counts as much as one at the top): ``from paperkg.graph import tally`` is an
import of ``paperkg.graph.tally``, ``from paperkg.graph import paper_graph`` one of
``paperkg.graph``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx
import pytest

import paperkg

PACKAGE = Path(paperkg.__file__).resolve().parent
#: The helpers that fork or pause the cyclic garbage collector.
FORK_GC = {"paperkg._accel.fork", "paperkg._accel.gcpause"}
#: Modules that may use them: the orchestration and the speed machinery itself.
MAY_FORK = {"paperkg.workflow"}


def _modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        name = ".".join(("paperkg", *parts)).removesuffix(".__init__")
        found[name] = path
    return found


def _imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The package's modules that module ``name`` (at ``path``) imports."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, base] if base else parent)
            subs = [f"{base}.{alias.name}" for alias in node.names
                    if f"{base}.{alias.name}" in modules]
            targets = subs or [base]
        else:
            continue
        out.update(t for t in targets if t in modules and t != name)
    return out


@pytest.fixture(scope="module")
def imports() -> nx.DiGraph:
    modules = _modules()
    graph = nx.DiGraph()
    graph.add_nodes_from(modules)
    for name, path in modules.items():
        graph.add_edges_from((name, target) for target in _imports(name, path, modules))
    return graph


def test_structure_import_graph_is_read_from_the_source(imports):
    assert imports.has_edge("paperkg.workflow", "paperkg._accel.fork")
    assert imports.has_edge("paperkg.graph", "paperkg.graph.build")
    assert imports.has_edge("paperkg.kg", "paperkg.io")
    assert imports.number_of_nodes() > 50


def test_structure_has_no_import_cycles(imports):
    cycles = [sorted(c) for c in nx.strongly_connected_components(imports) if len(c) > 1]
    assert cycles == []


def test_structure_only_the_workflow_forks_or_pauses_the_gc(imports):
    users = {m for m in imports if set(imports.successors(m)) & FORK_GC}
    outside = {m for m in users if not m.startswith("paperkg._accel")}
    assert outside == MAY_FORK
    # and nothing else calls os.fork or switches the collector off
    for name, path in _modules().items():
        if name in MAY_FORK or name.startswith("paperkg._accel"):
            continue
        source = path.read_text(encoding="utf-8")
        for call in ("os.fork", "gc.disable", "gc.freeze"):
            assert call not in source, f"{name} uses {call}"


@pytest.mark.parametrize(("lower", "higher"), [
    ("paperkg.graph", "paperkg.export"),
    ("paperkg.graph", "paperkg.workflow"),
    ("paperkg.graph", "paperkg.io"),
    ("paperkg.graph", "paperkg.cli"),
    ("paperkg.canonical", "paperkg.graph"),
    ("paperkg.load", "paperkg.extract"),
    ("paperkg.extract", "paperkg.graph"),
    ("paperkg.kg", "paperkg.export"),
])
def test_structure_lower_layers_do_not_import_higher_ones(imports, lower, higher):
    def inside(module: str, package: str) -> bool:
        return module == package or module.startswith(package + ".")

    wrong = sorted((a, b) for a, b in imports.edges
                   if inside(a, lower) and inside(b, higher))
    assert wrong == []
