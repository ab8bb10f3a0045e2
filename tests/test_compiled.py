"""The compiled formulas (lca/rules/compiled.py) give the values the pint interpreter gives.

Every rule of the shipped model is evaluated for every functional unit of every shipped example,
once compiled and once by the interpreter alone (the path every value took before formulas were
compiled): both give the same value within 1e-12 relative (conversion factors may be applied in
another order, so the last bit may differ), or both refuse it with the same message.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pint
import pytest

from lca.core.errors import InputError, Where
from lca.study.resolve import resolve
from lca.core.rules.compiled import Compiled, compile_formula
from lca.core.rules.evaluate import Evaluator, make_override
from lca.core.rules.expression import Node
from lca.core.rules.ruleset import RuleSet
from lca.core.rules.rule import parse_formula
from lca.study.situation import load_model
from lca.study.file import load_study
from lca.core.units import Quantity, ureg

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
STUDIES = sorted(p for p in EXAMPLES.glob("*.yaml") if p.name != "validation.yaml")
RELATIVE = 1e-12


class Interpreted(RuleSet):
    """The shipped rules with no formula compiled: every value through pint."""

    def compiled(self, node: Node) -> Compiled | None:
        return None


def outcome(evaluator: Evaluator, name: str) -> Any:
    """A rule's value as a magnitude in its declared unit (or text), or its error message."""
    try:
        value = evaluator.value(name)
    except InputError as exc:
        return f"error: {exc}"
    if isinstance(value, pint.Quantity):
        return value.to(evaluator.rules[name].unit).magnitude
    return value


def assert_same(compiled: Evaluator, interpreted: Evaluator) -> int:
    """Every rule's outcome equal on both paths; the number of numeric values compared."""
    compared = 0
    for name in compiled.rules.rules:
        fast, slow = outcome(compiled, name), outcome(interpreted, name)
        if isinstance(slow, (str, bool)):
            assert fast == slow, name
        else:
            # atol: a difference of equal terms (provisioned.gpu_idle_energy = energy.gpu - the
            # busy part, when nothing idles) rounds to 0 on one path and 1e-20 on the other.
            np.testing.assert_allclose(fast, slow, rtol=RELATIVE, atol=1e-15, err_msg=name)
            compared += 1
    return compared


@pytest.mark.parametrize("path", STUDIES, ids=[p.stem for p in STUDIES])
def test_every_rule_of_every_example(path: Path) -> None:
    rules = load_model()
    interpreted = Interpreted(rules.rules, rules.uses, rules.used_by)
    compared = 0
    for unit in resolve(load_study(path), rules).units:
        overrides = unit.evaluator.overrides
        compared += assert_same(Evaluator(rules, overrides), Evaluator(interpreted, overrides))
    assert compared > 100  # the examples compute hundreds of values, not a handful


def test_samples_as_arrays() -> None:
    """Monte Carlo evaluates every rule on arrays of samples: the same on both paths."""
    rules = load_model()
    interpreted = Interpreted(rules.rules, rules.uses, rules.used_by)
    unit = resolve(load_study(EXAMPLES / "llama-3.1-405b.yaml"), rules).units[0]
    overrides = dict(unit.evaluator.overrides)
    # Three samples of the utilisation, as Monte Carlo draws them in the rule's unit.
    overrides["gpu.mfu"] = make_override(rules["gpu.mfu"], np.array([0.3, 0.38, 0.45]),
                                         Where("test"))
    compiled = Evaluator(rules, overrides)
    assert_same(compiled, Evaluator(interpreted, overrides))
    hours = compiled.magnitude("gpu.hours")
    assert np.shape(hours) == (3,)
    # GPU-hours are inversely proportional to the utilisation: 0.3 gives 1.5x the hours of 0.45.
    assert hours[0] / hours[2] == pytest.approx(1.5, rel=1e-12)


def test_conversion_factors_by_hand() -> None:
    """A sum is in its first term's unit, a product's unit is the product: 1 h + 30 min is
    1.5 h; 2 kW x 3 h is 6 kW·h (hand arithmetic)."""
    rules = load_model()
    total = compile_formula(parse_formula("1 h + 30 min", None), rules.rules)
    assert total.unit == ureg.hour and total.run(lambda name: None) == pytest.approx(1.5,
                                                                                    rel=1e-15)
    energy = compile_formula(parse_formula("2 kW * 3 h", None), rules.rules)
    assert Quantity(energy.run(lambda name: None), energy.unit).to("kWh").magnitude == \
        pytest.approx(6.0, rel=1e-15)
