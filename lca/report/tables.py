"""The results document as tables (pandas DataFrames): one per sheet of results.xlsx.

Pure: a document in, frames out. The CSV, the workbook and the HTML report all read these, so
they show the same numbers under the same headings.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from lca.inventory.datasets import PARTS
from lca.results.document import MARKET_BASIS
from lca.report.text import location_text
from lca.scoring.engine import STAGES

Doc = dict[str, Any]


def _head(unit: str, indicator: str, info: dict[str, str]) -> dict[str, str]:
    """The columns that name a row of results: unit, indicator id, its name and unit."""
    return {"functional_unit": unit, "indicator": indicator, "indicator_name": info["name"],
            "unit": info["unit"]}


def goal_and_scope(doc: Doc) -> pd.DataFrame:
    """Two columns, item and what the study states (ISO 14044 4.2), in reading order."""
    gs = doc["goal_and_scope"]
    rows: list[tuple[str, Any]] = [("study", doc["study"]), ("study file", gs["file"])]
    rows += [(f"goal: {k}", v) for k, v in gs["goal"].items()]
    rows += [(f"scope: {k}", v) for k, v in gs["scope"].items()]
    for unit in gs["functional_units"]:
        text = f"{unit['workload']}" + (f"; {unit['description']}" if unit["description"] else "")
        text += f"; counts {unit['quantity']}" if unit.get("quantity") else ""
        text += "".join(f"; includes {i['share']} of '{i['unit']}'" for i in unit["includes"])
        rows.append((f"functional unit: {unit['name']}", text))
        rows += [(f"boundary: {unit['name']}", line) for line in unit.get("boundary", [])]
    for unit in doc["functional_units"]:
        if unit.get("location") and unit["location"] != doc["location"]:
            rows.append((f"location of '{unit['name']}'",
                         f"{unit['location']['name']} ({unit['location']['code']})"))
    rows += [("location", location_text(doc)),
             ("hardware", gs["hardware"] or "none: values given"),
             ("data centre", gs.get("datacenter") or "none: PUE and WUE given or defaults"),
             ("allocation", doc["allocation"])]
    rows += [(f"impact category: {c['name']}",
              f"{c['unit']}; {c['source']} ({c['year']}; {c['licence']})")
             for c in gs["impact_categories"]]
    bw = doc["brightway"]
    rows += [("Brightway project", bw["project"]),
             ("Brightway databases", "; ".join(bw["databases"]))]
    return pd.DataFrame(rows, columns=["item", "value"])


def _per_unit(doc: Doc, key: str) -> pd.DataFrame:
    frames = [pd.DataFrame(u[key]).assign(functional_unit=u["name"])
              for u in doc["functional_units"]]
    frame = pd.concat(frames, ignore_index=True)
    return frame[["functional_unit", *[c for c in frame.columns if c != "functional_unit"]]]


def inputs(doc: Doc) -> pd.DataFrame:
    """Every rule value the results read, per functional unit, with unit, origin and source."""
    return _per_unit(doc, "inputs")


def inventory(doc: Doc) -> pd.DataFrame:
    """Every foreground exchange, per functional unit, with amount, unit and the rule behind it."""
    return _per_unit(doc, "inventory")


def reference_flows(doc: Doc) -> pd.DataFrame:
    """The amounts that carry each functional unit (FLOPs, GPU-hours, energy, water, share,
    device hours, network data), for the quantity it states and per item."""
    meta = doc["quantities"]
    rows = []
    for u in doc["functional_units"]:
        count = u.get("quantity", {})
        per_item = u.get("per_item", {}).get("quantities", {})
        for key, value in u["quantities"].items():
            if value is not None:
                rows.append((u["name"], count.get("amount", 1), count.get("of", ""), key, value,
                             per_item.get(key, value), meta[key]["unit"], meta[key]["rule"]))
    return pd.DataFrame(rows, columns=["functional_unit", "amount", "counts", "quantity", "value",
                                       "per_item", "unit", "rule"])


def results(doc: Doc) -> pd.DataFrame:
    """Per functional unit and indicator: total (for the unit's stated quantity), by stage, per
    item, and whether data are missing."""
    rows = []
    for u in doc["functional_units"]:
        amount = u.get("quantity", {}).get("amount", 1)
        for ind, info in doc["indicators"].items():
            impact = u["impacts"][ind]
            rows.append({**_head(u["name"], ind, info), "total": impact["total"],
                         **{s: impact["by_stage"][s] for s in STAGES},
                         "per_item": impact["total"] / amount,
                         "incomplete": "yes" if u["missing"][ind] else "no"})
    return pd.DataFrame(rows)


def contributions(doc: Doc) -> pd.DataFrame:
    """Long form, one row per functional unit x indicator x stage x component; the values of a
    unit and indicator sum to its total. `share` is the percentage of that total."""
    rows = []
    for u in doc["functional_units"]:
        for ind, info in doc["indicators"].items():
            impact = u["impacts"][ind]
            cells = impact["by_stage_and_component"]
            for stage in STAGES:
                for part in PARTS:
                    value = cells[stage][part]
                    rows.append({**_head(u["name"], ind, info), "stage": stage,
                                 "component": part, "value": value,
                                 "share_percent": (100 * value / impact["total"]
                                                   if impact["total"] else None)})
    return pd.DataFrame(rows)


def market_based(doc: Doc) -> pd.DataFrame | None:
    """Climate change on the market-based basis beside the location-based one, per functional
    unit (total, stages, components), with the factors and their sources; None when no unit
    gives a market-based factor. A unit that would mix the bases has no figures and says why."""
    units = [u for u in doc["functional_units"] if u.get("market_based")]
    if not units:
        return None
    info = doc["indicators"]["gwp"]
    rows = []
    for u in units:
        market = u["market_based"]
        factors = "; ".join(f"'{f['functional_unit']}': {f['market_based']:g} {f['unit']} "
                            f"(location-based {f['location_based']:g}), {f['source']}"
                            for f in market["factors"])
        lacking = ", ".join(market["lacking"])
        for basis, impact in (("location-based", u["impacts"]["gwp"]), ("market-based", market)):
            values = ({} if impact["total"] is None else
                      {"total": impact["total"], **impact["by_stage"], **impact["by_component"]})
            rows.append({**_head(u["name"], "gwp", info), "basis": basis, **values,
                         "incomplete": "yes" if u["missing"]["gwp"] else "no",
                         "factors": factors if basis == "market-based" else "the location's grid",
                         "not computed because": (f"{lacking} give no electricity.market.gwp"
                                                  if lacking and basis == "market-based" else "")})
    return pd.DataFrame(rows).assign(note=MARKET_BASIS)


def comparison(section: dict[str, Any]) -> pd.DataFrame:
    """A comparison (of allocations or scenarios): one row per functional unit x indicator, one
    column per choice, the spread, and the choices whose result is incomplete."""
    rows = []
    for row in section["rows"]:
        values = [v for v in row["values"].values() if v is not None]
        rows.append({"functional_unit": row["functional_unit"], "indicator": row["indicator"],
                     "indicator_name": row["indicator_name"], "unit": row["unit"],
                     **row["values"],
                     "max_over_min": max(values) / min(values)
                     if len(values) > 1 and min(values) > 0 else None,
                     "incomplete": ", ".join(c for c, bad in row["incomplete"].items() if bad)})
    return pd.DataFrame(rows)


def allocation_comparison(doc: Doc) -> pd.DataFrame | None:
    """One row per functional unit x indicator, one column per allocation rule; None if not run."""
    section = doc.get("allocation_comparison")
    if section is None:
        return None
    frame = comparison(section)
    shares = {r["functional_unit"]: r["server_share"] for r in section["rows"]}
    share_rows = pd.DataFrame([{"functional_unit": unit, "indicator": "server_share",
                                "indicator_name": "server share per GPU-hour", "unit": "1",
                                **values} for unit, values in shares.items()])
    return pd.concat([frame, share_rows], ignore_index=True)


def uncertainty(doc: Doc) -> pd.DataFrame | None:
    """Monte Carlo statistics per functional unit and indicator, then the sampled inputs with
    their distributions and sources; None if not run."""
    section = doc.get("uncertainty")
    if section is None:
        return None
    rows = []
    for unit in section["functional_units"]:
        for ind, stats in unit["indicators"].items():
            info = doc["indicators"][ind]
            rows.append({**_head(unit["functional_unit"], ind, info),
                         **{k: v for k, v in stats.items() if k != "incomplete"},
                         "incomplete": "yes" if stats["incomplete"] else "no",
                         "iterations": section["iterations"], "seed": section["seed"]})
        rows += [{"functional_unit": unit["functional_unit"], "indicator": "sampled input",
                  "indicator_name": s["rule"], "unit": s["distribution"], "source": s["source"]}
                 for s in unit["sampled"]]
        rows += [{"functional_unit": unit["functional_unit"], "indicator": "held fixed",
                  "indicator_name": f["rule"], "source": f"given at {f['where']}"}
                 for f in unit["fixed"]]
    return pd.DataFrame(rows)


def sensitivity(doc: Doc) -> pd.DataFrame | None:
    """Per unit, indicator and sampled input: its tornado swing (result at the input's low and
    high percentiles, the others at their values) and Sobol' indices; None if not run."""
    section = doc.get("uncertainty")
    if section is None or "sensitivity" not in section:
        return None
    low, high = section["sensitivity"]["tornado_percentiles"]
    rows = []
    for unit in section["functional_units"]:
        for ind, swings in unit["tornado"].items():
            indices = {r["rule"]: r for r in unit["sobol"][ind]}
            for swing in swings:
                index = indices[swing["rule"]]
                base = swing["score_deterministic"]
                rows.append({
                    **_head(unit["functional_unit"], ind, doc["indicators"][ind]),
                    "input": swing["rule"], "input_unit": swing["unit"],
                    f"input_at_p{low:g}": swing["low_value"],
                    f"input_at_p{high:g}": swing["high_value"],
                    "result_deterministic": base, "result_at_input_low": swing["score_low"],
                    "result_at_input_high": swing["score_high"], "swing": swing["swing"],
                    "swing_percent": 100 * swing["swing"] / base if base else None,
                    **{k: index[k] for k in ("S1", "S1_conf", "ST", "ST_conf")},
                    "note": index["note"] or ""})
    return pd.DataFrame(rows)


def linked_results(doc: Doc) -> pd.DataFrame | None:
    """The linked background (`background:`): per functional unit and method of the
    practitioner's project, total, by stage and by component; None without one."""
    block = doc.get("background")
    if block is None:
        return None
    rows = [{"functional_unit": u["name"], "method": " | ".join(i["method"]), "unit": i["unit"],
             "total": i["total"], **i["by_stage"], **i["by_component"]}
            for u in block["functional_units"] for i in u["impacts"]]
    return pd.DataFrame(rows)


def linked_mapping(doc: Doc) -> pd.DataFrame | None:
    """Which of the practitioner's activities stands for each of the tool's datasets, and how
    much of it; None without a linked background."""
    block = doc.get("background")
    return None if block is None else pd.DataFrame(block["links"])


def data_quality(doc: Doc) -> pd.DataFrame:
    """Each factor the results use with source, year and licence; each missing value, and why."""
    frame = pd.DataFrame(doc["data_quality"])
    frame["used_by"] = frame["used_by"].map("; ".join)
    return frame


def references(doc: Doc) -> pd.DataFrame:
    """Each registry entry the results cite, one row per detail read there, with its users."""
    return pd.DataFrame([{"id": r["id"], "authors": r["authors"], "year": r["year"],
                          "title": r["title"], "licence": r["licence"], "url": r["url"],
                          "detail": c["detail"], "used_by": "; ".join(c["used_by"])}
                         for r in doc["references"] for c in r["cited_for"]])


def sheets(doc: Doc) -> dict[str, pd.DataFrame]:
    """The workbook's sheets in order; the market-based results when a factor is given, the
    allocation comparison, uncertainty and linked background when run."""
    out = {"Goal and scope": goal_and_scope(doc), "Inputs": inputs(doc),
           "Foreground inventory": inventory(doc), "Reference flows": reference_flows(doc),
           "Results": results(doc), "Contributions": contributions(doc)}
    market = market_based(doc)
    if market is not None:
        out["Market-based"] = market
    comparison = allocation_comparison(doc)
    if comparison is not None:
        out["Allocation comparison"] = comparison
    for name, frame in (("Uncertainty", uncertainty(doc)), ("Sensitivity", sensitivity(doc)),
                        ("Linked results", linked_results(doc)),
                        ("Linked mapping", linked_mapping(doc))):
        if frame is not None:
            out[name] = frame
    out["Data quality"] = data_quality(doc)
    out["References"] = references(doc)
    return out

