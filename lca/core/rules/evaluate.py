"""Evaluation of rules in a situation: lazy, memoised, scalar or vectorised.

A situation is a set of overrides (study inputs, hardware data, `--set`), each carrying where it
came from. Only the rules a requested value needs are evaluated, each once; the inputs each rule
actually used are recorded, which is what an explanation shows.
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from lca.core.errors import InputError, Where
from lca.core.provenance import Given, Origin, Provenance
from lca.core.rules.expression import FormulaError, Node
from lca.core.rules.interpret import Interpreter, NoBranch, Value, all_finite
from lca.core.rules.rule import Rule, convert
from lca.core.rules.ruleset import RuleSet, bound_violation
from lca.core.units import Quantity, dimension_text, parse_quantity, unit_text


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
    where = provenance.where
    if rule.kind == "text":
        if raw not in rule.choices:
            raise InputError(f"{rule.name} is one of {', '.join(rule.choices)}, not {raw!r}", where)
        return Override(str(raw), provenance)
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
    return Override(value, provenance)


class MissingInput(InputError):
    """A rule that is an input, needed, and given by nobody."""


class Evaluator:
    """Values of rules in one situation. Create one per situation; it memoises as it goes."""

    def __init__(self, rules: RuleSet, overrides: Mapping[str, Override] | None = None):
        self.rules = rules
        self.overrides = dict(overrides or {})
        for name in self.overrides:
            rules.require(name, self.overrides[name].where)
        self._values: dict[str, Value] = {}
        self._used: dict[str, list[str]] = {}
        self._stack: list[str] = []
        self._interpreter = Interpreter(self._resolve)

    def value(self, name: str) -> Value:
        """The value of a rule, in its declared unit."""
        self.rules.require(name, Where(key=name))
        return self._resolve(name)

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

    def _resolve(self, name: str) -> Value:
        if self._stack:
            self._note_use(name)
        if name in self._values:
            return self._values[name]
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

    def _compute(self, rule: Rule) -> Value:
        if rule.name in self.overrides:
            return self.overrides[rule.name].value
        if rule.applicable_if is not None:
            applies = self._eval(rule, rule.applicable_if, "applicable_if")
            if not np.all(applies):
                raise self._error(rule, f"does not apply here: it applies only if "
                                        f"{rule.applicable_text}")
        if rule.default is not None:
            return rule.default
        if rule.formula is None:
            raise self._error(rule, f"is a missing input ({rule.title}, in {rule.unit_label}): "
                                    f"give it in the study's inputs or with --set "
                                    f"{rule.name}=VALUE", kind=MissingInput)
        try:
            value = self._eval(rule, rule.formula, "variations" if rule.variations else "formula")
        except NoBranch:
            # Where no variation applies the rule has no value to offer: the user may give one.
            raise self._error(rule, f"has no variation that applies here: give it in the study's "
                                    f"inputs or with --set {rule.name}=VALUE") from None
        if rule.kind == "text":
            return value
        # Declared units are part of the contract: gpu.hours is in hours, whatever the inputs.
        value = value.to(rule.unit)
        if not all_finite(value.magnitude):
            raise self._error(rule, f"is not a finite number in {unit_text(rule.unit)}: an "
                                    f"input is too large")
        problem = bound_violation(rule, value)
        if problem:
            raise self._error(rule, f"= {problem}")
        return value

    def _eval(self, rule: Rule, node: Node, key: str) -> Value:
        try:
            with np.errstate(all="ignore"):
                return self._interpreter.eval(node)
        except FormulaError as exc:
            raise self._error(rule, f"cannot be computed: {exc}", key=key) from None

    def _error(self, rule: Rule, message: str, key: str | None = None,
               kind: type[InputError] = InputError) -> InputError:
        """An error about a rule, naming the chain of rules that needed it."""
        callers = self._stack[:-1]  # the last one is the rule itself
        needed = f" (needed by {' <- '.join(reversed(callers))})" if callers else ""
        return kind(f"rule '{rule.name}' {message}{needed}", rule.where(key))

