"""What a result rests on: every rule value used, every foreground exchange, every factor.

Pure functions over a prepared study, no Brightway: they fill the results document's
`goal_and_scope` (`lca.results.scope`), each unit's `inputs` and `inventory` and the
`data_quality` (rows of `lca.results.rows`), which the workbook and the report show.
"""

from __future__ import annotations

from typing import Any, Callable

from lca.core.provenance import PUBLISHED, Given, Origin, Provenance
from lca.core.rules.evaluate import Evaluator, quiet
from lca.core.rules.explain import applied_formula, sources
from lca.core.rules.rule import Rule
from lca.core.units import unit_text
from lca.data.opendata import INDICATORS, Indicator, load_locations, load_manufacturing
from lca.inventory.datasets import (BIOSPHERE, Foreground, Key, Missing, electricity_key,
                                    manufacturing_key)
from lca.results.rows import DataQualityRow, InputRow, InventoryRow
from lca.results.scope import GoalAndScope, ImpactCategory, ShareEntry, UnitScope
from lca.study.file import FunctionalUnit, Study

Datasets = dict[Key, dict[str, Any]]


def goal_and_scope(study: Study, hardware: str | None, datacenter: str | None,
                   indicators: dict[str, Indicator],
                   pairs: list[tuple[FunctionalUnit, Evaluator]]) -> GoalAndScope:
    """The study's goal and scope as it states them (ISO 14044 4.2), with each unit's boundary,
    the impact categories and what the chosen allocation rule does."""
    allocation = pairs[0][1].rules["allocation"]
    return GoalAndScope(
        " ".join(allocation.description.split()), list(allocation.choices), study.file,
        {k: _plain(v) for k, v in study.goal.items()},
        {k: _plain(v) for k, v in study.scope.items()}, hardware, datacenter,
        [UnitScope(u.name, str(u.workload.value), u.description, u.quantity.text(),
                   [ShareEntry(i.unit, i.share) for i in u.includes], boundary(u, evaluator))
         for u, evaluator in pairs],
        [ImpactCategory(i.id, i.name, i.unit, i.description, i.source, i.year, i.licence)
         for i in indicators.values()])


# Users and network operators buy their electricity under no contract of the study's: the
# market-based factor (the data centre's) never applies to it.
GRID = "the grid of the unit's location, location-based on both bases"


def boundary(unit: FunctionalUnit, evaluator: Evaluator) -> list[str]:
    """The life-cycle parts one functional unit's results cover, one line each: the data centre
    always, the end-user device and the networks when the unit puts them in its scope, and the
    shares of other units it carries."""
    def show(rule: str, unit_name: str) -> str:
        return f"{evaluator.value(rule).to(unit_name).magnitude:.4g} {unit_name}"

    lines = ["data centre: GPU and server electricity with the PUE, manufacturing shares of the "
             "GPU and the server's parts"]
    kind = str(evaluator.value("device.kind"))
    if kind == "none":
        lines.append("end-user device: outside the boundary (device.kind none)")
    else:
        lines.append(f"end-user device: {kind}, {show('device.time', 's')} per request, "
                     f"{show('device.power', 'W')}; manufacturing over "
                     f"{show('device.hours_in_use', 'h')} of use; {GRID}")
    access = str(evaluator.value("network.access"))
    if access == "none":
        lines.append("networks: outside the boundary (network.access none)")
    else:
        lines.append(f"networks: {access} access and core, {show('network.data', 'MB')} per "
                     f"request at {show('network.energy_per_data', 'kWh/GB')}; {GRID}; "
                     f"equipment manufacturing not counted (no data)")
    if kind != "none" or access != "none":
        lines.append(f"requests per item: {show('service.requests', 'dimensionless')}")
    lines += [f"share of '{i.unit}': {i.share} per item" for i in unit.includes]
    return lines


def _plain(value: Any) -> Any:
    """A YAML scalar as it is (text, yes/no, number); anything else as text."""
    return value if isinstance(value, (str, bool, int, float)) else str(value)


def origin(evaluator: Evaluator, rule: str) -> Origin:
    """Who set a rule's value: the provenance its override carries, else the rule's default or
    its formula."""
    override = evaluator.overrides.get(rule)
    if override is not None:
        return override.origin
    return Origin.DEFAULT if evaluator.how(rule) == "default" else Origin.COMPUTED


def inputs_used(evaluator: Evaluator) -> list[InputRow]:
    """Every rule the unit's results read, in evaluation order, with unit, origin and source."""
    with quiet():  # numpy's error state set once, for the variations' conditions
        shared = _shared_rows(evaluator)
        overrides, rules = evaluator.overrides, evaluator.rules
        rows: list[InputRow] = []
        for name in evaluator.evaluated():
            override = overrides.get(name)
            if override is not None:
                rows.append(_given_row(evaluator, name, override))
                continue
            row = shared.get(name) if shared is not None else None
            if row is None:
                if shared is None or evaluator.path(name) is evaluator:
                    rows.append(_row(evaluator, name))
                    continue
                row = shared[name] = _row(evaluator, name)
            # A row the group computed: its description shared, the value the unit's own.
            row = row.copy()  # the keys in their order, "value" among them
            magnitude = evaluator.magnitude(name)
            row["value"] = str(magnitude) if rules[name].unit is None else float(magnitude)
            rows.append(row)
        return rows


def _shared_rows(evaluator: Evaluator) -> dict[str, InputRow] | None:
    """The rows the units evaluated together with this one share (`Evaluator.group`), by rule:
    a rule the group computed and none of them gave has one row for all but its value."""
    group = evaluator.group
    if group is None:
        return None
    hit = _SHARED_ROWS.get(id(group))
    if hit is None or hit[0] is not group:
        if len(_SHARED_ROWS) >= 1_000:  # groups: a few per study
            _SHARED_ROWS.clear()
        hit = _SHARED_ROWS[id(group)] = (group, {})
    return hit[1]


# Shared rows by group evaluation (the group kept, so that its identity stays its own).
_SHARED_ROWS: dict[int, tuple[Evaluator, dict[str, InputRow]]] = {}


def _given_row(evaluator: Evaluator, name: str, override: Given) -> InputRow:
    """The row of a value given (by the study, a unit, the data, the command line): the same
    for every unit given the same value from the same place, so made once for them all (a
    study's inputs reach each of its 10,000 units)."""
    magnitude, unit = evaluator.measure(name)
    try:
        key = (name, override.provenance, type(magnitude), magnitude, unit)
        row = _GIVEN_ROWS.get(key)
    except TypeError:  # an array (Monte Carlo): not kept
        return _row(evaluator, name)
    if row is None:
        if len(_GIVEN_ROWS) >= _MAX_DESCRIBED:
            _GIVEN_ROWS.clear()
        row = _GIVEN_ROWS[key] = _row(evaluator, name)
    return row.copy()


# Rows of given values by rule, provenance, magnitude (of its type: `yes` is not 1) and unit.
_GIVEN_ROWS: dict[tuple[str, Provenance, type, Any, Any], InputRow] = {}


def _row(evaluator: Evaluator, name: str) -> InputRow:
    """One row of `inputs_used`, described for this unit."""
    rule = evaluator.rules[name]
    magnitude, unit = evaluator.measure(name)
    override = evaluator.overrides.get(name)
    given, where, source = _described(evaluator, name, rule,
                                      override.provenance if override is not None else None)
    return {
        "rule": name, "title": rule.title,
        "value": str(magnitude) if unit is None else float(magnitude),
        "unit": "" if unit is None else unit_text(unit),
        "origin": given, "where": where,
        "formula": applied_formula(evaluator, name) or "",
        "source": source}


def _described(evaluator: Evaluator, name: str, rule: Rule, given: Provenance | None
               ) -> tuple[str, str, str]:
    """A row's origin, place and sources, which depend on the rule and on who gave its value
    only: described once for all the units that share them (a study's inputs, its preset, the
    rules' defaults and formulas), not once per unit."""
    key = (id(rule), given)
    hit = _DESCRIBED.get(key)
    if hit is None or hit[0] is not rule:
        if len(_DESCRIBED) >= _MAX_DESCRIBED:  # a unit's own inputs are its own: bounded
            _DESCRIBED.clear()
        where = given.where if given is not None else rule.where()
        hit = _DESCRIBED[key] = (rule, (origin(evaluator, name).value, str(where),
                                        "; ".join(sources(evaluator, name)[0])))
    return hit[1]


# Described rows by rule identity and provenance (the rule kept, so its identity stays its own).
_DESCRIBED: dict[tuple[int, Provenance | None], tuple[Rule, tuple[str, str, str]]] = {}
_MAX_DESCRIBED = 100_000


def inventory(foreground: Foreground, datasets: Datasets) -> list[InventoryRow]:
    """Every exchange of the unit's foreground activities, with the rule its amount came from.

    `datasets` holds every dataset an exchange may point to: the background, the biosphere and
    every unit's foreground (a unit may include another's activity).
    """
    rows: list[InventoryRow] = []
    for key, activity in foreground.activities.items():
        for exchange in activity["exchanges"]:
            if exchange["type"] == "production":
                continue
            target = datasets[exchange["input"]]
            rows.append({
                "activity": activity["name"], "activity_code": key[1],
                "type": exchange["type"], "input": target["name"],
                "input_database": exchange["input"][0], "amount": exchange["amount"],
                "unit": target["unit"], "stage": exchange.get("stage", ""),
                "rule": exchange.get("rule", ""), "comment": exchange.get("comment", "")})
    return rows


def _published() -> dict[Key, dict[str, Given]]:
    """The open data's factors by background dataset key and indicator."""
    datasets, _ = load_manufacturing()
    out = {electricity_key(loc.code): loc.factors for loc in load_locations().values()}
    out.update({manufacturing_key(ds.id): ds.impacts for ds in datasets.values()})
    return out


def data_quality(pairs: list[tuple[Foreground, Evaluator]], datasets: Datasets,
                 indicators: dict[str, Indicator]) -> list[DataQualityRow]:
    """One row per dataset and indicator the results use: value, source, year, licence; and one
    per value that is missing, with the reason. Rows shared by units list them all."""
    published = _published()
    rows: dict[tuple[str, str], dict[str, Any]] = {}

    def add(unit: str, dataset: str, indicator: str, make: Callable[..., dict[str, Any]],
            *args: Any) -> None:
        # A row is made by the first unit that uses it (most units of a study share them all).
        # used_by is a dict while it fills (in order, each unit once; a list at 1,000 units
        # made this quadratic), a list in the rows returned.
        entry = rows.get((dataset, indicator))
        if entry is None:
            entry = rows[(dataset, indicator)] = make(*args) | {"used_by": {}}
        entry["used_by"][unit] = None

    for foreground, evaluator in pairs:
        unit = foreground.activities[foreground.unit]["name"]
        for key in _reached(foreground, datasets):
            dataset = datasets[key]
            for exchange in dataset["exchanges"]:
                if exchange["type"] != "biosphere" or exchange["input"][0] != BIOSPHERE:
                    continue
                add(unit, dataset["name"], exchange["input"][1], _factor_row, dataset, exchange,
                    published.get(key, {}), evaluator, indicators)
        for item in foreground.missing:
            add(unit, item.dataset, item.indicator, _missing_row, item, indicators)
    for entry in rows.values():
        entry["used_by"] = list(entry["used_by"])
    order = {i: n for n, i in enumerate(INDICATORS)}
    return sorted(rows.values(), key=lambda r: (r["status"] == "missing", r["dataset"],
                                                order.get(r["indicator"], 99)))


def _factor_row(dataset: dict[str, Any], exchange: dict[str, Any], published: dict[str, Given],
                evaluator: Evaluator, indicators: dict[str, Indicator]) -> dict[str, Any]:
    """The data-quality row of one factor of a dataset: published, given or computed."""
    indicator = exchange["input"][1]
    row = {"dataset": dataset["name"], "indicator": indicator, "value": exchange["amount"],
           "unit": f"{indicators[indicator].unit} per {dataset['unit']}",
           "status": "published", "source": "", "year": "", "licence": "", "where": ""}
    factor = published.get(indicator)
    rule = exchange.get("rule")
    if factor is not None:
        row |= {"source": factor.source, "year": factor.year,
                "licence": factor.licence, "where": str(factor.where)}
    elif rule in evaluator.overrides:
        given = evaluator.overrides[rule]
        row |= {"status": "published" if given.origin in PUBLISHED else "study input",
                "source": given.source, "year": given.year,
                "licence": given.licence, "where": f"{given.where} (rule {rule})"}
    else:
        row |= {"status": "computed", "source": f"computed by rule {rule}: see the inputs"}
    return row


def _missing_row(item: Missing, indicators: dict[str, Indicator]) -> dict[str, Any]:
    """The data-quality row of a value that is missing, with the reason."""
    return {"dataset": item.dataset, "indicator": item.indicator, "value": None,
            "unit": indicators[item.indicator].unit, "status": "missing",
            "source": item.reason, "year": "", "licence": "",
            "where": f"{item.stage}: {', '.join(item.parts)}"}


def _reached(foreground: Foreground, datasets: Datasets) -> list[Key]:
    """Every dataset the unit's activity reaches through technosphere exchanges, itself included."""
    seen: list[Key] = []
    stack = [foreground.unit]
    while stack:
        key = stack.pop()
        if key in seen:
            continue
        seen.append(key)
        stack += [e["input"] for e in datasets[key]["exchanges"] if e["type"] == "technosphere"]
    return seen
