"""The results document (contract.md): its parts, built from the scores (its text is
`lca.report.text`)."""

from __future__ import annotations

from typing import Any

from lca.calc import STAGES, MarketShift, UnitScores
from lca.inventory.data import Indicator, Location
from lca.inventory.datasets import PARTS, Foreground
from lca.study import Count
from lca.units import Quantity, unit_text

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
    value = evaluator.value(rule).to(unit).magnitude
    return value if key == "server_share" else value * count


def unit_result(name: str, workload: str, quantities: dict[str, float | None],
                scores: UnitScores, foreground: Foreground,
                indicators: dict[str, Indicator], methods: dict[str, tuple[str, str]],
                count: Count = Count()) -> dict[str, Any]:
    """One functional unit of the results document: its flows and impacts are for the quantity
    it states; `per_item` gives them for one item alongside."""
    impacts = {}
    for ind, method in methods.items():
        parts = scores.parts[method]
        impacts[ind] = {
            "total": scores.total[method],
            "by_stage": {s: sum(parts[(p, s)] for p in PARTS) for s in STAGES},
            "by_component": {p: sum(parts[(p, s)] for s in STAGES) for p in PARTS},
            "by_stage_and_component": {s: {p: parts[(p, s)] for p in PARTS} for s in STAGES},
        }
    missing: dict[str, list[dict[str, str]]] = {i: [] for i in indicators}
    for item in foreground.missing:
        entry = {"dataset": item.dataset, "reason": item.reason, "stage": item.stage,
                 "components": list(item.parts)}
        if entry not in missing[item.indicator]:
            missing[item.indicator].append(entry)
    for ind, method in methods.items():
        if scores.includes[method]:
            impacts[ind]["includes"] = scores.includes[method]
    out = {"name": name, "workload": workload, "quantities": quantities, "impacts": impacts,
           "missing": missing}
    if count.of:
        out["quantity"] = {"amount": count.amount, "of": count.of}
        out["per_item"] = {
            "quantities": {k: None if v is None or k == "server_share" else v / count.amount
                           for k, v in quantities.items()},
            "impacts": {ind: impacts[ind]["total"] / count.amount for ind in impacts}}
    return out


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


def document(title: str, allocation: str, location: Location | None,
             indicators: dict[str, Indicator], units: list[dict[str, Any]],
             brightway: dict[str, Any]) -> dict[str, Any]:
    """The whole results document."""
    return {
        "study": title,
        "allocation": allocation,
        "location": location_entry(location),
        "indicators": {i.id: {"name": i.name, "unit": i.unit} for i in indicators.values()},
        "quantities": {k: {"rule": rule, "unit": unit_text(Quantity(1, unit).units)}
                       for k, (rule, unit) in QUANTITIES.items()},
        "functional_units": units,
        "brightway": brightway,
    }
