"""The terminal tables of a study's results document: the results, the linked background, the
uncertainty and the inputs that drive it. Plain text from the document only: the calculation
modules print nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lca.core.units import format_number
from lca.inventory.template import DATACENTRE_PARTS, PARTS
from lca.report.texttable import aligned
from lca.scoring.engine import STAGES

TOP = 6  # inputs printed per functional unit
MARKET_ROW = "  market-based"  # the label of the market-based row under climate change


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


def location_text(doc: dict[str, Any]) -> str:
    """The study's location; without one, whether its units give their own."""
    loc = doc["location"]
    if loc:
        return f"{loc['name']} ({loc['code']})"
    if any(u.get("location") for u in doc["functional_units"]):
        return "per functional unit (each unit's own, below)"
    return "none (factors given)"


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


def results_table(doc: dict[str, Any]) -> str:
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
        lines += linked_lines(doc["background"]) + [""]
    for item in doc.get("plausibility", []):
        if item["status"] != "within":
            lines.append(f"note: '{item['functional_unit']}' takes {format_number(item['gpu_seconds'])} "
                         f"GPU-seconds per item, {item['status']} the {format_number(item['low_s'])} to "
                         f"{format_number(item['high_s'])} s measured for current generators "
                         f"(ML.ENERGY benchmark v3; diffusion.plausibility): check the steps, "
                         f"resolution and architecture")
    return "\n".join(lines).rstrip() + "\n"


def linked_lines(block: dict[str, Any]) -> list[str]:
    """The linked scores as text lines, after the tool's own table."""
    lines = [f"== linked background: database '{block['database']}' of project "
             f"'{block['project']}' ({len(block['links'])} entries mapped in "
             f"{Path(block['mapping']).name}); the tool's foreground in '"
             f"{block['linked_database']}'"]
    shown = [p for p in PARTS if any(i["by_component"][p] for u in block["functional_units"]
                                     for i in u["impacts"])]
    for unit in block["functional_units"]:
        lines.append(f"-- {unit['name']}")
        rows = [["method", "unit", "total", *STAGES, *shown]]
        rows += [[" | ".join(i["method"]), i["unit"], format_number(i["total"]),
                  *(format_number(i["by_stage"][s]) for s in STAGES),
                  *(format_number(i["by_component"][p]) for p in shown)]
                 for i in unit["impacts"]]
        lines += aligned(rows)
        for item in unit["not_linked"]:
            lines.append(f"  * not in the linked inventory: {item['flow']} "
                         f"{format_number(item['amount'])} per unit of '{item['activity']}' "
                         f"({item['rule']}); map it under 'flows:' to count it")
    return lines


def intervals_table(doc: dict[str, Any]) -> str:
    """The Monte Carlo statistics as text: per functional unit, one row per indicator."""
    section = doc["uncertainty"]
    lines = [f"{doc['study']}: Monte Carlo, {section['iterations']:,} iterations, seed "
             f"{section['seed']} (allocation {doc['allocation']})", ""]
    head = ["indicator", "unit", "deterministic", "mean", "median", "2.5 %", "97.5 %"]
    for unit in section["functional_units"]:
        lines.append(f"== {unit['functional_unit']}")
        rows = [head]
        for ind, info in doc["indicators"].items():
            s = unit["indicators"][ind]
            star = "*" if s["incomplete"] else ""
            rows.append([info["name"], info["unit"],
                         *(format_number(s[k]) + star
                           for k in ("deterministic", "mean", "median", "p2_5", "p97_5"))])
        lines += aligned(rows)
        lines.append("  sampled: " + "; ".join(f"{s['rule']} ({s['distribution']})"
                                               for s in unit["sampled"]))
        if unit["fixed"]:
            lines.append("  held at the study's value or its data centre's (not sampled): "
                         + ", ".join(f["rule"] for f in unit["fixed"]))
        lines.append("")
    if any(s["incomplete"] for u in section["functional_units"] for s in u["indicators"].values()):
        lines.append("* incomplete: data missing for this indicator (see `assess`)")
    return "\n".join(lines).rstrip() + "\n"


def drivers(unit: dict[str, Any], top: int | None = TOP) -> list[str]:
    """A unit's inputs ranked by their Sobol' total index summed over the indicators: those
    that drive the results overall first (each grid factor drives its own indicator only)."""
    total: dict[str, float] = {}
    for rows in unit["sobol"].values():
        for row in rows:
            total[row["rule"]] = total.get(row["rule"], 0.0) + row["ST"]
    ranked = sorted(total, key=lambda rule: -total[rule])  # stable: ties keep the first seen
    return ranked[:top]


def swing_percent(row: dict[str, Any]) -> tuple[float, float] | None:
    """A tornado row's results at the input's low and high values, in % away from the
    deterministic result; None when that result is 0 (no percentage of it)."""
    base = row["score_deterministic"]
    if base == 0:
        return None
    return (100 * (row["score_low"] / base - 1), 100 * (row["score_high"] / base - 1))


def uncertainty_table(doc: dict[str, Any]) -> str:
    """The intervals (`intervals_table`), then per unit the inputs that drive the results."""
    section = doc["uncertainty"]
    title, *intervals = intervals_table(doc).rstrip().split("\n")
    lines = [title, *unused_lines(doc), *intervals]
    low, high = section["sensitivity"]["tornado_percentiles"]
    for unit in section["functional_units"]:
        ranked = drivers(unit)
        if not ranked:
            continue
        lines += ["", f"== {unit['functional_unit']}: the inputs that drive the results "
                      f"(top {len(ranked)} by Sobol' total index ST)"]
        head = ["input", "unit", f"{low:g} %", f"{high:g} %"]
        for ind in doc["indicators"]:
            head += [f"{ind} ST", f"{ind} swing"]
        rows = [head]
        for rule in ranked:
            row: list[str] = []
            for ind in doc["indicators"]:
                swing = next(r for r in unit["tornado"][ind] if r["rule"] == rule)
                index = next(r for r in unit["sobol"][ind] if r["rule"] == rule)
                percent = swing_percent(swing)
                row += [f"{index['ST']:.2f}", swing_text(percent)]
            rows.append([rule, swing["unit"], format_number(swing["low_value"]),
                         format_number(swing["high_value"]), *row])
        lines += aligned(rows)
    lines += ["", f"swing: the result with the input at its {low:g} and {high:g} % values, every "
                  f"other input at its value, in % of the deterministic result.",
              f"ST: share of the result's variance due to the input, interactions included "
              f"({section['sensitivity']['sobol']['evaluations']:,} evaluations)."]
    return "\n".join(lines) + "\n"


def swing_text(percent: tuple[float, float] | None) -> str:
    """'-36/+60 %'; '0' when the input does not move the result; 'n/a' when it is 0."""
    if percent is None:
        return "n/a"
    low, high = (round(p) for p in percent)
    return "0" if low == high == 0 else f"{low:+d}/{high:+d} %"
