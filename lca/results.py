"""The results document (contract.md) and its table for the terminal."""

from __future__ import annotations

from typing import Any

from lca.scoring.engine import STAGES, MarketShift, UnitScores
from lca.inventory.data import Indicator, Location
from lca.inventory.datasets import DATACENTRE_PARTS, PARTS, Foreground
from lca.inventory.linking import table as linking_table
from lca.study import Count
from lca.texttable import aligned
from lca.units import Quantity, format_number, unit_text

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


MARKET_ROW = "  market-based"


def market_lines(market: dict[str, Any] | None) -> list[str]:
    """What the market-based row rests on, under the table: its factors and sources, or why
    there is none."""
    if not market:
        return []
    lines = [f"  market-based climate change: electricity.market.gwp {format_number(f['market_based'])} "
             f"{f['unit']} (location-based {format_number(f['location_based'])}) for "
             f"'{f['functional_unit']}', source: {f['source']}" for f in market["factors"]]
    if market["lacking"]:
        lines.append(f"  market-based climate change NOT computed: it would mix bases, as "
                     f"{', '.join(repr(n) for n in market['lacking'])} give no "
                     f"electricity.market.gwp")
    lines.append(f"  bases: {market['basis']}")
    return lines


def location_entry(location: Location | None) -> dict[str, str] | None:
    """A location as the results document gives it."""
    return {"code": location.code, "name": location.name} if location else None


def location_text(doc: dict[str, Any]) -> str:
    """The study's location; without one, whether its units give their own."""
    loc = doc["location"]
    if loc:
        return f"{loc['name']} ({loc['code']})"
    if any(u.get("location") for u in doc["functional_units"]):
        return "per functional unit (each unit's own, below)"
    return "none (factors given)"


def document(title: str, allocation: str, location: Location | None,
             indicators: dict[str, Indicator], units: list[dict[str, Any]],
             brightway: dict[str, Any] | None) -> dict[str, Any]:
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


def shown_parts(doc: dict[str, Any]) -> list[str]:
    """The components worth a column: a component zero in every unit, stage and indicator
    (`server` unless a published total is used) is left out."""
    return [p for p in PARTS if any(cells.get(p) for u in doc["functional_units"]
                                    for impact in u["impacts"].values()
                                    for cells in impact["by_stage_and_component"].values())]


def unused_lines(doc: dict[str, Any]) -> list[str]:
    """The values given that no choice reads, one line each: shown above the numbers, not under
    them, so that a value that changes nothing cannot pass for used."""
    return [f"NOT USED: {item['rule']} is given ({item['where']}) but not read with this "
            f"study's choices; it changes nothing below" for item in doc.get("unused_inputs", [])]


def service_parts(impact: dict[str, Any]) -> dict[str, float]:
    """An impact by part of the service: the data centre (GPU and server parts), the shares of
    other units (training, development), the end-user device and the network."""
    parts = impact["by_component"]
    return {"data centre": sum(parts[p] for p in DATACENTRE_PARTS),
            "training and other shares": parts["included"], "end-user device": parts["device"],
            "network": parts["network"]}


def service_lines(unit: dict[str, Any], indicators: dict[str, Any]) -> list[str]:
    """One line per indicator with the service's parts, for a unit that has more than the data
    centre; none otherwise."""
    if not any(service_parts(unit["impacts"][i])[p] for i in indicators
               for p in ("training and other shares", "end-user device", "network")):
        return []
    market = unit.get("market_based")
    rows = []
    for ind, info in indicators.items():
        rows.append((info["name"], unit["impacts"][ind], info["unit"]))
        if ind == "gwp" and market and market["total"] is not None:  # the data centre's shift
            rows.append((f"{info['name']}, market-based", market, info["unit"]))
    return [f"  {name}: " + "; ".join(f"{part} {format_number(value)}" for part, value in
                                      service_parts(impact).items()) + f" {unit_name}"
            for name, impact, unit_name in rows]


def _row(name: str, unit: str, impact: dict[str, Any], gaps: list[dict[str, Any]],
         shown: list[str]) -> list[str]:
    """One indicator's row: total, stages, components; `*` on the cells that lack data."""
    stages = {m["stage"] for m in gaps}
    parts = {p for m in gaps for p in m["components"]}

    def mark(value: float, incomplete: bool) -> str:
        return format_number(value) + ("*" if incomplete else "")

    return [name, unit, mark(impact["total"], bool(gaps)),
            *(mark(impact["by_stage"][s], s in stages) for s in STAGES),
            *(mark(impact["by_component"][p], p in parts) for p in shown)]


def table(doc: dict[str, Any]) -> str:
    """The results as text: per functional unit, one row per indicator."""
    loc = doc["location"]
    lines = [f"{doc['study']}", f"allocation: {doc['allocation']}; location: {location_text(doc)}"]
    lines += [*unused_lines(doc), ""]
    shown = shown_parts(doc)
    head = ["indicator", "unit", "total", "manufacturing", "use", *shown]
    for unit in doc["functional_units"]:
        q = unit["quantities"]
        facts = [f"{format_number(q['gpu_hours'])} GPU-h",
                 f"{format_number(q['energy_kwh'])} kWh at the meter",
                 f"on-site cooling water {format_number(q['water_on_site_m3'])} m3"]
        if q.get("flops") is not None:
            facts.insert(0, f"{format_number(q['flops'])} FLOP")
        if q.get("device_hours"):
            facts.append(f"end-user device {format_number(q['device_hours'])} h")
        if q.get("network_gb"):
            facts.append(f"network {format_number(q['network_gb'])} GB")
        own = unit.get("location")
        if own and own != loc:  # a unit run elsewhere than the study says it
            facts.append(f"location {own['name']} ({own['code']})")
        stated = f", {format_number(unit['quantity']['amount'])} {unit['quantity']['of']}" if (
            "quantity" in unit) else ""
        lines.append(f"== {unit['name']} ({unit['workload']}{stated}): {', '.join(facts)}")
        rows = [head]
        market = unit.get("market_based")
        for ind, info in doc["indicators"].items():
            gaps = unit["missing"][ind]
            rows.append(_row(info["name"], info["unit"], unit["impacts"][ind], gaps, shown))
            if ind == "gwp" and market and market["total"] is not None:
                rows.append(_row(MARKET_ROW, info["unit"], market, gaps, shown))
        lines += aligned(rows)
        lines += service_lines(unit, doc["indicators"])
        if "per_item" in unit:
            of = unit["quantity"]["of"]
            amount = format_number(unit["quantity"]["amount"])
            lines.append(f"  per item (1 of {amount} {of}): " + "; ".join(
                f"{format_number(v)} {doc['indicators'][i]['unit']}"
                for i, v in unit["per_item"]["impacts"].items()))
        lines += market_lines(market)
        for ind, info in doc["indicators"].items():
            for name, value in unit["impacts"][ind].get("includes", {}).items():
                lines.append(f"  includes a share of '{name}': {format_number(value)} "
                             f"{info['unit']} of {info['name']}")
        for ind, items in unit["missing"].items():
            by_reason: dict[str, list[str]] = {}
            for item in items:
                by_reason.setdefault(item["reason"], []).append(item["dataset"])
            for reason, names in by_reason.items():
                lines.append(f"  * not counted in {ind}, no data ({reason}): {'; '.join(names)}")
        lines.append("")
    if "background" in doc:
        lines += linking_table(doc["background"]) + [""]
    for item in doc.get("plausibility", []):
        if item["status"] != "within":
            lines.append(f"note: '{item['functional_unit']}' takes {format_number(item['gpu_seconds'])} "
                         f"GPU-seconds per item, {item['status']} the {format_number(item['low_s'])} to "
                         f"{format_number(item['high_s'])} s measured for current generators "
                         f"(ML.ENERGY benchmark v3; diffusion.plausibility): check the steps, "
                         f"resolution and architecture")
    return "\n".join(lines).rstrip() + "\n"
