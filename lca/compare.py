"""Side-by-side comparisons (contract.md `compare`): one study under every allocation rule, or
several studies (scenarios) with the inputs that differ between them."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lca.assess import Prepared, prepare, run, run_scored, score_variant
from lca.errors import InputError, Where
from lca.inventory import brightway as bw
from lca.rules.explain import format_value
from lca.rules.ruleset import RuleSet
from lca.situation import Setting, load_model
from lca.study import Study
from lca.texttable import aligned
from lca.units import format_number


@dataclass(frozen=True)
class Column:
    """One column of a comparison: its label and the results document behind it."""

    label: str
    doc: dict[str, Any]


MARKET_INDICATOR = "gwp-market"  # the comparison's row of market-based climate change


def compare_allocations(study_path: Path | Study, settings: list[Setting] = (),
                        project: str = bw.DEFAULT_PROJECT, model_dir: Path | None = None,
                        rules: RuleSet | None = None) -> dict[str, Any]:
    """The study's results document (a file, or a study already read), with an
    `allocation_comparison` of every allocation rule.

    Every allocation is prepared (checked) before anything is written; only the study's own is
    written to Brightway, the others are scored in memory over the background it solved.
    """
    rules = rules or load_model(model_dir)
    ids = list(rules["allocation"].choices)
    own = prepare(study_path, settings, rules=rules)
    others = {alloc: prepare(study_path, [*settings, Setting("allocation", alloc,
                                                             "--allocation all")], rules=rules)
              for alloc in ids if alloc != own.allocation}
    doc, background = run_scored(own, project)
    docs = {own.allocation: doc} | {alloc: score_variant(each, background) for alloc, each in others.items()}
    doc["allocation_comparison"] = comparison([Column(a, docs[a]) for a in ids])
    for row in doc["allocation_comparison"]["rows"]:
        row["server_share"] = {a: _unit(docs[a], row["functional_unit"])["quantities"]["server_share"]
                               for a in ids}
    return doc


def compare_scenarios(paths: list[Path], settings: list[Setting] = (),
                      project: str = bw.DEFAULT_PROJECT, model_dir: Path | None = None
                      ) -> dict[str, Any]:
    """Several studies side by side, per functional unit they share, with their differing inputs;
    `scenarios` keeps each one's results document (for the workbook and report)."""
    if len(paths) < 2:
        raise InputError("--scenario takes two or more study files", Where("command line",
                                                                           key="--scenario"))
    rules = load_model(model_dir)
    prepared = [prepare(p, settings, rules=rules) for p in paths]
    labels = _labels(paths)
    section, docs = _run_scenarios(labels, prepared, project)
    return {"scenario_comparison": section, "scenarios": dict(zip(labels, docs, strict=True))}


def compare_prepared(labels: list[str], prepared: list[Prepared], project: str
                     ) -> dict[str, Any]:
    """The `scenario_comparison` section of studies already checked (`prepare`), one per label."""
    return _run_scenarios(labels, prepared, project)[0]


def _run_scenarios(labels: list[str], prepared: list[Prepared], project: str
                   ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The comparison section, and each scenario's results document."""
    _distinct_titles(prepared)
    docs = [run(p, project) for p in prepared]
    out = comparison([Column(label, doc) for label, doc in zip(labels, docs, strict=True)])
    out["studies"] = {label: {"file": p.study.file, "title": doc["study"]}
                      for label, p, doc in zip(labels, prepared, docs, strict=True)}
    out["differences"] = differences(labels, prepared)
    return out, docs


def _distinct_titles(prepared: list[Prepared]) -> None:
    """Each scenario is written as the study its title names: two with one title would share
    (and overwrite) one foreground, so they are refused before anything is written."""
    seen: dict[str, str] = {}
    for each in prepared:
        title, file = each.study.title, each.study.file
        if title in seen:
            raise InputError(f"scenarios {seen[title]} and {file} have the same title "
                             f"'{title}': a study is known to Brightway by its title, so give "
                             f"each scenario its own `study:` title", Where(file, key="study"))
        seen[title] = file


def comparison(columns: list[Column]) -> dict[str, Any]:
    """Rows per functional unit (present in the first column) x indicator, one value per column."""
    first = columns[0].doc
    rows = []
    for unit in first["functional_units"]:
        for ind, info in first["indicators"].items():
            matches = {col.label: _unit(col.doc, unit["name"]) for col in columns}
            values = {label: m["impacts"][ind]["total"] if m else None
                      for label, m in matches.items()}
            incomplete = {label: bool(m["missing"][ind]) for label, m in matches.items() if m}
            rows.append({"functional_unit": unit["name"], "indicator": ind,
                         "indicator_name": info["name"], "unit": info["unit"],
                         "values": values, "incomplete": incomplete})
            if ind == "gwp":
                rows += _market_row(rows[-1], matches)
    return {"columns": [c.label for c in columns], "rows": rows}


def _market_row(gwp: dict[str, Any], matches: dict[str, dict[str, Any] | None]
                ) -> list[dict[str, Any]]:
    """Climate change on the market-based basis, beside the location-based row, when a column
    has it (n/a in the others: never a location-based figure in its place)."""
    values = {label: (m.get("market_based") or {}).get("total") if m else None
              for label, m in matches.items()}
    if all(v is None for v in values.values()):
        return []
    return [gwp | {"indicator": MARKET_INDICATOR, "values": values,
                   "indicator_name": f"{gwp['indicator_name']}, market-based"}]


def differences(labels: list[str], prepared: list[Prepared]) -> list[dict[str, Any]]:
    """Inputs (given or default values, not computed ones) that differ between scenarios.

    Per functional unit name shared by the studies: every rule evaluated in any of them whose
    value was given or defaulted, and differs or is absent in another.
    """
    out = []
    studies = [{u.name: ev for u, ev in p.pairs} for p in prepared]
    for name in studies[0]:
        if not all(name in s for s in studies):
            continue
        evs = [s[name] for s in studies]
        seen: list[str] = []
        for ev in evs:
            seen += [r for r in ev.evaluated() if r not in seen]
        for rule in seen:
            if all(ev.how(rule) == "formula" for ev in evs if rule in ev.evaluated()):
                continue
            shown = {label: (format_value(ev.value(rule)) if rule in ev.evaluated() else None)
                     for label, ev in zip(labels, evs, strict=True)}
            if len(set(shown.values())) > 1:
                out.append({"functional_unit": name, "rule": rule, "values": shown})
    return out


def table(section: dict[str, Any], title: str) -> str:
    """A comparison as text: per functional unit, one row per indicator, one column per choice."""
    cols = section["columns"]
    lines = [title, ""]
    units: dict[str, list[dict[str, Any]]] = {}
    for row in section["rows"]:
        units.setdefault(row["functional_unit"], []).append(row)
    for unit, rows in units.items():
        lines.append(f"== {unit}")
        grid = [["indicator", "unit", *cols, "max / min"]]
        for row in rows:
            vals = [v for v in row["values"].values() if v is not None]
            spread = f"{max(vals) / min(vals):.2f}x" if len(vals) > 1 and min(vals) > 0 else "-"
            grid.append([row["indicator_name"], row["unit"],
                         *(_cell(row["values"][c], row["incomplete"].get(c, False)) for c in cols),
                         spread])
        if "server_share" in rows[0]:
            grid.append(["server share per GPU-hour", "1",
                         *(format_number(rows[0]["server_share"][c]) for c in cols), ""])
        lines += aligned(grid)
        lines.append("")
    if any(c for r in section["rows"] for c in r["incomplete"].values()):
        lines.append("* incomplete: data missing for this indicator (see `assess` for which)")
    differing = section.get("differences", [])
    if differing:
        lines.append("inputs that differ:")
    for diff in differing:
        values = "; ".join(f"{k}: {'-' if v is None else v}" for k, v in diff["values"].items())
        lines.append(f"  [{diff['functional_unit']}] {diff['rule']}: {values}")
    return "\n".join(lines).rstrip() + "\n"


def write_csv(section: dict[str, Any], path: Path) -> None:
    """Long form: one row per functional unit x indicator x column."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["functional_unit", "indicator", "indicator_name", "unit", "column", "value"])
        for row in section["rows"]:
            for col, value in row["values"].items():
                out.writerow([row["functional_unit"], row["indicator"], row["indicator_name"],
                              row["unit"], col, "" if value is None else repr(value)])


def _cell(value: float | None, incomplete: bool) -> str:
    return "n/a" if value is None else format_number(value) + ("*" if incomplete else "")


def _unit(doc: dict[str, Any], name: str) -> dict[str, Any] | None:
    return next((u for u in doc["functional_units"] if u["name"] == name), None)


def _labels(paths: list[Path]) -> list[str]:
    """Short, distinct labels for scenario files: their stems, or their paths when stems clash."""
    stems = [p.stem for p in paths]
    return stems if len(set(stems)) == len(stems) else [str(p) for p in paths]
