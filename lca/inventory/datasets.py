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


def _production(key: Key | str) -> dict[str, Any]:
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


@dataclass
class _Activity:
    """An activity of a draft: its code (its key without the unit's name), its name in pieces
    around each place of the unit's name, its reference unit, its exchanges and extra fields.
    An exchange's input is the code of another activity of the unit (a text), the index of one
    of the unit's `includes` (a number) or the key of a dataset outside the unit."""

    code: str
    name: tuple[str, ...]
    unit: str
    exchanges: list[dict[str, Any]]
    extra: dict[str, Any]


@dataclass
class _Draft:
    """The foreground of one functional unit as built over an evaluator (the unit's own, or its
    group's, whose values are arrays of the units'), before it is any unit's: its keys, names and
    amounts are a unit's once `_fill`ed. `uniform` says whether every choice the build made held
    for each element of the arrays (a name or a published dataset does not depend on them), so
    that the draft fills each unit of the group as the unit's own build would have made it."""

    activities: list[_Activity]  # in the order built
    parts: dict[str, str]  # part -> code of its process
    missing: list[Missing]
    includes: list[Amount]  # the share of each unit included, times the unit's quantity
    electricity: str | Key | None  # code of the data-centre electricity, or the published key
    market_shift: Amount | None
    uniform: bool


class _Builder:
    """Builds the foreground of one functional unit: the template's activities, each amount the
    value of its rule in the evaluator, as a `_Draft` (activities by code)."""

    def __init__(self, template: Template, unit: FunctionalUnit, evaluator: Evaluator,
                 location: Location | None, background: dict[Key, dict[str, Any]]):
        self.template = template
        self.unit = unit
        self.name = unit.name
        self.ev = evaluator
        self.location = location
        self.background = background
        self.activities: dict[str, _Activity] = {}
        self.built: dict[str, str | Key | None] = {}  # template code -> code or key; None: left out
        self.parts: dict[str, str] = {}
        self.includes: list[Amount] = []
        self.uniform = True
        # Missing data, in the order found; those of a `factors` activity (the grid) wait for
        # the parts that reach it, known once the whole tree is built.
        self.missing: list[Missing | tuple[Missing, str | Key]] = []

    def build(self) -> _Draft:
        with quiet():  # numpy's error state set once for the unit's evaluations
            return self._build()

    def _build(self) -> _Draft:
        unit = self._activity(ROOT)
        assert unit is not None  # the unit's activity has exchanges: checked with the template
        self._check_amounts()
        missing = [m for entry in self.missing for m in self._located(entry)]
        return _Draft(list(self.activities.values()), self.parts, missing, self.includes,
                      self.built.get(self.template.electricity), self._market_shift(),
                      self.uniform)

    def _activity(self, code: str) -> str | Key | None:
        """The code (or published key) of a template activity, built once; None when it is
        left out."""
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

    def _process(self, spec: TemplateActivity) -> str | None:
        exchanges: list[dict[str, Any]] = []
        datasets: list[str] = []
        for exchange in spec.exchanges:
            exchanges += self._exchanges(spec, exchange, datasets)
        root = spec.code == ROOT
        if root:
            self.includes = self._includes()
            # Each include's input is its index: `_fill` puts in a unit's own key and label.
            exchanges += [self.tech(index, share, _include_label(self.unit, index))
                          for index, share in enumerate(self.includes)]
        self.missing += [Missing(i, gap.dataset, gap.reason, (spec.part,) if spec.part else (),
                                 gap.stage) for gap in spec.missing for i in INDICATORS]
        if not exchanges:
            return None
        name = self._name(spec.name, datasets)
        name = name if root else _bracketed(name)
        extra: dict[str, Any] = {"part": spec.part} if spec.part else {}
        code = self.activity("" if root else spec.code, name, spec.unit, exchanges, **extra)
        if spec.part:
            self.parts[spec.part] = code
        return code

    def _name(self, pattern: str, datasets: list[str]) -> tuple[str, ...]:
        """A name with its {rule} values and {dataset} filled in, in pieces around each {unit}
        (the unit's name, put in by `_fill`)."""
        pieces, text = [], ""
        for i, part in enumerate(re.split(r"\{([^}]+)\}", pattern)):
            if i % 2 == 0:
                text += part
            elif part == "unit":
                pieces.append(text)
                text = ""
            else:
                text += " and ".join(datasets) if part == "dataset" else self._text(part)
        return (*pieces, text)

    def _text(self, rule: str) -> str:
        """A rule's value as a name shows it; a value that differs between the units evaluated
        together makes the draft theirs no more (each builds its own)."""
        value = self.ev.value(rule)
        if np.ndim(getattr(value, "magnitude", value)) > 0:
            self.uniform = False
        return str(value)

    @property
    def _per_item(self) -> str:
        return _per_item(self.unit)

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
                                               (f"{dataset.name}, with the study's factors",),
                                               dataset.unit, dataset.missing, parts,
                                               exchange.stage or "")
            else:
                target = manufacturing_key(dataset.id)
                self.missing += [Missing(i, dataset.name, reason, parts, exchange.stage or "")
                                 for i, reason in dataset.missing.items()]
            out.append(self.tech(target, amount,
                                 f"({item.amount_text}) x {exchange.amount_text}", exchange.stage))
        return out

    def _factors(self, spec: TemplateActivity) -> str | Key:
        """A `factors` activity: the grid electricity of the unit's location (its own, else the
        study's) as published, or a copy with the study's factors. The parts that reach it are
        those a factor it lacks leaves incomplete."""
        assert spec.factors is not None and spec.published in (None, "location")
        where = (f"no factor for {self.location.name} ({self.location.code}) in "
                 f"inventories/electricity.csv" if self.location
                 else "no location, for the study or the unit")
        published = (electricity_key(self.location.code)
                     if self.location and spec.published == "location" else None)
        return self._data_or_variant(published, spec.factors, spec.code, (spec.name,),
                                     spec.unit, {i: where for i in INDICATORS}, None, "")

    def activity(self, code: str, name: tuple[str, ...], unit: str,
                 exchanges: list[dict[str, Any]], **extra: Any) -> str:
        self.activities[code] = _Activity(code, name, unit, [_production(code)] + exchanges,
                                          extra)
        return code

    def tech(self, source: str | int | Key, amount: Amount, rule: str, stage: str | None = None
             ) -> dict[str, Any]:
        exchange = {"input": source, "amount": amount, "type": "technosphere", "rule": rule}
        if stage:
            exchange["stage"] = stage
        return exchange

    def _check_amounts(self) -> None:
        """Every amount is a finite number within MAX_AMOUNT before anything can reach
        Brightway: each rule is finite, but an input far beyond the physical world (1e300 W)
        gives amounts that overflow in Brightway's matrices (a NaN score, a singular matrix)."""
        for activity in self.activities.values():
            for exchange in activity.exchanges:
                amount = exchange["amount"]
                if isinstance(amount, float) and abs(amount) <= MAX_AMOUNT:
                    continue  # the common case, without numpy (NaN fails the comparison)
                amount = np.abs(amount)
                if not np.all(np.isfinite(amount)) or np.any(amount > MAX_AMOUNT):
                    source = exchange["input"]
                    rule = exchange.get("rule", source[1] if isinstance(source, tuple)
                                        else source)
                    raise InputError(
                        f"functional unit '{self.name}': an amount of "
                        f"'{self.name.join(activity.name)}' is {np.max(amount):.3g}, beyond "
                        f"{MAX_AMOUNT:g} (an input is far too large)",
                        replace(self.unit.workload.where, key=rule))

    def _located(self, entry: Missing | tuple[Missing, str | Key]) -> list[Missing]:
        """A missing factor of a dataset, with the parts whose processes reach it and the
        stage of the exchange through which they do (one entry per stage)."""
        if isinstance(entry, Missing):
            return [entry]
        missing, target = entry
        stages: dict[str, list[str]] = {}
        for part, code in self.parts.items():
            for stage in self._reaches(code, target, None):
                if part not in stages.setdefault(stage, []):
                    stages[stage].append(part)
        return [replace(missing, parts=tuple(p for p in PARTS if p in parts), stage=stage)
                for stage, parts in stages.items()]

    def _reaches(self, code: str | int | Key, target: str | Key, stage: str | None
                 ) -> list[str]:
        """The stages at which an activity's exchanges reach a dataset (the first exchange with
        a stage on the way gives it)."""
        found = []
        activity = self.activities.get(code) if isinstance(code, str) else None
        for exchange in activity.exchanges if activity is not None else ():
            if exchange["type"] != "technosphere":
                continue
            here = stage or exchange.get("stage")
            if exchange["input"] == target:
                found.append(here or "")
            else:
                found += self._reaches(exchange["input"], target, here)
        return found

    def _includes(self) -> list[Amount]:
        """The shares of other units this one carries, times its quantity."""
        count = self.unit.quantity.amount
        return [self._share(inc) * count for inc in self.unit.includes]

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

    def _data_or_variant(self, published: Key | None, prefix: str, code: str,
                         name: tuple[str, ...], unit: str, reasons: dict[str, str],
                         parts: tuple[str, ...] | None, stage: str) -> str | Key:
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
                dataset = self.background[published]["name"] if published else "".join(name)
                reason = reasons.get(indicator, "no value")
                lacking.append(Missing(indicator, dataset, f"{reason}; rule {rule} not given",
                                       parts or (), stage))
                continue
            values[indicator] = _amount_of(value)
        if published is not None and any(np.ndim(v) > 0 for v in values.values()):
            self.uniform = False  # the published factors may be some units' and not others'
        if published is not None and _same_factors(self.background[published], values):
            key: str | Key = published
        else:
            key = self.activity(code, _bracketed(name), unit, [
                _biosphere(i, v, f"rule {prefix}.{i}") | {"rule": f"{prefix}.{i}"}
                for i, v in values.items()])
        self.missing += lacking if parts is not None else [(m, key) for m in lacking]
        return key


def _per_item(unit: FunctionalUnit) -> str:
    """What a label of the unit's own exchanges adds for the quantity it states."""
    count = unit.quantity.amount
    return f" x quantity {count:g}" if count != 1 else ""


def _include_label(unit: FunctionalUnit, index: int) -> str:
    """The rule label of the exchange to the unit's `index`-th include."""
    include = unit.includes[index]
    return f"includes '{include.unit}': {include.share}{_per_item(unit)}"


def _bracketed(name: tuple[str, ...]) -> tuple[str, ...]:
    """A name's pieces (`_Builder._name`) followed by ' [unit name]'."""
    return (*name[:-1], name[-1] + " [", "]")


def _fill(draft: _Draft, database: str, unit: FunctionalUnit, location: Location | None,
          index: int | None) -> Foreground:
    """The foreground of `unit` from a draft: its keys and names, and each amount element
    `index` of the draft's array (the unit's in its group), or the amount itself (None)."""
    base = slug(unit.name)
    keys = {a.code: (database, f"{base}|{a.code}" if a.code else base) for a in draft.activities}
    includes = [(inc.unit, unit_key(database, inc.unit), _element(share, index))
                for inc, share in zip(unit.includes, draft.includes, strict=True)]
    where = location.code if location else "GLO"
    activities: dict[Key, dict[str, Any]] = {}
    for activity in draft.activities:
        exchanges = []
        for exchange in activity.exchanges:
            exchange = exchange.copy()
            source = exchange["input"]
            if type(source) is str:
                exchange["input"] = keys[source]
            elif type(source) is int:
                exchange["input"] = includes[source][1]
                exchange["rule"] = _include_label(unit, source)
            if index is not None and type(exchange["amount"]) is np.ndarray:
                exchange["amount"] = float(exchange["amount"][index])
            exchanges.append(exchange)
        activities[keys[activity.code]] = {
            "name": unit.name.join(activity.name), "unit": activity.unit, "location": where,
            "type": "process", "functional unit": unit.name, "exchanges": exchanges,
            **activity.extra}
    electricity = draft.electricity
    return Foreground(keys[""], activities, {p: keys[c] for p, c in draft.parts.items()},
                      list(draft.missing), includes,
                      keys[electricity] if isinstance(electricity, str) else electricity,
                      None if draft.market_shift is None
                      else _element(draft.market_shift, index))


def _element(value: Amount, index: int | None) -> Amount:
    """A unit's amount: element `index` of its group's array, or the amount itself."""
    if index is None or not isinstance(value, np.ndarray):
        return value
    return float(value[index])


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
                        locations: list[Location | None], background: dict[Key, dict[str, Any]],
                        then: Callable[[Evaluator], Any] | None = None) -> list[Foreground]:
    """The foreground of every functional unit (names must be unique in a study), each drawing
    the grid electricity of its own location.

    A unit that includes others also lacks what they lack: their missing data are its own.
    Units that differ only in numbers are built together (`_together`): one draft for the
    group, filled with each unit's keys, names and amounts. `then` is what the caller reads next
    from each unit's evaluator (`assess`: the reference flows), evaluated with the group too.
    """
    drafts = _together(units, locations, background, then)
    built: dict[str, Foreground] = {}
    for position, ((unit, evaluator), location) in enumerate(zip(units, locations,
                                                                 strict=True)):
        draft, index = drafts.get(position) or (
            _Builder(checked_template(evaluator.rules), unit, evaluator, location,
                     background).build(), None)
        built[unit.name] = _fill(draft, database, unit, location, index)
    done: dict[str, list[Missing]] = {}

    def lacking(name: str) -> list[Missing]:
        if name not in done:
            out = list(built[name].missing)
            seen = set(out)  # Missing is frozen: a set finds what `m not in out` finds
            for included, _, _ in built[name].includes:
                for m in lacking(included):
                    if m not in seen:
                        seen.add(m)
                        out.append(m)
            done[name] = out
        return done[name]

    for name, foreground in built.items():
        foreground.missing = lacking(name)
    return list(built.values())


def _together(units: list[tuple[FunctionalUnit, Evaluator]], locations: list[Location | None],
              background: dict[Key, dict[str, Any]], then: Callable[[Evaluator], Any] | None
              ) -> dict[int, tuple[_Draft, int]]:
    """Build the foreground once per group of units of one shape (`lca.core.rules.group`) that
    carry the same shares of other units, their evaluators stacked as arrays, then evaluate
    `then`: each unit's evaluator then holds every value its own build (and `then`) reads.

    The draft, with its index in the group, is each unit's whose own build it is: where every
    choice held for all of the group (`_Draft.uniform`) and the unit has the first unit's
    location and quantity, which the build reads beside the rules. The others build their own
    over the values they adopted."""
    groups: dict[Any, list[int]] = {}
    for index, (unit, evaluator) in enumerate(units):
        key = shape(evaluator)
        if key is not None:
            shares = tuple(include.share for include in unit.includes)
            groups.setdefault((key, shares), []).append(index)
    out: dict[int, tuple[_Draft, int]] = {}
    for members in groups.values():
        if len(members) < 2:
            continue
        first, evaluator = units[members[0]]
        build = _build(checked_template(evaluator.rules), first, locations[members[0]],
                       background)
        done = together([units[i][1] for i in members],
                        lambda group: (build(group), then(group) if then else None))
        if done is None or not done[0].uniform:
            continue
        place = _place(locations[members[0]])
        for index, member in enumerate(members):
            if (_place(locations[member]) == place
                    and units[member][0].quantity.amount == first.quantity.amount):
                out[member] = (done[0], index)
    return out


def _place(location: Location | None) -> str | None:
    """What a build reads of a unit's location: its code, or None without one."""
    return location.code if location is not None else None


def _build(template: Template, unit: FunctionalUnit, location: Location | None,
           background: dict[Key, dict[str, Any]]) -> Callable[[Evaluator], _Draft]:
    """The draft of `unit`'s foreground built over any evaluator (a group's, for `_together`)."""
    return lambda evaluator: _Builder(template, unit, evaluator, location, background).build()
