"""The interpretation phase (ISO 14044 4.5), computed from a results document: significant
contributors, sensitivity to the allocation choice, the inputs that drive the uncertainty,
completeness and consistency checks, and the
caveats (the method note's discrepancies, a choice's limitations) that apply to the study.

Pure: a document in, plain data out; the report only lays these out.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from lca.core.references import parse_citation
from lca.core.yamlsource import read_yaml
from lca.inventory.datasets import PARTS
from lca.report.text import drivers, swing_percent, swing_text
from lca.scoring.engine import STAGES

Doc = dict[str, Any]
CAVEATS = Path(__file__).with_name("caveats.yaml")
SIGNIFICANT = 0.10  # a stage x component cell of 10 % or more of its total is named
SUM_TOLERANCE = 1e-6  # stages and components must add up to the total within this


def significant_contributors(doc: Doc, threshold: float = SIGNIFICANT) -> list[dict[str, Any]]:
    """Per unit and indicator, the stage x component cells of at least `threshold` of the total,
    largest first, and the share they cover together."""
    out = []
    for unit in doc["functional_units"]:
        for ind, info in doc["indicators"].items():
            impact = unit["impacts"][ind]
            total = impact["total"]
            cells = impact["by_stage_and_component"]
            ranked = sorted(((cells[s][p] / total, s, p) for s in STAGES for p in PARTS
                             if total and cells[s][p]), reverse=True)
            named = [{"stage": s, "component": p, "share": share}
                     for share, s, p in ranked if share >= threshold]
            out.append({"functional_unit": unit["name"], "indicator": ind,
                        "indicator_name": info["name"], "contributors": named,
                        "covered": sum(c["share"] for c in named),
                        "incomplete": bool(unit["missing"][ind])})
    return out


def allocation_sensitivity(doc: Doc) -> list[dict[str, Any]] | None:
    """Per unit and indicator: the lowest and highest allocation and their ratio; None if the
    comparison was not run."""
    section = doc.get("allocation_comparison")
    if section is None:
        return None
    out = []
    for row in section["rows"]:
        values = {k: v for k, v in row["values"].items() if v is not None}
        low = min(values, key=values.__getitem__)
        high = max(values, key=values.__getitem__)
        out.append({"functional_unit": row["functional_unit"], "indicator": row["indicator"],
                    "indicator_name": row["indicator_name"], "unit": row["unit"],
                    "own": doc["allocation"], "own_value": values.get(doc["allocation"]),
                    "lowest": low, "lowest_value": values[low],
                    "highest": high, "highest_value": values[high],
                    "ratio": values[high] / values[low] if values[low] > 0 else None})
    return out


def completeness(doc: Doc) -> list[dict[str, Any]]:
    """Per unit and indicator whose data are incomplete: the datasets that lack it, and why."""
    out = []
    for unit in doc["functional_units"]:
        for ind, info in doc["indicators"].items():
            gaps = unit["missing"][ind]
            if gaps:
                out.append({"functional_unit": unit["name"], "indicator": ind,
                            "indicator_name": info["name"],
                            "stages": sorted({g["stage"] for g in gaps}),
                            "components": sorted({c for g in gaps for c in g["components"]}),
                            "datasets": [g["dataset"] for g in gaps],
                            "reasons": sorted({g["reason"] for g in gaps})})
    return out


def consistency(doc: Doc) -> list[dict[str, Any]]:
    """Checks that the results hold together: stages and components add up to each total, and
    the inputs that differ between functional units (the units are compared on one basis
    only where that is intended)."""
    checks = []
    worst = {"stages": 0.0, "components": 0.0}
    for unit in doc["functional_units"]:
        for impact in unit["impacts"].values():
            total = impact["total"]
            scale = abs(total) or 1.0
            worst["stages"] = max(worst["stages"],
                                  abs(sum(impact["by_stage"].values()) - total) / scale)
            worst["components"] = max(worst["components"],
                                      abs(sum(impact["by_component"].values()) - total) / scale)
    for what, gap in worst.items():
        checks.append({"check": f"{what} add up to each total", "passed": gap <= SUM_TOLERANCE,
                       "detail": f"largest relative gap {gap:.1e} (tolerance {SUM_TOLERANCE:.0e})"})
    differing = differing_inputs(doc)
    checks.append({"check": "data, defaults and study-wide inputs are the same for every unit",
                   "passed": not differing,
                   "detail": ("no differences" if not differing else
                              "differ: " + ", ".join(d["rule"] for d in differing))})
    return checks


def differing_inputs(doc: Doc) -> list[dict[str, Any]]:
    """Rules read by several units whose value comes from data, a default or the study's
    common inputs, and is not the same in all of them: a sign of inconsistent assumptions.
    Inputs given per unit (its model, its tokens) are meant to differ and are not listed."""
    seen: dict[str, dict[str, Any]] = {}
    for unit in doc["functional_units"]:
        for row in unit["inputs"]:
            if row["origin"] in ("computed", "functional unit"):
                continue
            seen.setdefault(row["rule"], {})[unit["name"]] = (row["value"], row["unit"])
    return [{"rule": rule, "values": values} for rule, values in seen.items()
            if len(set(values.values())) > 1]


@lru_cache(maxsize=1)
def load_caveats() -> list[dict[str, Any]]:
    """The caveats of caveats.yaml: kind, when (rule: text choice), text, source (checked)."""
    doc = read_yaml(CAVEATS, "lca/report/caveats.yaml")
    for i, caveat in enumerate(doc.data):
        parse_citation(caveat["source"], doc.where((i, "source")))
    return list(doc.data)


def caveats(doc: Doc) -> list[dict[str, Any]]:
    """The caveats whose conditions hold in at least one unit, with the units they concern."""
    out = []
    for caveat in load_caveats():
        units = [u["name"] for u in doc["functional_units"]
                 if _holds(caveat["when"], {r["rule"]: r["value"] for r in u["inputs"]})]
        if units:
            out.append({"kind": caveat["kind"], "text": " ".join(caveat["text"].split()),
                        "source": caveat["source"], "functional_units": units})
    return out


def uncertainty_drivers(doc: Doc) -> list[dict[str, Any]] | None:
    """Per functional unit, the inputs that drive the results most (Sobol' total index summed
    over the indicators), each with its tornado range, and per indicator its ST, S1 and swing;
    and per indicator the input of largest ST. None when the uncertainty was not run."""
    section = doc.get("uncertainty")
    if not section or "sensitivity" not in section:
        return None
    out = []
    for unit in section["functional_units"]:
        inputs = []
        for rule in drivers(unit):
            per_indicator = {}
            for ind in doc["indicators"]:
                swing = next(r for r in unit["tornado"][ind] if r["rule"] == rule)
                index = next(r for r in unit["sobol"][ind] if r["rule"] == rule)
                per_indicator[ind] = {"ST": index["ST"], "S1": index["S1"],
                                      "swing": swing_text(swing_percent(swing))}
            inputs.append({"rule": rule, "unit": swing["unit"], "low": swing["low_value"],
                           "high": swing["high_value"], "indicators": per_indicator})
        main = {ind: rows[0] for ind, rows in unit["sobol"].items() if rows and rows[0]["ST"] > 0}
        out.append({"functional_unit": unit["functional_unit"], "inputs": inputs, "main": main})
    return out


def _holds(when: dict[str, Any], values: dict[str, Any]) -> bool:
    """Every rule has the value asked, or one of the values when a list is given."""
    return all(values.get(rule) in (choice if isinstance(choice, list) else [choice])
               for rule, choice in when.items())


def interpret(doc: Doc) -> dict[str, Any]:
    """Everything the interpretation section shows."""
    return {"significant": significant_contributors(doc),
            "allocation": allocation_sensitivity(doc),
            "drivers": uncertainty_drivers(doc),
            "completeness": completeness(doc), "consistency": consistency(doc),
            "differing_inputs": differing_inputs(doc), "caveats": caveats(doc),
            "unused_inputs": doc.get("unused_inputs", [])}
