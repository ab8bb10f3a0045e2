"""Side-by-side comparisons (contract.md `compare`): one study under every allocation rule, or
several studies (scenarios) with the inputs that differ between them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lca.assess import Prepared, Scored, prepare, run, score, score_variant
from lca.brightway import project as bw
from lca.core.errors import InputError, Where
from lca.core.rules.explain import format_value
from lca.core.rules.ruleset import RuleSet
from lca.study.file import Study
from lca.study.situation import Setting, load_model


@dataclass(frozen=True)
class Column:
    """One column of a comparison: its label and the results document behind it."""

    label: str
    doc: dict[str, Any]


MARKET_INDICATOR = "gwp-market"  # the comparison's row of market-based climate change


def allocation_results(study_path: Path | Study, settings: list[Setting] = (),
                       project: str = bw.DEFAULT_PROJECT, model_dir: Path | None = None,
                       rules: RuleSet | None = None, own: Prepared | None = None) -> Scored:
    """The study's results (a file, or a study already read), with an `allocation_comparison`
    of every allocation rule; `own` is the study already prepared with `settings`, when the
    caller has it.

    Every allocation is prepared (checked) before anything is written; only the study's own is
    written to Brightway, the others are scored in memory over the background it solved.
    """
    rules = rules or load_model(model_dir)
    ids = list(rules["allocation"].choices)
    own = own or prepare(study_path, settings, rules=rules)
    others = {alloc: prepare(study_path, [*settings, Setting("allocation", alloc,
                                                              "--allocation all")], rules=rules)
              for alloc in ids if alloc != own.allocation}
    scored = score(own, project)
    docs = {own.allocation: scored.results.to_json()} | {
        alloc: score_variant(each, scored.background).to_json() for alloc, each in others.items()}
    scored.results.allocation_comparison = comparison([Column(a, docs[a]) for a in ids],
                                                      server_share=True)
    return scored


def compare_allocations(study_path: Path | Study, settings: list[Setting] = (),
                        project: str = bw.DEFAULT_PROJECT, model_dir: Path | None = None,
                        rules: RuleSet | None = None) -> dict[str, Any]:
    """The results document of `allocation_results`, as JSON data."""
    return allocation_results(study_path, settings, project, model_dir, rules).results.to_json()


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
    section = comparison([Column(label, doc) for label, doc in zip(labels, docs, strict=True)])
    return section | {
        "studies": {label: {"file": p.study.file, "title": doc["study"]}
                    for label, p, doc in zip(labels, prepared, docs, strict=True)},
        "differences": differences(labels, prepared)}, docs


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


def comparison(columns: list[Column], server_share: bool = False) -> dict[str, Any]:
    """Rows per functional unit (present in the first column) x indicator, one value per column;
    with `server_share` (the allocation rules), each row also has each column's server share."""
    first = columns[0].doc
    rows = []
    for unit in first["functional_units"]:
        matches = {col.label: _unit(col.doc, unit["name"]) for col in columns}
        shares = ({"server_share": {label: m["quantities"]["server_share"]
                                    for label, m in matches.items() if m}}
                  if server_share else {})
        for ind, info in first["indicators"].items():
            values = {label: m["impacts"][ind]["total"] if m else None
                      for label, m in matches.items()}
            incomplete = {label: bool(m["missing"][ind]) for label, m in matches.items() if m}
            rows.append({"functional_unit": unit["name"], "indicator": ind,
                         "indicator_name": info["name"], "unit": info["unit"],
                         "values": values, "incomplete": incomplete, **shares})
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


def _unit(doc: dict[str, Any], name: str) -> dict[str, Any] | None:
    return next((u for u in doc["functional_units"] if u["name"] == name), None)


def _labels(paths: list[Path]) -> list[str]:
    """Short, distinct labels for scenario files: their stems, or their paths when stems clash."""
    stems = [p.stem for p in paths]
    return stems if len(set(stems)) == len(stems) else [str(p) for p in paths]
