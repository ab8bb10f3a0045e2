"""Evaluation of rules in a situation: lazy, memoised, scalar or vectorised.

A situation is a set of overrides (study inputs, hardware data, `--set`), each carrying where it
came from. Only the rules a requested value needs are evaluated, each once; the inputs each rule
actually used are recorded, which is what an explanation shows.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Mapping

import numpy as np
import pint

from lca.core.errors import InputError, Where
from lca.core.provenance import Given, Origin, Provenance
from lca.core.rules.compiled import Compiled
from lca.core.rules.expression import FormulaError, Node
from lca.core.rules.interpret import Interpreter, NoBranch, Value, all_finite
from lca.core.rules.rule import Rule, convert
from lca.core.rules.ruleset import RuleSet, bound_violation, magnitude_violation
from lca.core.units import Quantity, conversion_factor, dimension_text, parse_quantity, unit_text


# An override is a value given for a rule, checked against it, with its provenance: who gave it
# (study, catalog, `--set` ...), its source and where. Made only by `make_override`.
Override = Given


def make_override(rule: Rule, raw: Any, provenance: Provenance | Where) -> Override:
    """Check a raw value (YAML scalar, `--set` text, number or array) against a rule.

    `provenance` says who gave it; a bare place is a value given as a study gives one (the
    tests', the sweeps' and the samples' own values).

    Text rules take one of their choices. Quantity rules take a value of the rule's dimension;
    a bare number is accepted only where the rule is a pure number, so that `gpu.power: 700`
    cannot silently mean 700 of some unit; a numpy array is taken in the rule's unit. Bounds are
    checked here, before anything is computed.
    """
    if isinstance(provenance, Where):
        provenance = Provenance(Origin.STUDY, provenance)
    # Every unit of a study checks the study's and its preset's values again: a value checked
    # once is taken as it is (only values that passed are remembered, so errors still name
    # the place of each).
    key = _memo_key(rule, raw)
    hit = _CHECKED.get(key) if key is not None else None
    if hit is not None and hit[0] is rule:
        return Override(hit[1], provenance)
    value = _checked(rule, raw, provenance.where)
    if key is not None:
        if len(_CHECKED) >= _MAX_CHECKED:
            _CHECKED.clear()
        _CHECKED[key] = (rule, value)
    return Override(value, provenance)


# Checked values by rule and raw value; the rule is kept with its value so that an identity
# reused by another rule object is not taken for it.
_CHECKED: dict[tuple[Any, ...], tuple[Rule, Any]] = {}
_MAX_CHECKED = 100_000  # distinct values remembered (sweeps give many), then forgotten


def _memo_key(rule: Rule, raw: Any) -> tuple[Any, ...] | None:
    """What identifies a raw value given for a rule, or None for one not remembered (arrays)."""
    if isinstance(raw, (str, bool, int, float)):
        return id(rule), type(raw), raw
    if isinstance(raw, pint.Quantity) and isinstance(raw.magnitude, (int, float)):
        return id(rule), type(raw.magnitude), raw.magnitude, raw.units
    return None


def _checked(rule: Rule, raw: Any, where: Where) -> Any:
    """A raw value as an override holds it, or the input error saying why it cannot be."""
    if rule.kind == "text":
        if raw not in rule.choices:
            raise InputError(f"{rule.name} is one of {', '.join(rule.choices)}, not {raw!r}", where)
        return str(raw)
    if isinstance(raw, np.ndarray):
        # Arrays come from code (Monte Carlo samples drawn in the rule's unit), never from text.
        value = Quantity(raw.astype(float), rule.unit)
    else:
        value = parse_quantity(raw, where, expected=rule.unit)
    if value.dimensionless and not rule.unit.dimensionless and isinstance(raw, (str, int, float)):
        raise InputError(f"{rule.name} needs a unit of {dimension_text(rule.unit)}, e.g. "
                         f"\"{raw} {rule.unit:~P}\"", where)
    value = convert(value, rule.unit, where)
    if not all_finite(value.magnitude):
        raise InputError(f"{rule.name} is beyond floating point in {unit_text(rule.unit)} "
                         f"(more than 1.8e308)", where)
    problem = bound_violation(rule, value)
    if problem:
        raise InputError(f"{rule.name} = {problem}", where)
    return value


_QUIET = threading.local()


@contextmanager
def quiet() -> Iterator[None]:
    """numpy's floating-point warnings off: overflow and division by zero are refused by the
    evaluation itself, with the rule's name. Entered once around many evaluations (a unit's
    foreground), the nested entries cost nothing."""
    if getattr(_QUIET, "on", False):
        yield
        return
    _QUIET.on = True
    try:
        with np.errstate(all="ignore"):
            yield
    finally:
        _QUIET.on = False


def _read(rule: Rule, quantity: pint.Quantity) -> tuple[Any, pint.Unit, Any]:
    """A given quantity as an evaluator holds it: its magnitude and unit as given, and its
    magnitude in the rule's unit; read once per value object (the units of a study share their
    checked values, `make_override`), as pint makes a new unit at every `.units`."""
    hit = _READ.get(id(quantity))
    if hit is not None and hit[0] is quantity and hit[1] is rule:
        return hit[2]
    value, unit = quantity.magnitude, quantity.units
    read = (value, unit, value if unit == rule.unit else quantity.m_as(rule.unit))
    if isinstance(value, (int, float)):  # arrays (samples) are not remembered
        if len(_READ) >= _MAX_CHECKED:
            _READ.clear()
        _READ[id(quantity)] = (quantity, rule, read)
    return read


# Given quantities as read, by identity, with the quantity and rule kept (their ids stay theirs).
_READ: dict[int, tuple[pint.Quantity, Rule, tuple[Any, pint.Unit, Any]]] = {}


@dataclass(frozen=True)
class _Shares:
    """What a group evaluation gives each of its units (`Evaluator.adopt`): every rule's value
    in the order computed and what it used; the rules whose values are arrays of theirs (but
    overrides), and the overrides (each unit has its own); every formula's value, and those
    that are arrays."""

    values: dict[str, Any]
    used: dict[str, list[str]]
    arrays: list[tuple[str, np.ndarray]]
    overridden: list[str]
    nodes: dict[int, tuple[Node, Any, pint.Unit | None]]
    node_arrays: list[tuple[int, Node, np.ndarray, pint.Unit | None]]


class MissingInput(InputError):
    """A rule that is an input, needed, and given by nobody."""


class Evaluator:
    """Values of rules in one situation. Create one per situation; it memoises as it goes.

    Formulas run compiled (`lca.rules.compiled`): values are kept as magnitudes in each rule's
    declared unit, and `value` gives them as pint quantities to the callers that want one."""

    def __init__(self, rules: RuleSet, overrides: Mapping[str, Override] | None = None):
        self.rules = rules
        self.overrides = dict(overrides or {})
        # Given quantities as (magnitude as given, unit as given, magnitude in the rule's unit),
        # read once: pint makes a new unit object at every `.units`.
        self._given: dict[str, tuple[Any, pint.Unit, Any]] = {}
        known = rules.rules
        for name, given in self.overrides.items():
            rule = known.get(name) or rules.require(name, given.where)
            if isinstance(given.value, pint.Quantity):
                self._given[name] = _read(rule, given.value)
        self._values: dict[str, Any] = {}  # magnitudes in the declared unit, text, conditions
        # Formulas outside the rules (the foreground template's amounts and conditions) by
        # their node's id, with the node kept so that its id stays its own.
        self._nodes: dict[int, tuple[Node, Any, pint.Unit | None]] = {}
        self._used: dict[str, list[str]] = {}
        self._group: Evaluator | None = None  # the evaluation this one adopted values from
        self._shared: _Shares | None = None  # what it gives, as a group (`_shares`)
        self._stack: list[str] = []
        self._interpreter = Interpreter(self._quantity)

    def value(self, name: str) -> Value:
        """The value of a rule, in its declared unit (an override as it was given)."""
        magnitude, unit = self.measure(name)
        if name in self.overrides:
            return self.overrides[name].value
        return magnitude if unit is None else Quantity(magnitude, unit)

    def measure(self, name: str) -> tuple[Any, pint.Unit | None]:
        """The magnitude and unit `value` gives (None for text), without making a quantity:
        the inputs table reads 300 values per unit."""
        if name not in self.rules:
            self.rules.require(name, Where(key=name))
        magnitude = self._resolve(name)
        given = self._given.get(name)
        if given is not None:
            return given[0], given[1]
        return magnitude, self.rules[name].unit

    def given_unit(self, name: str) -> tuple[Any, pint.Unit] | None:
        """A given quantity's magnitude and unit as given, or None for a rule given no
        quantity (text): read once per value object, so units sharing a value share its unit."""
        given = self._given.get(name)
        return None if given is None else given[:2]

    def magnitude(self, name: str) -> Any:
        """The value of a rule as a number (or array) in its declared unit, or its text."""
        if name not in self.rules:
            self.rules.require(name, Where(key=name))
        return self._resolve(name)

    def evaluate(self, node: Node) -> tuple[Any, pint.Unit | None]:
        """A formula over these rules (the foreground template's amounts and conditions): its
        magnitude and unit (None for text and conditions), computed once."""
        known = self._nodes.get(id(node))
        if known is not None:
            return known[1], known[2]
        compiled = self.rules.compiled(node)
        if not self._stack:  # the outermost call sets numpy's error state once
            with quiet():
                value, unit = self._evaluate(node, compiled)
        else:
            value, unit = self._evaluate(node, compiled)
        self._nodes[id(node)] = (node, value, unit)
        return value, unit

    def formula(self, node: Node, compute: Callable[[], tuple[Any, pint.Unit | None]]
                ) -> tuple[Any, pint.Unit | None]:
        """A formula's magnitude and unit that the caller computes its own way (`compute`, the
        interpreter over pint quantities for a unit's share of another), kept and adopted by
        the units of a group (`adopt`) as `evaluate` keeps its own."""
        known = self._nodes.get(id(node))
        if known is None:
            known = self._nodes[id(node)] = (node, *compute())
        return known[1], known[2]

    def adopt(self, group: "Evaluator", index: int) -> None:
        """Take what `group`, the evaluation of this unit together with others as arrays
        (`lca.core.rules.group`), computed: element `index` of each array, a value all share as
        it is, this unit's own overrides as this evaluator holds them. What this evaluator
        computed first stays, and stays first: the order of `evaluated` is the order this
        unit's own evaluation would have followed."""
        shares = group._shares()
        own, own_used, own_nodes = self._values, self._used, self._nodes
        # Whole dicts merged (a later update keeps a key's place): this unit's values first,
        # then the group's in its order; each array's element and this unit's own overrides
        # in their places; what this unit computed itself put back over them.
        values = dict(own)
        values.update(shares.values)
        for name, array in shares.arrays:
            values[name] = array[index]
        for name in shares.overridden:
            given = self._given.get(name)
            values[name] = self.overrides[name].value if given is None else given[2]
        values.update(own)
        # Uses shared, not copied: only a rule being computed gets uses, and these are done.
        used = dict(own_used)
        used.update(shares.used)
        for name in own:
            used[name] = own_used[name]
        nodes = dict(own_nodes)
        nodes.update(shares.nodes)
        for key, node, array, unit in shares.node_arrays:
            nodes[key] = (node, array[index], unit)
        nodes.update(own_nodes)
        self._values, self._used, self._nodes = values, used, nodes
        self._group = group

    def _shares(self) -> _Shares:
        """What a group evaluation gives its units (`adopt`), sorted once."""
        if self._shared is None:
            def array(value: Any) -> bool:
                return isinstance(value, np.ndarray) and value.ndim > 0

            overridden = [name for name in self._values if name in self.overrides]
            self._shared = _Shares(
                dict(self._values), {name: self._used[name] for name in self._values},
                [(name, value) for name, value in self._values.items()
                 if array(value) and name not in self.overrides], overridden,
                {key: entry for key, entry in self._nodes.items() if not array(entry[1])},
                [(key, node, value, unit) for key, (node, value, unit) in self._nodes.items()
                 if array(value)])
        return self._shared

    @property
    def group(self) -> Evaluator | None:
        """The evaluation this unit was evaluated together with (`adopt`), or None."""
        return self._group

    def path(self, name: str) -> Evaluator:
        """The evaluation whose branches gave an evaluated rule's value: the one this unit was
        evaluated together with (`adopt`), shared by all its units, else this one. What
        depends on the branches only (the applied variation) is the same for all who share it."""
        group = self._group
        return group if group is not None and name in group._values else self

    def _evaluate(self, node: Node, compiled: Compiled | None) -> tuple[Any, pint.Unit | None]:
        if compiled is None:
            value = self._interpreter.eval(node)
            if isinstance(value, pint.Quantity):
                return value.magnitude, value.units
            return value, None
        return compiled.run(self._resolve), compiled.unit

    def used(self, name: str) -> list[str]:
        """The rules that the value of `name` was computed from (after it was evaluated)."""
        return self._used.get(name, [])

    def evaluated(self) -> list[str]:
        """The rules evaluated so far, in the order they were first computed."""
        return list(self._values)

    def how(self, name: str) -> str:
        """'override', 'default', 'formula': where the value of an evaluated rule came from."""
        if name in self.overrides:
            return "override"
        return "default" if self.rules[name].default is not None else "formula"

    def _quantity(self, name: str) -> Value:
        """A rule's value as the interpreter takes it (a pint quantity), for the formulas the
        compiler leaves to it."""
        magnitude = self._resolve(name)
        unit = self.rules[name].unit
        return magnitude if unit is None else Quantity(magnitude, unit)

    def _resolve(self, name: str) -> Any:
        if self._stack:
            self._note_use(name)
        elif name not in self._values:  # the outermost call sets numpy's error state once
            with quiet():
                return self._resolve_new(name)
        if name in self._values:
            return self._values[name]
        return self._resolve_new(name)

    def _resolve_new(self, name: str) -> Any:
        self._stack.append(name)
        self._used[name] = []
        try:
            value = self._compute(self.rules[name])
        finally:
            self._stack.pop()
        self._values[name] = value
        return value

    def _note_use(self, name: str) -> None:
        used = self._used[self._stack[-1]]
        if name not in used:
            used.append(name)

    def _compute(self, rule: Rule) -> Any:
        if rule.name in self.overrides:
            given = self._given.get(rule.name)
            return self.overrides[rule.name].value if given is None else given[2]
        if rule.applicable_if is not None:
            applies = self._eval(rule, rule.applicable_if, "applicable_if")[0]
            if not (applies.all() if isinstance(applies, np.ndarray) else applies):
                raise self._error(rule, f"does not apply here: it applies only if "
                                        f"{rule.applicable_text}")
        if rule.default is not None:
            return rule.default if rule.kind == "text" else rule.default.magnitude
        if rule.formula is None:
            raise self._error(rule, f"is a missing input ({rule.title}, in {rule.unit_label}): "
                                    f"give it in the study's inputs or with --set "
                                    f"{rule.name}=VALUE", kind=MissingInput)
        try:
            value, unit = self._eval(rule, rule.formula,
                                     "variations" if rule.variations else "formula")
        except NoBranch:
            # Where no variation applies the rule has no value to offer: the user may give one.
            raise self._error(rule, f"has no variation that applies here: give it in the study's "
                                    f"inputs or with --set {rule.name}=VALUE") from None
        if rule.kind == "text":
            return value
        # Declared units are part of the contract: gpu.hours is in hours, whatever the inputs.
        if unit is not rule.unit:
            value = value * conversion_factor(unit, rule.unit)
        if not all_finite(value):
            raise self._error(rule, f"is not a finite number in {unit_text(rule.unit)}: an "
                                    f"input is too large")
        problem = magnitude_violation(rule, value)
        if problem:
            raise self._error(rule, f"= {problem}")
        return value

    def _eval(self, rule: Rule, node: Node, key: str) -> tuple[Any, pint.Unit | None]:
        # Within a rule's evaluation (numpy's error state already set): straight to its run.
        compiled = self.rules.compiled(node)
        try:
            if compiled is not None:
                return compiled.run(self._resolve), compiled.unit
            return self._evaluate(node, None)
        except FormulaError as exc:
            raise self._error(rule, f"cannot be computed: {exc}", key=key) from None

    def _error(self, rule: Rule, message: str, key: str | None = None,
               kind: type[InputError] = InputError) -> InputError:
        """An error about a rule, naming the chain of rules that needed it."""
        callers = self._stack[:-1]  # the last one is the rule itself
        needed = f" (needed by {' <- '.join(reversed(callers))})" if callers else ""
        return kind(f"rule '{rule.name}' {message}{needed}", rule.where(key))
