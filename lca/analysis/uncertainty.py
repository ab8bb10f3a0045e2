"""The `uncertainty` section of a results document: Monte Carlo intervals and, per functional
unit and indicator, the inputs that drive them (tornado swings and Sobol' indices), all over one
set of background scores computed by Brightway.

Section layout (typed: `lca.results.document.Uncertainty`), added to each unit of the Monte Carlo
section (`montecarlo.monte_carlo`): `tornado` {indicator: rows sorted by |swing|} and `sobol`
{indicator: rows sorted by ST}; the section's `sensitivity` says how they were computed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from lca.analysis import montecarlo
from lca.analysis.compare import allocation_results
from lca.analysis.sensitivity import sampled_rules, sobol, tornado
from lca.assess import Pipeline, Prepared, Scored
from lca.core.errors import InputError, Where
from lca.data.opendata import INDICATORS, Indicator, load_indicators
from lca.defaults import SOBOL_N
from lca.results.document import Results, SobolDesign, Sensitivity, Uncertainty
from lca.study.file import Study
from lca.study.situation import Setting

TORNADO = (2.5, 97.5)  # the percentiles a tornado swings each input to: the 95 % interval's ends
MEMORY_LIMIT = 2 * 1024**3  # bytes of samples and results an analysis may hold at once
# Sobol' holds temporaries beyond the rule values counted (the design, quantiles, amounts): peak
# memory of the example (k = 15) grew by 2,094 bytes per point at --sobol 65536, against 1,232
# counted, a factor 1.70 fitted on that run; it predicts the --sobol 16384 run within 1 %
# (583 MB against 580 MB measured). Monte Carlo needs no factor: 345 bytes per iteration
# measured (400,000 to 1,600,000 iterations), 360 counted.
SOBOL_TEMPORARIES = 1.7
MAX_SEED = 2**32 - 1  # numpy and SciPy take seeds from 0 to 2^32 - 1 alike
SOBOL_METHOD = ("Saltelli design on a scrambled Sobol' sequence; S1 by Saltelli 2010, ST by "
                "Jansen 1999 (SALib); 95 % bootstrap confidence intervals")


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
            scored: Scored, sobol_n: int = SOBOL_N) -> Uncertainty:
    """Monte Carlo statistics, tornado swings and Sobol' indices per unit and indicator.

    Everything is scored over the background Brightway solved once for the study (`scored`,
    from `Pipeline.score`). The same seed drives the Monte Carlo draws and the Sobol' design, so
    the whole section is reproducible.
    """
    background = scored.background
    section = montecarlo.monte_carlo(prepared, indicators, iterations, seed, scored.results,
                                     background)
    swings = tornado(prepared, background, indicators, *TORNADO)
    indices = sobol(prepared, background, indicators, n=sobol_n, seed=seed)
    inputs = {row.rule for unit in indices for rows in unit.values() for row in rows}
    design = SobolDesign(sobol_n, seed, sobol_n * (len(inputs) + 2) if inputs else 0, SOBOL_METHOD)
    return replace(section, functional_units=[
        replace(unit, tornado=unit_swings, sobol=unit_indices)
        for unit, unit_swings, unit_indices in zip(section.functional_units, swings, indices,
                                                   strict=True)],
        sensitivity=Sensitivity(list(TORNADO), design))


def uncertainty(pipeline: Pipeline, study: Path | Study, iterations: int, seed: int,
                settings: Sequence[Setting] = (), sobol_n: int = SOBOL_N,
                allocations: bool = False) -> Results:
    """The results with an `uncertainty` section (`analyse`); with `allocations`, the
    `allocation_comparison` too (`allocation_results`, for the bundle's report).

    The run is checked (`check_run`) before Brightway is written; the deterministic assessment
    runs first, then the samples are evaluated over its static background scores.
    """
    prepared = pipeline.prepare(study, settings)
    check_run(prepared, iterations, seed, sobol_n)
    scored = (allocation_results(pipeline, prepared.study, settings, own=prepared)
              if allocations else pipeline.score(prepared))
    scored.results.uncertainty = analyse(prepared, load_indicators(), iterations, seed, scored,
                                         sobol_n)
    return scored.results
