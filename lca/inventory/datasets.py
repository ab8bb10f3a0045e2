"""Brightway datasets as plain dicts, from the open data and the rules' values: no Brightway here.

Three databases: the indicator biosphere (one flow per indicator), the open-data background
(electricity per location, manufacturing datasets) and a study's foreground. The foreground of a
functional unit is a small tree, written in model/foreground.yaml and built here by one generic
builder (each amount the value of a rule): the unit uses GPU-hours of a GPU process and as many hours of a
server share; the server share uses the allocated hours of the CPU, RAM, SSD and chassis processes;
each part process draws data-centre electricity (use) and a share of its manufacturing datasets.
A service's scope adds hours of an end-user device process and GB of a network process, which draw
grid electricity (and the device its manufacturing share). The unit's exchanges are for the
quantity it states (1,000 images); the rules describe one item.
Every exchange keeps the rule it came from; every biosphere exchange keeps its source.
"""

from __future__ import annotations

import math
import operator
import re
from dataclasses import dataclass, field, replace
from functools import cache, lru_cache, reduce
from typing import Any, Callable

import numpy as np
import pint

from lca.core.errors import InputError
from lca.core.rules.evaluate import Evaluator, MissingInput, quiet
from lca.core.rules.expression import FormulaError, Node, parse
from lca.core.rules.group import shape, together
from lca.core.rules.interpret import Interpreter
from lca.core.rules.rule import is_unit, parse_formula
from lca.core.units import Quantity, conversion_factor, unit_named
from lca.data.opendata import (BW_UNITS, INDICATORS, Dataset, Indicator, Location, load_indicators,
                               load_manufacturing)
from lca.inventory.template import (PARTS, ROOT, Template, TemplateActivity, TemplateExchange,
                                    checked_template)
from lca.study.file import FunctionalUnit, Include

BIOSPHERE = "genai-lca indicators"
BACKGROUND = "genai-lca open data"
# DATACENTRE_PARTS, PARTS, PART_NAMES, SERVER_PARTS and SERVICE_PARTS (the parts of the
# results, the template's) are imported from here by the modules that lay the results out.

Key = tuple[str, str]
# The largest exchange amount written to Brightway. A million GPUs for a thousand years are
# 1e6 x 1,000 x 8,766 h = 8.8e12 GPU-hours: no real amount comes near, and every amount and score
# stays far from floating-point overflow in Brightway's matrices.
MAX_AMOUNT = 1e18
# An exchange amount: a number, or one per Monte Carlo sample when the rules were given arrays.
Amount = float | np.ndarray


def magnitude(quantity: Quantity) -> Amount:
    """A quantity's magnitude as a float, or as a float array when it is vectorised."""
    return _amount_of(quantity.magnitude)


def _amount_of(value: Any) -> Amount:
    """A number as a float, or numbers as a float array."""
    return float(value) if np.ndim(value) == 0 else np.asarray(value, dtype=float)


def _bw_unit(name: str) -> pint.Unit:
    """The pint unit of a Brightway unit name ('kilowatt hour')."""
    return unit_named(BW_UNITS[name])


@cache  # a few dozen combinations of the template's units, asked for at every unit
def _factor(units: tuple[pint.Unit, ...], per: str, target: str) -> float:
    """The factor from a product of units per one `per` to `target` (Brightway unit names)."""
    return conversion_factor(reduce(operator.mul, units, _bw_unit(per)), _bw_unit(target))


@lru_cache(maxsize=1024)  # every unit of a study often carries the same share of another
def _parsed(text: str) -> Node | None:
    """A share's formula parsed, or None if it does not parse."""
    try:
        return parse(text, is_unit)
    except FormulaError:
        return None


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


class _Builder:
    """Builds the foreground of one functional unit: the template's activities, each amount the
    value of its rule in the unit's evaluator."""

    def __init__(self, template: Template, database: str, unit: FunctionalUnit,
                 evaluator: Evaluator, location: Location | None,
                 background: dict[Key, dict[str, Any]]):
        self.template = template
        self.db = database
        self.unit = unit
        self.name = unit.name
        self.ev = evaluator
        self.location = location
        self.background = background
        self.activities: dict[Key, dict[str, Any]] = {}
        self.built: dict[str, Key | None] = {}  # template code -> key; None: left out
        self.parts: dict[str, Key] = {}
        self.includes: list[tuple[str, Key, Amount]] = []
        # Missing data, in the order found; those of a `factors` activity (the grid) wait for
        # the parts that reach it, known once the whole tree is built.
        self.missing: list[Missing | tuple[Missing, Key]] = []

    def build(self) -> Foreground:
        with quiet():  # numpy's error state set once for the unit's evaluations
            return self._build()

    def _build(self) -> Foreground:
        unit = self._activity(ROOT)
        assert unit is not None  # the unit's activity has exchanges: checked with the template
        self._check_amounts()
        missing = [m for entry in self.missing for m in self._located(entry)]
        return Foreground(unit, self.activities, self.parts, missing, self.includes,
                          self.built.get(self.template.electricity), self._market_shift())

    def _activity(self, code: str) -> Key | None:
        """The key of a template activity, built once; None when it is left out."""
        if code not in self.built:
            spec = self.template.activities[code]
            present = spec.when is None or self._holds(spec)
            self.built[code] = (None if not present else self._factors(spec) if spec.factors
                                else self._process(spec))
        return self.built[code]

    def _holds(self, spec: TemplateActivity) -> bool:
        """Whether an activity's `when` holds: for every Monte Carlo sample alike, as one
        foreground has one structure."""
        held = np.asarray(self.ev.evaluate(spec.when)[0], dtype=bool)
        if held.any() != held.all():
            raise InputError(f"the condition of activity '{spec.code}' holds for some samples "
                             f"and not others; a `when` may read text rules only",
                             spec.when_where)
        return bool(held.all())

    def _amount(self, nodes: tuple[Node, ...], per: str, target: str) -> Amount:
        """The product of template formulas per one `per` (a Brightway unit), in the
        Brightway unit `target`: magnitudes multiplied, and one conversion factor."""
        value: Any = 1.0
        units = []
        for node in nodes:
            magnitude_, unit = self.ev.evaluate(node)
            value = value * magnitude_
            units.append(unit)
        return _amount_of(value * _factor(tuple(units), per, target))

    def _process(self, spec: TemplateActivity) -> Key | None:
        exchanges: list[dict[str, Any]] = []
        datasets: list[str] = []
        for exchange in spec.exchanges:
            exchanges += self._exchanges(spec, exchange, datasets)
        root = spec.code == ROOT
        if root:
            self.includes = self._includes()
            exchanges += [self.tech(key, share, f"includes '{name}': {inc.share}{self._per_item}")
                          for (name, key, share), inc in zip(self.includes, self.unit.includes,
                                                             strict=True)]
        self.missing += [Missing(i, gap.dataset, gap.reason, (spec.part,) if spec.part else (),
                                 gap.stage) for gap in spec.missing for i in INDICATORS]
        if not exchanges:
            return None
        name = self._name(spec.name, datasets) + ("" if root else f" [{self.name}]")
        extra: dict[str, Any] = {"part": spec.part} if spec.part else {}
        key = self.activity("" if root else spec.code, name, spec.unit, exchanges, **extra)
        if spec.part:
            self.parts[spec.part] = key
        return key

    def _name(self, pattern: str, datasets: list[str]) -> str:
        """A name with its {rule} values, {unit} and {dataset} filled in."""
        fields = {"unit": self.name, "dataset": " and ".join(datasets)}
        return re.sub(r"\{([^}]+)\}", lambda m: fields[m[1]] if m[1] in fields
                      else str(self.ev.value(m[1])), pattern)

    @property
    def _per_item(self) -> str:
        count = self.unit.quantity.amount
        return f" x quantity {count:g}" if count != 1 else ""

    def _exchanges(self, spec: TemplateActivity, exchange: TemplateExchange,
                   datasets: list[str]) -> list[dict[str, Any]]:
        """The Brightway exchanges of one template exchange (none, one, or one per dataset of
        a profile); `datasets` collects the names of the datasets a profile reaches."""
        if exchange.kind == "profile":
            return self._profile(spec, exchange, datasets)
        if exchange.kind == "flow":
            unit = load_indicators()[exchange.target].flow_unit
            amount = self._amount((exchange.amount,), spec.unit, unit)
            return [_biosphere(exchange.target, amount,
                               f"{exchange.comment} (rule {exchange.amount_text})")
                    | {"rule": exchange.amount_text}]
        target = self._activity(exchange.target)
        if target is None:
            return []
        amount = self._amount((exchange.amount,), spec.unit,
                              self.template.activities[exchange.target].unit)
        label = exchange.amount_text
        if spec.code == ROOT:  # the rules describe one item; the unit is the quantity it states
            amount, label = amount * self.unit.quantity.amount, label + self._per_item
        return [self.tech(target, amount, label, exchange.stage)]

    def _profile(self, spec: TemplateActivity, exchange: TemplateExchange,
                 datasets: list[str]) -> list[dict[str, Any]]:
        """One exchange per dataset of the part's chosen profile: its amount per part x the
        rule's parts per reference unit; the published dataset, or the study's copy of it."""
        all_datasets, profiles = load_manufacturing()
        profile = profiles[exchange.target]
        choice = str(self.ev.magnitude(profile.rule))  # a text rule's value is its text
        prefix = profile.factor_prefix(choice)
        parts = (spec.part,) if spec.part else ()
        out = []
        for item in profile.choices[choice]:
            dataset = all_datasets[item.dataset]
            datasets.append(dataset.name)
            amount = self._amount((item.amount, exchange.amount), spec.unit, dataset.unit)
            if prefix:
                target = self._data_or_variant(manufacturing_key(dataset.id), prefix,
                                               f"{exchange.target}-manufacturing",
                                               f"{dataset.name}, with the study's factors",
                                               dataset.unit, dataset.missing, parts,
                                               exchange.stage or "")
            else:
                target = manufacturing_key(dataset.id)
                self.missing += [Missing(i, dataset.name, reason, parts, exchange.stage or "")
                                 for i, reason in dataset.missing.items()]
            out.append(self.tech(target, amount,
                                 f"({item.amount_text}) x {exchange.amount_text}", exchange.stage))
        return out

    def _factors(self, spec: TemplateActivity) -> Key:
        """A `factors` activity: the grid electricity of the unit's location (its own, else the
        study's) as published, or a copy with the study's factors. The parts that reach it are
        those a factor it lacks leaves incomplete."""
        assert spec.factors is not None and spec.published in (None, "location")
        where = (f"no factor for {self.location.name} ({self.location.code}) in "
                 f"inventories/electricity.csv" if self.location
                 else "no location, for the study or the unit")
        published = (electricity_key(self.location.code)
                     if self.location and spec.published == "location" else None)
        return self._data_or_variant(published, spec.factors, spec.code, spec.name, spec.unit,
                                     {i: where for i in INDICATORS}, None, "")

    def key(self, code: str) -> Key:
        return unit_key(self.db, self.name, code)

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

    def _check_amounts(self) -> None:
        """Every amount is a finite number within MAX_AMOUNT before anything can reach
        Brightway: each rule is finite, but an input far beyond the physical world (1e300 W)
        gives amounts that overflow in Brightway's matrices (a NaN score, a singular matrix)."""
        for activity in self.activities.values():
            for exchange in activity["exchanges"]:
                amount = exchange["amount"]
                if isinstance(amount, float) and abs(amount) <= MAX_AMOUNT:
                    continue  # the common case, without numpy (NaN fails the comparison)
                amount = np.abs(amount)
                if not np.all(np.isfinite(amount)) or np.any(amount > MAX_AMOUNT):
                    rule = exchange.get("rule", exchange["input"][1])
                    raise InputError(
                        f"functional unit '{self.name}': an amount of '{activity['name']}' is "
                        f"{np.max(amount):.3g}, beyond {MAX_AMOUNT:g} (an input is far too large)",
                        replace(self.unit.workload.where, key=rule))

    def _located(self, entry: Missing | tuple[Missing, Key]) -> list[Missing]:
        """A missing factor of a dataset, with the parts whose processes reach it and the
        stage of the exchange through which they do (one entry per stage)."""
        if isinstance(entry, Missing):
            return [entry]
        missing, target = entry
        stages: dict[str, list[str]] = {}
        for part, key in self.parts.items():
            for stage in self._reaches(key, target, None):
                if part not in stages.setdefault(stage, []):
                    stages[stage].append(part)
        return [replace(missing, parts=tuple(p for p in PARTS if p in parts), stage=stage)
                for stage, parts in stages.items()]

    def _reaches(self, key: Key, target: Key, stage: str | None) -> list[str]:
        """The stages at which an activity's exchanges reach a dataset (the first exchange with
        a stage on the way gives it)."""
        found = []
        for exchange in self.activities.get(key, {}).get("exchanges", []):
            if exchange["type"] != "technosphere":
                continue
            here = stage or exchange.get("stage")
            if exchange["input"] == target:
                found.append(here or "")
            else:
                found += self._reaches(exchange["input"], target, here)
        return found

    def _includes(self) -> list[tuple[str, Key, Amount]]:
        """The shares of other units this one carries, times its quantity."""
        count = self.unit.quantity.amount
        return [(inc.unit, unit_key(self.db, inc.unit), self._share(inc) * count)
                for inc in self.unit.includes]

    def _share(self, include: Include) -> Amount:
        """The share of another unit this one carries: a dimensionless formula of its rules,
        computed once with the units evaluated together (`Evaluator.formula`)."""
        node = _parsed(include.share)
        if node is None:  # parsed again, to raise the error with its place
            node = parse_formula(include.share, include.where)
        return self.ev.formula(node, lambda: (self._share_of(include, node),
                                              unit_named("dimensionless")))[0]

    def _share_of(self, include: Include, node: Node) -> Amount:
        def resolve(name: str) -> Any:
            self.ev.rules.require(name, include.where)
            return self.ev.value(name)

        try:
            with np.errstate(all="ignore"):
                quantity = Interpreter(resolve).eval(node)
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

    def _data_or_variant(self, published: Key | None, prefix: str, code: str, name: str,
                         unit: str, reasons: dict[str, str], parts: tuple[str, ...] | None,
                         stage: str) -> Key:
        """The published dataset, or a foreground copy where the study changed its factors.

        The factors are the rules `prefix.gwp`, `.pe`, `.water`, `.adpe`. `reasons` says why the
        data lack an indicator; `parts` and `stage` where that shows in the results (None: the
        parts that reach the dataset, found once the tree is built).
        """
        values: dict[str, Amount] = {}
        lacking: list[Missing] = []
        for indicator in INDICATORS:
            rule = f"{prefix}.{indicator}"
            try:
                value = self.ev.magnitude(rule)  # in the rule's unit: per kWh or per unit
            except MissingInput:
                dataset = self.background[published]["name"] if published else name
                reason = reasons.get(indicator, "no value")
                lacking.append(Missing(indicator, dataset, f"{reason}; rule {rule} not given",
                                       parts or (), stage))
                continue
            values[indicator] = _amount_of(value)
        if published is not None and _same_factors(self.background[published], values):
            key = published
        else:
            key = self.activity(code, f"{name} [{self.name}]", unit, [
                _biosphere(i, v, f"rule {prefix}.{i}") | {"rule": f"{prefix}.{i}"}
                for i, v in values.items()])
        self.missing += lacking if parts is not None else [(m, key) for m in lacking]
        return key


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
    Units that differ only in numbers are evaluated together first (`_together`).
    """
    _together(database, units, locations, background)
    built = {unit.name: _Builder(checked_template(evaluator.rules), database, unit, evaluator,
                                 location, background).build()
             for (unit, evaluator), location in zip(units, locations, strict=True)}

    def lacking(name: str) -> list[Missing]:
        out = list(built[name].missing)
        for included, _, _ in built[name].includes:
            out += [m for m in lacking(included) if m not in out]
        return out

    for name, foreground in built.items():
        foreground.missing = lacking(name)
    return list(built.values())


def _together(database: str, units: list[tuple[FunctionalUnit, Evaluator]],
              locations: list[Location | None], background: dict[Key, dict[str, Any]]) -> None:
    """Build the foreground once per group of units of one shape (`lca.core.rules.group`) that
    carry the same shares of other units, their evaluators stacked as arrays: each unit's
    evaluator then holds every value its own build reads. The builds below make the datasets."""
    groups: dict[Any, list[int]] = {}
    for index, (unit, evaluator) in enumerate(units):
        key = shape(evaluator)
        if key is not None:
            shares = tuple(include.share for include in unit.includes)
            groups.setdefault((key, shares), []).append(index)
    for members in groups.values():
        if len(members) > 1:
            unit, evaluator = units[members[0]]
            together([units[i][1] for i in members],
                     _build(checked_template(evaluator.rules), database, unit,
                            locations[members[0]], background))


def _build(template: Template, database: str, unit: FunctionalUnit, location: Location | None,
           background: dict[Key, dict[str, Any]]) -> Callable[[Evaluator], Foreground]:
    """The foreground of `unit` built over any evaluator (a group's, for `_together`)."""
    return lambda evaluator: _Builder(template, database, unit, evaluator, location,
                                      background).build()
