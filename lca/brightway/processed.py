"""A database's processed arrays built from the activities just written, as bw2data's
`Database.process()` builds them, without reading them back.

bw2data's `process()` reads every exchange of a database back from SQLite (through peewee on
Brightway 2.5), unpickles it and turns it into the arrays bw2calc reads: 5 s of a 10,000-unit
study's 36 (320,000 exchanges). The bulk write (`lca.brightway.bulk`) has every row in memory,
with Brightway 2.5's ids; here the same arrays are built from them, by the rules of the installed
bw2data's `process()`, and written where it writes them, with the metadata it sets:

- Brightway 2.5 (bw2data 4): the datapackage `processed/<database>.zip` (bw_processing) with the
  inventory geomapping, biosphere and technosphere vectors sorted as bw_processing sorts them,
  the technosphere's reference flags (bw2data's own `set_reference_flags`) and implicit
  productions; the database's `processed`, `depends` and `dirty`.
- The legacy line (bw2data 3.6): `processed/<database>.npy` and `<database>.geomapping.npy`,
  sorted by bw2data's own field order; the database's `processed` and `depends`.

An exchange with an uncertainty distribution or a bw_processing flag (`_FIELDS`) goes through
bw2data's `as_uncertainty_dict` and bw_processing's `dictionary_formatter`, as in `process()`; the
others, all of the tool's, get the entry those give a bare amount. bw2data's own `process()` runs
instead for what is not covered here: a database the bulk write did not write (the open data and a
workbook import, written searchable; a 2.5 project that records revisions) or that is empty
(nothing to gain), and data bw2data refuses (an exchange from an unknown activity, an amount not a
finite number, a location not in the geomapping, a legacy exchange type outside bw2data's types),
where it raises its own error, and what is rare enough not to be worth reproducing (a legacy
location written as a tuple, which bw2data evaluates; an edge type configured in two of bw2data's
edge-type lists). tests/test_processed.py compares both paths field by field on both lines.
"""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from lca.brightway.bulk import Written
from lca.brightway.bwcompat import BW25

NAN = float("nan")
#: The exchange fields bw2data or bw_processing read beyond the amount and type.
_FIELDS = frozenset({"uncertainty_type", "uncertainty type", "loc", "scale", "shape", "minimum",
                     "maximum", "negative", "rescale", "reference"})


@dataclass
class _Arrays:
    """What `process()` writes for one database: each array's rows (tuples in the layout of the
    array's fields), by array name, and the other databases its exchanges come from."""

    rows: dict[str, list[tuple]] = field(default_factory=dict)
    depends: set[str] = field(default_factory=set)


def process(db: Any, written: list[Written] | None) -> None:
    """Process the database `db` as bw2data's `process()` does: from the activities the bulk
    write wrote (`written`) when they are all within what this covers, else by bw2data."""
    arrays = (_arrays25 if BW25 else _arrays24)(db, written) if written else None
    if arrays is None:
        db.process()
    elif BW25:
        _save25(db, arrays)
    else:
        _save24(db, arrays)


def _finite(amount: Any) -> bool:
    """Whether `process()` takes the amount without raising (nor is it a type it converts)."""
    return (amount.__class__ is float or isinstance(amount, (int, float))) \
        and math.isfinite(amount)


def _plain(row: int, col: int, amount: float, flip: bool, reference: bool) -> tuple:
    """bw_processing's `dictionary_formatter` row of an entry with no uncertainty fields."""
    return (row, col, amount, 0, amount, NAN, NAN, NAN, NAN, False, flip, 1.0, reference)


def _formatted(exchange: dict[str, Any], row: int, col: int, flip: bool) -> tuple:
    """The vector row of an exchange with uncertainty fields, as bw2data's
    `exchange_data_iterator` and bw_processing's `dictionary_formatter` make it (reference flag
    unset)."""
    from bw2data.utils import as_uncertainty_dict
    from bw_processing.utils import dictionary_formatter

    # A copy: as_uncertainty_dict completes the dict it is given.
    return dictionary_formatter({**as_uncertainty_dict(dict(exchange)), "row": row, "col": col,
                                 "flip": flip})


class _Ids25(dict):
    """Activity ids by key: the bulk write's own, and another database's all read (one SELECT)
    when one of its keys is first asked for (`find`); the databases read are the ones the
    exchanges come from (`process()`'s `depends`)."""

    def __init__(self, name: str, written: list[Written]) -> None:
        super().__init__(((name, row["code"]), row["id"]) for row, _ in written)
        self.read = {name}

    def find(self, key: Any) -> int | None:
        if not isinstance(key, tuple) or key[0] in self.read:
            return self.get(key) if isinstance(key, tuple) else None
        from bw2data.backends.schema import ActivityDataset

        self.read.add(key[0])
        rows = ActivityDataset.select(ActivityDataset.id, ActivityDataset.database,
                                      ActivityDataset.code).where(
            ActivityDataset.database == key[0]).tuples()
        self.update(((database, code), id_) for id_, database, code in rows)
        return self.get(key)


class _References:
    """Which of a column's candidate edges bw2data's `set_reference_flags` flags. A column with
    one candidate (every one of the tool's) is flagged or not by its type and `functional` flag
    alone: each such case is asked of `set_reference_flags` once."""

    def __init__(self) -> None:
        self.single: dict[tuple[str, bool], bool] = {}

    def flagged(self, col: int, candidates: list[tuple[int, int, str, Any]]) -> list[int]:
        """The places of the flagged edges among `candidates` (place, row, type, functional)."""
        from bw2data.backends.base import set_reference_flags

        if len(candidates) == 1:
            at, row, kind, functional = candidates[0]
            case = (kind, bool(functional))
            if case not in self.single:
                self.single[case] = set_reference_flags(
                    [{"row": row, "col": col, "type": kind, "functional": functional}])
            return [at] if self.single[case] else []
        edges = [{"row": row, "col": col, "type": kind, "functional": functional, "at": at}
                 for at, row, kind, functional in candidates]
        set_reference_flags(edges)
        return [edge["at"] for edge in edges if edge.get("reference")]


def _arrays25(db: Any, written: list[Written]) -> _Arrays | None:
    """The rows of bw2data 4's geomapping, biosphere and technosphere vectors of `db`, or None
    where bw2data's `process()` must run (see the module's docstring)."""
    from bw2data import config, geomapping
    from bw2data.backends.utils import retupleize_geo_strings
    from bw2data.configuration import labels

    name = db.name
    processes = frozenset(labels.process_node_types)
    implicit_types = frozenset(labels.implicit_production_allowed_node_types)
    positive = frozenset(labels.technosphere_positive_edge_types)
    production = positive - frozenset(labels.substitution_edge_types)
    geo: list[tuple] = []
    bio: list[tuple] = []
    tech: list[tuple] = []
    # Each edge type's vector, sign flip and whether it may be its column's reference.
    routes = {**{t: (bio, False, False) for t in labels.biosphere_edge_types},
              **{t: (tech, True, False) for t in labels.technosphere_negative_edge_types},
              **{t: (tech, False, t in production) for t in positive}}
    if len(routes) < len(labels.biosphere_edge_types) + len(
            labels.technosphere_negative_edge_types) + len(positive):
        return None  # an edge type in two of bw2data's lists: in two vectors
    ids = _Ids25(name, written)
    references = _References()
    normalised = db.metadata.get("location_normalization") or {}
    places: dict[str | None, int | None] = {}
    implicit: list[int] = []
    flagged: set[int] = set()
    fields, count = _FIELDS, 0
    for row, dataset in written:
        col = row["id"]
        exchanges = dataset.get("exchanges", ())
        if row["type"] in implicit_types and not any(e["type"] in positive for e in exchanges):
            implicit.append(col)
        if row["type"] not in processes:
            continue
        count += 1
        if row["location"] not in places:
            location = retupleize_geo_strings(row["location"]) or config.global_location
            location = normalised.get(location, location)
            places[row["location"]] = geomapping[location] if location in geomapping else None
        if places[row["location"]] is None:
            return None
        geo.append(_plain(col, places[row["location"]], 1, False, False))
        # The edges that may be the column's reference: (place in `tech`, row, type, functional).
        candidates = []
        for exchange in exchanges:
            route = routes.get(exchange["type"])
            if route is None:
                continue
            vector, flip, producing = route
            key = exchange["input"]
            row_id = ids.get(key) if key.__class__ is tuple else None
            if row_id is None:
                row_id = ids.find(key)
            amount = exchange.get("amount")
            if row_id is None or not _finite(amount):
                return None
            if vector is tech and (producing or exchange.get("functional")):
                candidates.append((len(tech), row_id, exchange["type"],
                                   exchange.get("functional")))
            # `_plain`, written out: this runs once per exchange (320,000 at 10,000 units).
            vector.append((row_id, col, amount, 0, amount, NAN, NAN, NAN, NAN, False, flip, 1.0,
                           False) if fields.isdisjoint(exchange)
                          else _formatted(exchange, row_id, col, flip))
        if candidates:
            at = references.flagged(col, candidates)
            if at:
                flagged.add(col)
            for place in at:
                tech[place] = (*tech[place][:-1], True)
    # After all edges, as in `process()`: a column with an explicit reference keeps it.
    for col in implicit:
        tech.append(_plain(col, col, 1, False, col not in flagged))
        flagged.add(col)
    if len(flagged) < count:
        from bw2data.logs import stdout_feedback_logger

        stdout_feedback_logger.warning(
            f"{count - len(flagged)} of {count} processes in database {name} have no "
            f"unambiguous reference exchange")
    return _Arrays({"inv_geomapping_matrix": geo, "biosphere_matrix": bio,
                    "technosphere_matrix": tech}, ids.read - {name})


# The resource name of each vector, after the database's name (bw2data's `process()`).
_VECTORS25 = {"inv_geomapping_matrix": "inventory geomapping matrix",
              "biosphere_matrix": "biosphere matrix",
              "technosphere_matrix": "technosphere matrix"}


def _vector25(rows: list[tuple]) -> dict[str, Any]:
    """The arrays of one persistent vector, as bw_processing's `resolve_dict_iterator` makes them
    of `dictionary_formatter` rows: one structured array, sorted by row, column, amount,
    uncertainty type then the other fields by name, split into its resources (rescale and
    reference only when one is not the default)."""
    from bw_processing.constants import INDICES_DTYPE, UNCERTAINTY_DTYPE
    from numpy.lib.recfunctions import repack_fields

    dtype = (INDICES_DTYPE + [("amount", np.float32)] + UNCERTAINTY_DTYPE
             + [("flip", bool), ("rescale", np.float32), ("reference", bool)])
    first = ["row", "col", "amount", "uncertainty_type"]
    array = _sorted(np.array(rows, dtype=dtype),
                    first + sorted(n for n, _ in dtype if n not in first))
    rescale, reference = array["rescale"], array["reference"]
    return {"data_array": array["amount"],
            "indices_array": repack_fields(array[["row", "col"]]),
            "distributions_array": repack_fields(array[[n for n, _ in UNCERTAINTY_DTYPE]]),
            "flip_array": array["flip"],
            "rescale_array": rescale if (rescale != 1.0).any() else None,
            "reference_array": reference if reference.any() else None,
            "nrows": len(array)}


def _sorted(array: np.ndarray, order: list[str]) -> np.ndarray:
    """`array` in the order `array.sort(order=order)` gives it (bw_processing's and bw2data's
    sort). That sort compares whole rows field by field: 0.8 s for the 320,000 exchanges of
    10,000 units. When the first four fields (integers, amount, uncertainty type: never NaN)
    already tell every row apart, as they do in the tool's foregrounds, the order is unique, and
    a lexsort of those four finds it; rows alike in all four get the full sort."""
    keys = order[:4]
    ranked = array[np.lexsort([array[k] for k in reversed(keys)])]
    alike = np.ones(max(len(array) - 1, 0), dtype=bool)
    for key in keys:
        alike &= ranked[key][1:] == ranked[key][:-1]
    if alike.any():
        array.sort(order=order)
        return array
    return ranked


def _save25(db: Any, arrays: _Arrays) -> None:
    """Write the datapackage and the metadata bw2data 4's `process()` writes."""
    from bw2data import databases
    from bw_processing import clean_datapackage_name, create_datapackage
    from fsspec.implementations.zip import ZipFileSystem

    db.metadata["processed"] = datetime.datetime.now().isoformat()
    package = create_datapackage(
        fs=ZipFileSystem(str(db.dirpath_processed() / db.filename_processed()), mode="w"),
        name=clean_datapackage_name(db.name), sum_intra_duplicates=True,
        sum_inter_duplicates=False)
    for matrix, label in _VECTORS25.items():
        package.add_persistent_vector(matrix=matrix,
                                      name=clean_datapackage_name(f"{db.name} {label}"),
                                      **_vector25(arrays.rows[matrix]))
    package.metadata["database_dependencies"] = sorted(arrays.depends)
    package.finalize_serialization()
    db.metadata["depends"] = sorted(arrays.depends)
    db.metadata["dirty"] = False
    databases.flush()


def _arrays24(db: Any, written: list[Written]) -> _Arrays | None:
    """The rows of bw2data 3.6's processed and geomapping arrays of `db` (its `dtype` and
    `dtype_fields_geomapping` layouts), or None where its `process()` must run."""
    from bw2data import config, geomapping, mapping
    from bw2data.utils import MAX_INT_32, TYPE_DICTIONARY

    name = db.name
    ids = mapping.data  # every key of the project, the written ones added by the bulk write
    geo: list[tuple] = []
    rows: list[tuple] = []
    missing: list[tuple] = []
    depends: set[str] = set()
    for row, dataset in written:
        own = ids[(name, row["code"])]
        exchanges = dataset.get("exchanges", ())
        if row["type"] == "process":
            location = row["location"]
            if location and "(" in location:  # bw2data evaluates it as a tuple
                return None
            location = location or config.global_location
            if location not in geomapping:
                return None
            geo.append((own, geomapping[location], MAX_INT_32, MAX_INT_32,
                        0, 1, NAN, NAN, NAN, NAN, NAN, False))
            if not any(e["type"] == "production" for e in exchanges):  # an implicit production
                missing.append((own, own, MAX_INT_32, MAX_INT_32, TYPE_DICTIONARY["production"],
                                0, 1, 1, NAN, NAN, NAN, NAN, False))
        for exchange in exchanges:
            key, amount = exchange["input"], exchange.get("amount")
            kind = TYPE_DICTIONARY.get(exchange["type"])
            if kind is None or not isinstance(key, tuple) or key not in ids \
                    or not _finite(amount):
                return None
            depends.add(key[0])
            uncertainty = exchange.get("uncertainty type", 0)
            rows.append((ids[key], own, MAX_INT_32, MAX_INT_32, kind, uncertainty, amount,
                         amount if uncertainty in (0, 1) else exchange.get("loc", NAN),
                         exchange.get("scale", NAN), exchange.get("shape", NAN),
                         exchange.get("minimum", NAN), exchange.get("maximum", NAN),
                         amount < 0))
    return _Arrays({"geomapping": geo, "processed": rows + missing}, depends - {name})


def _save24(db: Any, arrays: _Arrays) -> None:
    """Write the two arrays and the metadata bw2data 3.6's `process()` writes, in its order."""
    from bw2data import databases

    layout = db.dtype_fields_geomapping + db.base_uncertainty_fields
    geo = _sorted(np.array(arrays.rows["geomapping"], dtype=layout),
                  db.dtype_field_order(layout))
    np.save(db.filepath_geomapping(), geo, allow_pickle=False)
    processed = np.array(arrays.rows["processed"], dtype=db.dtype)
    databases[db.name]["depends"] = sorted(arrays.depends)
    databases[db.name]["processed"] = datetime.datetime.now().isoformat()
    databases.flush()
    np.save(db.filepath_processed(), _sorted(processed, db.dtype_field_order()),
            allow_pickle=False)
