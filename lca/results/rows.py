"""The rows of the results document's large tables, typed (`TypedDict`): each is the JSON it is
written as, with no object per row to convert (a study of 10,000 units has 1.3 million input
rows). Their keys, in order, are the contract's (docs/results.schema.json). The references'
rows are the registry's (`lca.core.references.ReferenceRow`), a linked background's links the
mapping's (`lca.brightway.linking.LinkRow`)."""

from __future__ import annotations

from typing import TypedDict


class InputRow(TypedDict):
    """A rule a unit's results read: its value, unit, who set it (`origin`, `where`), the
    formula that gave it (empty for a value given) and its sources."""

    rule: str
    title: str
    value: float | str
    unit: str
    origin: str
    where: str
    formula: str
    source: str


class InventoryRow(TypedDict):
    """An exchange of a unit's foreground activity: what it takes, how much, and the rule its
    amount came from."""

    activity: str
    activity_code: str
    type: str
    input: str
    input_database: str
    amount: float
    unit: str
    stage: str
    rule: str
    comment: str


class DataQualityRow(TypedDict):
    """A factor of a dataset the results use, for one indicator: its value and where it comes
    from (`status` published, study input, computed or missing, with the reason), and the units
    that use it."""

    dataset: str
    indicator: str
    value: float | None
    unit: str
    status: str
    source: str
    year: str
    licence: str
    where: str
    used_by: list[str]
