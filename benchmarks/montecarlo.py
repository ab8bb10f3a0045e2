"""Monte Carlo speed: ours (vectorised over the rules) against Brightway's MonteCarloLCA class.

Run: python benchmarks/montecarlo.py. Works in a temporary BRIGHTWAY2_DIR. On the shipped example
(2 functional units x 4 indicators) it measures, as iterations per second, best of 3 after a warm-up:

- ours: `monte_carlo(prepared, indicators, N, seed, results, background)`, the whole call as `genai-lca uncertainty`
  makes it: draw every uncertain rule N times, compute the background scores with Brightway (once
  per call; also timed on their own), evaluate the rules and the foreground tree for all samples at
  once, and the statistics. One iteration gives 8 scores: every indicator of both units.
- Brightway: `bw2calc.MonteCarloLCA(demand, method)` on a copy of the study's foreground, in a
  project of its own, whose positive technosphere and biosphere amounts carry a lognormal
  uncertainty (stats_arrays type 2, loc = ln(amount), GSD 1.5; the spread hardly changes the
  work). Each `next(mc)` draws every exchange, rebuilds the matrices and re-solves the whole system
  (foreground and background) for one unit and one method: 1 score. Also timed: the same class
  giving our 8 scores per iteration the cheapest way it offers (`redo_lci` per unit, as its
  `MultiMonteCarlo` worker does, and the 4 methods' characterisation matrices read once).

The ratios compare scores per second. Brightway draws exchanges independently; ours draws the
rules, so amounts that share a rule move together: the two are not the same model, only the same
size of work (a study's foreground resampled and recomputed per iteration).
"""

from __future__ import annotations

import contextlib
import io
import math
import os
import platform
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np

from lca.analysis.montecarlo import monte_carlo, uncertain_rules
from lca.assess import Pipeline, Prepared, background_scores, foreground_name, prepare
from lca.brightway import project as bw
from lca.brightway.handle import Project
from lca.data.opendata import load_indicators

ROOT = Path(__file__).resolve().parent.parent
STUDY = ROOT / "examples" / "llama-3.1-405b.yaml"
os.environ["BRIGHTWAY2_DIR"] = tempfile.mkdtemp(prefix="genai-lca-bench-")
OURS_N = (10_000, 100_000)
BRIGHTWAY_K = 500
GSD = 1.5
SEED = 1
REPEATS = 3


def best_seconds(step: Callable[[], object]) -> float:
    """The shortest of REPEATS runs of `step`."""
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return min(times)


def ours(prepared: Prepared) -> tuple[dict[int, float], float]:
    """Our iterations per second for each N, and the seconds of the background scores alone."""
    indicators = load_indicators()
    scored = Pipeline.of(Project("bench-ours")).score(prepared)
    results, background = scored.results, scored.background
    # tqdm shows its bar only on a terminal: a captured stderr keeps it out of the timing.
    with contextlib.redirect_stderr(io.StringIO()):
        monte_carlo(prepared, indicators, 1_000, SEED, results, background)  # warm-up
        rates = {n: n / best_seconds(
            lambda n=n: monte_carlo(prepared, indicators, n, SEED, results, background))
            for n in OURS_N}
    return rates, best_seconds(lambda: background_scores(prepared.background, indicators))


def with_uncertainty(activity: dict[str, Any]) -> dict[str, Any]:
    """A copy of a dataset whose positive exchange amounts (but production) are lognormal."""
    exchanges = [e | {"uncertainty type": 2, "loc": math.log(e["amount"]), "scale": math.log(GSD)}
                 if e["type"] != "production" and e["amount"] > 0 else e
                 for e in activity["exchanges"]]
    return activity | {"exchanges": exchanges}


def uncertain_foreground(prepared: Prepared) -> int:
    """Write the open data and the uncertain foreground copy to a project of their own;
    return how many exchanges carry an uncertainty."""
    bw.open_project("bench-brightway")
    bw.write_open_data(load_indicators(), prepared.background)
    data = {k: with_uncertainty(v) for fg in prepared.foregrounds for k, v in fg.activities.items()}
    bw.write_owned(foreground_name(prepared.study.title), data,
                   "benchmark: foreground with exchange uncertainty")
    return sum("loc" in e for v in data.values() for e in v["exchanges"])


def brightway(prepared: Prepared) -> dict[str, float]:
    """Brightway's iterations per second, one score and 8 scores per iteration, and its setup."""
    import bw2calc

    methods = [bw.method_name(i) for i in load_indicators().values()]
    demands = [{fg.unit: 1.0} for fg in prepared.foregrounds]
    start = time.perf_counter()
    mc = bw2calc.MonteCarloLCA(demands[0], methods[0], seed=SEED)
    mc.load_data()
    setup = time.perf_counter() - start
    matrices = []
    for method in methods:
        mc.switch_method(method)
        matrices.append(mc.characterization_matrix.copy())
    mc.switch_method(methods[0])  # the method the class samples its factors for

    def one_score() -> None:
        for _ in range(BRIGHTWAY_K):
            next(mc)

    def eight_scores() -> list[float]:
        scores = []
        for _ in range(BRIGHTWAY_K):
            next(mc)
            for demand in demands:
                mc.redo_lci(demand)
                scores += [float((c * mc.inventory).sum()) for c in matrices]
        return scores

    next(mc)  # warm-up
    return {"one": BRIGHTWAY_K / best_seconds(one_score),
            "eight": BRIGHTWAY_K / best_seconds(eight_scores),
            "setup": setup, "size": mc.technosphere_matrix.shape[0]}


def environment() -> str:
    import bw2calc
    import scipy
    import stats_arrays

    return (f"Python {platform.python_version()}, numpy {np.__version__}, scipy {scipy.__version__}, "
            f"bw2calc {'.'.join(map(str, bw2calc.__version__))}, stats_arrays "
            f"{stats_arrays.__version__}, {os.cpu_count()} CPUs ({platform.machine()})")


def main() -> None:
    prepared = prepare(STUDY)
    rules = sorted({r for _, ev in prepared.pairs
                    for r in uncertain_rules(ev).sampled})
    rates, background = ours(prepared)
    exchanges = uncertain_foreground(prepared)
    theirs = brightway(prepared)
    ref = rates[OURS_N[0]]
    rows = [(f"ours, monte_carlo(), N = {n:,}", rate, 8) for n, rate in rates.items()]
    rows += [("Brightway MonteCarloLCA, next(mc)", theirs["one"], 1),
             ("Brightway MonteCarloLCA + redo_lci per unit", theirs["eight"], 8)]

    print(f"study: {STUDY.name}, {len(prepared.pairs)} functional units x 4 indicators")
    print(f"ours: {len(rules)} rules drawn, rules and foreground tree evaluated for all samples at "
          f"once over background scores computed by Brightway once per call "
          f"({background * 1e3:.1f} ms of it)")
    print(f"Brightway: {exchanges} lognormal exchanges (GSD {GSD}) drawn independently, "
          f"{theirs['size']}x{theirs['size']} technosphere re-solved per iteration "
          f"(scipy cgs from the last solution); setup {theirs['setup'] * 1e3:.0f} ms; "
          f"K = {BRIGHTWAY_K:,} iterations")
    print()
    print(f"{'':46} {'iterations/s':>13} {'scores/it':>10} {'scores/s':>12}")
    for label, rate, scores in rows:
        print(f"{label:46} {rate:13,.0f} {scores:10} {rate * scores:12,.0f}")
    print()
    print(f"ratio, ours (N = {OURS_N[0]:,}) / Brightway, in scores per second:")
    print(f"  like-for-like, the class run once per unit and method (8 x): "
          f"{ref * 8 / theirs['one']:6.0f} x")
    print(f"  like-for-like, the class with 8 scores per iteration:        "
          f"{ref / theirs['eight']:6.0f} x")
    print(f"  iterations alone (ours 8 scores, Brightway 1):               "
          f"{ref / theirs['one']:6.0f} x")
    print(f"environment: {environment()}")


if __name__ == "__main__":
    main()
