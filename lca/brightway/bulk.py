"""A database's activities and exchanges written with one `executemany` per table.

bw2data's `Database.write` inserts rows 125 at a time through peewee, which builds the SQL text
of every row's values in Python: at 1,000 functional units (8,000 activities, 40,000 exchanges)
that took most of the write. Here the same rows (bw2data's own `dict_as_activitydataset` and
`dict_as_exchangedataset`, each column encoded by its peewee field, as `insert_many` encodes it)
go into the same SQLite tables with one prepared statement per table, and the database's
metadata is set as `write` sets it on each Brightway line: the legacy line's key mapping, 2.5's
node types, snowflake ids and geocollections. The result opens in bw2data as if `write` had
written it; tests/test_bulk_write.py reads it back through bw2data on both lines.

The caller has registered the database and deleted its old data (`project.write_owned`); the
search index is not updated (the foreground is written unsearchable). A Brightway 2.5 project
that records revisions (`projects.dataset.is_sourced`) gets bw2data's own `write`, whose signals
record them. The rows written, each with its dataset, are returned: the processed arrays are
built from them (`lca.brightway.processed`) instead of being read back from SQLite.
"""

from __future__ import annotations

import pickle
from functools import partial
from operator import itemgetter
from typing import Any, Callable

from lca.brightway.bwcompat import BW25

#: An activity as written: its row (the activity table's columns, with 2.5's id) and its dataset
#: (with its exchanges).
Written = tuple[dict[str, Any], dict[str, Any]]


def write(db: Any, data: dict) -> list[Written] | None:
    """Write `data` ({(database, code): dataset}) into the empty, registered database `db`,
    unprocessed and unsearchable: the activities as written, or None when bw2data's own `write`
    wrote them (a project that records revisions)."""
    from bw2data import databases, geomapping

    name = db.name
    if BW25:
        from bw2data import projects
        from bw2data.utils import get_geocollection, set_correct_process_type

        if projects.dataset.is_sourced:
            db.write(data, process=False, searchable=False)
            return None
        datasets = [set_correct_process_type(dict(ds, database=key[0], code=key[1]))
                    for key, ds in data.items()]
        process_types = _process_types()
        databases[name]["geocollections"] = sorted(
            {g for ds in datasets if ds.get("type") in process_types
             and (g := get_geocollection(ds.get("location"))) is not None})
    else:
        from bw2data import mapping

        datasets = [dict(ds, database=key[0], code=key[1]) for key, ds in data.items()]
        mapping.add(data.keys())
    databases[name]["number"] = len(datasets)
    databases.set_modified(name)
    geomapping.add({ds["location"] for ds in datasets if ds.get("location")})
    if not datasets:
        return []
    return list(zip(_insert(db, datasets), datasets))


def _process_types() -> frozenset[str]:
    from bw2data.configuration import labels

    return frozenset(labels.process_node_types)


def _insert(db: Any, datasets: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Insert the activity and exchange rows of `datasets`, in one transaction, with bw2data's
    indices dropped during the insert as its own write drops them beyond 100 activities; the
    activity rows, in the order of `datasets`."""
    if BW25:
        from bw2data.backends import sqlite3_lci_db
        from bw2data.backends.schema import ActivityDataset, ExchangeDataset
        from bw2data.backends.utils import dict_as_activitydataset, dict_as_exchangedataset

        def activity(ds: dict[str, Any]) -> dict[str, Any]:
            return dict_as_activitydataset(ds, add_snowflake_id=True)
    else:
        from bw2data.backends.peewee import ActivityDataset, ExchangeDataset, sqlite3_lci_db
        from bw2data.backends.peewee.utils import dict_as_activitydataset, dict_as_exchangedataset

        activity = dict_as_activitydataset
    activities, exchanges = [], []
    for ds in datasets:
        key = (ds["database"], ds["code"])
        for exchange in ds.get("exchanges", []):
            exchanges.append(dict_as_exchangedataset({**exchange, "output": key}))
        activities.append(activity({k: v for k, v in ds.items() if k != "exchanges"}))
    many = len(datasets) >= 100
    if many:
        db._drop_indices()
    try:
        with sqlite3_lci_db.db.atomic():
            connection = sqlite3_lci_db.db.connection()
            for model, rows in ((ActivityDataset, activities), (ExchangeDataset, exchanges)):
                sql, values = _statement(model, rows)
                connection.executemany(sql, values)
    finally:
        if many:
            db._add_indices()
    return activities


def _encoder(field: Any, sample: Any) -> Callable[[Any], Any]:
    """How a blob column's values are stored: by the field's own `db_value`, or by the pickle
    it wraps when the two store the same bytes for `sample` (bw2data's PickleField pickles, with
    protocol 4 on Brightway 2.5 and the highest on the legacy line, then peewee wraps the bytes
    in a memoryview, which sqlite3 stores as the bytes: the wrapping took a third of encoding
    400,000 rows)."""
    stored = bytes(field.db_value(sample))
    for protocol in (4, pickle.HIGHEST_PROTOCOL):
        if stored == pickle.dumps(sample, protocol=protocol):
            return partial(pickle.dumps, protocol=protocol)
    return field.db_value


def _statement(model: Any, rows: list[dict[str, Any]]) -> tuple[str, list[list[Any]]]:
    """One INSERT for rows that all have the same columns, and each row's values as the model's
    fields store them: a PickleField pickles (`_encoder`); the text and integer columns go as
    they are, which sqlite3 takes (and refuses anything else, loudly)."""
    from peewee import BlobField

    columns = list(rows[0])
    fields = [model._meta.fields[c] for c in columns]
    names = ", ".join(f'"{f.column_name}"' for f in fields)
    sql = (f'INSERT INTO "{model._meta.table_name}" ({names}) '
           f'VALUES ({", ".join("?" * len(fields))})')
    encoded = [(i, _encoder(f, rows[0][c])) for i, (c, f) in enumerate(zip(columns, fields))
               if isinstance(f, BlobField)]
    take = itemgetter(*columns)
    values = []
    for row in rows:
        value = list(take(row))
        for i, encode in encoded:
            value[i] = encode(value[i])
        values.append(value)
    return sql, values
