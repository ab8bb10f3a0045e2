"""The one writer of the results document: typed sections (dataclasses, `Section`) to JSON.

Rows of the large tables (a unit's inputs and inventory, the data quality, the references) are
typed dicts (`lca.results.rows`): JSON already, written as they are (PLAIN), since at 10,000
functional units they are over a million."""

from __future__ import annotations

from dataclasses import fields, is_dataclass
from typing import Any

from lca.core.pause import collection_paused

Json = dict[str, Any]  # a document, or a section of one, as JSON data
# A field with OPTIONAL is left out of the JSON when it is None (the optional sections); one with
# PLAIN already holds JSON data (rows of lca/results/rows.py), written as it is: at 10,000
# units its rows are over a million dicts.
OPTIONAL = {"optional": True}
PLAIN = {"plain": True}


def to_json(value: Any) -> Any:
    """The one writer of the results document: a dataclass as a mapping of its fields in their
    order (an OPTIONAL field left out when None, a PLAIN one as it is), mappings and lists item
    by item, numbers and text as they are."""
    kind = type(value)
    if kind in _SCALARS:  # most of a large document: the rows' cells
        return value
    # A cell is written in place, not through a call: a document's millions of cells are
    # most of its writing.
    if kind is dict:
        return {key: item if type(item) in _SCALARS else to_json(item)
                for key, item in value.items()}
    if kind is list or kind is tuple:
        return [item if type(item) in _SCALARS else to_json(item) for item in value]
    layout = _LAYOUTS.get(kind)
    if layout is None:
        if not (is_dataclass(value) and not isinstance(value, type)):
            if isinstance(value, dict):
                return {key: to_json(item) for key, item in value.items()}
            if isinstance(value, (list, tuple)):
                return [to_json(item) for item in value]
            return value
        layout = _LAYOUTS[kind] = tuple((f.name, bool(f.metadata.get("optional")),
                                         bool(f.metadata.get("plain"))) for f in fields(value))
    out = {}
    for name, optional, plain in layout:
        item = getattr(value, name)
        if not (optional and item is None):
            out[name] = item if plain or type(item) in _SCALARS else to_json(item)
    return out


_SCALARS = frozenset({str, int, float, bool, type(None)})
# Each dataclass's fields, in their order, with whether an absent value is left out.
_LAYOUTS: dict[type, tuple[tuple[str, bool, bool], ...]] = {}


class Section:
    """A typed part of the results document, written by `to_json`."""

    @collection_paused()  # a million new dicts, no cycles: at 10,000 units 3.3 s of CPU, 0.4 paused
    def to_json(self) -> Json:
        return to_json(self)
