"""A sweep: many scenarios of one study in one call, for fleet and what-if analyses.

Each scenario is a row of values for some rules (and optionally `location`). The numeric rules
are evaluated for all rows at once, as arrays, over the characterised scores of the background
datasets that Brightway computes once (the Monte Carlo machinery, `uncertainty.montecarlo`).
A text rule (`allocation`, `gpu.manufacturing`) or the location changes the foreground's
structure, so rows are grouped by those values and each group is one vectorised evaluation.
Every value is checked as `--set` checks it, with the row and column named, before Brightway is
touched.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd
import pint

from lca.analysis.montecarlo import indicator_totals, with_arrays
from lca.assess import Pipeline, Prepared, foreground_name
from lca.core.errors import InputError, Where
from lca.core.provenance import Origin, given
from lca.core.rules.evaluate import make_override
from lca.core.rules.ruleset import RuleSet
from lca.core.units import ureg
from lca.data.opendata import load_indicators, resolve_location
from lca.inventory.datasets import foreground_datasets
from lca.results.document import QUANTITIES, flow
from lca.study.file import Study
from lca.study.situation import Setting

LOCATION = "location"  # not a rule: the study's location, whose grid factors the data fill in
# Reference flows reported beside the scores (results.QUANTITIES, FLOPs left out: not every
# workload has them).
FLOWS = [k for k in QUANTITIES if k != "flops"]


@dataclass(frozen=True)
class Group:
    """Rows that share the text values and the location: one prepared study, one evaluation."""

    rows: np.ndarray  # positions in the scenario table
    prepared: Prepared
    arrays: dict[str, np.ndarray]  # numeric rule -> values of these rows, in the rule's unit


def scenario_table(scenarios: pd.DataFrame | Mapping[str, Any]) -> pd.DataFrame:
    """The scenarios as a DataFrame: one row per scenario, one column per rule (or `location`).

    A mapping's values are sequences of equal length; a pint Quantity array is taken in its unit.
    """
    if isinstance(scenarios, pd.DataFrame):
        table = scenarios
    else:
        columns = {k: (list(v) if isinstance(v, pint.Quantity) else v)
                   for k, v in scenarios.items()}
        lengths = {k: len(v) for k, v in columns.items()}
        if len(set(lengths.values())) > 1:
            raise InputError(f"every input of a sweep needs one value per scenario; got "
                             f"{', '.join(f'{k}: {n}' for k, n in lengths.items())}",
                             Where("sweep"))
        table = pd.DataFrame(columns)
    if table.empty or not len(table.columns):
        raise InputError("a sweep needs at least one scenario and one input", Where("sweep"))
    return table


def _numeric(rules: RuleSet, rule: str, column: pd.Series) -> np.ndarray:
    """A column's values in the rule's unit, each checked as `--set` checks it (unit, bounds)."""
    values = column.to_numpy()
    if np.issubdtype(values.dtype, np.number) and rules[rule].unit == ureg.dimensionless:
        # Plain numbers for a pure-number rule: the bounds checked at once for speed; a
        # violation is found again row by row below, to name the row.
        try:
            make_override(rules[rule], values.astype(float), Where("sweep", key=rule))
            return values.astype(float)
        except InputError:
            pass
    out = np.empty(len(column))
    seen: dict[Any, float] = {}
    for position, (label, raw) in enumerate(column.items()):
        key = (type(raw), str(raw))  # 0.4 and "0.4" are checked apart: only one may lack a unit
        if key not in seen:
            if isinstance(raw, np.generic):
                raw = raw.item()
            where = Where(f"sweep row {label}", key=rule)
            value = make_override(rules[rule], raw, where).value
            seen[key] = float(value.to(rules[rule].unit).magnitude)
        out[position] = seen[key]
    return out


def _groups(pipeline: Pipeline, study: Study, settings: list[Setting], table: pd.DataFrame
            ) -> list[Group]:
    """Check every column and value, then prepare one study per combination of the text
    values and the location."""
    rules = pipeline.rules
    structural, numeric = [], {}
    for name in table.columns:
        if name == LOCATION:
            structural.append(name)
            continue
        rule = rules.require(str(name), Where("sweep", key=str(name)))
        if rule.kind == "text":
            structural.append(name)
        else:
            numeric[name] = _numeric(rules, name, table[name])
    keys = (table[structural].astype(str).agg("\x1f".join, axis=1) if structural
            else pd.Series([""] * len(table), index=table.index))
    groups = []
    for key in dict.fromkeys(keys):
        rows = np.flatnonzero((keys == key).to_numpy())
        first = table.iloc[rows[0]]
        label = f"sweep row {table.index[rows[0]]}"
        chosen = study
        extra = []
        for name in structural:
            if name == LOCATION:
                where = Where(label, key=LOCATION)
                resolve_location(str(first[name]), where)  # an unknown code names the row
                chosen = replace(chosen, location=given(str(first[name]), where,
                                                           Origin.COMMAND_LINE))
            else:
                extra.append(Setting(str(name), str(first[name]), label))
        prepared = pipeline.prepare(chosen, [*settings, *extra])
        groups.append(Group(rows, prepared, {n: v[rows] for n, v in numeric.items()}))
    return groups


def sweep(pipeline: Pipeline, study: Study, scenarios: pd.DataFrame | Mapping[str, Any],
          settings: list[Setting]) -> pd.DataFrame:
    """Every scenario's results: one row per scenario x functional unit, with the inputs as
    given, the reference flows and each indicator's total (units in `.attrs["units"]`).

    Brightway holds the open data afterwards; the study's own foreground is not written.
    """
    table = scenario_table(scenarios)
    groups = _groups(pipeline, study, settings, table)
    indicators = load_indicators()
    background = pipeline.background(groups[0].prepared)
    frames = []
    incomplete: set[tuple[str, str]] = set()
    for group in groups:
        prepared = group.prepared
        pairs = with_arrays(prepared, [group.arrays] * len(prepared.pairs), "sweep", "sweep")
        foregrounds = foreground_datasets(foreground_name(prepared.study.title), pairs,
                                          prepared.locations, prepared.background)
        scores = indicator_totals(foregrounds, background, indicators)
        for order, ((unit, evaluator), unit_score, foreground) in enumerate(
                zip(pairs, scores, foregrounds, strict=True)):
            incomplete.update((unit.name, m.indicator) for m in foreground.missing)
            columns = {"_row": group.rows, "_unit": order, "scenario": table.index[group.rows],
                       "functional_unit": unit.name}
            for key in FLOWS:  # for the quantity the unit states, as `assess` reports them
                columns[key] = flow(evaluator, key, unit.quantity.amount)
            for indicator, value in unit_score.items():
                columns[indicator] = value
            frame = pd.DataFrame({k: np.broadcast_to(v, len(group.rows)) if np.ndim(v) == 0
                                  else v for k, v in columns.items()})
            inputs = table.iloc[group.rows].reset_index(drop=True)
            frames.append(pd.concat([frame.iloc[:, :3], inputs, frame.iloc[:, 3:]], axis=1))
    out = pd.concat(frames, ignore_index=True).sort_values(["_row", "_unit"], ignore_index=True)
    out = out.drop(columns=["_row", "_unit"])
    out.attrs["units"] = {**{k: QUANTITIES[k][1] for k in FLOWS},
                          **{i: ind.unit for i, ind in indicators.items()}}
    # Indicators that lack data for a unit (as `assess` reports them): not counted, not zero.
    out.attrs["incomplete"] = sorted(incomplete)
    return out
