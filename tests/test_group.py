"""Units evaluated together as arrays (lca/core/rules/group.py) against each unit on its own.

One study of 19 functional units: inference units that differ in numbers only (tokens, batch
size, the grid of Germany for one), units that differ from them by a text value (a device in the
scope, another precision) and so fall into groups of their own, a group whose units part ways in
a condition (output tokens 0 and not 0: model/serving.yaml's `inference.output_tokens > 0`),
which must fall back to each unit's own evaluation, and units on their own (the training, a US
state's grid). Prepared twice, with the grouping and
without it, everything the results are built from must be the same: each unit's rules in the
order evaluated, what each used, every value (numbers within 1e-12 relative), the foreground
datasets and their amounts, the reference flows and the provenance rows.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

import lca.core.rules.group as group
import lca.inventory.datasets as datasets
from lca.assess import Prepared, prepare
from lca.results import sections

SHARE = [{"unit": "training", "share": "inference.output_tokens / 1e15"}]


def _inference(name: str, **inputs: Any) -> dict[str, Any]:
    return {"name": name, "workload": "inference", "inputs": inputs, "includes": SHARE}


def _study(path: Path) -> Path:
    units = [{"name": "training", "workload": "training",
              "inputs": {"training.tokens": 15e12, "gpu.count": 16384}}]
    # Numbers only: one group.
    units += [_inference(f"tokens {n:g}", **{"inference.output_tokens": n,
                                             "inference.batch_size": b})
              for n, b in ((1e3, 1), (2.5e4, 8), (1e6, 64), (3e7, 256), (7e5, 1024))]
    # A grid of its own: Germany's factors join the group as arrays; a US state's data lack
    # primary energy (inventories/README.md), so its unit has another shape and stays alone.
    units += [_inference(f"tokens {code}", **{"inference.output_tokens": n,
                                              "inference.batch_size": 4}) | {"location": code}
              for code, n in (("DE", 3e5), ("US-CA", 4e5))]
    # A text value apart (a laptop in the scope): a group of its own, with its own numbers.
    units += [_inference(f"laptop {t}", **{"inference.output_tokens": 1e5 * t,
                                           "inference.batch_size": 16, "device.kind": "laptop",
                                           "device.time": f"{t} s"})
              for t in (10, 30, 300, 5)]
    # Another precision: a group of its own.
    units += [_inference(f"fp8 {n:g}", **{"inference.output_tokens": n,
                                          "inference.batch_size": 32,
                                          "compute.precision": "fp8"})
              for n in (4e4, 9e6, 123456)]
    # Output tokens 0 takes another variation than the others: the group parts ways.
    units += [_inference(f"prompt {i}", **{"inference.output_tokens": n,
                                           "inference.input_tokens": 2000})
              for i, n in enumerate((0, 5e5, 0, 80))]
    path.write_text(yaml.safe_dump({
        "study": "grouped evaluation", "location": "FR", "hardware": "dgx-h100",
        "inputs": {"model.parameters": 70e9, "inference.input_tokens": 100},
        "functional_units": units}), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory) -> tuple[Prepared, Prepared, list[tuple]]:
    """The study prepared with the grouping (and what each group did), and without it."""
    path = _study(tmp_path_factory.mktemp("group") / "study.yaml")
    outcomes: list[tuple[int, bool]] = []

    def recorded(members: list, work: Any) -> Any:
        done = group.together(members, work)
        outcomes.append((len(members), done is not None))
        return done

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(datasets, "together", recorded)
        grouped = prepare(path)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(datasets, "_together", lambda *args: {})
        alone = prepare(path)
    return grouped, alone, outcomes


def _same(a: Any, b: Any, where: str) -> None:
    """Equal structures; numbers (and arrays of them) within 1e-12 relative."""
    if isinstance(a, dict):
        assert isinstance(b, dict) and list(a) == list(b), where
        for key in a:
            _same(a[key], b[key], f"{where}/{key}")
    elif isinstance(a, (list, tuple)):
        assert isinstance(b, (list, tuple)) and len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            _same(x, y, f"{where}[{i}]")
    elif isinstance(a, (float, np.floating)) and not isinstance(a, bool):
        assert math.isclose(a, b, rel_tol=1e-12, abs_tol=0.0), f"{where}: {a!r} != {b!r}"
    elif isinstance(a, np.ndarray):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=0.0, err_msg=where)
    else:
        assert a == b, f"{where}: {a!r} != {b!r}"


def test_groups_form_and_one_falls_back(both) -> None:
    _, _, outcomes = both
    # The token (with Germany), laptop and fp8 groups are evaluated together; the prompt group
    # parts ways.
    assert sorted(outcomes) == [(3, True), (4, False), (4, True), (6, True)]


def test_each_unit_evaluates_the_same_rules_in_the_same_order(both) -> None:
    grouped, alone, _ = both
    for (unit, ev), (_, own) in zip(grouped.pairs, alone.pairs, strict=True):
        assert ev.evaluated() == own.evaluated(), unit.name
        for name in own.evaluated():
            assert ev.used(name) == own.used(name), (unit.name, name)
            _same(ev.magnitude(name), own.magnitude(name), f"{unit.name}/{name}")


def test_the_foregrounds_and_flows_are_the_same(both) -> None:
    grouped, alone, _ = both
    for mine, theirs in zip(grouped.foregrounds, alone.foregrounds, strict=True):
        _same(mine.activities, theirs.activities, mine.unit[1])
        _same(mine.includes, theirs.includes, mine.unit[1])
        assert mine.missing == theirs.missing
        _same(mine.market_shift, theirs.market_shift, mine.unit[1])
    _same(grouped.quantities, alone.quantities, "quantities")
    # The units differ (but prompts 0 and 2, both without output tokens): the groups held
    # arrays, not one value for all.
    gpu_hours = {q["gpu_hours"] for q in grouped.quantities}
    assert len(gpu_hours) == len(grouped.quantities) - 1


def test_the_provenance_rows_are_the_same(both) -> None:
    grouped, alone, _ = both
    for (unit, ev), (_, own) in zip(grouped.pairs, alone.pairs, strict=True):
        _same(sections.inputs_used(ev), sections.inputs_used(own), unit.name)


@pytest.fixture(scope="module")
def filled(tmp_path_factory: pytest.TempPathFactory) -> tuple[Prepared, Prepared, list[str]]:
    """The study prepared with the grouping, recording the units filled from their group's
    draft, and without the grouping."""
    path = _study(tmp_path_factory.mktemp("draft") / "study.yaml")
    drafted: list[str] = []

    def fill(draft: Any, database: str, unit: Any, location: Any, index: Any) -> Any:
        if index is not None:
            drafted.append(unit.name)
        return original(draft, database, unit, location, index)

    original = datasets._fill
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(datasets, "_fill", fill)
        grouped = prepare(path)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(datasets, "_together", lambda *args: {})
        alone = prepare(path)
    return grouped, alone, drafted


def test_a_group_fills_its_units_from_one_draft_bit_for_bit(filled) -> None:
    grouped, alone, drafted = filled
    # The laptop (4) and fp8 (3) groups are built once each and filled per unit. The token
    # group holds Germany's grid as well as France's: the draft's published grid (France's) is
    # not each unit's, so each of them builds its own; the prompt group parts ways.
    assert drafted == [*(f"laptop {t}" for t in (10, 30, 300, 5)),
                       *(f"fp8 {n:g}" for n in (4e4, 9e6, 123456))]
    for mine, theirs in zip(grouped.foregrounds, alone.foregrounds, strict=True):
        # Exactly the unit's own build: same keys, names, order and every bit of the amounts.
        assert mine == theirs, mine.unit[1]
        assert list(mine.activities) == list(theirs.activities)
    assert grouped.quantities == alone.quantities
