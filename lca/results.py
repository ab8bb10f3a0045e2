"""The results document (contract.md) and its table for the terminal."""

from __future__ import annotations

from typing import Any

from lca.calc import STAGES, UnitScores
from lca.inventory.data import Indicator, Location
from lca.inventory.datasets import DATACENTRE_PARTS, PARTS, Foreground
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


def document(title: str, allocation: str, location: Location | None,
             indicators: dict[str, Indicator], units: list[dict[str, Any]],
             brightway: dict[str, Any]) -> dict[str, Any]:
    """The whole results document."""
    return {
        "study": title,
        "allocation": allocation,
        "location": {"code": location.code, "name": location.name} if location else None,
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
    return [f"  {info['name']}: " + "; ".join(
        f"{part} {format_number(value)}" for part, value in
        service_parts(unit["impacts"][ind]).items()) + f" {info['unit']}"
        for ind, info in indicators.items()]


def table(doc: dict[str, Any]) -> str:
    """The results as text: per functional unit, one row per indicator."""
    loc = doc["location"]
    lines = [f"{doc['study']}",
             f"allocation: {doc['allocation']}; location: "
             f"{loc['name'] + ' (' + loc['code'] + ')' if loc else 'none (factors given)'}"]
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
        stated = f", {format_number(unit['quantity']['amount'])} {unit['quantity']['of']}" if (
            "quantity" in unit) else ""
        lines.append(f"== {unit['name']} ({unit['workload']}{stated}): {', '.join(facts)}")
        rows = [head]
        for ind, info in doc["indicators"].items():
            imp = unit["impacts"][ind]
            gaps = unit["missing"][ind]
            stages = {m["stage"] for m in gaps}
            parts = {p for m in gaps for p in m["components"]}

            def mark(value: float, incomplete: bool) -> str:
                return format_number(value) + ("*" if incomplete else "")

            rows.append([info["name"], info["unit"], mark(imp["total"], bool(gaps)),
                         *(mark(imp["by_stage"][s], s in stages) for s in STAGES),
                         *(mark(imp["by_component"][p], p in parts) for p in shown)])
        lines += aligned(rows)
        lines += service_lines(unit, doc["indicators"])
        if "per_item" in unit:
            of = unit["quantity"]["of"]
            amount = format_number(unit["quantity"]["amount"])
            lines.append(f"  per item (1 of {amount} {of}): " + "; ".join(
                f"{format_number(v)} {doc['indicators'][i]['unit']}"
                for i, v in unit["per_item"]["impacts"].items()))
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
    for item in doc.get("plausibility", []):
        if item["status"] != "within":
            lines.append(f"note: '{item['functional_unit']}' takes {format_number(item['gpu_seconds'])} "
                         f"GPU-seconds per item, {item['status']} the {format_number(item['low_s'])} to "
                         f"{format_number(item['high_s'])} s measured for current generators "
                         f"(ML.ENERGY benchmark v3; diffusion.plausibility): check the steps, "
                         f"resolution and architecture")
    return "\n".join(lines).rstrip() + "\n"
