"""The formula language: what parses, what it means, and what is refused."""

from __future__ import annotations

import re

import pytest

from lca.core.rules.expression import Binary, Call, Cond, FormulaError, Num, Ref, parse, references
from lca.core.rules.interpret import Interpreter
from lca.core.rules.rule import is_unit
from lca.core.units import Quantity


def value(source: str, **refs: object) -> object:
    env = {k.replace("_", "."): v for k, v in refs.items()}
    return Interpreter(env.__getitem__).eval(parse(source, is_unit))


def test_precedence_and_power() -> None:
    # 2 + 3 x 4 ^ 2 = 50; -2 ** 2 = -4 as in mathematics; (2 + 3) x 4 = 20
    assert value("2 + 3 * 4 ^ 2").magnitude == 50
    assert value("-2 ** 2").magnitude == -4
    assert value("(2 + 3) * 4").magnitude == 20
    assert value("2 ** 3 ** 2").magnitude == 512  # right-associative: 2 ** 9


def test_numbers_with_units() -> None:
    assert value("6 FLOP * 2").to("FLOP").magnitude == 12
    assert value("1 h / 1 s").to("").magnitude == 3600
    assert value("2 m^2").to("m**2").magnitude == 2
    assert value("1_000 W").to("kW").magnitude == 1


def test_references_are_dotted_names() -> None:
    node = parse("model.parameters * 2 + gpu.power / gpu.power", is_unit)
    assert references(node) == ["model.parameters", "gpu.power"]
    assert value("gpu.x * 3", gpu_x=Quantity(2.0, "W")).to("W").magnitude == 6


def test_conditions_and_functions() -> None:
    assert value("1 if 2 > 1 else 0").magnitude == 1
    assert value("'a' if 'x' == 'y' else 'b'") == "b"
    assert value("max(1 W, 2 W, 0.5 W)").to("W").magnitude == 2
    assert value("min(3, 2)").magnitude == 2
    assert value("ceil(2.1) + floor(2.9) + sqrt(9) + abs(-1)").magnitude == 3 + 2 + 3 + 1
    assert value("not (1 > 2) and (1 < 2 or 1 > 2)") is True


def test_vectorised_condition_uses_both_branches() -> None:
    import numpy as np

    x = Quantity(np.array([0.5, 2.0]))
    got = value("x.y * 10 if x.y > 1 else x.y", x_y=x)
    assert list(got.magnitude) == [0.5, 20.0]


def test_shapes_of_the_tree() -> None:
    assert isinstance(parse("a.b if c.d > 1 else 2", is_unit), Cond)
    assert isinstance(parse("min(a.b, 2)", is_unit), Call)
    assert isinstance(parse("a.b - c.d", is_unit), Binary)
    assert isinstance(parse("a.b", is_unit), Ref)
    assert parse("3 kWh", is_unit) == Num(3.0, "kWh", 0)


@pytest.mark.parametrize("source, message", [
    # Attribute access is not in the grammar: the tokenizer refuses the dot after ')'.
    ("__import__('os').system('true')", "unexpected character '.'"),
    ("__import__('os')", "unknown function '__import__'"),
    ("().__class__", "unexpected character '.'"),
    ("()", "expected a number, a name or '(', found ')'"),
    ("x.y.__class__", None),  # parses as one dotted name: an unknown rule, caught by the rule set
    ("open('f')", "unknown function 'open'"),
    ("a.b[0]", "unexpected character '['"),
    ("lambda: 1", "unexpected character ':'"),
    ("1 +", "found the end of the formula"),
    ("1 < 2 < 3", "cannot be chained"),
    ("min(1)", "min() takes two or more arguments"),
    ("2 model.parameters", "expected an operator"),
    ("`ls`", "unexpected character '`'"),
])
def test_refused(source: str, message: str | None) -> None:
    if message is None:
        assert references(parse(source, is_unit)) == ["x.y.__class__"]
        return
    with pytest.raises(FormulaError, match=re.escape(message)):
        parse(source, is_unit)


@pytest.mark.parametrize("source, message", [
    ("1 W + 1 kg", "cannot add"),
    ("1 W > 1 kg", "cannot compare"),
    ("ceil(2 W)", "takes a pure number"),
    ("2 W ** x.y", "literal number"),
    ("1 / (1 - 1)", "division by zero"),
    ("'a' + 1", "expected a number, got text"),
    ("'a' < 'b'", "only compared with == or !="),
])
def test_evaluation_errors(source: str, message: str) -> None:
    with pytest.raises(FormulaError, match=message):
        value(source, x_y=Quantity(2.0))
