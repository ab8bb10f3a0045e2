"""The results document (contract.md): its parts, built from the scores (its text is
`lca.report.text`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lca.core.units import Quantity, conversion_factor, unit_named, unit_text
from lca.data.opendata import Indicator, Location
from lca.inventory.datasets import PARTS, Foreground
from lca.scoring.engine import STAGES, MarketShift, UnitScores
from lca.study.file import Count

# The reference flows each functional unit reports: key -> (rule, unit).
QUANTITIES = {"flops": ("flops", "FLOP"), "gpu_hours": ("gpu.hours", "h"),
              "gpu_hours_charged": ("gpu.hours_charged", "h"),
              "energy_kwh": ("energy.facility", "kWh"), "it_energy_kwh": ("energy.it", "kWh"),
              "idle_and_infrastructure_kwh": ("energy.overhead", "kWh"),
              "water_on_site_m3": ("water.on_site", "m**3"),
              "server_share": ("allocation.server_share", "dimensionless"),
              "device_hours": ("device.hours", "h"), "device_kwh": ("device.energy", "kWh"),
              "network_gb": ("network.data_charged", "GB"),
              "network_kwh": ("network.energy", "kWh")}


def flow(evaluator: Any, key: str, count: float) -> Any:
    """A reference flow (a QUANTITIES key) of a unit that states `count` items: one item's (the
    rules describe one) times the count; the server share is a ratio, not a flow. A float, or an
    array when the rules were given arrays (Monte Carlo, sweep)."""
    rule, unit = QUANTITIES[key]
    magnitude, given_unit = evaluator.measure(rule)  # no quantity made: 12 flows per unit
    value = magnitude * conversion_factor(given_unit, unit_named(unit))
    return value if key == "server_share" else value * count


Json = dict[str, Any]  # a section of the document, as JSON data


@dataclass
class UnitResult:
    """One functional unit of the results document: its flows and impacts are for the quantity
    it states (`quantity`); `per_item` gives them for one item alongside. `hardware`, `inputs`
    and `inventory` say what the results rest on (`assess._add_provenance`)."""

    name: str
    workload: str
    quantities: dict[str, float | None]
    impacts: dict[str, Json]
    missing: dict[str, list[Json]]
    location: Json | None
    market_based: Json | None
    quantity: Json | None = None
    per_item: Json | None = None
    hardware: str | None = None
    inputs: list[Json] = field(default_factory=list)
    inventory: list[Json] = field(default_factory=list)

    def to_json(self) -> Json:
        """The unit as the document gives it (contract.md): `quantity` and `per_item` only when
        the unit states a quantity."""
        stated = {"quantity": self.quantity, "per_item": self.per_item} if self.quantity else {}
        return {"name": self.name, "workload": self.workload, "quantities": self.quantities,
                "impacts": self.impacts, "missing": self.missing, **stated,
                "location": self.location, "market_based": self.market_based,
                "hardware": self.hardware, "inputs": self.inputs, "inventory": self.inventory}


def impact(total: float, parts: dict[tuple[str, str], float], includes: dict[str, float]
           ) -> Json:
    """One indicator's result: total, by stage, by component and both; `includes` (the shares
    of other units) only when there are any."""
    return {"total": total,
            "by_stage": {s: sum(parts[(p, s)] for p in PARTS) for s in STAGES},
            "by_component": {p: sum(parts[(p, s)] for s in STAGES) for p in PARTS},
            "by_stage_and_component": {s: {p: parts[(p, s)] for p in PARTS} for s in STAGES},
            **({"includes": includes} if includes else {})}


def unit_result(name: str, workload: str, quantities: dict[str, float | None],
                scores: UnitScores, foreground: Foreground,
                indicators: dict[str, Indicator], methods: dict[str, tuple[str, str]],
                location: Location | None, market: dict[str, dict[str, Any]],
                count: Count = Count()) -> UnitResult:
    """One functional unit's results from its scores; `market` has each unit's market-based
    factor (`assess.market_factors`)."""
    impacts = {ind: impact(scores.total[method], scores.parts[method], scores.includes[method])
               for ind, method in methods.items()}
    missing: dict[str, list[Json]] = {i: [] for i in indicators}
    for item in foreground.missing:
        entry = {"dataset": item.dataset, "reason": item.reason, "stage": item.stage,
                 "components": list(item.parts)}
        if entry not in missing[item.indicator]:
            missing[item.indicator].append(entry)
    stated, per_item = None, None
    if count.of:
        stated = {"amount": count.amount, "of": count.of}
        per_item = {
            "quantities": {k: None if v is None or k == "server_share" else v / count.amount
                           for k, v in quantities.items()},
            "impacts": {ind: impacts[ind]["total"] / count.amount for ind in impacts}}
    return UnitResult(name, workload, quantities, impacts, missing, location_entry(location),
                      market_based(scores.market, impacts["gwp"], market), stated, per_item)


MARKET_BASIS = ("GHG Protocol Scope 2 Guidance (WRI and WBCSD, 2015): market-based climate change "
                "beside the location-based one; primary energy, water and ADPe stay location-based")


def market_based(shift: MarketShift | None, location: dict[str, Any],
                 factors: dict[str, dict[str, Any]]) -> dict[str, Any] | None:
    """Climate change on the market-based basis, laid out as the location-based `location`
    (total, by stage, by component), with the factors used; None when no factor is given.

    When the unit draws electricity of a unit that gives no market-based factor, the figures are
    None and `lacking` names those units: a total that mixed the two bases would pass for one.
    """
    if shift is None:
        return None
    out: dict[str, Any] = {"indicator": "gwp", "basis": MARKET_BASIS,
                           "factors": [factors[name] for name in shift.units],
                           "lacking": list(shift.lacking)}
    if shift.lacking:
        return out | {"total": None, "by_stage": None, "by_component": None,
                      "by_stage_and_component": None, "includes": {}}
    cells = {s: {p: location["by_stage_and_component"][s][p] + shift.parts.get((p, s), 0.0)
                 for p in PARTS} for s in STAGES}
    return out | {
        "total": location["total"] + shift.total,
        "by_stage": {s: sum(cells[s].values()) for s in STAGES},
        "by_component": {p: sum(cells[s][p] for s in STAGES) for p in PARTS},
        "by_stage_and_component": cells,
        "includes": {name: value + shift.includes.get(name, 0.0)
                     for name, value in location.get("includes", {}).items()}}


def location_entry(location: Location | None) -> dict[str, str] | None:
    """A location as the results document gives it."""
    return {"code": location.code, "name": location.name} if location else None


@dataclass
class Results:
    """The results document of a study (contract.md, docs/results.schema.json), typed: built by
    `document`, completed by `assess` (what the results rest on), by `allocation_results`
    (`allocation_comparison`) and by `uncertainty`; written by `to_json` alone."""

    study: str
    allocation: str
    location: Json | None
    indicators: dict[str, Json]
    quantities: dict[str, Json]
    functional_units: list[UnitResult]
    brightway: Json | None  # None for an allocation variant scored in memory, never written
    unused_inputs: list[Json] = field(default_factory=list)
    plausibility: list[Json] = field(default_factory=list)
    goal_and_scope: Json = field(default_factory=dict)
    data_quality: list[Json] = field(default_factory=list)
    references: list[Json] = field(default_factory=list)  # the registry entries cited
    background: Json | None = None  # the practitioner's own background, when linked
    allocation_comparison: Json | None = None
    uncertainty: Json | None = None

    def to_json(self) -> Json:
        """The document as JSON data, its keys in the contract's order; the optional sections
        only when present."""
        optional = {key: value for key, value in (
            ("background", self.background),
            ("allocation_comparison", self.allocation_comparison),
            ("uncertainty", self.uncertainty)) if value is not None}
        return {"study": self.study, "allocation": self.allocation, "location": self.location,
                "indicators": self.indicators, "quantities": self.quantities,
                "functional_units": [unit.to_json() for unit in self.functional_units],
                "brightway": self.brightway, "unused_inputs": self.unused_inputs,
                "plausibility": self.plausibility, "goal_and_scope": self.goal_and_scope,
                "data_quality": self.data_quality, "references": self.references, **optional}


def document(title: str, allocation: str, location: Location | None,
             indicators: dict[str, Indicator], units: list[UnitResult], brightway: Json | None
             ) -> Results:
    """The results of a study from its units' results, before `assess` completes them (what
    was given but not read, plausibility, what the results rest on, a linked background)."""
    return Results(
        study=title, allocation=allocation, location=location_entry(location),
        indicators={i.id: {"name": i.name, "unit": i.unit} for i in indicators.values()},
        quantities={k: {"rule": rule, "unit": unit_text(Quantity(1, unit).units)}
                    for k, (rule, unit) in QUANTITIES.items()},
        functional_units=units, brightway=brightway)
