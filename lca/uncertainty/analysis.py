"""The `uncertainty` section of a results document: Monte Carlo intervals and, per functional
unit and indicator, the inputs that drive them (tornado swings and Sobol' indices), all over one
set of background scores computed by Brightway.

Section layout, added to each unit of the Monte Carlo section (`montecarlo.monte_carlo`):
`tornado` {indicator: rows sorted by |swing|} and `sobol` {indicator: rows sorted by ST}; the
section's `sensitivity` says how they were computed.
"""

from __future__ import annotations

from typing import Any

from lca.assess import Prepared
from lca.defaults import SOBOL_N
from lca.errors import InputError, Where
from lca.inventory.data import INDICATORS, Indicator
from lca.results import unused_lines
from lca.texttable import aligned
from lca.uncertainty import montecarlo
from lca.uncertainty.sensitivity import sampled_rules, sobol, tornado

TORNADO = (2.5, 97.5)  # the percentiles a tornado swings each input to: the 95 % interval's ends
TOP = 6  # inputs printed per functional unit
MEMORY_LIMIT = 2 * 1024**3  # bytes of samples and results an analysis may hold at once
# Sobol' holds temporaries beyond the rule values counted (the design, quantiles, amounts): peak
# memory of the example (k = 15) grew by 2,094 bytes per point at --sobol 65536, against 1,232
# counted, a factor 1.70 fitted on that run; it predicts the --sobol 16384 run within 1 %
# (583 MB against 580 MB measured). Monte Carlo needs no factor: 345 bytes per iteration
# measured (400,000 to 1,600,000 iterations), 360 counted.
SOBOL_TEMPORARIES = 1.7
MAX_SEED = 2**32 - 1  # numpy and SciPy take seeds from 0 to 2^32 - 1 alike


def check_run(prepared: Prepared, iterations: int, seed: int, sobol_n: int) -> None:
    """Refuse, before anything is written, an analysis that cannot run: a seed out of range, or
    more samples than MEMORY_LIMIT holds (an estimate: 8 bytes per number kept, see above)."""
    if not 0 <= seed <= MAX_SEED:
        raise InputError(f"--seed takes a whole number from 0 to {MAX_SEED:,}, not {seed}",
                         Where("command line", key="--seed"))
    union, per_unit = sampled_rules(prepared)
    indicators = len(INDICATORS)
    # Monte Carlo keeps each sampled rule's draws and each indicator's scores (then joins them);
    # the rules are evaluated in chunks, so their values do not grow with the iterations.
    per_iteration = 8 * sum(len(names) + 2 * indicators for names in per_unit)
    # Sobol' evaluates all n (k + 2) points at once: every rule a unit reads holds an array.
    per_point = 8 * SOBOL_TEMPORARIES * sum(len(ev.evaluated()) + indicators
                                            for _, ev in prepared.pairs)
    points = sobol_n * (len(union) + 2) if union else 0
    used = iterations * per_iteration + points * per_point
    if points * per_point > MEMORY_LIMIT:
        raise InputError(f"--sobol {sobol_n:,} would hold about "
                         f"{points * per_point / 1024**3:,.1f} GiB for this study; the limit is "
                         f"{MEMORY_LIMIT / 1024**3:g} GiB: take a smaller power of 2",
                         Where("command line", key="--sobol"))
    if used > MEMORY_LIMIT:
        most = int(MEMORY_LIMIT - points * per_point) // per_iteration
        raise InputError(
            f"--iterations {iterations:,} with --sobol {sobol_n:,} would hold about "
            f"{used / 1024**3:,.1f} GiB of samples for this study; the limit is "
            f"{MEMORY_LIMIT / 1024**3:g} GiB: at most {most:,} iterations with this --sobol",
            Where("command line", key="--iterations"))


def analyse(prepared: Prepared, indicators: dict[str, Indicator], iterations: int, seed: int,
            deterministic: dict[str, Any], sobol_n: int = SOBOL_N) -> dict[str, Any]:
    """Monte Carlo statistics, tornado swings and Sobol' indices per unit and indicator.

    Brightway must hold the study (`assess.run` first). The same seed drives the Monte Carlo
    draws and the Sobol' design, so the whole section is reproducible.
    """
    background = montecarlo.background_scores(prepared.background, indicators)
    section = montecarlo.monte_carlo(prepared, indicators, iterations, seed, deterministic,
                                     background)
    swings = tornado(prepared, background, indicators, *TORNADO)
    indices = sobol(prepared, background, indicators, n=sobol_n, seed=seed)
    for unit, unit_swings, unit_indices in zip(section["functional_units"], swings, indices,
                                               strict=True):
        unit["tornado"] = unit_swings
        unit["sobol"] = unit_indices
    inputs = {row["rule"] for unit in indices for rows in unit.values() for row in rows}
    section["sensitivity"] = {
        "tornado_percentiles": list(TORNADO),
        "sobol": {"base_points": sobol_n, "seed": seed,
                  "evaluations": sobol_n * (len(inputs) + 2) if inputs else 0,
                  "method": "Saltelli design on a scrambled Sobol' sequence; S1 by Saltelli "
                            "2010, ST by Jansen 1999 (SALib); 95 % bootstrap confidence "
                            "intervals"}}
    return section


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


def table(doc: dict[str, Any]) -> str:
    """The intervals (`montecarlo.table`), then per unit the inputs that drive the results."""
    from lca.units import format_number

    section = doc["uncertainty"]
    title, *intervals = montecarlo.table(doc).rstrip().split("\n")
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
