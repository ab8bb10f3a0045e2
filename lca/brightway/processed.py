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
bw2data's `as_uncertainty_dict` and bw_processing's `dictionary_formatter`, as in `process()`;
the others, all of the tool's, get the entry those give a bare amount. bw2data's own `process()`
runs instead for what is not covered here: a database the bulk write did not write (the open
data and a workbook import, written searchable; a 2.5 project that records revisions), and data
bw2data refuses (an exchange from an unknown activity, an amount not a finite number, a location
not in the geomapping, a legacy exchange type outside bw2data's types, a legacy location written
as a tuple), where it raises its own error. tests/test_processed.py compares both paths field by
field on both lines.
"""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from lca.brightway.bulk import Written
from lca.brightway.bwcompat import BW25
from lca.inventory.datasets import Key

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
    arrays = None if written is None else (_arrays25 if BW25 else _arrays24)(db, written)
    if arrays is None:
        db.process()
    elif BW25:
        _save25(db, arrays)
    else:
        _save24(db, arrays)


def _finite(amount: Any) -> bool:
    """Whether `process()` takes the amount without raising (nor is it a type it converts)."""
    return isinstance(amount, (int, float)) and math.isfinite(amount)


def _plain(row: int, col: int, amount: float, flip: bool, reference: bool) -> tuple:
    """bw_processing's `dictionary_formatter` row of an entry with no uncertainty fields."""
    return (row, col, amount, 0, amount, NAN, NAN, NAN, NAN, False, flip, 1.0, reference)


def _entry25(exchange: dict[str, Any], row: int, col: int, flip: bool) -> tuple:
    """The vector row of an exchange, as bw2data's `exchange_data_iterator` and bw_processing's
    `dictionary_formatter` make it (reference flag unset)."""
    if _FIELDS.isdisjoint(exchange):
        return _plain(row, col, exchange["amount"], flip, False)
    from bw2data.utils import as_uncertainty_dict
    from bw_processing.utils import dictionary_formatter

    # A copy: as_uncertainty_dict completes the dict it is given.
    return dictionary_formatter({**as_uncertainty_dict(dict(exchange)), "row": row, "col": col,
                                 "flip": flip})


def _ids25(name: str, written: list[Written]) -> Callable[[Key], int | None]:
    """The activity id of a key: the bulk write's own ids, and those of another database read
    (one SELECT) the first time one of its keys is asked for."""
    from bw2data.backends.schema import ActivityDataset

    ids = {(name, row["code"]): row["id"] for row, _ in written}
    read = {name}

    def get(key: Key) -> int | None:
        found = ids.get(key)
        if found is None and key[0] not in read:
            read.add(key[0])
            rows = ActivityDataset.select(ActivityDataset.id, ActivityDataset.database,
                                          ActivityDataset.code).where(
                ActivityDataset.database == key[0]).tuples()
            ids.update(((database, code), id_) for id_, database, code in rows)
            found = ids.get(key)
        return found

    return get


def _arrays25(db: Any, written: list[Written]) -> _Arrays | None:
    """The rows of bw2data 4's geomapping, biosphere and technosphere vectors of `db`, or None
    where bw2data's `process()` must run (see the module's docstring)."""
    from bw2data import config, geomapping
    from bw2data.backends.base import set_reference_flags
    from bw2data.backends.utils import retupleize_geo_strings
    from bw2data.configuration import labels

    name = db.name
    ids = _ids25(name, written)
    processes = frozenset(labels.process_node_types)
    implicit_types = frozenset(labels.implicit_production_allowed_node_types)
    biosphere = frozenset(labels.biosphere_edge_types)
    negative = frozenset(labels.technosphere_negative_edge_types)
    positive = frozenset(labels.technosphere_positive_edge_types)
    production = positive - frozenset(labels.substitution_edge_types)
    normalised = db.metadata.get("location_normalization") or {}
    geo: list[tuple] = []
    bio: list[tuple] = []
    tech: list[tuple] = []
    implicit: list[int] = []
    depends: set[str] = set()
    flagged: set[int] = set()
    count = 0
    for row, dataset in written:
        col = row["id"]
        exchanges = dataset.get("exchanges", ())
        if row["type"] in implicit_types and not any(e["type"] in positive for e in exchanges):
            implicit.append(col)
        if row["type"] not in processes:
            continue
        count += 1
        location = retupleize_geo_strings(row["location"]) or config.global_location
        location = normalised.get(location, location)
        if location not in geomapping:
            return None
        geo.append(_plain(col, geomapping[location], 1, False, False))
        # The technosphere edges that may be the column's reference (`set_reference_flags`
        # looks at no other), each with its place in `tech`.
        candidates = []
        for exchange in exchanges:
            kind = exchange["type"]
            flip = kind in negative
            if not (flip or kind in positive or kind in biosphere):
                continue
            key = exchange["input"]
            row_id = ids(key) if isinstance(key, tuple) else None
            if row_id is None or not _finite(exchange.get("amount")):
                return None
            if key[0] != name:
                depends.add(key[0])
            entry = _entry25(exchange, row_id, col, flip)
            if kind in biosphere:
                bio.append(entry)
                continue
            if exchange.get("functional") or kind in production:
                candidates.append({"row": row_id, "col": col, "type": kind,
                                   "functional": exchange.get("functional"), "at": len(tech)})
            tech.append(entry)
        if candidates and set_reference_flags(candidates):
            flagged.add(col)
            for edge in candidates:
                if edge.get("reference"):
                    tech[edge["at"]] = (*tech[edge["at"]][:-1], True)
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
                    "technosphere_matrix": tech}, depends)


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
    array = np.array(rows, dtype=dtype)
    first = ["row", "col", "amount", "uncertainty_type"]
    array.sort(order=first + sorted(n for n in array.dtype.names if n not in first))
    rescale, reference = array["rescale"], array["reference"]
    return {"data_array": array["amount"],
            "indices_array": repack_fields(array[["row", "col"]]),
            "distributions_array": repack_fields(array[[n for n, _ in UNCERTAINTY_DTYPE]]),
            "flip_array": array["flip"],
            "rescale_array": rescale if (rescale != 1.0).any() else None,
            "reference_array": reference if reference.any() else None,
            "nrows": len(array)}


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
    geo = np.array(arrays.rows["geomapping"], dtype=layout)
    geo.sort(order=db.dtype_field_order(layout))
    np.save(db.filepath_geomapping(), geo, allow_pickle=False)
    processed = np.array(arrays.rows["processed"], dtype=db.dtype)
    databases[db.name]["depends"] = sorted(arrays.depends)
    databases[db.name]["processed"] = datetime.datetime.now().isoformat()
    databases.flush()
    processed.sort(order=db.dtype_field_order())
    np.save(db.filepath_processed(), processed, allow_pickle=False)
