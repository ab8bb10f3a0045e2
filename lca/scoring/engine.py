"""The one scoring engine: every result is a contraction of the foreground over background scores.

The background's characterised scores come from Brightway once (`lca.scoring.background`); the
foreground is a small acyclic graph whose amounts are rule values (floats, or one per Monte
Carlo sample). A foreground activity's score is the sum over its exchanges of amount x the
score of the input, which is back-substitution in the foreground's triangular technosphere
matrix: done activity by activity, memoised, vectorised over samples.

Contributions split each unit's result by part (gpu, cpu, ram, ssd, chassis, device, network)
and stage (manufacturing, use): the supply of each of the unit's own part processes (pushed
down its own graph from the unit) times its stage-tagged exchanges. The shares a unit carries of
other units (training amortised over inferences, development runs) are one contributor of their
own, `included`, split by stage, and each share is reported by name too. The parts add up to
the total, which is checked.

The market-based basis of climate change (GHG Protocol Scope 2) is one more column of the same
contraction: only each unit's data-centre electricity process carries it, what the
market-based factor changes per kWh (Foreground.market_shift), so the market-based result is
the location-based one plus this column. End-user devices and networks draw the grid directly,
not through that process: their electricity is bought by users and network operators, under no
contract of the study's, so it stays location-based on both bases.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from lca.inventory.datasets import PARTS, Amount, Foreground, Key
from lca.scoring.background import Background, Method

STAGES = ("manufacturing", "use")


@dataclass(frozen=True)
class MarketShift:
    """What the market-based basis changes in a unit's climate change (kg CO2-eq): in total, per
    (part, stage), per included unit. `units` are the units whose electricity it draws with a
    market-based factor, `lacking` those it draws without one: then no market-based figure is
    made, rather than one that mixes the two bases."""

    total: float
    parts: dict[tuple[str, str], float]
    includes: dict[str, float]
    units: tuple[str, ...]
    lacking: tuple[str, ...]


@dataclass(frozen=True)
class UnitScores:
    """Scores of one functional unit per method: total and by (part, stage); the market-based
    shift of its climate change when any unit it draws electricity from gives a factor."""

    total: dict[Method, float]
    parts: dict[Method, dict[tuple[str, str], float]]  # method -> (part, stage) -> score
    includes: dict[Method, dict[str, float]]  # method -> included unit -> score
    market: MarketShift | None = None


@dataclass
class _Split:
    """A unit's scores as columns (one per method, then the market shift), by (part, stage)
    and per included unit, with the units whose electricity it draws."""

    parts: dict[tuple[str, str], np.ndarray]
    includes: dict[str, np.ndarray]
    drawing: set[Key]


class Contraction:
    """The foreground of a study over a background's scores. A score is an array of one row
    per method plus one for the market-based shift, and one column per sample (one when the
    amounts are floats)."""

    def __init__(self, foregrounds: list[Foreground], background: Background,
                 stored: bool = False):
        self.foregrounds = foregrounds
        self.stored = stored
        self.background = background
        self.activities = {k: v for fg in foregrounds for k, v in fg.activities.items()}
        self.owner = {k: fg for fg in foregrounds for k in fg.activities}
        self.order = {fg.unit: i for i, fg in enumerate(foregrounds)}
        self.width = len(background.methods) + 1
        self.market = np.zeros((self.width, 1))
        self.market[-1] = 1.0
        self.shifts = {fg.electricity: fg.market_shift for fg in foregrounds
                       if fg.electricity is not None and fg.market_shift is not None}
        self._full: dict[Key, np.ndarray] = {}
        self._split: dict[Key, _Split] = {}
        self._outside: dict[Key, np.ndarray] = {}

    def as_stored(self, amount: Amount) -> Amount:
        """An amount as Brightway stores it, when the scores are to be the written project's:
        in single precision (bw2data 3's arrays, and bw_processing's under Brightway 2.5), about
        6e-8 relative. What is given to Brightway as a demand is not stored: the demand of a
        part on its inputs (the supply of the part, as solved, times the amounts as computed)
        and of an included share by name. Samples are never written: double precision."""
        return float(np.float32(amount)) if self.stored and np.ndim(amount) == 0 else amount

    def amount(self, exchange: dict[str, Any]) -> Amount:
        return self.as_stored(exchange["amount"])

    def score(self, key: Key) -> np.ndarray:
        """The score of one unit of any input: a foreground activity's, or the background's."""
        if key in self.activities:
            return self.full(key)
        if key not in self._outside:
            self._outside[key] = np.append(self.background.score(key), 0.0)[:, None]
        return self._outside[key]

    def full(self, key: Key) -> np.ndarray:
        """The score of one unit of a foreground activity, with all it includes."""
        if key not in self._full:
            total: np.ndarray = np.zeros((self.width, 1))
            for exchange in self.activities[key]["exchanges"]:
                if exchange["type"] == "production":
                    _check_production(key, exchange["amount"])
                    continue
                total = total + _amount(self.amount(exchange)) * self.score(exchange["input"])
            if key in self.shifts:
                total = total + _amount(self.shifts[key]) * self.market
            self._full[key] = total
        return self._full[key]

    def supplies(self, fg: Foreground) -> dict[Key, Amount]:
        """How much of each of its own activities one unit of `fg` uses (exchanges to other
        units' activities, the included shares, are left to `split`)."""
        order: list[Key] = []
        seen: set[Key] = set()

        def visit(key: Key) -> None:  # depth first: an activity after all that use it
            seen.add(key)
            for exchange in self.activities[key]["exchanges"]:
                below = exchange["input"]
                if (exchange["type"] == "technosphere" and below in fg.activities
                        and below not in seen):
                    visit(below)
            order.append(key)

        visit(fg.unit)
        supply: dict[Key, Amount] = {fg.unit: 1.0}
        for key in reversed(order):
            for exchange in self.activities[key]["exchanges"]:
                below = exchange["input"]
                if exchange["type"] == "technosphere" and below in fg.activities and below != key:
                    supply[below] = supply.get(below, 0.0) + supply[key] * self.amount(exchange)
        return supply

    def split(self, fg: Foreground) -> _Split:
        """A unit's scores by (part, stage) and per included unit; they add up to its total."""
        if fg.unit in self._split:
            return self._split[fg.unit]
        supply = self.supplies(fg)
        parts = {(p, s): np.zeros((self.width, 1)) for p in PARTS for s in STAGES}
        for part, key in fg.part_processes.items():
            amount = supply.get(key, 0.0)
            if not np.any(amount):
                continue
            for exchange in self.activities[key]["exchanges"]:
                stage = exchange.get("stage")
                if stage:
                    parts[(part, stage)] = parts[(part, stage)] + (
                        _amount(amount * exchange["amount"]) * self.score(exchange["input"]))
        drawing = {fg.unit} if fg.electricity is not None and np.any(
            supply.get(fg.electricity, 0.0)) else set()
        includes = {}
        for name, key, share in fg.includes:
            other = self.split(self.owner[key])
            for stage in STAGES:
                staged = sum(v for (_, s), v in other.parts.items() if s == stage)
                parts[("included", stage)] = parts[("included", stage)] + (
                    _amount(self.as_stored(share)) * staged)
            includes[name] = _amount(share) * self.full(key)
            if np.any(share):
                drawing |= other.drawing
        summed, total = sum(parts.values()), self.full(fg.unit)
        # The parts are the whole graph: anything else would be a bug in the foreground (to
        # the precision of the stored amounts, when the parts' demands are not stored).
        if not np.allclose(summed, total, rtol=1e-6 if self.stored else 1e-9, atol=1e-12):
            raise AssertionError(f"contributions {summed.ravel()} do not add up to "
                                 f"{total.ravel()} for {fg.unit}")
        self._split[fg.unit] = _Split(parts, includes, drawing)
        return self._split[fg.unit]

    def totals(self) -> list[dict[Method, Amount]]:
        """Each unit's total per method: one value per sample, a float when there is one."""
        def row(total: np.ndarray) -> Amount:
            return float(total[0]) if total.shape == (1,) else total

        return [{m: row(self.full(fg.unit)[i]) for i, m in enumerate(self.background.methods)}
                for fg in self.foregrounds]

    def unit_scores(self) -> list[UnitScores]:
        """Each unit's scores with their contributions, for float amounts."""
        out = []
        for fg in self.foregrounds:
            split = self.split(fg)
            total = self.full(fg.unit)
            methods = list(enumerate(self.background.methods))
            out.append(UnitScores(
                {m: float(total[i, 0]) for i, m in methods},
                {m: {ps: float(v[i, 0]) for ps, v in split.parts.items()} for i, m in methods},
                {m: {n: float(v[i, 0]) for n, v in split.includes.items()} for i, m in methods},
                self._market_shift(split, float(total[-1, 0]))))
        return out

    def _market_shift(self, split: _Split, total: float) -> MarketShift | None:
        """The unit's market-based shift, or None when no unit it draws from gives a factor."""
        # In the study's order of units, found by key: a scan of every unit per unit would
        # grow with the square of their number.
        drawing = [self.owner[key] for key in sorted(split.drawing, key=self.order.__getitem__)]
        given = tuple(_name(fg) for fg in drawing if fg.market_shift is not None)
        if not given:
            return None
        lacking = tuple(_name(fg) for fg in drawing if fg.market_shift is None)
        return MarketShift(total, {ps: float(v[-1, 0]) for ps, v in split.parts.items()},
                           {n: float(v[-1, 0]) for n, v in split.includes.items()},
                           given, lacking)


def _amount(value: Any) -> Any:
    """An exchange amount as a factor of a score: a float, or a row of samples."""
    return value if np.ndim(value) == 0 else np.asarray(value, dtype=float)[None, :]


def _check_production(key: Key, amount: Any) -> None:
    """Every foreground activity makes one unit of its product (`datasets._production`): the
    scores above are per unit made only then."""
    if np.ndim(amount) or amount != 1.0:
        raise AssertionError(f"{key} produces {amount}, not 1, of its product")


def _name(fg: Foreground) -> str:
    return fg.activities[fg.unit]["name"]


def calculate(foregrounds: list[Foreground], background: Background, stored: bool = False
              ) -> list[UnitScores]:
    """Scores of every functional unit for every method of the background, with
    contributions; with `stored`, of the amounts as Brightway stores them (`as_stored`), so
    that they are the written project's to the last digit printed."""
    return Contraction(foregrounds, background, stored).unit_scores()


def totals(foregrounds: list[Foreground], background: Background
           ) -> list[dict[Method, Amount]]:
    """Each unit's total per method; the amounts may be arrays of samples (Monte Carlo)."""
    return Contraction(foregrounds, background).totals()
