"""Impact calculation with Brightway (bw2calc 1.8, the design's legacy line).

One LCA object, factorised once, serves every functional unit, every contribution demand and
every indicator: demands change with `redo_lci`, indicators with `switch_method`. Contributions
split each unit's result by part (gpu, cpu, ram, ssd, chassis, device, network) and stage
(manufacturing, use): the supply of each part process, times its inputs tagged with a stage, is a
demand of its own; the parts add up to the total, which is checked. The shares a unit carries of
other units (training amortised over inferences, development runs) are one contributor of their
own, `included`, split by stage, and each share is reported by name too.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from lca.inventory.datasets import PARTS, Foreground, Key

STAGES = ("manufacturing", "use")


@dataclass(frozen=True)
class UnitScores:
    """Scores of one functional unit per method: total and by (part, stage)."""

    total: dict[tuple[str, str], float]
    parts: dict[tuple[str, str], dict[tuple[str, str], float]]  # method -> (part, stage) -> score
    includes: dict[tuple[str, str], dict[str, float]]  # method -> included unit -> score


def part_demands(foregrounds: list[Foreground], supply: dict[Key, float],
                 assessed: Foreground) -> dict[tuple[str, str], dict]:
    """The demand that each (part, stage) puts on its inputs, over every part process supplied.

    All units' part processes are walked: those of units included by the one assessed have a
    supply, the others none; theirs count as the `included` part.
    """
    demands: dict[tuple[str, str], dict[Key, float]] = {
        (part, stage): defaultdict(float) for part in PARTS for stage in STAGES}
    for foreground in foregrounds:
        for part, key in foreground.part_processes.items():
            if not supply[key]:
                continue
            for exchange in foreground.activities[key]["exchanges"]:
                stage = exchange.get("stage")
                if stage:
                    own = part if foreground is assessed else "included"
                    demands[(own, stage)][exchange["input"]] += supply[key] * exchange["amount"]
    return {k: dict(v) for k, v in demands.items()}


def calculate(foregrounds: list[Foreground], methods: list[tuple[str, str]]) -> list[UnitScores]:
    """Scores of every functional unit for every method."""
    from bw2calc import LCA

    lca = LCA({foregrounds[0].unit: 1.0}, method=methods[0])
    lca.lci(factorize=True)
    results = []
    for foreground in foregrounds:
        lca.redo_lci({foreground.unit: 1.0})
        supply = {key: float(lca.supply_array[lca.activity_dict[key]])
                  for fg in foregrounds for key in fg.part_processes.values()}
        inventories = {"total": lca.inventory.copy()}
        for part_stage, demand in part_demands(foregrounds, supply, foreground).items():
            if demand:
                lca.redo_lci(demand)
                inventories[part_stage] = lca.inventory.copy()
        for name, key, share in foreground.includes:
            lca.redo_lci({key: share})
            inventories[("includes", name)] = lca.inventory.copy()
        totals: dict[tuple[str, str], float] = {}
        parts: dict[tuple[str, str], dict[tuple[str, str], float]] = {}
        included: dict[tuple[str, str], dict[str, float]] = {}
        for method in methods:
            lca.switch_method(method)
            scores = {k: float((lca.characterization_matrix * inv).sum())
                      for k, inv in inventories.items()}
            totals[method] = scores.pop("total")
            included[method] = {name: scores.pop(("includes", name))
                                for name, _, _ in foreground.includes}
            parts[method] = {(p, s): scores.get((p, s), 0.0) for p in PARTS for s in STAGES}
            summed = sum(parts[method].values())
            # The parts are the whole tree: anything else would be a bug in the foreground. The
            # tolerance is float32's: bw2data 3 stores exchange amounts in single precision.
            if not np.isclose(summed, totals[method], rtol=1e-6, atol=1e-12):
                raise AssertionError(f"contributions {summed} do not add up to {totals[method]}")
        results.append(UnitScores(totals, parts, included))
    return results
