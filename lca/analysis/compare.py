"""Side-by-side comparisons (contract.md `compare`): one study under every allocation rule, or
several studies (scenarios) with the inputs that differ between them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from lca.assess import Pipeline, Prepared, Scored
from lca.core.errors import InputError, Where
from lca.core.rules.explain import format_value
from lca.results.document import (Comparison, ComparisonRow, Difference, Results, ScenarioStudy,
                                 UnitResult)
from lca.study.file import Study
from lca.study.situation import Setting


@dataclass(frozen=True)
class Column:
    """One column of a comparison: its label and the results behind it."""

    label: str
    results: Results


MARKET_INDICATOR = "gwp-market"  # the comparison's row of market-based climate change


def allocation_results(pipeline: Pipeline, study: Path | Study, settings: Sequence[Setting] = (),
                       own: Prepared | None = None) -> Scored:
    """The study's results (a file, or a study already read), with an `allocation_comparison`
    of every allocation rule; `own` is the study already prepared with `settings`, when the
    caller has it.

    Every allocation is prepared (checked) before anything is written; only the study's own is
    written to Brightway, the others are scored in memory over the background it solved.
    """
    own = own or pipeline.prepare(study, settings)
    others = {alloc: pipeline.prepare(study, [*settings, Setting("allocation", alloc,
                                                                 "--allocation all")])
              for alloc in pipeline.rules["allocation"].choices if alloc != own.allocation}
    scored = pipeline.score(own)
    variants = {own.allocation: scored.results} | {
        alloc: pipeline.variant(each, scored.background) for alloc, each in others.items()}
    scored.results.allocation_comparison = comparison(
        [Column(a, variants[a]) for a in pipeline.rules["allocation"].choices], server_share=True)
    return scored


def compare_allocations(pipeline: Pipeline, study: Path | Study, settings: Sequence[Setting] = ()
                        ) -> dict[str, Any]:
    """The results document of `allocation_results`, as JSON data."""
    return allocation_results(pipeline, study, settings).results.to_json()


def compare_scenarios(pipeline: Pipeline, paths: list[Path], settings: Sequence[Setting] = ()
                      ) -> dict[str, Any]:
    """Several studies side by side, per functional unit they share, with their differing inputs;
    `scenarios` keeps each one's results document (for the workbook and report)."""
    if len(paths) < 2:
        raise InputError("--scenario takes two or more study files", Where("command line",
                                                                           key="--scenario"))
    prepared = [pipeline.prepare(p, settings) for p in paths]
    labels = _labels(paths)
    section, docs = scenarios(pipeline, labels, prepared)
    return {"scenario_comparison": section.to_json(),
            "scenarios": {label: doc.to_json() for label, doc in zip(labels, docs, strict=True)}}


def scenarios(pipeline: Pipeline, labels: list[str], prepared: list[Prepared]
              ) -> tuple[Comparison, list[Results]]:
    """Studies already checked (`prepare`), one per label, scored: the `scenario_comparison`
    section, and each one's results."""
    _distinct_titles(prepared)
    docs = [pipeline.score(p).results for p in prepared]
    section = comparison([Column(label, doc) for label, doc in zip(labels, docs, strict=True)])
    return replace(section, studies={label: ScenarioStudy(p.study.file, doc.study)
                                     for label, p, doc in zip(labels, prepared, docs, strict=True)},
                   differences=differences(labels, prepared)), docs


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


def comparison(columns: list[Column], server_share: bool = False) -> Comparison:
    """Rows per functional unit (present in the first column) x indicator, one value per column;
    with `server_share` (the allocation rules), each row also has each column's server share."""
    first = columns[0].results
    rows: list[ComparisonRow] = []
    for unit in first.functional_units:
        matches = {col.label: _unit(col.results, unit.name) for col in columns}
        shares = ({label: m.quantities["server_share"] for label, m in matches.items() if m}
                  if server_share else None)
        for ind, info in first.indicators.items():
            rows.append(ComparisonRow(
                unit.name, ind, info.name, info.unit,
                {label: m.impacts[ind].total if m else None for label, m in matches.items()},
                {label: bool(m.missing[ind]) for label, m in matches.items() if m}, shares))
            if ind == "gwp":
                rows += _market_row(rows[-1], matches)
    return Comparison([c.label for c in columns], rows)


def _market_row(gwp: ComparisonRow, matches: dict[str, UnitResult | None]
                ) -> list[ComparisonRow]:
    """Climate change on the market-based basis, beside the location-based row, when a column
    has it (n/a in the others: never a location-based figure in its place)."""
    values = {label: m.market_based.total if m and m.market_based else None
              for label, m in matches.items()}
    if all(v is None for v in values.values()):
        return []
    return [replace(gwp, indicator=MARKET_INDICATOR, values=values,
                    indicator_name=f"{gwp.indicator_name}, market-based")]


def differences(labels: list[str], prepared: list[Prepared]) -> list[Difference]:
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
                out.append(Difference(name, rule, shown))
    return out


def _unit(results: Results, name: str) -> UnitResult | None:
    return next((u for u in results.functional_units if u.name == name), None)


def _labels(paths: list[Path]) -> list[str]:
    """Short, distinct labels for scenario files: their stems, or their paths when stems clash."""
    stems = [p.stem for p in paths]
    return stems if len(set(stems)) == len(stems) else [str(p) for p in paths]
