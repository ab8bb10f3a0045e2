"""The foreground's bulk write (lca/brightway/bulk.py) against bw2data's own `Database.write`.

A study of 150 functional units (beyond bw2data's 100-activity threshold, where it drops and
rebuilds its indices) is prepared once; its foreground is written into one project by
`project.write_owned` (the bulk path) and into another by bw2data's `write`. The two projects
hold the same rows and metadata, the bulk-written database reads back through bw2data alone
(activities, exchanges, an LCA of it), and a rewrite replaces its rows without duplicating them.
Runs under whichever Brightway line is installed (CI runs the suite under both).
"""

from __future__ import annotations

import copy

import pytest
import yaml

from lca.assess import foreground_name, prepare
from lca.brightway import bwcompat, project as bw
from lca.data.opendata import load_indicators

UNITS = 150


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory):
    """Training and 149 inference units of different sizes, each carrying a share of it."""
    path = tmp_path_factory.mktemp("bulk") / "bulk.yaml"
    units = [{"name": f"i{i}", "workload": "inference",
              "inputs": {"inference.output_tokens": 1e6 * i},
              "includes": [{"unit": "training", "share": "1e6 / 1e15"}]} for i in range(1, UNITS)]
    path.write_text(yaml.safe_dump({
        "study": "bulk write", "location": "FR", "hardware": "dgx-h100",
        "inputs": {"model.parameters": 405e9, "inference.input_tokens": 0},
        "functional_units": [{"name": "training", "workload": "training",
                              "inputs": {"training.tokens": 15e12, "gpu.count": 16384}},
                             *units]}), encoding="utf-8")
    return prepare(path)


def _write(project: str, prepared, bulk: bool) -> str:
    """The prepared study's open data and foreground in `project`, by the tool or by bw2data."""
    import bw2data

    database = foreground_name(prepared.study.title)
    activities = {k: v for fg in prepared.foregrounds for k, v in fg.activities.items()}
    with bw.session(project):
        bw.open_project(project)
        bw.write_open_data(load_indicators(), prepared.background)
        if bulk:
            bw.write_owned(database, activities, "study foreground", searchable=False)
        else:
            db = bw2data.Database(database)
            db.register()
            with bw._quiet():  # bw2data's write adds keys to the data it is given: a copy
                bwcompat.write(db, copy.deepcopy(activities), searchable=False)
                db.process()
    return database


def _rows(project: str, database: str) -> tuple[list, list]:
    """The database's activity and exchange rows as bw2data reads them, ids left out (2.5 draws
    each activity's id at random)."""
    import bw2data

    bw.make_current(project)
    activities, exchanges = [], []
    for activity in bw2data.Database(database):
        document = activity._document
        data = {k: v for k, v in document.data.items() if k != "id"}
        activities.append((document.database, document.code, document.location, document.name,
                           document.product, document.type, data))
        for exchange in activity.exchanges():
            row = exchange._document
            exchanges.append((row.input_database, row.input_code, row.output_database,
                              row.output_code, row.type, row.data))
    return sorted(activities, key=repr), sorted(exchanges, key=repr)


@pytest.fixture(scope="module")
def written(prepared) -> tuple[str, str]:
    bulk = _write("bulk-write", prepared, bulk=True)
    _write("bw2data-write", prepared, bulk=False)
    return bulk, "bulk-write"


def test_the_bulk_write_holds_what_bw2data_writes(written) -> None:
    import bw2data

    database, _ = written
    bulk = _rows("bulk-write", database)
    own = _rows("bw2data-write", database)
    # Every unit has at least 8 activities (the unit, GPU, server share, CPU, RAM, SSD, chassis,
    # data-centre electricity: model/foreground.yaml).
    assert len(bulk[0]) == len(own[0]) >= UNITS * 8
    assert bulk == own
    bw.make_current("bw2data-write")
    metadata = {k: v for k, v in bw2data.databases[database].items()
                if k not in ("modified", "processed", "depends", bw.MARK)}
    bw.make_current("bulk-write")
    assert {k: v for k, v in bw2data.databases[database].items()
            if k not in ("modified", "processed", "depends", bw.MARK)} == metadata
    assert bw2data.databases[database]["number"] == len(bulk[0])


def test_the_bulk_written_database_opens_and_solves_in_bw2data(written, prepared) -> None:
    import bw2calc
    import bw2data

    database, project = written
    bw.make_current(project)
    db = bw2data.Database(database)
    assert len(db) == sum(len(fg.activities) for fg in prepared.foregrounds)
    unit = bw2data.get_activity((database, "i1"))
    assert {e.input.key for e in unit.technosphere()} >= {(database, "training")}
    method = bw.method_name(load_indicators()["gwp"])
    lca = bw2calc.LCA({unit: 1.0}, method=method)
    lca.lci()
    lca.lcia()
    assert lca.score > 0


def test_a_rewrite_replaces_the_rows(written, prepared) -> None:
    """Writing other data into the same database leaves only the new rows (write_owned deletes,
    then the bulk write inserts; the fingerprint makes it write again)."""
    import bw2data

    database, project = written
    first = prepared.foregrounds[0]
    with bw.session(project):
        bw.open_project(project)
        bw.write_owned(database, dict(first.activities), "study foreground", searchable=False)
    assert len(bw2data.Database(database)) == len(first.activities)
    activities, exchanges = _rows(project, database)
    assert len(exchanges) == sum(len(a["exchanges"]) for a in first.activities.values())
