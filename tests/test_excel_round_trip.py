"""The foreground exported with bw2io's Excel writer imports into a fresh project with the same scores."""

from __future__ import annotations

import pytest

from lca.cli import main
from lca.inventory.datasets import slug


def scores(project: str, database: str, unit: str, methods: list) -> dict:
    import bw2data
    from bw2calc import LCA

    bw2data.projects.set_current(project)
    lca = LCA({(database, slug(unit)): 1.0}, method=tuple(methods[0]))
    lca.lci()
    out = {}
    for method in methods:
        lca.switch_method(tuple(method))
        lca.lcia()
        out[method[1]] = lca.score
    return out


def test_foreground_round_trip(bundle, capsys) -> None:
    doc = bundle.doc
    workbook = bundle.out / "foreground.xlsx"
    assert workbook.is_file()
    assert main(["import", str(workbook), "--project", "rt-fresh"]) == 0
    assert "imported 'genai-lca: Llama 3.1 405B" in capsys.readouterr().out
    database = doc["brightway"]["databases"][-1]
    methods = doc["brightway"]["methods"]
    for unit in doc["functional_units"]:
        got = scores("rt-fresh", database, unit["name"], methods)
        for indicator, info in doc["indicators"].items():
            assert got[info["name"]] == pytest.approx(unit["impacts"][indicator]["total"], rel=1e-6)
    # Importing over the foreground `assess` wrote is refused: the two are kept apart.
    assert main(["import", str(workbook), "--project", bundle.project]) == 2
    assert ("holds the study foreground of this title; an imported study foreground "
            "does not replace it") in capsys.readouterr().err


def test_import_of_something_else(tmp_path, capsys) -> None:
    path = tmp_path / "notes.xlsx"
    path.write_text("not a workbook", encoding="utf-8")
    assert main(["import", str(path), "--project", "rt-bad"]) == 2
    assert "not a Brightway Excel workbook" in capsys.readouterr().err
