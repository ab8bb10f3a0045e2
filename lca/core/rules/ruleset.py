"""A set of rules loaded from YAML files and checked before anything is evaluated.

Checks at load: every reference names a rule (with near names suggested), no cycles (with the
cycle's path), every formula's dimension matches its declared unit, defaults within bounds.
All problems found are reported together, each with its file and line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import numpy as np
import pint

from lca.core.errors import InputError, Where, did_you_mean
from lca.core.rules.compiled import Compiled, NotCompiled, compile_formula
from lca.core.rules.expression import FormulaError, Node, references
from lca.core.rules.interpret import Choice, Interpreter, Value, kind_of
from lca.core.rules.rule import Rule, rule_from_yaml
from lca.core.units import Quantity, dimension_text, format_number, unit_text
from lca.core.yamlsource import read_yaml


@dataclass(frozen=True)
class RuleSet:
    """Rules by name, with their static dependency graph in both directions."""

    rules: dict[str, Rule]
    uses: dict[str, tuple[str, ...]]
    used_by: dict[str, tuple[str, ...]]
    # Formulas compiled so far, by the identity of their syntax tree (kept alive here); None
    # for one left to the interpreter.
    _compiled: dict[int, tuple[Node, Compiled | None]] = field(
        default_factory=dict, compare=False, repr=False)

    def __getitem__(self, name: str) -> Rule:
        return self.rules[name]

    def __contains__(self, name: object) -> bool:
        return name in self.rules

    def compiled(self, node: Node) -> Compiled | None:
        """A formula over these rules compiled (once), or None if the interpreter must run it."""
        entry = self._compiled.get(id(node))
        if entry is None:
            try:
                entry = (node, compile_formula(node, self.rules))
            except NotCompiled:
                entry = (node, None)
            self._compiled[id(node)] = entry
        return entry[1]

    def require(self, name: str, where: Where) -> Rule:
        """The rule of that name, or an input error suggesting the near names."""
        if name not in self.rules:
            raise InputError(f"unknown rule '{name}'{did_you_mean(name, self.rules)}", where)
        return self.rules[name]


def load_rules(paths: Iterable[Path], root: Path | None = None) -> RuleSet:
    """Read every rule file (each a mapping of rule name to definition) and check the whole set."""
    rules: dict[str, Rule] = {}
    problems: list[InputError] = []
    for path in sorted(paths):
        label = str(path.relative_to(root)) if root else str(path)
        doc = read_yaml(path, label)
        if not isinstance(doc.data, dict):
            raise InputError("a rule file is a mapping of rule names to rules", Where(label, 1))
        for name in doc.data:
            try:
                rule = rule_from_yaml(str(name), doc)
            except InputError as exc:
                problems.append(exc)
                continue
            if rule.name in rules:
                first = rules[rule.name]
                problems.append(InputError(
                    f"rule '{rule.name}' is defined twice (also {first.file}:{first.line})",
                    rule.where()))
            rules[rule.name] = rule
    raise_all(problems)
    uses = {name: _static_references(rule) for name, rule in rules.items()}
    problems += _check_references(rules, uses)
    raise_all(problems)
    problems += _check_cycles(rules, uses)
    raise_all(problems)
    problems += [p for rule in rules.values() for p in _check_types(rule, rules)]
    problems += [p for rule in rules.values() for p in _check_bounds(rule)]
    raise_all(problems)
    used_by: dict[str, list[str]] = {name: [] for name in rules}
    for name, refs in uses.items():
        for ref in refs:
            used_by[ref].append(name)
    return RuleSet(rules, {k: tuple(v) for k, v in uses.items()},
                   {k: tuple(v) for k, v in used_by.items()})


def raise_all(problems: list[InputError], what: str = "the rules") -> None:
    """Nothing, one problem as it is, or all of them in one error."""
    if len(problems) == 1:
        raise problems[0]
    if problems:
        raise InputError(f"{len(problems)} problems in {what}:\n"
                         + "\n".join(f"  {p}" for p in problems))


def _static_references(rule: Rule) -> list[str]:
    found = references(rule.formula) if rule.formula is not None else []
    if rule.applicable_if is not None:
        found += [r for r in references(rule.applicable_if) if r not in found]
    return found


def _check_references(rules: dict[str, Rule], uses: dict[str, list[str]]) -> list[InputError]:
    return [InputError(f"rule '{name}' refers to unknown rule '{ref}'{did_you_mean(ref, rules)}",
                       rules[name].where("variations" if rules[name].variations else "formula"))
            for name, refs in uses.items() for ref in refs if ref not in rules]


def _check_cycles(rules: dict[str, Rule], uses: dict[str, list[str]]) -> list[InputError]:
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    problems: list[InputError] = []

    def visit(name: str, path: list[str]) -> None:
        state[name] = 1
        path.append(name)
        for ref in uses[name]:
            if state.get(ref) == 1:
                cycle = path[path.index(ref):] + [ref]
                problems.append(InputError(f"cycle in the rules: {' -> '.join(cycle)}",
                                           rules[ref].where()))
            elif ref not in state:
                visit(ref, path)
        path.pop()
        state[name] = 2

    for name in rules:
        if name not in state:
            visit(name, [])
    return problems


def _static_value(rule: Rule) -> Value:
    """What a reference to the rule stands for in the static check."""
    if rule.kind == "text":
        return Choice(rule.name, rule.choices)
    return Quantity(np.float64(1.0), rule.unit)


def _check_types(rule: Rule, rules: dict[str, Rule]) -> list[InputError]:
    problems = []
    checks: list[tuple[Node | None, str]] = [(rule.formula, "variations" if rule.variations
                                              else "formula"),
                                             (rule.applicable_if, "applicable_if")]
    for node, key in checks:
        if node is None:
            continue
        expected = "condition" if key == "applicable_if" else rule.kind
        problem = static_problem(node, rules, expected, rule.unit, key)
        if problem:
            problems.append(InputError(f"rule '{rule.name}': {problem}", rule.where(key)))
    return problems


def static_problem(node: Node, rules: dict[str, Rule], expected: str, unit: pint.Unit | None,
                   what: str = "formula", unit_owner: str = "the rule's unit") -> str | None:
    """Why a formula (whose references are all rules) does not give `expected` ('quantity' in the
    dimension of `unit`, 'condition' or 'text') when every reference stands for 1 of its unit, or
    None. The rules' own check and the other formulas of the model (the foreground template, the
    manufacturing profiles) go through it, so they cannot disagree on what a formula means."""
    interpreter = Interpreter(lambda ref: _static_value(rules[ref]), static=True)
    try:
        with np.errstate(all="ignore"):
            value = interpreter.eval(node)
    except FormulaError as exc:
        return str(exc)
    if kind_of(value) != expected:
        return f"the {what} gives {kind_of(value)}, expected {expected}"
    if expected == "quantity" and value.dimensionality != Quantity(1, unit).dimensionality:
        return (f"the {what} gives {dimension_text(value.units)} ({unit_text(value.units)}) "
                f"but {unit_owner} is {unit_text(unit)} ({dimension_text(unit)})")
    return None


def _check_bounds(rule: Rule) -> list[InputError]:
    if not isinstance(rule.default, pint.Quantity):
        return []
    problem = bound_violation(rule, rule.default)
    return [InputError(f"default of '{rule.name}' {problem}", rule.where("value"))] if problem else []


def bound_violation(rule: Rule, value: pint.Quantity) -> str | None:
    """Why a value breaks the rule's bounds ('1.5 is above the maximum 1'), or None."""
    return magnitude_violation(rule, value.to(rule.unit).magnitude)


# How far beyond a bound a value may round: a computed ratio of two equal times (utilisation 1,
# its maximum) comes out one float step above it when its unit factors are multiplied in
# another order. Relative to the bound, so a bound of 0 stays exact.
_ROUNDING = 1e-12


def magnitude_violation(rule: Rule, magnitude: Any) -> str | None:
    """Why a magnitude in the rule's unit breaks its bounds (beyond rounding), or None."""
    low, high = rule.minimum, rule.maximum
    if low is None and high is None:
        return None
    floor = None if low is None else low.magnitude - abs(low.magnitude) * _ROUNDING
    ceiling = None if high is None else high.magnitude + abs(high.magnitude) * _ROUNDING
    if isinstance(magnitude, float) and (floor is None or magnitude >= floor) and \
            (ceiling is None or magnitude <= ceiling):
        return None  # the common case, without numpy
    magnitude = np.asarray(magnitude)
    unit = "" if rule.unit.dimensionless else f" {unit_text(rule.unit)}"
    if floor is not None and np.any(magnitude < floor):
        return (f"{format_number(magnitude.min())}{unit} is below the minimum "
                f"{format_number(low.magnitude)}{unit}")
    if ceiling is not None and np.any(magnitude > ceiling):
        return (f"{format_number(magnitude.max())}{unit} is above the maximum "
                f"{format_number(high.magnitude)}{unit}")
    return None
