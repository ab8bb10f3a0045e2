"""The package's import graph runs one way (issue 15): no module imports, directly or through
others, a module that imports it back, and no package imports one later in the flow. Imports
inside functions count too: they are how a command loads what it uses late, and a cycle through
them is still a cycle of the design."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

from tests.conftest import ROOT

PACKAGE = ROOT / "lca"


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports(path: Path) -> set[str]:
    """The lca modules a file imports (`from lca.report import tables` is lca.report.tables;
    `from lca.results.document import flow` is lca.results.document)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                found.add(full if full in MODULES else node.module)
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
    return {name for name in found if name in MODULES}


def graph(modules: dict[str, Path]) -> dict[str, set[str]]:
    return {name: imports(path) - {name} for name, path in modules.items()}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Every cycle's modules (the strongly connected components of more than one module, and
    modules importing themselves), by Tarjan's algorithm."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    out: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in sorted(edges[node]):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                component.append(top)
                if top == node:
                    break
            if len(component) > 1 or node in edges[node]:
                out.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return out


def test_the_finder_sees_a_cycle() -> None:
    """The check can fail: a -> b -> c -> a is one cycle, d (imported by a) is in none."""
    edges = {"a": {"b", "d"}, "b": {"c"}, "c": {"a"}, "d": set()}
    assert cycles(edges) == [["a", "b", "c"]]
    assert cycles({"a": {"a"}}) == [["a"]]


def test_the_graph_reads_lazy_and_aliased_imports() -> None:
    """The edges that made the cycles issue 15 names are read: a function-level import
    (assess imported analysis that way) and `from package import module`."""
    edges = graph(MODULES)
    assert "lca.assess" in edges["lca.analysis.uncertainty"]
    assert "lca.report.tables" in edges["lca.report.html"]
    assert "lca.report.bundle" in edges["lca.cli"]  # imported inside cmd_assess


def test_no_import_cycle() -> None:
    assert cycles(graph(MODULES)) == []


# The flow, lowest first (README, "Layout"): a module imports modules of its own layer and of
# the layers before it, never of a later one. The results document is data the pipeline
# (`lca.assess`) assembles and the analyses complete, so it comes before both; the report
# presents it; the API and the command line are on top.
LAYERS = (("lca.core",), ("lca.data",), ("lca.study",), ("lca.inventory",), ("lca.brightway",),
          ("lca.scoring",), ("lca.results",), ("lca.assess",), ("lca.analysis",), ("lca.report",),
          ("lca.api", "lca.cli", "lca.__main__"))
# Below every layer, importing nothing of the package: the version, and the defaults `--help`
# shows without loading anything (lca/defaults.py).
BASE = ("lca", "lca.defaults")


def layer(name: str) -> int:
    """The module's place in LAYERS (-1 for BASE); a KeyError names a module with no place."""
    if name in BASE:
        return -1
    for rank, prefixes in enumerate(LAYERS):
        if any(name == p or name.startswith(f"{p}.") for p in prefixes):
            return rank
    raise KeyError(f"{name} has no place in LAYERS: add its package where the data flow puts it")


def against_flow(edges: dict[str, set[str]]) -> set[tuple[str, str]]:
    """Every (importer, imported) pair whose imported module is in a later layer."""
    return {(name, other) for name, others in edges.items() for other in others
            if layer(other) > layer(name)}


def test_the_layer_check_sees_an_edge_against_the_flow() -> None:
    """The check can fail: data importing study (as the catalog once did, for HardwareChoice)
    and the core importing the report are against the flow; report importing core is not."""
    edges = {"lca.data.catalog": {"lca.study.file", "lca.core.errors"},
             "lca.core.rules.docs": {"lca.report.text"}, "lca.report.text": {"lca.core.units"},
             "lca.cli": {"lca.defaults"}}
    assert against_flow(edges) == {("lca.data.catalog", "lca.study.file"),
                                   ("lca.core.rules.docs", "lca.report.text")}
    with pytest.raises(KeyError, match="lca.pipeline has no place"):
        layer("lca.pipeline")


def test_every_module_has_a_place_in_the_flow() -> None:
    for name in MODULES:
        layer(name)


def test_the_base_imports_nothing_of_the_package() -> None:
    edges = graph(MODULES)
    assert {name: edges[name] for name in BASE} == {name: set() for name in BASE}


def test_no_package_imports_a_later_one() -> None:
    assert against_flow(graph(MODULES)) == set()


@pytest.mark.parametrize("name", sorted(set(MODULES) - {"lca.__main__"}))  # __main__ runs the CLI
def test_every_module_imports(name: str) -> None:
    importlib.import_module(name)
