"""Property-based fuzzing (hypothesis) of the three parsers that read what people write: the
formula parser, the quantity parser and the study loader. Whatever the text, the outcome is a
value or the tool's InputError; any other exception fails. The budget is fixed and the examples
derandomised, so CI runs the same few hundred cases in a few seconds. (Hypothesis raises the
recursion limit while it runs, so deep formulas are tested without it, in test_bad_inputs.py.)

Beside "no crash", each fuzz checks a property that a wrong parser would break: counts written
with a multiplier equal the number times the multiplier; a quantity that parses is finite.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pint
import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from lca.core.errors import InputError, Where
from lca.core.rules.evaluate import make_override
from lca.core.rules.expression import FormulaError
from lca.core.rules.interpret import Interpreter
from lca.core.rules.rule import parse_formula
from lca.core.units import COUNT_MULTIPLIERS, Quantity, parse_quantity, ureg
from lca.study.file import load_study
from lca.study.resolve import evaluators
from tests.conftest import ROOT

BUDGET = settings(max_examples=150, deadline=None, derandomize=True, database=None,
                  suppress_health_check=[HealthCheck.too_slow,
                                         HealthCheck.function_scoped_fixture])
WHERE = Where("fuzz", 1, "value")

# Pieces of formulas and values, so that most generated text is close to valid and reaches the
# deeper checks, plus any characters at all.
FORMULA_TOKENS = ["1", "0", "2.5", "1e308", "1e-308", "1e400", "10", "-", "+", "*", "/", "**",
                  "^", "(", ")", "(", ")", ",", "<", "==", "and", "or", "not", "if", "else",
                  "true", "false", "min(", "max(", "sqrt(", "ceil(", "abs(", "a.x", "a.y",
                  "'text'", "W", "h", "m^2", "kg", "h^0", "__import__(", ".", "nan", "inf",
                  " "]
VALUE_TOKENS = ["7", "405e9", "1.5", "-3", ".5", "1e308", "1e400", "_", "B", "T", "k", "M", "G",
                "billion", "GB", "W", "kg/kWh", "m3/kWh", "L/kWh", "%", "h^0", "**", "^", "2",
                "(", ")", "/", "*", " ", "nan", "inf", "\x00", "·", "²", "byte"]


def _joined(tokens: list[str]) -> st.SearchStrategy[str]:
    return st.one_of(st.lists(st.sampled_from(tokens), max_size=40).map("".join),
                     st.text(max_size=60))


def _resolve(name: str) -> pint.Quantity:
    """Every reference of a fuzzed formula: a.x is 2 W, a.y is 0.5."""
    if name == "a.x":
        return Quantity(np.float64(2.0), "W")
    if name == "a.y":
        return Quantity(np.float64(0.5))
    raise FormulaError(f"unknown rule '{name}'", 0)


@BUDGET
@given(_joined(FORMULA_TOKENS))
@example("(" * 95 + "1" + ")" * 95)
@example(" + ".join(["1"] * 500))
@example("10 ** 10 ** 10")
@example("1e308 * 10 - 1e308 * 10")  # inf - inf: NaN
@example("a.x * 1e308 / 1e-308")
def test_formula_parser(text: str) -> None:
    """Parsing raises only InputError; evaluating a parsed formula only FormulaError (which the
    evaluator reports as an InputError naming the rule); a value computed is finite."""
    try:
        node = parse_formula(text, WHERE)
    except InputError:
        return
    try:
        with np.errstate(all="ignore"):
            value = Interpreter(_resolve).eval(node)
    except FormulaError:
        return
    if isinstance(value, pint.Quantity):
        assert np.all(np.isfinite(value.magnitude)), (text, value)


@BUDGET
@given(_joined(VALUE_TOKENS), st.sampled_from(["1", "GB", "W", "kg/kWh", "m**3/kWh", "B"]))
@example("1e8 B", "1")
@example("10**10**10", "1")
@example("1 h^0", "W")
def test_quantity_parser(text: str, unit: str) -> None:
    """A quantity from text is finite, or an InputError; through a rule (make_override) the
    same holds, with the rule's dimension."""
    try:
        value = parse_quantity(text, WHERE, expected=ureg.Unit(unit))
    except InputError:
        return
    assert np.all(np.isfinite(value.magnitude)), (text, value)


@BUDGET
@given(st.one_of(st.floats(), st.integers(), st.booleans(), st.none(), st.text(max_size=30)),
       st.sampled_from(["model.parameters", "gpu.memory", "gpu.power", "electricity.gwp",
                        "gpu.mfu", "compute.precision"]))
def test_values_through_rules(model, raw: object, rule: str) -> None:
    """Any YAML scalar given for a rule is a finite override within its bounds, or InputError."""
    try:
        override = make_override(model[rule], raw, WHERE)
    except InputError:
        return
    if isinstance(override.value, pint.Quantity):
        assert math.isfinite(float(override.value.magnitude)), (raw, override)


@BUDGET
@given(st.floats(min_value=0, max_value=1e6, allow_nan=False),
       st.sampled_from(sorted(COUNT_MULTIPLIERS)), st.sampled_from(["", " "]))
def test_counts_with_multipliers(number: float, suffix: str, space: str) -> None:
    """`7B`, `15 T`, `1.5k`: the number times the multiplier, for a count (unit 1)."""
    text = f"{number!r}{space}{suffix}"
    value = parse_quantity(text, WHERE, expected=ureg.dimensionless)
    assert value.to("dimensionless").magnitude == pytest.approx(
        number * COUNT_MULTIPLIERS[suffix], rel=1e-12)


EXAMPLE_TEXT = (ROOT / "examples" / "llama-3.1-405b.yaml").read_text(encoding="utf-8")
YAML_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(),
                         st.text(max_size=20))
YAML_DATA = st.recursive(YAML_SCALARS,
                         lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                 st.dictionaries(st.text(max_size=10), inner,
                                                                 max_size=4)),
                         max_leaves=20)


STUDY_TOKENS = VALUE_TOKENS + [":", "-", "\n", "  ", "&a ", "*a", "{", "}", "[", "]", "<<: ",
                               "!!timestamp ", "!!int ", "!!float ", "!!binary ", "!!set ",
                               "!!python/name:os.system ", "'", '"', "#", "---\n", "\t"]


@st.composite
def study_texts(draw: st.DrawFn) -> str:
    """A study's text: the example mutated (a slice replaced by fuzz), one of its values
    replaced by generated data or given an explicit tag, or generated YAML."""
    kind = draw(st.sampled_from(["mutate", "value", "tagged", "data"]))
    if kind == "mutate":
        start = draw(st.integers(0, len(EXAMPLE_TEXT)))
        end = draw(st.integers(start, min(len(EXAMPLE_TEXT), start + 20)))
        return EXAMPLE_TEXT[:start] + draw(_joined(STUDY_TOKENS)) + EXAMPLE_TEXT[end:]
    key = draw(st.sampled_from(["405e9", "15e12", "16384", "USA", "dgx-h100", "gpu-count",
                                "training", "1e6"]))
    if kind == "value":
        return EXAMPLE_TEXT.replace(key, yaml.safe_dump(draw(YAML_DATA),
                                                        default_flow_style=True).strip(), 1)
    if kind == "tagged":  # a value with an explicit YAML tag, the value itself fuzzed
        tag = draw(st.sampled_from([t for t in STUDY_TOKENS if t.startswith("!!")]))
        return EXAMPLE_TEXT.replace(key, tag + draw(st.sampled_from([key, "x", "1.5", "", "[a]",
                                                                     "{a: 1}", "2024-13-45"])), 1)
    return yaml.safe_dump(draw(YAML_DATA))


@BUDGET
@given(study_texts())
def test_study_loader(model, tmp_path: Path, text: str) -> None:
    """Any study text loads and gives its overrides, or stops with InputError."""
    path = tmp_path / "study.yaml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        evaluators(model, load_study(path))
    except InputError:
        return
