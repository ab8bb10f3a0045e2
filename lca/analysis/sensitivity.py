"""Sensitivity of the results to the uncertain rules: one-at-a-time swings (tornado) and Sobol'
indices, both on the Monte Carlo fast path (`montecarlo.evaluate`: one vectorised evaluation of
the rules over static background scores).

The rules sampled in a study are the union of those sampled in its functional units. Each point
of a design sets every rule to one quantile, the same in every unit, mapped through each unit's
own distribution of the rule (a relative lognormal is centred on each unit's value): a unit that
includes another sees the same perturbation as the unit it includes, as in `montecarlo.draw`.

Values come from the distributions' inverse CDFs (`sampling.quantile`, which Monte Carlo
draws through too): uniform and triangular as given, normal and lognormal truncated at the rule's
bounds (the lognormal in log space, median = the rule's value unless the spec gives one).
"""

from __future__ import annotations

import zlib

import numpy as np

from lca.analysis.montecarlo import evaluate, uncertain_rules
from lca.analysis.sampling import quantile
from lca.assess import Prepared
from lca.core.rules.evaluate import Evaluator
from lca.core.units import unit_text
from lca.data.opendata import Indicator
from lca.results.document import SobolIndex, Swing
from lca.scoring.background import Background

# Sobol' points are in [0, 1): 0 would map an unbounded tail to -inf.
_U_MIN = 1e-12
# A result whose spread is below this share of its size is constant: float noise, not variance.
_CONSTANT = 1e-12
CONSTANT_NOTE = "the result does not vary over the sampled rules: no variance to apportion"


def sampled_rules(prepared: Prepared) -> tuple[list[str], list[list[str]]]:
    """The rules sampled anywhere in the study (first seen first), and those of each unit."""
    per_unit = [uncertain_rules(ev).sampled for _, ev in prepared.pairs]
    union: list[str] = []
    for names in per_unit:
        union += [n for n in names if n not in union]
    return union, per_unit


def _scopes(prepared: Prepared, per_unit: list[list[str]]) -> list[dict[str, int]]:
    """Per unit, the rules its result can read, each with the unit whose distribution of it
    applies there (an index): the unit's own sampled rules, then those of the units it
    includes (they are sampled in the included unit's situation)."""
    index = {unit.name: i for i, (unit, _) in enumerate(prepared.pairs)}

    def scope(i: int) -> dict[str, int]:
        out = {name: i for name in per_unit[i]}
        for include in prepared.pairs[i][0].includes:
            for name, owner in scope(index[include.unit]).items():
                out.setdefault(name, owner)
        return out

    return [scope(i) for i in range(len(prepared.pairs))]


def _deterministic(evaluator: Evaluator, name: str) -> float:
    rule = evaluator.rules[name]
    return float(evaluator.value(name).to(rule.unit).magnitude)


def tornado(prepared: Prepared, background: Background,
            indicators: dict[str, Indicator], low: float = 2.5, high: float = 97.5
            ) -> list[dict[str, list[Swing]]]:
    """One-at-a-time swings: per unit and indicator, each rule its result reads set to its
    distribution's `low` and `high` percentiles, every other rule at its value.

    Rows are sorted by |swing| (score_high - score_low), largest first. The percentiles are
    the distributions' own (inverse CDF), so there is nothing random and no seed. All 2k points
    (plus the deterministic one) are evaluated at once: point 2j sets rule j low, 2j + 1 high,
    the last point none, in every unit alike.
    """
    if not 0 <= low < high <= 100:
        raise ValueError(f"percentiles must satisfy 0 <= low < high <= 100, not {low}, {high}")
    union, per_unit = sampled_rules(prepared)
    size = 2 * len(union) + 1
    position = {name: j for j, name in enumerate(union)}
    ends = np.array([low, high]) / 100
    points, values = [], []
    for (_, evaluator), names in zip(prepared.pairs, per_unit, strict=True):
        arrays, bounds = {}, {}
        for name in names:
            array = np.full(size, _deterministic(evaluator, name))
            bounds[name] = quantile(evaluator.rules[name], evaluator.value(name), ends)
            j = position[name]
            array[2 * j:2 * j + 2] = bounds[name]
            arrays[name] = array
        points.append(arrays)
        values.append(bounds)
    scores = evaluate(prepared, points, background, indicators)

    out = []
    for scope, unit_scores in zip(_scopes(prepared, per_unit), scores, strict=True):
        result = {}
        for indicator, y in unit_scores.items():
            rows = []
            for name, owner in scope.items():
                low_value, high_value = values[owner][name]
                j = position[name]
                rows.append(Swing(name, float(low_value), float(high_value),
                                  unit_text(prepared.pairs[owner][1].rules[name].unit),
                                  float(y[2 * j]), float(y[2 * j + 1]),
                                  float(y[2 * j + 1] - y[2 * j]), float(y[-1])))
            rows.sort(key=lambda r: -abs(r.swing))  # stable: ties keep the rules' order
            result[indicator] = rows
        out.append(result)
    return out


def power_of_two(n: int) -> bool:
    """Whether n can be the base size of a Sobol' design (its balance needs 2, 4, 8, ...)."""
    return n >= 2 and not n & (n - 1)


def sobol(prepared: Prepared, background: Background,
          indicators: dict[str, Indicator], n: int = 1024, seed: int = 0,
          num_resamples: int = 100, conf_level: float = 0.95
          ) -> list[dict[str, list[SobolIndex]]]:
    """Sobol' first-order (S1) and total (ST) indices per unit and indicator, with the
    half-widths of their bootstrap confidence intervals (S1_conf, ST_conf).

    Saltelli's design on a scrambled Sobol' sequence (SALib) over the quantiles of the k rules
    sampled in the study, each column mapped through the rule's inverse CDF, so each rule's
    marginal is its distribution; n (a power of 2) base points, n (k + 2) evaluations in one
    call (second-order indices are not computed). Rows are sorted by ST, largest first. A
    result that does not vary gets indices 0 and a note. Same seed, same indices.
    """
    from SALib.analyze.sobol import analyze
    from SALib.sample.sobol import sample as saltelli

    if not power_of_two(n):
        raise ValueError(f"n must be a power of 2 (Sobol' sequence), not {n}")
    union, per_unit = sampled_rules(prepared)
    if not union:
        return [{i: [] for i in indicators} for _ in prepared.pairs]
    problem = {"num_vars": len(union), "names": union, "bounds": [[0.0, 1.0]] * len(union)}
    u = np.clip(saltelli(problem, n, calc_second_order=False, scramble=True, seed=seed),
                _U_MIN, 1 - _U_MIN)
    points = [{name: quantile(ev.rules[name], ev.value(name), u[:, union.index(name)])
               for name in names}
              for (_, ev), names in zip(prepared.pairs, per_unit, strict=True)]
    scores = evaluate(prepared, points, background, indicators)
    # SALib 1.5 calls pandas.unique on the names, which pandas 3 refuses for a list (SALib 1.6
    # fixes it but needs numpy 2): an array of names works with both.
    analysed = {**problem, "names": np.array(union)}

    out = []
    for k, (scope, unit_scores) in enumerate(zip(_scopes(prepared, per_unit), scores,
                                                 strict=True)):
        result = {}
        for indicator, y in unit_scores.items():
            y = np.asarray(y, dtype=float)
            if np.ptp(y) <= _CONSTANT * np.max(np.abs(y)):
                rows = [SobolIndex(name, 0.0, 0.0, 0.0, 0.0, CONSTANT_NOTE) for name in scope]
            else:
                stream = np.random.default_rng([seed, k, zlib.crc32(indicator.encode())])
                si = analyze(analysed, y, calc_second_order=False, num_resamples=num_resamples,
                             conf_level=conf_level,
                             seed=int(stream.integers(1, 2**31)))  # SALib ignores a seed of 0
                rows = []
                for name in scope:
                    j = union.index(name)
                    rows.append(SobolIndex(name, float(si["S1"][j]), float(si["S1_conf"][j]),
                                           float(si["ST"][j]), float(si["ST_conf"][j]), None))
                rows.sort(key=lambda r: -r.ST)
            result[indicator] = rows
        out.append(result)
    return out
