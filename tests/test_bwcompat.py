"""Both Brightway lines: a project the tool wrote, and the package it exports, give the tool's
scores through plain bw2data/bw2io/bw2calc (no genai-lca code), and a project of the other
line is refused untouched.

Runs under whichever line is installed (CI runs the suite under both).
"""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest

from lca.brightway.project import make_current
from lca.cli import main
from tests.conftest import ROOT, Bundle

EXAMPLE = ROOT / "examples" / "llama-3.1-405b.yaml"
# The activity codes of the example's two functional units: their names made code-safe by hand
# ("1M output tokens" -> "1m-output-tokens"), so that no tool code finds them.
CODES = {"training": "training", "1M output tokens": "1m-output-tokens"}


def plain_scores(project: str, database: str, methods: list[list[str]]
                 ) -> dict[str, dict[tuple[str, ...], float]]:
    """Each functional unit's score per method, with bw2data and bw2calc alone.

    Both lines take an activity object as the demand (2.5 turns it into its id)."""
    import bw2calc
    import bw2data

    make_current(project)
    scores: dict[str, dict[tuple[str, ...], float]] = {}
    for unit, code in CODES.items():
        node = bw2data.get_activity((database, code))
        lca = bw2calc.LCA({node: 1.0}, method=tuple(methods[0]))
        lca.lci()
        lca.lcia()
        scores[unit] = {}
        for method in methods:
            lca.switch_method(tuple(method))
            lca.lcia_calculation()
            scores[unit][tuple(method)] = float(lca.score)
    return scores


def assert_same_as_the_tool(doc: dict, scores: dict[str, dict[tuple[str, ...], float]]) -> None:
    """The scores equal the results document's totals (float32 storage in bw2data 3: 1e-6)."""
    names = {tuple(m): i for m in doc["brightway"]["methods"]
             for i, ind in doc["indicators"].items() if ind["name"] == m[1]}
    assert len(names) == 4
    for unit in doc["functional_units"]:
        for method, indicator in names.items():
            assert scores[unit["name"]][method] == pytest.approx(
                unit["impacts"][indicator]["total"], rel=1e-6), (unit["name"], indicator)


def test_the_tools_project_scores_with_plain_bw2calc(bundle: Bundle) -> None:
    databases = bundle.doc["brightway"]["databases"]
    assert_same_as_the_tool(bundle.doc, plain_scores(bundle.project, databases[-1],
                                                     bundle.doc["brightway"]["methods"]))


def test_the_package_imports_into_an_empty_project_with_plain_bw2io(bundle: Bundle) -> None:
    import bw2data
    from bw2io.package import BW2Package

    make_current("test-package-colleague")
    assert not list(bw2data.databases)  # a colleague's empty project
    BW2Package.import_file(str(bundle.out / "study.bw2package"))
    databases = bundle.doc["brightway"]["databases"]
    assert sorted(bw2data.databases) == sorted(databases)
    assert {m for m in bw2data.methods} >= {tuple(m) for m in bundle.doc["brightway"]["methods"]}
    assert_same_as_the_tool(bundle.doc, plain_scores("test-package-colleague", databases[-1],
                                                     bundle.doc["brightway"]["methods"]))


def _files(folder: Path) -> dict[str, int]:
    return {str(p.relative_to(folder)): p.stat().st_size for p in folder.rglob("*") if p.is_file()}


def test_a_project_of_the_other_line_is_refused_untouched() -> None:
    """A project marked as the other line's (2.5 marks its projects with "25") exits 2, naming
    it, and nothing in it changes."""
    import bw2data
    from bw2data.project import ProjectDataset

    from lca.brightway import bwcompat

    name = "test-other-line"
    make_current(name)
    dataset = ProjectDataset.get(ProjectDataset.name == name)
    dataset.data = {**dataset.data, "25": not bwcompat.BW25}
    dataset.save()
    folder = Path(bw2data.projects.dir)
    make_current("default")
    before = _files(folder)
    errors = io.StringIO()
    with contextlib.redirect_stderr(errors), contextlib.redirect_stdout(io.StringIO()):
        status = main(["assess", str(EXAMPLE), "--project", name])
    assert status == 2
    assert f"project '{name}' was written by Brightway" in errors.getvalue()
    assert _files(folder) == before
    data = ProjectDataset.get(ProjectDataset.name == name).data
    assert bool(data.get("25")) is not bwcompat.BW25


def test_the_workbook_says_which_databases_it_needs(bundle: Bundle) -> None:
    """foreground.xlsx links to the tool's two other databases: its header names them."""
    import openpyxl

    sheet = openpyxl.load_workbook(bundle.out / "foreground.xlsx").worksheets[0]
    rows = [tuple(cell.value for cell in row[:2]) for row in sheet.iter_rows(max_row=3)]
    assert rows[0] == ("Database", bundle.doc["brightway"]["databases"][-1])
    assert rows[1] == ("depends", "genai-lca indicators; genai-lca open data")
    assert rows[2][0] == "comment" and "study.bw2package" in rows[2][1]
