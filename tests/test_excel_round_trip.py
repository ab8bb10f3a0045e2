"""The foreground exported with bw2io's Excel writer imports into a fresh project with the same scores."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from lca.brightway.project import make_current
from lca.cli import main
from lca.inventory.datasets import slug


def scores(project: str, database: str, unit: str, methods: list) -> dict:
    from bw2calc import LCA

    make_current(project)
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


def crafted(source: Path, folder: Path, change: Callable[[list], None]) -> Path:
    """A copy of an exported workbook with one change made to its rows."""
    import openpyxl

    book = openpyxl.load_workbook(source)
    sheet = book.active
    change(list(sheet.iter_rows()))
    path = folder / "crafted.xlsx"
    book.save(path)
    return path


def first(rows: list, label: str) -> list:
    """The first row whose first cell is `label`."""
    return next(row for row in rows if row[0].value == label)


def set_location(rows: list, value: str) -> None:
    """The first activity's location, and its production exchange's, so that every exchange
    still links: the old import then wrote the database, and bw2data's process() ran the code."""
    name = first(rows, "Activity")[1].value
    first(rows, "location")[1].value = value
    for row in rows:
        if row[0].value == name and row[4].value == "production":
            row[2].value = value


def set_exchange_amount(rows: list, value: object) -> None:
    header = rows.index(first(rows, "name"))
    rows[header + 2][1].value = value  # the exchange after the production one


@pytest.mark.parametrize("change, expected", [
    # bw2data 3.6 evals a location containing '(' when it processes the database.
    (lambda rows: set_location(rows, "__import__('os').system('touch {x}')"),
     "is not a known location code"),
    (lambda rows: setattr(first(rows, "unit")[1], "value", "furlong"), "unit 'furlong' is not one"),
    (lambda rows: set_exchange_amount(rows, "nan"), "expected a finite number"),
    (lambda rows: set_exchange_amount(rows, "1e400"), "expected a finite number"),
    (lambda rows: setattr(first(rows, "Database")[1], "value", "genai-lca open data"),
     "not a study foreground"),
])
def test_a_crafted_workbook_is_refused_before_anything_is_written(bundle, tmp_path, capsys,
                                                                  change, expected) -> None:
    import bw2data

    marker = tmp_path / "x"

    def apply(rows: list) -> None:
        change(rows)
        for row in rows:
            for cell in row:
                if isinstance(cell.value, str) and "{x}" in cell.value:
                    cell.value = cell.value.replace("{x}", str(marker))

    workbook = crafted(bundle.out / "foreground.xlsx", tmp_path, apply)
    project = f"rt-crafted-{tmp_path.name}"
    assert main(["import", str(workbook), "--project", project]) == 2
    assert expected in capsys.readouterr().err
    assert not marker.exists()
    assert project not in bw2data.projects  # nothing written, not even the project
