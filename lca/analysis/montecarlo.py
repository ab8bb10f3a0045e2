"""Monte Carlo over the rules, vectorised: every sample in one evaluation of the rules.

The open-data background is static: Brightway computes the characterised score of each
background dataset once. The foreground is a small graph whose amounts are rule values; with
arrays of samples as rule values, its amounts are arrays, and the scoring engine
(`lca.scoring.engine`, the one `assess` uses) contracts it over the background's scores for
all samples at once (lca_algebraic's approach).
Every functional unit of a study sees the same draws of a rule, so shares between units
(training amortised over inferences) and comparisons stay consistent.
"""

from __future__ import annotations

import sys
import zlib
from dataclasses import dataclass
import numpy as np

from lca.analysis.sampling import sample
from lca.assess import Prepared, foreground_name
from lca.brightway.project import method_name
from lca.core.errors import Where
from lca.core.provenance import CHOSEN, Origin, Provenance
from lca.core.rules.evaluate import Evaluator, make_override
from lca.core.rules.explain import distribution_text
from lca.data.opendata import Indicator
from lca.inventory.datasets import Amount, Foreground, Key, foreground_datasets
from lca.results.document import (FixedRule, Results, SampledRule, Statistics, UncertainUnit,
                                 Uncertainty)
from lca.results.sections import origin
from lca.scoring.background import Background
from lca.scoring.engine import totals
from lca.study.file import FunctionalUnit

FIXED = (*CHOSEN, Origin.PRESET)  # who set the values Monte Carlo holds (Uncertain)
CHUNK = 5_000  # samples per evaluation: bounds memory, gives the progress bar its steps
PERCENTILES = (2.5, 50.0, 97.5)  # the interval's ends and the median (Statistics)


@dataclass(frozen=True)
class Uncertain:
    """The rules with a distribution that a functional unit reads: sampled, or held at the value
    the study gives (a value given without a distribution is the practitioner's own), or at the
    value of the data-centre preset it names: an operator's published PUE or WUE, which the
    rule's spread over data centres in general does not describe."""

    sampled: list[str]
    fixed: list[str]


def uncertain_rules(evaluator: Evaluator) -> Uncertain:
    sampled, fixed = [], []
    for name in evaluator.evaluated():
        if evaluator.rules[name].uncertainty is None:
            continue
        (fixed if origin(evaluator, name) in FIXED else sampled).append(name)
    return Uncertain(sampled, fixed)


def draw(prepared: Prepared, iterations: int, seed: int) -> list[dict[str, np.ndarray]]:
    """Samples of every uncertain rule, per functional unit, in the rule's unit.

    Each rule has its own random stream, from the seed and its name: the same rule gets the
    same draws in every unit (relative specs scale them to each unit's value), and adding a
    rule to the model does not change the draws of the others.
    """
    out = []
    for _, evaluator in prepared.pairs:
        samples = {}
        for name in uncertain_rules(evaluator).sampled:
            rng = np.random.default_rng([seed, zlib.crc32(name.encode())])
            samples[name] = sample(evaluator.rules[name], evaluator.value(name), iterations, rng)
        out.append(samples)
    return out


def evaluate(prepared: Prepared, samples: list[dict[str, np.ndarray]], background: Background,
             indicators: dict[str, Indicator]) -> list[dict[str, np.ndarray]]:
    """Scores of every unit for given samples of its rules: one vectorised evaluation, the
    scoring engine's contraction of the foreground with arrays for amounts."""
    pairs = with_arrays(prepared, samples)
    foregrounds = foreground_datasets(foreground_name(prepared.study.title), pairs,
                                      prepared.locations, prepared.background)
    size = max((len(a) for s in samples for a in s.values()), default=1)
    return [{i: np.broadcast_to(np.asarray(v, dtype=float), (size,)) for i, v in s.items()}
            for s in indicator_totals(foregrounds, background, indicators)]


def indicator_totals(foregrounds: list[Foreground], background: Background,
                     indicators: dict[str, Indicator]) -> list[dict[str, Amount]]:
    """Each unit's total per indicator, a float or one per sample (the engine's `totals`)."""
    methods = {i: method_name(ind) for i, ind in indicators.items()}
    return [{i: s[m] for i, m in methods.items()} for s in totals(foregrounds, background)]


def with_arrays(prepared: Prepared, samples: list[dict[str, np.ndarray]],
                label: str = "Monte Carlo", source: str = "sampled"
                ) -> list[tuple[FunctionalUnit, Evaluator]]:
    """Each unit's evaluator with arrays of values (in the rules' units) for some of its rules."""
    pairs = []
    for (unit, evaluator), values in zip(prepared.pairs, samples, strict=True):
        overrides = dict(evaluator.overrides)
        for name, array in values.items():
            drawn = Provenance(origin(evaluator, name), Where(label, key=name), source)
            overrides[name] = make_override(evaluator.rules[name], array, drawn)
        pairs.append((unit, Evaluator(evaluator.rules, overrides)))
    return pairs


def monte_carlo(prepared: Prepared, indicators: dict[str, Indicator], iterations: int,
                seed: int, deterministic: Results, background: Background) -> Uncertainty:
    """The `uncertainty` section of the results: statistics per unit and indicator.

    `deterministic` are the results of the same study, shown beside them; `background` the
    scores Brightway solved for it (`Pipeline.score`), which the samples do not change.
    """
    from tqdm import tqdm

    samples = draw(prepared, iterations, seed)
    chunks = range(0, iterations, CHUNK)
    results: list[dict[str, list[np.ndarray]]] = [{i: [] for i in indicators} for _ in samples]
    for start in tqdm(chunks, desc="Monte Carlo", unit="chunk", disable=not sys.stderr.isatty()):
        part = [{k: v[start:start + CHUNK] for k, v in s.items()} for s in samples]
        for out, scores in zip(results, evaluate(prepared, part, background, indicators),
                               strict=True):
            for i, values in scores.items():
                out[i].append(values[:min(CHUNK, iterations - start)])
    units = []
    for (unit, evaluator), out, result in zip(prepared.pairs, results,
                                              deterministic.functional_units, strict=True):
        rules = uncertain_rules(evaluator)
        units.append(UncertainUnit(
            unit.name,
            [SampledRule(r, distribution_text(evaluator.rules[r].uncertainty),
                         str(evaluator.rules[r].uncertainty.source)) for r in rules.sampled],
            [FixedRule(r, str(evaluator.overrides[r].where)) for r in rules.fixed],
            {i: statistics(np.concatenate(values), result.impacts[i].total,
                           bool(result.missing[i]))
             for i, values in out.items()}))
    return Uncertainty(iterations, seed, units)


def statistics(values: np.ndarray, deterministic: float, incomplete: bool) -> Statistics:
    """Mean, median, 2.5 and 97.5 percentiles and standard deviation of one result."""
    low, median, high = (float(v) for v in np.percentile(values, PERCENTILES))
    return Statistics(deterministic, float(np.mean(values)), low, median, high,
                      float(np.std(values)), incomplete)
