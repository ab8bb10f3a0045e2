"""OpenFisca-style rule tests: each YAML case gives a situation and expected values with a tolerance.

The expected numbers come from the method note or from hand arithmetic written next to them in
tests/rules/*.yaml.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from lca.core.errors import Where
from lca.core.provenance import Origin, given
from lca.core.rules.evaluate import Evaluator, make_override
from lca.core.units import parse_quantity
from lca.core.yamlsource import read_yaml
from lca.data.catalog import HardwareChoice, select_hardware

CASES_DIR = Path(__file__).parent / "rules"


def _cases() -> list[tuple[str, dict]]:
    out = []
    for path in sorted(CASES_DIR.glob("*.yaml")):
        for case in read_yaml(path).data:
            out.append((f"{path.stem}: {case['name']}", case))
    return out


@pytest.mark.parametrize("case", [c for _, c in _cases()], ids=[i for i, _ in _cases()])
def test_rule_case(model, case: dict) -> None:
    assert case.get("source"), "every case says where its numbers come from"
    overrides = {}
    if "hardware" in case:
        server = given(case["hardware"], Where("test", key="hardware"), Origin.STUDY)
        for rule, value in select_hardware(HardwareChoice(server, None)).values.items():
            overrides[rule] = make_override(model[rule], value.value, value.provenance)
    for name, raw in case["situation"].items():
        overrides[name] = make_override(model[name], raw, Where("test", key=name))
    evaluator = Evaluator(model, overrides)
    tolerance = float(case["tolerance"])
    for name, raw in case["expected"].items():
        rule = model[name]
        # The rule's unit says how `1 B` reads: a byte here, a billion for a count.
        expected = parse_quantity(raw, Where("test", key=name), expected=rule.unit).to(rule.unit)
        got = evaluator.value(name)
        assert got.units == rule.unit
        assert got.magnitude == pytest.approx(expected.magnitude, rel=tolerance), name
