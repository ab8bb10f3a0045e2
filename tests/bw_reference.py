"""The tests' reference: every score the scoring engine gives, solved by bw2calc alone.

This was the tool's calculation before `lca.scoring` (bw2calc re-solved per unit x part x stage
x included share): slow, but Brightway's own answer, against which the engine is checked on
every shipped example (tests/test_scoring.py). One LCA object, factorised once, serves every
demand: demands change with `redo_lci`, methods with `switch_method`. A (part, stage) is the
demand that the unit's part processes put, times their supply, on their inputs tagged with that
stage; part processes of other units it includes are the `included` part. The market-based
shift is the kWh each unit's data-centre electricity process supplies times its
Foreground.market_shift.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import numpy as np

from lca.brightway import bwcompat
from lca.inventory.datasets import PARTS, Foreground, Key
from lca.scoring.engine import STAGES, MarketShift, UnitScores


def _redo_lci(lca: Any, demand: dict[Key, float]) -> None:
    """The inventory of another demand, on the same (factorised) technosphere: Brightway 2.5
    replaced the legacy `redo_lci` by `lci(demand=...)`, keyed by integer ids."""
    if bwcompat.BW25:
        lca.lci(demand=bwcompat.demand_ids(demand))
    else:
        lca.redo_lci(demand)


def _supplied(lca: Any, key: Key) -> float:
    """The supply of the activity `key` in the last inventory calculated."""
    if bwcompat.BW25:
        from bw2data import get_id

        return float(lca.supply_array[lca.dicts.activity[get_id(key)]])
    return float(lca.supply_array[lca.activity_dict[key]])


def _shift(foregrounds: list[Foreground], drawn: dict[Key, float]) -> float:
    """Market-based minus location-based kg CO2-eq of the electricity processes drawn."""
    return sum(drawn.get(fg.electricity, 0.0) * fg.market_shift for fg in foregrounds
               if fg.market_shift is not None)


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
    lca = bwcompat.factorised_lca({foregrounds[0].unit: 1.0}, methods[0])
    results = []
    electricity = [fg.electricity for fg in foregrounds if fg.electricity is not None]

    def drawn() -> dict[Key, float]:
        return {key: _supplied(lca, key) for key in electricity}

    for foreground in foregrounds:
        _redo_lci(lca, {foreground.unit: 1.0})
        supply = {key: _supplied(lca, key)
                  for fg in foregrounds for key in fg.part_processes.values()}
        used = drawn()
        inventories = {"total": lca.inventory.copy()}
        demands = part_demands(foregrounds, supply, foreground)
        for part_stage, demand in demands.items():
            if demand:
                _redo_lci(lca, demand)
                inventories[part_stage] = lca.inventory.copy()
        included_shift = {}
        for name, key, share in foreground.includes:
            _redo_lci(lca, {key: share})
            inventories[("includes", name)] = lca.inventory.copy()
            included_shift[name] = _shift(foregrounds, drawn())
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
            # bw2data 3 stores exchange amounts in single precision: float32's tolerance.
            assert np.isclose(summed, totals[method], rtol=1e-6, atol=1e-12)
        results.append(UnitScores(totals, parts, included,
                                  _market(foregrounds, used, demands, included_shift)))
    return results


def _market(foregrounds: list[Foreground], used: dict[Key, float],
            demands: dict[tuple[str, str], dict], included: dict[str, float]
            ) -> MarketShift | None:
    """The unit's market-based shift, or None when no unit it draws from gives a factor."""
    def name(fg: Foreground) -> str:
        return fg.activities[fg.unit]["name"]

    drawing = [fg for fg in foregrounds if used.get(fg.electricity)]
    given = tuple(name(fg) for fg in drawing if fg.market_shift is not None)
    if not given:
        return None
    lacking = tuple(name(fg) for fg in drawing if fg.market_shift is None)
    # A part process's use exchanges point at electricity processes directly: its demand on
    # them is the kWh they supply for it.
    parts = {ps: _shift(foregrounds, demand) for ps, demand in demands.items()}
    total = _shift(foregrounds, used)
    assert np.isclose(sum(parts.values()), total, rtol=1e-6, atol=1e-12)
    return MarketShift(total, parts, included, given, lacking)
