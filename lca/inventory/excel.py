"""A study's foreground as a bw2io Excel workbook, and back into a project (for Activity Browser).

The export is bw2io's own `write_lci_excel`. The import reads it with bw2io's ExcelImporter,
links every exchange by name, unit and location to the workbook itself, the open-data background
and the indicator biosphere (which the tool writes into the project first, as for a study), and
writes it as a database the tool owns, so that scores are those of the original project.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from lca.errors import InputError, Where
from lca.inventory import brightway as bw
from lca.inventory import bwcompat
from lca.inventory.data import load_indicators, load_locations, load_manufacturing
from lca.inventory.datasets import BACKGROUND, BIOSPHERE, Key, background_datasets


def export_foreground(database: str, project: str, path: Path) -> Path:
    """Write `database` of `project` to `path` with bw2io's Excel writer."""
    bw.open_project(project)
    with bwcompat.chatter():
        from bw2io.export.excel import write_lci_excel

        written = Path(write_lci_excel(database))
    shutil.move(written, path)  # bw2io writes into the project's output folder; keep it clean
    import bw2data

    _state_dependencies(path, bw2data.Database(database).find_dependents())
    return path


def _state_dependencies(path: Path, databases: list[str]) -> None:
    """Say in the workbook's database section which databases its exchanges link to, and where
    a colleague gets them: the file alone does not import into another Brightway."""
    import openpyxl

    book = openpyxl.load_workbook(path)
    sheet = book.worksheets[0]
    sheet.insert_rows(2, 2)  # below the `Database` row, in its metadata section
    names = ", ".join(f"'{name}'" for name in databases)
    sheet["A2"], sheet["B2"] = "depends", "; ".join(databases)
    sheet["A3"], sheet["B3"] = "comment", (
        f"Exchanges link to the databases {names}, not in this file: import study.bw2package "
        f"(written beside it) for everything, or bring this file in with `genai-lca import`.")
    book.save(path)


def import_foreground(path: Path, project: str) -> str:
    """Import a workbook written by `export_foreground` into `project`; return its database.

    Every exchange must link, else nothing is written: the error names the first unlinked ones.
    """
    if not path.is_file():
        raise InputError("no such workbook", Where(str(path)))
    bw.open_project(project)
    with bwcompat.chatter():
        from bw2io.importers.excel import ExcelImporter
        from bw2io.strategies import (csv_add_missing_exchanges_section, csv_drop_unknown,
                                      csv_numerize, csv_restore_booleans, csv_restore_tuples)

        try:
            importer = ExcelImporter(str(path))
        except Exception as exc:  # openpyxl and bw2io raise many kinds on a foreign file
            raise InputError(f"not a Brightway Excel workbook: {exc}", Where(str(path))) from None
        # bw2io's default strategies migrate ecoinvent biosphere names, which ours are not.
        importer.strategies = [csv_restore_tuples, csv_restore_booleans, csv_numerize,
                               csv_drop_unknown, csv_add_missing_exchanges_section]
        importer.apply_strategies()
    database = importer.db_name
    owner = str(path.resolve())
    bw.check_owned(database, owner)
    indicators = load_indicators()
    bw.write_open_data(indicators, background_datasets(load_locations(), load_manufacturing()[0]))
    with bwcompat.chatter():
        importer.match_database(fields=("name", "unit", "location"))
        importer.match_database(BACKGROUND, fields=("name", "unit", "location"))
        importer.match_database(BIOSPHERE, fields=("name", "unit"))
    unlinked = [f"{e['name']} ({e.get('unit')}, {e.get('location')})" for e in importer.unlinked]
    if unlinked:
        raise InputError(f"{len(unlinked)} exchanges link to nothing in the workbook, the open "
                         f"data or the indicators, e.g. {'; '.join(unlinked[:3])}",
                         Where(str(path)))
    data: dict[Key, dict] = {}
    for activity in importer.data:
        fields = {k: v for k, v in activity.items() if k not in ("worksheet name", "database")}
        data[(database, activity["code"])] = fields
    bw.write_owned(database, data, "imported study foreground", owner=owner)
    return database
