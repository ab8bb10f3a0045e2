"""The processed arrays built from the written rows (lca/brightway/processed.py) against
bw2data's own `Database.process()`.

Each database is written by `project.write_owned` (the bulk write, then the direct path, with
bw2data's `process()` made to fail so that a silent fall back to it would show), its processed
arrays, metadata and a bw2calc score are read; then bw2data's `process()` rewrites them in the
same project (same ids) and they are read again. The two must agree field by field: on Brightway
2.5 every resource of the datapackage (indices, amounts, flips, distributions, reference flags)
and its description; on the legacy line the processed and geomapping arrays (input, output,
type, uncertainty fields). Runs under whichever Brightway line is installed (CI runs both).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from lca.assess import foreground_name, prepare
from lca.brightway import bwcompat, project as bw
from lca.data.opendata import load_indicators
from lca.inventory.datasets import BIOSPHERE, electricity_key
from tests.conftest import ROOT


def _read(database: str) -> dict[str, Any]:
    """The processed arrays of `database` as written (by name) and their description."""
    import bw2data

    db = bw2data.Database(database)
    if not bwcompat.BW25:
        return {"arrays": {"processed": np.load(db.filepath_processed()),
                           "geomapping": np.load(db.filepath_geomapping())}}
    from bw_processing import load_datapackage
    from fsspec.implementations.zip import ZipFileSystem

    package = load_datapackage(ZipFileSystem(str(db.dirpath_processed() / db.filename_processed())))
    # The package's own id and creation time differ from one writing to the next.
    described = {k: v for k, v in package.metadata.items() if k not in ("id", "created")}
    return {"arrays": {r["name"]: np.array(a) for a, r in zip(package.data, package.resources)},
            "package": described}


def _metadata(database: str) -> dict[str, Any]:
    """The database's metadata but its processing time and the tool's mark."""
    import bw2data

    return {k: v for k, v in bw2data.databases[database].items() if k not in ("processed", bw.MARK)}


def _score(key: tuple[str, str]) -> float:
    """The GWP score of one unit of `key` (bw2calc reading the processed arrays)."""
    lca = bwcompat.factorised_lca({key: 1.0}, bw.method_name(load_indicators()["gwp"]))
    lca.lcia()
    return float(lca.score)


def _assert_same(direct: dict[str, np.ndarray], own: dict[str, np.ndarray]) -> None:
    """Every array the same: names, dtypes, lengths, and each field's values (NaN = NaN)."""
    assert direct.keys() == own.keys()
    for name, array in own.items():
        assert direct[name].dtype == array.dtype, name
        assert direct[name].shape == array.shape, name
        for field in array.dtype.names or [None]:
            got, want = ((direct[name], array) if field is None
                         else (direct[name][field], array[field]))
            np.testing.assert_array_equal(got, want, err_msg=f"{name} {field}")


def _compare(project: str, database: str, data: dict, demand: tuple[str, str],
             monkeypatch: pytest.MonkeyPatch, background: dict) -> tuple[dict, float]:
    """Write `data` directly, then process it by bw2data; assert both agree. The direct path's
    arrays and score."""
    import bw2data

    with bw.session(project):
        bw.open_project(project)
        bw.write_open_data(load_indicators(), background)
        backend = type(bw2data.Database(BIOSPHERE))
        own_process = backend.process

        def refused(self: Any, *args: Any, **kwargs: Any) -> None:
            """bw2data's process() of an empty database only (2.5's `register` runs it)."""
            assert not len(self), f"bw2data's process() ran for {self.name}"
            own_process(self, *args, **kwargs)

        with monkeypatch.context() as patch:
            patch.setattr(backend, "process", refused)
            bw.write_owned(database, data, "study foreground", searchable=False)
        direct, metadata, score = _read(database), _metadata(database), _score(demand)
        stamp = bw2data.databases[database]["processed"]
        with bw._quiet():
            bw2data.Database(database).process()
        own = _read(database)
        _assert_same(direct["arrays"], own["arrays"])
        assert direct.get("package") == own.get("package")
        assert metadata == _metadata(database)
        assert stamp <= bw2data.databases[database]["processed"]
        assert score == _score(demand)
    return direct, score


@pytest.mark.parametrize("example, unit", [
    ("llama-3.1-405b.yaml", "1m-output-tokens"),
    # "one year, legacy L" includes the training and development units' activities.
    ("stable-diffusion-service.yaml", "one-year-legacy-l")])
def test_an_example_s_foreground_is_processed_as_bw2data_processes_it(
        example: str, unit: str, monkeypatch: pytest.MonkeyPatch) -> None:
    prepared = prepare(ROOT / "examples" / example)
    database = foreground_name(prepared.study.title)
    activities = {k: v for fg in prepared.foregrounds for k, v in fg.activities.items()}
    assert (database, unit) in {fg.unit for fg in prepared.foregrounds}
    direct, score = _compare(f"processed-{Path(example).stem}", database, activities,
                             (database, unit), monkeypatch, prepared.background)
    exchanges = sum(len(a["exchanges"]) for a in activities.values())
    if bwcompat.BW25:
        # Every exchange is a biosphere or technosphere entry; every activity has its own
        # production (no implicit one), flagged as its column's reference.
        def resource(suffix: str) -> np.ndarray:
            return next(a for n, a in direct["arrays"].items() if n.endswith(suffix))

        assert (len(resource("technosphere_matrix.indices"))
                + len(resource("biosphere_matrix.indices"))) == exchanges
        assert resource("technosphere_matrix.reference").sum() == len(activities)
    else:
        assert len(direct["arrays"]["processed"]) == exchanges
    assert score > 0


@pytest.fixture(scope="module")
def background() -> dict:
    """The open-data background, as every study writes it."""
    from lca.data.opendata import load_locations, load_manufacturing
    from lca.inventory.datasets import background_datasets

    return background_datasets(load_locations(), load_manufacturing()[0])


@pytest.fixture
def uncertain() -> dict:
    """A small database of what the tool's foreground never has: uncertainty distributions,
    a negative amount under a positive distribution, an activity without a production exchange
    (an implicit production), a substitution, an exchange flagged functional. The indicator
    flow's GWP factor is 1 (lca.brightway.project.register_methods): see the score's test."""
    name = "genai-lca: processed uncertain"
    gwp = (BIOSPHERE, load_indicators()["gwp"].id)
    lognormal = {"uncertainty type": 2, "uncertainty_type": 2}
    return {
        (name, "a"): {"name": "a", "unit": "unit", "location": "GLO", "type": "process",
                      "exchanges": [
                          {"input": (name, "a"), "amount": 1.0, "type": "production"},
                          {"input": (name, "b"), "amount": 0.5, "type": "technosphere",
                           **lognormal, "loc": math.log(0.5), "scale": 0.1},
                          {"input": gwp, "amount": 3.0, "type": "biosphere",
                           "uncertainty type": 3, "uncertainty_type": 3, "loc": 3.0,
                           "scale": 0.3, "minimum": 0.0, "maximum": 6.0},
                          # A negative amount under a lognormal: bw2data marks it `negative`.
                          {"input": (name, "c"), "amount": -0.25, "type": "technosphere",
                           **lognormal, "loc": math.log(0.25), "scale": 0.2}]},
        # No production exchange: its production of 1 is implicit.
        (name, "b"): {"name": "b", "unit": "unit", "location": "FR", "type": "process",
                      "exchanges": [{"input": gwp, "amount": 2.0, "type": "biosphere"}]},
        (name, "c"): {"name": "c", "unit": "unit", "location": "GLO", "type": "process",
                      "exchanges": [
                          {"input": (name, "c"), "amount": 1.0, "type": "production",
                           "functional": True},
                          {"input": (name, "b"), "amount": 0.1, "type": "substitution"},
                          {"input": electricity_key("FRA"), "amount": 0.0,
                           "type": "technosphere", "uncertainty type": 0}]},
    }


def test_uncertain_exchanges_are_processed_as_bw2data_processes_them(
        uncertain: dict, background: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    database = next(iter(uncertain))[0]
    _, score = _compare("processed-uncertain", database, uncertain, (database, "a"),
                        monkeypatch, background)
    # Hand arithmetic, one unit of a: a delivers 0.25 c (a negative input), so c runs -0.25
    # times and its substitution of 0.1 b per unit is undone: b runs 0.5 + 0.25 x 0.1 = 0.525
    # times. GWP: a's 3 kg + b's 2 kg x 0.525 = 4.05 kg (float32 amounts: rel 1e-6).
    assert score == pytest.approx(3.0 + 2.0 * 0.525, rel=1e-6)


def test_an_unknown_input_falls_back_to_bw2data_which_refuses_it(
        uncertain: dict, background: dict) -> None:
    from bw2data.errors import UnknownObject

    database = next(iter(uncertain))[0]
    broken = dict(uncertain)
    a = (database, "a")
    broken[a] = {**uncertain[a], "exchanges": [*uncertain[a]["exchanges"],
                                              {"input": (database, "nowhere"), "amount": 1.0,
                                               "type": "technosphere"}]}
    with bw.session("processed-unknown"):
        bw.open_project("processed-unknown")
        bw.write_open_data(load_indicators(), background)
        with pytest.raises(UnknownObject):
            bw.write_owned(database, broken, "study foreground", searchable=False)


def test_the_sort_is_numpy_s_structured_sort() -> None:
    """`_sorted` against `ndarray.sort(order=...)` (what bw_processing and bw2data call): rows
    told apart by their first four fields (the lexsort), and rows alike in those four that
    differ further on (the full sort), in bw_processing's layout."""
    from lca.brightway.processed import NAN, _sorted

    dtype = [("row", np.int64), ("col", np.int64), ("amount", np.float32),
             ("uncertainty_type", np.uint8), ("loc", np.float32), ("scale", np.float32),
             ("flip", bool)]
    order = ["row", "col", "amount", "uncertainty_type", "flip", "loc", "scale"]
    distinct = [(3, 1, 2.0, 0, 2.0, NAN, False), (1, 1, -1.0, 0, -1.0, NAN, True),
                (1, 1, -1.0, 2, 0.5, 0.1, True), (1, 0, 5.0, 0, 5.0, NAN, False)]
    alike = distinct + [(1, 1, -1.0, 0, -1.0, NAN, False), (1, 1, -1.0, 0, -3.0, NAN, True)]
    for rows in (distinct, alike):
        expected = np.array(rows, dtype=dtype)
        expected.sort(order=order)
        got = _sorted(np.array(rows, dtype=dtype), order)
        for name in order:
            np.testing.assert_array_equal(got[name], expected[name])
    # The first field decides: row 1 before row 3.
    assert list(_sorted(np.array(distinct, dtype=dtype), order)["row"]) == [1, 1, 1, 3]
