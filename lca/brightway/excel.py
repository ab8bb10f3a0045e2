"""A study's foreground as a bw2io Excel workbook, and back into a project (for Activity Browser).

The export is bw2io's own `write_lci_excel`. The import reads it with bw2io's ExcelImporter,
links every exchange by name, unit and location to the workbook itself, the open-data background
and the indicator biosphere (which the tool writes into the project first, as for a study), and
writes it as a database the tool owns, so that scores are those of the original project.
"""

from __future__ import annotations

import math
import shutil
from pathlib import Path
from typing import Any

from lca.brightway import project as bw
from lca.brightway.handle import Project
from lca.brightway import bwcompat
from lca.core.errors import InputError, Where
from lca.data.opendata import load_indicators, load_locations, load_manufacturing
from lca.inventory.datasets import BW_UNITS, Key, background_datasets, biosphere_datasets


def export_foreground(database: str, project: Project, path: Path) -> Path:
    """Write `database` of `project` to `path` with bw2io's Excel writer."""
    with project.session():
        project.use()
        import bw2data

        needs = bw2data.Database(database).find_dependents()
        with bwcompat.chatter():
            from bw2io.export.excel import write_lci_excel

            written = Path(write_lci_excel(database))
    shutil.move(written, path)  # bw2io writes into the project's output folder; keep it clean
    _state_dependencies(path, needs)
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


def import_foreground(path: Path, project: Project) -> str:
    """Import a workbook written by `export_foreground` into `project`; return its database.

    The workbook is read, every field checked and every exchange linked (to the workbook itself,
    the open-data background and the indicator biosphere, as the tool would write them) before the
    project is opened: a workbook that fails any check writes nothing.
    """
    if not path.is_file():
        raise InputError("no such workbook", Where(str(path)))
    database, activities = _read_workbook(path)
    indicators = load_indicators()
    biosphere = biosphere_datasets(indicators)
    background = background_datasets(load_locations(), load_manufacturing()[0])
    data = _checked(path, database, activities, biosphere, background)
    owner = bw.Owner("imported study foreground", str(path.resolve()))
    with project.session():
        project.use()
        bw.check_owned(database, owner)
        bw.write_open_data(indicators, background)
        bw.write_owned(database, data, owner.role, owner)
    return database


def _read_workbook(path: Path) -> tuple[str, list[dict[str, Any]]]:
    """The database name and activities of a bw2io Excel workbook, as its importer reads them."""
    bw.import_brightway()
    with bwcompat.chatter():
        from bw2io.importers.excel import ExcelImporter
        from bw2io.strategies import (csv_add_missing_exchanges_section, csv_drop_unknown,
                                      csv_numerize, csv_restore_booleans, csv_restore_tuples)

        try:
            importer = ExcelImporter(str(path))
            # bw2io's default strategies migrate ecoinvent biosphere names, which ours are not.
            importer.strategies = [csv_restore_tuples, csv_restore_booleans, csv_numerize,
                                   csv_drop_unknown, csv_add_missing_exchanges_section]
            importer.apply_strategies()
        except Exception as exc:  # openpyxl and bw2io raise many kinds on a foreign file
            raise InputError(f"not a Brightway Excel workbook: {exc}", Where(str(path))) from None
    return importer.db_name, importer.data


def _checked(path: Path, database: Any, activities: list[dict[str, Any]],
             biosphere: dict[Key, dict[str, Any]], background: dict[Key, dict[str, Any]]
             ) -> dict[Key, dict[str, Any]]:
    """The workbook's activities as Brightway data, every field checked and every exchange linked.

    Names, codes and units must be text the tool writes, locations known codes, amounts finite
    numbers, other fields plain values. A location is what bw2data 3.6 `eval`s when it contains
    '(' (SQLiteBackend.process), so only the known codes pass.
    """
    if not isinstance(database, str) or not database.startswith(bw.FOREGROUND_PREFIX):
        raise InputError(f"the workbook's database is {database!r}, not a study foreground "
                         f"('{bw.FOREGROUND_PREFIX}<title>') as `--out` writes it",
                         Where(str(path), key="Database"))
    locations = set(load_locations()) | {"GLO"}
    units = set(BW_UNITS) | {ds["unit"] for ds in biosphere.values()}
    for activity in activities:
        where = Where(str(path), key=f"Activity {str(activity.get('name'))[:80]}")
        _check_fields(activity, locations, units, where, ("name", "code", "unit", "location"))
        if activity.get("type") not in bwcompat.PROCESS_TYPES:
            raise InputError(f"type {activity.get('type')!r}, expected "
                             f"{' or '.join(map(repr, bwcompat.PROCESS_TYPES))}", where)
        for exchange in activity.get("exchanges", []):
            _check_exchange(exchange, locations, units, where)
    _link(path, database, activities, biosphere, background)
    data: dict[Key, dict[str, Any]] = {}
    for activity in activities:
        key = (database, activity["code"])
        if key in data:
            raise InputError(f"two activities have the code {activity['code']!r}",
                             Where(str(path), key="code"))
        data[key] = {k: v for k, v in activity.items() if k not in ("worksheet name", "database")}
    return data


def _check_exchange(exchange: dict[str, Any], locations: set[str], units: set[str],
                    where: Where) -> None:
    kind = exchange.get("type")
    if kind not in ("production", "technosphere", "biosphere"):
        raise InputError(f"an exchange of type {kind!r}; expected production, technosphere or "
                         f"biosphere", where)
    amount = exchange.get("amount")
    if isinstance(amount, bool) or not isinstance(amount, (int, float)) or not math.isfinite(amount):
        raise InputError(f"exchange {str(exchange.get('name'))[:80]!r} has the amount "
                         f"{str(amount)[:80]}; expected a finite number", where)
    required = ("name", "unit") + (("location",) if kind != "biosphere" else ())
    _check_fields(exchange, locations, units, where, required)


def _check_fields(fields: dict[str, Any], locations: set[str], units: set[str], where: Where,
                  required: tuple[str, ...]) -> None:
    """Required text fields present, the unit and location known, every other value plain."""
    for key in required:
        value = fields.get(key)
        if not isinstance(value, str) or not value.strip():
            raise InputError(f"{key} is {value!r}; expected text", where)
    if fields["unit"] not in units:
        raise InputError(f"unit {fields['unit']!r} is not one the tool writes ("
                         f"{', '.join(sorted(units))})", where)
    if "location" in fields and fields["location"] not in locations:
        raise InputError(f"location {str(fields['location'])[:80]!r} is not a known location code "
                         f"(inventories/electricity.csv, or GLO)", where)
    for key, value in fields.items():
        if key in ("exchanges", "input"):  # checked one by one; links are made afresh
            continue
        plain = (isinstance(value, (str, bool)) or value is None
                 or (isinstance(value, (int, float)) and math.isfinite(value))
                 or (isinstance(value, tuple) and all(isinstance(v, str) for v in value)))
        if not isinstance(key, str) or not plain:
            raise InputError(f"field {str(key)[:80]!r} has the value {str(value)[:80]!r}; "
                             f"expected text or a finite number", where)


def _link(path: Path, database: str, activities: list[dict[str, Any]],
          biosphere: dict[Key, dict[str, Any]], background: dict[Key, dict[str, Any]]) -> None:
    """Link every exchange by name, unit and location (name and unit for the indicator flows)
    to the workbook itself, the open data and the indicators; else nothing is written."""
    from bw2io.errors import StrategyError
    from bw2io.strategies import link_iterable_by_fields

    fields = ("name", "unit", "location")
    for activity in activities:  # links are made here, never taken from the workbook
        for exchange in activity.get("exchanges", []):
            exchange.pop("input", None)
    try:
        link_iterable_by_fields(activities, fields=fields, internal=True)
        for data, by in ((background, fields), (biosphere, ("name", "unit"))):
            other = [{**ds, "database": key[0], "code": key[1]} for key, ds in data.items()]
            link_iterable_by_fields(activities, other, fields=by)
    except StrategyError as exc:
        raise InputError(f"an exchange links to several datasets: {exc}", Where(str(path))) from None
    unlinked = [f"{e['name']} ({e.get('unit')}, {e.get('location')})"
                for a in activities for e in a.get("exchanges", []) if not e.get("input")]
    if unlinked:
        raise InputError(f"{len(unlinked)} exchanges link to nothing in the workbook, the open "
                         f"data or the indicators, e.g. {'; '.join(unlinked[:3])}",
                         Where(str(path)))
