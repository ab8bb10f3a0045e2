"""Formulas compiled once into functions of magnitudes, for evaluation without pint.

The rules are dimension-checked at load, so the unit of every node of a formula is known before
any value is: a reference is in its rule's declared unit, a product's unit is the product of its
operands' units, a sum is in its first term's unit. Compiling a formula walks it once with pint
to compute those units and the conversion factors between them (a sum's second term to the first
term's unit, a branch to the first branch's unit); evaluating it is then float (or numpy array)
arithmetic on magnitudes, each factor the one pint itself multiplies by in `Quantity.to`.

The checks of the interpreter that depend on values (division by zero, square root of a negative
number, results that are not finite, no variation applying) run here too, with the same messages.
What the compiler does not handle (offset units such as degrees Celsius, whose conversion is not
a factor, or a formula the static check would refuse) raises `NotCompiled`, and the caller
evaluates that formula with the interpreter instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import reduce
from typing import Any, Callable, Mapping

import numpy as np
import pint

from lca.core.rules.expression import (Binary, Bool, Call, Cond, FormulaError, Node, Num, Ref, Text,
                                  Unary, references)
from lca.core.rules.interpret import MAX_POWER, NOT_FINITE, NoBranch, all_finite, one_truth
from lca.core.rules.rule import Rule
from lca.core.units import conversion_factor, ureg

# Gives the magnitude of a referenced rule, in the rule's declared unit (or its text, or a
# condition's truth).
Resolve = Callable[[str], Any]
Run = Callable[[Resolve], Any]

_DIMENSIONLESS = ureg.dimensionless


class NotCompiled(Exception):
    """A formula left to the interpreter."""


@dataclass(frozen=True)
class Compiled:
    """A formula as a function of its references' magnitudes, and what it gives: a magnitude
    in `unit` (kind 'quantity'), text, or a condition (`unit` None)."""

    run: Run
    kind: str
    unit: pint.Unit | None


def compile_formula(node: Node, rules: Mapping[str, Rule]) -> Compiled:
    """The compiled form of a formula whose references are rules of `rules`."""
    return _Compiler(rules).node(node)


def factor(source: pint.Unit, target: pint.Unit) -> float:
    """The factor from one unit to another of the same dimension; NotCompiled for units pint
    does not convert by a factor, or of different dimensions (the interpreter then says why)."""
    try:
        return conversion_factor(source, target)
    except (pint.errors.DimensionalityError, ValueError):
        raise NotCompiled() from None


def _scaled(run: Run, by: float) -> Run:
    """`run` times a conversion factor, without the multiplication when it is 1."""
    return run if by == 1.0 else (lambda r: run(r) * by)


class _Compiler:
    def __init__(self, rules: Mapping[str, Rule]):
        self.rules = rules

    def node(self, node: Node) -> Compiled:
        compiled = getattr(self, f"_{type(node).__name__.lower()}")(node)
        if compiled.kind == "quantity" and isinstance(node, (Unary, Binary, Call)):
            return Compiled(_finite(compiled.run, node.pos), compiled.kind, compiled.unit)
        return compiled

    def quantity(self, node: Node) -> Compiled:
        compiled = self.node(node)
        if compiled.kind != "quantity":
            raise NotCompiled()
        return compiled

    def condition(self, node: Node) -> Run:
        compiled = self.node(node)
        if compiled.kind != "condition":
            raise NotCompiled()
        return compiled.run

    # Leaves

    def _num(self, node: Num) -> Compiled:
        unit = ureg.Unit(node.unit) if node.unit else _DIMENSIONLESS
        factor(unit, unit)  # refuses offset units
        value = np.float64(node.value)
        return Compiled(lambda r: value, "quantity", unit)

    def _text(self, node: Text) -> Compiled:
        value = node.value
        return Compiled(lambda r: value, "text", None)

    def _bool(self, node: Bool) -> Compiled:
        value = node.value
        return Compiled(lambda r: value, "condition", None)

    def _ref(self, node: Ref) -> Compiled:
        rule = self.rules[node.name]
        name = node.name
        if rule.kind == "text":
            return Compiled(lambda r: r(name), "text", None)
        factor(rule.unit, rule.unit)  # refuses offset units
        return Compiled(lambda r: r(name), "quantity", rule.unit)

    # Operators

    def _unary(self, node: Unary) -> Compiled:
        if node.op == "not":
            test = self.condition(node.operand)
            return Compiled(lambda r: np.logical_not(_truth(test(r))), "condition", None)
        operand = self.quantity(node.operand)
        run = operand.run
        return Compiled((lambda r: -run(r)) if node.op == "-" else run, "quantity", operand.unit)

    def _binary(self, node: Binary) -> Compiled:
        if node.op in ("and", "or"):
            return self._logic(node)
        if node.op in ("==", "!=", "<", "<=", ">", ">="):
            return self._compare(node)
        a, b = self.quantity(node.left), self.quantity(node.right)
        left, right = a.run, b.run
        if node.op == "**":
            return self._power(node, a, b)
        if node.op in ("+", "-"):
            right = _scaled(right, factor(b.unit, a.unit))
            if node.op == "+":
                return Compiled(lambda r: left(r) + right(r), "quantity", a.unit)
            return Compiled(lambda r: left(r) - right(r), "quantity", a.unit)
        if node.op == "*":
            return Compiled(lambda r: left(r) * right(r), "quantity", a.unit * b.unit)
        pos = node.pos

        def divide(r: Resolve) -> Any:
            numerator, denominator = left(r), right(r)
            zero = denominator == 0
            if zero.any() if isinstance(zero, np.ndarray) else zero:
                raise FormulaError("division by zero", pos)
            return numerator / denominator

        return Compiled(divide, "quantity", a.unit / b.unit)

    def _logic(self, node: Binary) -> Compiled:
        left, right = self.condition(node.left), self.condition(node.right)
        both = node.op == "and"

        def logic(r: Resolve) -> Any:
            first = _truth(left(r))
            # Scalar conditions short-circuit, so `x > 0 and y / x > 1` is safe.
            if not isinstance(first, np.ndarray) and first != both:
                return first
            second = _truth(right(r))
            result = np.logical_and(first, second) if both else np.logical_or(first, second)
            return result if isinstance(result, np.ndarray) else bool(result)

        return Compiled(logic, "condition", None)

    def _compare(self, node: Binary) -> Compiled:
        a, b = self.node(node.left), self.node(node.right)
        left, right = a.run, b.run
        if a.kind == "text" and b.kind == "text" and node.op in ("==", "!="):
            if node.op == "==":
                return Compiled(lambda r: left(r) == right(r), "condition", None)
            return Compiled(lambda r: left(r) != right(r), "condition", None)
        if a.kind != "quantity" or b.kind != "quantity":
            raise NotCompiled()
        right = _scaled(right, factor(b.unit, a.unit))
        op = {"<": np.less, "<=": np.less_equal, ">": np.greater, ">=": np.greater_equal,
              "==": np.equal, "!=": np.not_equal}[node.op]

        def compare(r: Resolve) -> Any:
            result = op(left(r), right(r))
            return result if isinstance(result, np.ndarray) else bool(result)

        return Compiled(compare, "condition", None)

    def _power(self, node: Binary, base: Compiled, exponent: Compiled) -> Compiled:
        power = _scaled(exponent.run, factor(exponent.unit, _DIMENSIONLESS))
        if not references(node.right):
            # A written exponent is a constant: one beyond MAX_POWER, or one that cannot be
            # computed, is the interpreter's error to report.
            try:
                constant = power(lambda name: None)
            except FormulaError:
                raise NotCompiled() from None
            if np.any(np.abs(constant) > MAX_POWER):
                raise NotCompiled()
        if base.unit.dimensionless:
            value = _scaled(base.run, factor(base.unit, _DIMENSIONLESS))
            return Compiled(lambda r: np.power(np.asarray(value(r), dtype=float),
                                               np.asarray(power(r), dtype=float))[()],
                            "quantity", _DIMENSIONLESS)
        # A quantity with units takes only a literal exponent: its unit must not depend on data.
        literal, sign = node.right, 1.0
        if isinstance(literal, Unary) and literal.op in "+-":
            sign, literal = (-1.0 if literal.op == "-" else 1.0), literal.operand
        if not (isinstance(literal, Num) and literal.unit is None):
            raise NotCompiled()
        exact = sign * literal.value
        run = base.run
        return Compiled(lambda r: run(r) ** exact, "quantity", base.unit ** exact)

    # Conditions and functions

    def _cond(self, node: Cond) -> Compiled:
        test = self.condition(node.test)
        then = self.node(node.then)
        first = then.run
        if node.otherwise is None:
            def only(r: Resolve) -> Any:
                held = _truth(test(r))
                if not np.all(held):
                    raise NoBranch()
                return first(r)

            return Compiled(only, then.kind, then.unit)
        other = self.node(node.otherwise)
        if other.kind != then.kind:
            raise NotCompiled()
        second = (_scaled(other.run, factor(other.unit, then.unit)) if then.kind == "quantity"
                  else other.run)

        def cond(r: Resolve) -> Any:
            held = _truth(test(r))
            if not isinstance(held, np.ndarray):
                return first(r) if held else second(r)
            if held.all():
                return first(r)
            return np.where(held, first(r), second(r))

        return Compiled(cond, then.kind, then.unit)

    def _call(self, node: Call) -> Compiled:
        args = [self.quantity(a) for a in node.args]
        if node.func in ("min", "max"):
            unit = args[0].unit
            runs = [_scaled(a.run, factor(a.unit, unit)) for a in args]
            pick = np.minimum if node.func == "min" else np.maximum
            return Compiled(lambda r: reduce(pick, [run(r) for run in runs]), "quantity", unit)
        (arg,) = args
        if node.func in ("ceil", "floor"):
            if not arg.unit.dimensionless:
                raise NotCompiled()
            value = _scaled(arg.run, factor(arg.unit, _DIMENSIONLESS))
            rounding = np.ceil if node.func == "ceil" else np.floor
            return Compiled(lambda r: rounding(value(r)), "quantity", _DIMENSIONLESS)
        run = arg.run
        if node.func == "sqrt":
            pos = node.pos

            def root(r: Resolve) -> Any:
                value = run(r)
                if np.any(value < 0):
                    raise FormulaError("square root of a negative number", pos)
                return value ** 0.5

            return Compiled(root, "quantity", arg.unit ** 0.5)
        return Compiled(lambda r: abs(run(r)), "quantity", arg.unit)


def _finite(run: Run, pos: int) -> Run:
    """`run`, refusing a result that is not finite (overflow, inf - inf) where it happens."""
    def checked(r: Resolve) -> Any:
        value = run(r)
        if not all_finite(value):
            raise FormulaError(NOT_FINITE, pos)
        return value

    return checked


def _truth(value: Any) -> Any:
    """A condition's value as the interpreter takes it: a bool, or an array of them (one bool
    under `interpret.uniform`)."""
    return one_truth(value) if isinstance(value, np.ndarray) else bool(value)
