"""Walks a formula's syntax tree: for real values, or statically for its dimension.

One walker serves both uses so the static check and the evaluation cannot disagree on what a
formula means. In static mode every reference stands for 1 of its declared unit (or a `Choice`
for text rules), both branches of a condition are checked, and no value-dependent check runs.
Values are pint quantities whose magnitudes are floats or numpy arrays (one evaluation for many
Monte Carlo samples), booleans (or boolean arrays) and text.
"""

from __future__ import annotations

import math
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache, reduce
from typing import Any, Callable, Iterator, Union

import numpy as np
import pint

from lca.core.rules.expression import (Binary, Bool, Call, Cond, FormulaError, Node, Num, Ref,
                                       Text, Unary, references)
from lca.core.units import Quantity, dimension_text, ureg


@dataclass(frozen=True)
class Choice:
    """Static stand-in for the value of a text rule: any one of its choices."""

    rule: str
    choices: tuple[str, ...]


Value = Union[pint.Quantity, bool, np.ndarray, str, Choice]


MAX_POWER = 64  # the largest exponent a formula may write, in size: 10 ** 64 is far beyond any LCA
NOT_FINITE = ("the result is not a finite number (an input is too large, or the formula "
              "overflows)")


class NoBranch(Exception):
    """No variation of a rule applies to the situation."""


class Mixed(Exception):
    """A condition over arrays that holds for some elements and not others, where `uniform`
    asks for one truth."""


_UNIFORM = threading.local()


@contextmanager
def uniform() -> Iterator[None]:
    """Conditions over arrays must hold for every element or for none, and then act as one
    bool: functional units evaluated together as arrays (`lca.core.rules.group`) take the
    path each unit's own evaluation takes, reading the same rules in the same order. A
    condition that parts them raises `Mixed`."""
    before = getattr(_UNIFORM, "on", False)
    _UNIFORM.on = True
    try:
        yield
    finally:
        _UNIFORM.on = before


def one_truth(held: np.ndarray) -> Any:
    """A boolean array as a condition: itself, or under `uniform` its one truth."""
    if not getattr(_UNIFORM, "on", False):
        return held
    first = bool(held.flat[0])
    if (held == first).all():
        return first
    raise Mixed()


class Interpreter:
    """Evaluates formula nodes; `resolve` gives the value of a referenced rule."""

    def __init__(self, resolve: Callable[[str], Value], static: bool = False):
        self.resolve = resolve
        self.static = static

    def eval(self, node: Node) -> Value:
        method = getattr(self, f"_{type(node).__name__.lower()}")
        value = method(node)
        # Overflow (1e200 * 1e200), inf - inf: refused where it happens, not in Brightway. Only
        # operations are checked: numbers are finite when parsed, references when computed.
        if (not self.static and isinstance(node, (Unary, Binary, Call))
                and isinstance(value, pint.Quantity) and not all_finite(value.magnitude)):
            raise FormulaError(NOT_FINITE, node.pos)
        return value

    # Leaves

    def _num(self, node: Num) -> pint.Quantity:
        return Quantity(np.float64(node.value), _unit(node.unit))

    def _text(self, node: Text) -> str:
        return node.value

    def _bool(self, node: Bool) -> bool:
        return node.value

    def _ref(self, node: Ref) -> Value:
        return self.resolve(node.name)

    # Operators

    def _unary(self, node: Unary) -> Value:
        value = self.eval(node.operand)
        if node.op == "not":
            return np.logical_not(self._truth(value, node)) if not self.static else True
        return -self._quantity(value, node) if node.op == "-" else self._quantity(value, node)

    def _binary(self, node: Binary) -> Value:
        if node.op in ("and", "or"):
            return self._logic(node)
        left, right = self.eval(node.left), self.eval(node.right)
        if node.op in ("==", "!=", "<", "<=", ">", ">="):
            return self._compare(node, left, right)
        a, b = self._quantity(left, node.left), self._quantity(right, node.right)
        if node.op == "**":
            return self._power(node, a, b)
        if node.op == "/" and not self.static and np.any(b.magnitude == 0):
            raise FormulaError("division by zero", node.pos)
        try:
            return {"+": lambda: a + b, "-": lambda: a - b, "*": lambda: a * b,
                    "/": lambda: a / b}[node.op]()
        except pint.errors.DimensionalityError:
            verb = "add" if node.op == "+" else "subtract"
            raise FormulaError(f"cannot {verb} {dimension_text(a.units)} and "
                               f"{dimension_text(b.units)}", node.pos) from None

    def _logic(self, node: Binary) -> Value:
        left = self._truth(self.eval(node.left), node.left)
        # Scalar conditions short-circuit, so `x > 0 and y / x > 1` is safe.
        if not self.static and not isinstance(left, np.ndarray):
            if node.op == "and" and not left:
                return False
            if node.op == "or" and left:
                return True
        right = self._truth(self.eval(node.right), node.right)
        if self.static:
            return True
        result = np.logical_and(left, right) if node.op == "and" else np.logical_or(left, right)
        return result if isinstance(result, np.ndarray) else bool(result)

    def _compare(self, node: Binary, left: Value, right: Value) -> Value:
        texts = [v for v in (left, right) if isinstance(v, (str, Choice))]
        if texts:
            if len(texts) != 2 or node.op not in ("==", "!="):
                raise FormulaError("text is only compared with == or != to other text", node.pos)
            for choice, other in ((left, right), (right, left)):
                if isinstance(choice, Choice) and isinstance(other, str) \
                        and other not in choice.choices:
                    raise FormulaError(f"'{other}' is not a choice of {choice.rule} "
                                       f"({', '.join(choice.choices)})", node.pos)
            if self.static:
                return True
            return (left == right) if node.op == "==" else (left != right)
        a, b = self._quantity(left, node.left), self._quantity(right, node.right)
        try:
            b = b.to(a.units)
        except pint.errors.DimensionalityError:
            raise FormulaError(f"cannot compare {dimension_text(a.units)} with "
                               f"{dimension_text(b.units)}", node.pos) from None
        if self.static:
            return True
        op = {"<": np.less, "<=": np.less_equal, ">": np.greater, ">=": np.greater_equal,
              "==": np.equal, "!=": np.not_equal}[node.op]
        result = op(a.magnitude, b.magnitude)
        return result if isinstance(result, np.ndarray) else bool(result)

    def _power(self, node: Binary, base: pint.Quantity, exponent: pint.Quantity) -> pint.Quantity:
        if not exponent.dimensionless:
            raise FormulaError("an exponent must be a pure number", node.pos)
        power = exponent.to(ureg.dimensionless).magnitude
        # A written exponent (no rule in it) is bounded, so `10 ** 10 ** 10` is refused at load.
        # One computed from data (`(1 - k/E) ** batch`) may be large: the power is taken in
        # floating point, where a result beyond range is infinite and refused as not finite.
        if not references(node.right) and np.any(np.abs(power) > MAX_POWER):
            raise FormulaError(f"a written exponent is at most {MAX_POWER} in size, got "
                               f"{np.max(np.abs(power)):g}", node.pos)
        if base.dimensionless:
            return Quantity(np.power(np.asarray(base.to(ureg.dimensionless).magnitude, dtype=float),
                                     np.asarray(power, dtype=float))[()])
        # A quantity with units takes only a literal exponent: its unit must not depend on data.
        literal = node.right
        sign = 1.0
        if isinstance(literal, Unary) and literal.op in "+-":
            sign, literal = (-1.0 if literal.op == "-" else 1.0), literal.operand
        if not (isinstance(literal, Num) and literal.unit is None):
            raise FormulaError("a quantity with units can only be raised to a literal number",
                               node.pos)
        return base ** (sign * literal.value)

    # Conditions and functions

    def _cond(self, node: Cond) -> Value:
        test = self._truth(self.eval(node.test), node.test)
        if self.static:
            then = self.eval(node.then)
            if node.otherwise is not None:
                self._same_kind(node, then, self.eval(node.otherwise))
            return then
        if not isinstance(test, np.ndarray):
            if test:
                return self.eval(node.then)
            if node.otherwise is None:
                raise NoBranch()
            return self.eval(node.otherwise)
        if node.otherwise is None and not test.all():
            raise NoBranch()
        then = self.eval(node.then)
        if test.all():
            return then
        other = self.eval(node.otherwise)  # type: ignore[arg-type]
        if isinstance(then, pint.Quantity):
            other = self._quantity(other, node).to(then.units)
            return Quantity(np.where(test, then.magnitude, other.magnitude), then.units)
        return np.where(test, then, other)

    def _call(self, node: Call) -> pint.Quantity:
        args = [self._quantity(self.eval(a), a) for a in node.args]
        if node.func in ("min", "max"):
            first = args[0]
            try:
                mags = [a.to(first.units).magnitude for a in args]
            except pint.errors.DimensionalityError:
                raise FormulaError(f"{node.func}() needs arguments of one dimension",
                                   node.pos) from None
            pick = np.minimum if node.func == "min" else np.maximum
            return Quantity(reduce(pick, mags), first.units)
        (arg,) = args
        if node.func in ("ceil", "floor"):
            if not arg.dimensionless:
                raise FormulaError(f"{node.func}() takes a pure number, got "
                                   f"{dimension_text(arg.units)}", node.pos)
            rounding = np.ceil if node.func == "ceil" else np.floor
            return Quantity(rounding(arg.to(ureg.dimensionless).magnitude))
        if node.func == "sqrt":
            if not self.static and np.any(arg.magnitude < 0):
                raise FormulaError("square root of a negative number", node.pos)
            return arg ** 0.5
        return abs(arg)

    # Type checks

    def _quantity(self, value: Value, node: Node) -> pint.Quantity:
        if isinstance(value, pint.Quantity):
            return value
        what = "text" if isinstance(value, (str, Choice)) else "a condition"
        raise FormulaError(f"expected a number, got {what}", node.pos)

    def _truth(self, value: Value, node: Node) -> Any:
        if isinstance(value, (bool, np.bool_)):
            return bool(value)
        if isinstance(value, np.ndarray) and value.dtype == bool:
            return one_truth(value)
        raise FormulaError("expected a condition (a comparison, true or false)", node.pos)

    def _same_kind(self, node: Cond, a: Value, b: Value) -> None:
        if isinstance(a, pint.Quantity) and isinstance(b, pint.Quantity):
            if a.dimensionality != b.dimensionality:
                raise FormulaError(f"the branches give {dimension_text(a.units)} and "
                                   f"{dimension_text(b.units)}", node.pos)
        elif isinstance(a, (str, Choice)) != isinstance(b, (str, Choice)):
            raise FormulaError("the branches give a number and text", node.pos)


@cache  # pint parses a unit's name at every lookup, `ureg.dimensionless` included (0.1 ms)
def _unit(name: str | None) -> pint.Unit:
    """The unit a number is written in; a pure number's is dimensionless."""
    return ureg.Unit(name) if name else ureg.dimensionless


def all_finite(magnitude: Any) -> bool:
    """Whether a magnitude (a float, or an array of samples) holds no NaN or infinity; the
    scalar test is the fast one, as most evaluations are of scalars."""
    if isinstance(magnitude, float):
        return math.isfinite(magnitude)
    return bool(np.isfinite(magnitude).all())


def kind_of(value: Value) -> str:
    """'quantity', 'text' or 'condition', for messages and checks."""
    if isinstance(value, pint.Quantity):
        return "quantity"
    if isinstance(value, (str, Choice)):
        return "text"
    return "condition"
