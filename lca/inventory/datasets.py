"""Brightway datasets as plain dicts, from the open data and the rules' values: no Brightway here.

Three databases: the indicator biosphere (one flow per indicator), the open-data background
(electricity per location, manufacturing datasets) and a study's foreground. The foreground of a
functional unit is a small tree: the unit uses GPU-hours of a GPU process and as many hours of a
server share; the server share uses the allocated hours of the CPU, RAM, SSD and chassis processes;
each part process draws data-centre electricity (use) and a share of its manufacturing datasets.
Every exchange keeps the rule it came from; every biosphere exchange keeps its source.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from lca.errors import InputError
from lca.inventory.data import INDICATORS, Dataset, Indicator, Location, load_manufacturing
from lca.rules.evaluate import Evaluator, MissingInput
from lca.rules.expression import FormulaError
from lca.rules.interpret import Interpreter
from lca.rules.rule import parse_formula
from lca.study import FunctionalUnit, Include
from lca.units import Quantity

BIOSPHERE = "genai-lca indicators"
BACKGROUND = "genai-lca open data"
PARTS = ("gpu", "cpu", "ram", "ssd", "chassis", "server")
PART_NAMES = {"gpu": "GPU", "cpu": "CPUs", "ram": "RAM", "ssd": "SSDs", "chassis": "chassis",
              "server": "server without GPUs, one published total"}
PART_POWER = {"gpu": "gpu.power_charged", "cpu": "cpu.power_drawn", "ram": "ram.power_drawn",
              "ssd": "ssd.power_drawn"}
# Brightway unit names (bw2io's canonical ones, so Excel round trips relink) and their pint units.
BW_UNITS = {"unit": "dimensionless", "kilowatt hour": "kWh", "hour": "h", "gigabyte": "GB",
            "square centimeter": "cm**2", "square millimeter": "mm**2", "kilogram": "kg"}

Key = tuple[str, str]
# The largest exchange amount written to Brightway. A million GPUs for a thousand years are
# 1e6 x 1,000 x 8,766 h = 8.8e12 GPU-hours: no real amount comes near, and every amount and score
# stays far from floating-point overflow in Brightway's matrices.
MAX_AMOUNT = 1e18
# An exchange amount: a number, or one per Monte Carlo sample when the rules were given arrays.
Amount = float | np.ndarray


def magnitude(quantity: Quantity) -> Amount:
    """A quantity's magnitude as a float, or as a float array when it is vectorised."""
    value = quantity.magnitude
    return float(value) if np.ndim(value) == 0 else np.asarray(value, dtype=float)


@dataclass(frozen=True)
class Missing:
    """An indicator a dataset lacks for this functional unit: reported, never counted as zero.

    `parts` and `stage` say which cells of the results it leaves incomplete.
    """

    indicator: str
    dataset: str
    reason: str
    parts: tuple[str, ...]
    stage: str


@dataclass
class Foreground:
    """The foreground datasets of one functional unit and what the results need to read them.

    `includes` are the shares of other units this one carries: (unit name, its key, share).
    `electricity` is the unit's data-centre electricity process (per kWh of IT electricity) and
    `market_shift` what the market-based basis adds to its climate change per kWh of IT
    electricity (kg CO2-eq; None when no market-based factor is given).
    """

    unit: Key
    activities: dict[Key, dict[str, Any]]
    part_processes: dict[str, Key]
    missing: list[Missing] = field(default_factory=list)
    includes: list[tuple[str, Key, Amount]] = field(default_factory=list)
    electricity: Key | None = None
    market_shift: Amount | None = None


def slug(text: str) -> str:
    """A code-safe form of a name: 'Llama 3.1, 1M tokens' -> 'llama-3-1-1m-tokens'."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "unit"


def biosphere_datasets(indicators: dict[str, Indicator]) -> dict[Key, dict[str, Any]]:
    """One elementary flow per indicator: the characterised figure of the open data."""
    return {(BIOSPHERE, i.id): {"name": f"{i.name} (indicator)", "unit": i.flow_unit,
                                "type": "emission", "categories": ("indicator",),
                                "comment": f"{i.description} Unit: {i.unit}."}
            for i in indicators.values()}


def _biosphere(indicator: str, amount: float, comment: str) -> dict[str, Any]:
    return {"input": (BIOSPHERE, indicator), "amount": amount, "type": "biosphere",
            "comment": comment}


def _production(key: Key) -> dict[str, Any]:
    return {"input": key, "amount": 1.0, "type": "production"}


def electricity_key(code: str) -> Key:
    return (BACKGROUND, f"electricity|{code}")


def manufacturing_key(dataset_id: str) -> Key:
    return (BACKGROUND, f"manufacturing|{dataset_id}")


def background_datasets(locations: dict[str, Location], datasets: dict[str, Dataset]
                        ) -> dict[Key, dict[str, Any]]:
    """Grid electricity of every location and every manufacturing dataset, as published."""
    out: dict[Key, dict[str, Any]] = {}
    for loc in locations.values():
        key = electricity_key(loc.code)
        out[key] = {
            "name": f"electricity, grid mix, {loc.name}", "unit": "kilowatt hour",
            "location": loc.code, "type": "process", "reference product": "electricity",
            "missing indicators": loc.missing(),
            "exchanges": [_production(key)] + [
                _biosphere(i, f.value, f.citation) for i, f in loc.factors.items()]}
    for ds in datasets.values():
        key = manufacturing_key(ds.id)
        out[key] = {
            "name": ds.name, "unit": ds.unit, "location": "GLO", "type": "process",
            "reference product": ds.name.split(",")[0], "missing indicators": list(ds.missing),
            "exchanges": [_production(key)] + [
                _biosphere(i, f.value, f.citation) for i, f in ds.impacts.items()]}
    return out


class _UnitBuilder:
    """Builds the foreground of one functional unit from its evaluator."""

    def __init__(self, database: str, unit: FunctionalUnit, evaluator: Evaluator,
                 location: Location | None, background: dict[Key, dict[str, Any]]):
        self.db = database
        self.unit = unit
        self.name = unit.name
        self.ev = evaluator
        self.location = location
        self.background = background
        self.activities: dict[Key, dict[str, Any]] = {}
        self.missing: list[Missing] = []

    def key(self, code: str) -> Key:
        return unit_key(self.db, self.name, code)

    def amount(self, rule: str, unit: str) -> Amount:
        """A rule's value in a Brightway unit."""
        return magnitude(self.ev.value(rule).to(BW_UNITS[unit]))

    def per_hour(self, rule: str, unit: str) -> Amount:
        """What one hour of a process takes of a per-hour rate (kW -> kWh, share -> hours)."""
        return magnitude((self.ev.value(rule) * Quantity(1, "h")).to(BW_UNITS[unit]))

    def activity(self, code: str, name: str, unit: str, exchanges: list[dict[str, Any]],
                 **extra: Any) -> Key:
        key = self.key(code)
        self.activities[key] = {"name": name, "unit": unit, "location": self._location_code(),
                                "type": "process", "functional unit": self.name,
                                "exchanges": [_production(key)] + exchanges, **extra}
        return key

    def _location_code(self) -> str:
        return self.location.code if self.location else "GLO"

    def tech(self, key: Key, amount: Amount, rule: str, stage: str | None = None) -> dict[str, Any]:
        exchange = {"input": key, "amount": amount, "type": "technosphere", "rule": rule}
        if stage:
            exchange["stage"] = stage
        return exchange

    def build(self) -> Foreground:
        electricity = self._electricity()
        parts = {part: key for part in PARTS if (key := self._part(part, electricity))}
        share = self.per_hour("allocation.server_share", "hour")
        server = self.activity("server-share", f"server share per GPU-hour, {self.ev.value('allocation')} "
                               f"allocation [{self.name}]", "hour",
                               [self.tech(parts[p], share, "allocation.server_share")
                                for p in PARTS[1:] if p in parts])
        hours = self.amount("gpu.hours_charged", "hour")
        includes = [(inc.unit, unit_key(self.db, inc.unit), self._share(inc))
                    for inc in self.unit.includes]
        unit = self.activity("", self.name, "unit",
                             [self.tech(parts["gpu"], hours, "gpu.hours_charged"),
                              self.tech(server, hours, "gpu.hours_charged")]
                             + [self.tech(key, share, f"includes '{name}': {inc.share}")
                                for (name, key, share), inc in zip(includes, self.unit.includes,
                                                                    strict=True)])
        self._check_amounts()
        return Foreground(unit, self.activities, parts, self.missing, includes, electricity,
                          self._market_shift())

    def _check_amounts(self) -> None:
        """Every amount is a finite number within MAX_AMOUNT before anything can reach
        Brightway: each rule is finite, but an input far beyond the physical world (1e300 W)
        gives amounts that overflow in Brightway's matrices (a NaN score, a singular matrix)."""
        for activity in self.activities.values():
            for exchange in activity["exchanges"]:
                amount = np.abs(exchange["amount"])
                if not np.all(np.isfinite(amount)) or np.any(amount > MAX_AMOUNT):
                    rule = exchange.get("rule", exchange["input"][1])
                    raise InputError(
                        f"functional unit '{self.name}': an amount of '{activity['name']}' is "
                        f"{np.max(amount):.3g}, beyond {MAX_AMOUNT:g} (an input is far too large)",
                        replace(self.unit.workload.where, key=rule))

    def _share(self, include: Include) -> Amount:
        """The share of another unit this one carries: a dimensionless formula of its rules."""
        def resolve(name: str) -> Any:
            self.ev.rules.require(name, include.where)
            return self.ev.value(name)

        try:
            with np.errstate(all="ignore"):
                quantity = Interpreter(resolve).eval(parse_formula(include.share, include.where))
        except FormulaError as exc:
            raise InputError(f"the share of '{include.unit}' cannot be computed: {exc}",
                             include.where) from None
        if not isinstance(quantity, Quantity):
            got = "text" if isinstance(quantity, str) else "a condition"
        elif not quantity.dimensionless:
            got = f"a quantity in {quantity.units:~P}"
        elif np.any(quantity.magnitude < 0):
            got = "a negative number"
        else:
            return magnitude(quantity.to("dimensionless"))
        raise InputError(f"the share of '{include.unit}' must be a number of 0 or more "
                         f"(a ratio of volumes, e.g. inference.output_tokens / 1e15); "
                         f"got {got}", include.where)

    def _electricity(self) -> Key:
        where = (f"no factor for {self.location.name} ({self.location.code}) in "
                 f"inventories/electricity.csv" if self.location else "no location, for the study or the unit")
        grid = self._data_or_variant(
            electricity_key(self.location.code) if self.location else None, "electricity",
            "grid", "electricity, grid mix, with the study's factors", "kilowatt hour",
            {i: where for i in INDICATORS}, tuple(PART_POWER), "use")
        water = self.ev.value("datacenter.water_per_it").to("m**3/kWh")
        return self.activity(
            "electricity", f"electricity at the data centre, per kWh drawn by IT [{self.name}]",
            "kilowatt hour",
            [self.tech(grid, self.amount("datacenter.electricity_per_it", "unit"),
                       "datacenter.electricity_per_it"),
             _biosphere("water", magnitude(water), "on-site cooling water (rule datacenter.water_per_it)")
             | {"rule": "datacenter.water_per_it"}])

    def _market_shift(self) -> Amount | None:
        """What the market-based basis adds per kWh of IT electricity: the kWh drawn from the
        grid per IT kWh x (market-based - location-based factor); None without a market-based
        factor, or without a location-based one to replace (then it is missing, not zero)."""
        try:
            market = self.ev.value("electricity.market.gwp")
            location = self.ev.value("electricity.gwp")
        except MissingInput:
            return None
        per_it = self.ev.value("datacenter.electricity_per_it")
        return magnitude((per_it * (market - location)).to("kg/kWh"))

    def _part(self, part: str, electricity: Key) -> Key | None:
        """The process of one part per hour in use, or None when the profile leaves it empty."""
        datasets, profiles = load_manufacturing()
        profile = profiles[part]
        choice = self.ev.value(profile.rule)
        share = self.ev.value("embodied.share_per_hour")
        if part == "gpu":  # GPUs held idle by the job come with each GPU-hour of work
            share = share * self.ev.value("allocation.gpu_share")
        exchanges = []
        if part in PART_POWER:
            exchanges.append(self.tech(electricity, self.per_hour(PART_POWER[part], "kilowatt hour"),
                                       PART_POWER[part], "use"))
        interpreter = Interpreter(self.ev.value)
        prefix = profile.factor_prefix(choice)
        for item in profile.choices[choice]:
            dataset = datasets[item.dataset]
            per_unit = interpreter.eval(item.amount)
            amount = (per_unit * share * Quantity(1, "h")).to(BW_UNITS[dataset.unit])
            if prefix:
                target = self._data_or_variant(manufacturing_key(dataset.id), prefix,
                                               f"{part}-manufacturing",
                                               f"{dataset.name}, with the study's factors",
                                               dataset.unit, dataset.missing, (part,),
                                               "manufacturing")
            else:
                target = manufacturing_key(dataset.id)
                self.missing += [Missing(i, dataset.name, reason, (part,), "manufacturing")
                                 for i, reason in dataset.missing.items()]
            label = f"({item.amount_text}) x embodied.share_per_hour" + (
                " x allocation.gpu_share" if part == "gpu" else "")
            exchanges.append(self.tech(target, magnitude(amount), label, "manufacturing"))
        if not exchanges:
            return None
        per = "GPU-hour" if part == "gpu" else "server-hour"
        return self.activity(part, f"{PART_NAMES[part]}, per {per} in use [{self.name}]", "hour",
                             exchanges, part=part)

    def _data_or_variant(self, published: Key | None, prefix: str, code: str, name: str,
                         unit: str, reasons: dict[str, str], parts: tuple[str, ...],
                         stage: str) -> Key:
        """The published dataset, or a foreground copy where the study changed its factors.

        The factors are the rules `prefix.gwp`, `.pe`, `.water`, `.adpe`. `reasons` says why the
        data lack an indicator; `parts` and `stage` where that shows in the results.
        """
        values: dict[str, Amount] = {}
        for indicator in INDICATORS:
            rule = f"{prefix}.{indicator}"
            try:
                quantity = self.ev.value(rule)
            except MissingInput:
                dataset = self.background[published]["name"] if published else name
                reason = reasons.get(indicator, "no value")
                self.missing.append(Missing(indicator, dataset, f"{reason}; rule {rule} not given",
                                            parts, stage))
                continue
            values[indicator] = magnitude(quantity)  # in the rule's unit: per kWh or per unit
        if published is not None and _same_factors(self.background[published], values):
            return published
        return self.activity(code, f"{name} [{self.name}]", unit, [
            _biosphere(i, v, f"rule {prefix}.{i}") | {"rule": f"{prefix}.{i}"}
            for i, v in values.items()])


def _same_factors(dataset: dict[str, Any], values: dict[str, Amount]) -> bool:
    """Whether the study's factors are the published ones (sampled factors never are)."""
    published = {e["input"][1]: e["amount"] for e in dataset["exchanges"]
                 if e["type"] == "biosphere"}
    return published.keys() == values.keys() and all(
        isinstance(values[i], float) and math.isclose(published[i], values[i], rel_tol=1e-12)
        for i in values)


def unit_key(database: str, unit: str, code: str = "") -> Key:
    """The key of a functional unit's activity, or of one of its processes."""
    return (database, f"{slug(unit)}|{code}" if code else slug(unit))


def foreground_datasets(database: str, units: list[tuple[FunctionalUnit, Evaluator]],
                        locations: list[Location | None], background: dict[Key, dict[str, Any]]
                        ) -> list[Foreground]:
    """The foreground of every functional unit (names must be unique in a study), each drawing
    the grid electricity of its own location.

    A unit that includes others also lacks what they lack: their missing data are its own.
    """
    built = {unit.name: _UnitBuilder(database, unit, evaluator, location, background).build()
             for (unit, evaluator), location in zip(units, locations, strict=True)}

    def lacking(name: str) -> list[Missing]:
        out = list(built[name].missing)
        for included, _, _ in built[name].includes:
            out += [m for m in lacking(included) if m not in out]
        return out

    for name, foreground in built.items():
        foreground.missing = lacking(name)
    return list(built.values())
