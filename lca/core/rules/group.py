"""Functional units that differ only in numbers, evaluated together as arrays.

A study of 1,000 inference units that differ by their token counts evaluates the same rules,
through the same branches, 1,000 times. Units with the same shape (the same rule set, the same
rules given, each text value the same, each quantity given in the same unit) are stacked into one
evaluator whose differing inputs are arrays: the compiled formulas take arrays as they are
(`lca.core.rules.compiled`), and a value all the units share stays one number. The work (the
foreground builder) runs once on that evaluator, under `interpret.uniform`, so that it reads the
rules each unit's own evaluation would read, in the same order; each unit then adopts its element
of every value (`Evaluator.adopt`), and its own evaluation finds them computed.

Where the units part ways (a condition that holds for some and not others) or anything goes
wrong (a value out of bounds for one of them), nothing is adopted: each unit is evaluated on its
own, as before, and reports its own error. tests/test_group.py compares both paths.
"""

from __future__ import annotations

from operator import itemgetter
from typing import Any, Callable, Hashable, TypeVar

import numpy as np
import pint

from lca.core.provenance import Given
from lca.core.rules.evaluate import Evaluator, quiet
from lca.core.rules.interpret import uniform
from lca.core.units import Quantity

T = TypeVar("T")


def shape(evaluator: Evaluator) -> Hashable | None:
    """What units evaluated together must share: the rule set, the rules given, each text value
    and each quantity's unit; None for an evaluator given arrays already (Monte Carlo)."""
    given = []
    for name, override in evaluator.overrides.items():
        read = evaluator.given_unit(name)
        if read is None:
            given.append((name, override.value))
        elif isinstance(read[0], np.ndarray):
            return None
        else:
            # The unit object as read once per value (`Evaluator.given_unit`): the units of a
            # study share most values, and the same object compares without pint.
            given.append((name, read[1]))
    return id(evaluator.rules), tuple(sorted(given, key=itemgetter(0)))


def stacked(members: list[Evaluator]) -> Evaluator:
    """One evaluator for units of one shape: each quantity that differs between them an array
    of theirs (in the unit they share), each other value the first unit's."""
    first = members[0]
    overrides: dict[str, Given] = {}
    for name, override in first.overrides.items():
        value = override.value
        if isinstance(value, pint.Quantity):
            given = [m.overrides[name].value for m in members]
            # Most values are one object that all share (the study's): equal without a look.
            magnitudes = ([] if all(v is value for v in given)
                          else [v.magnitude for v in given])
            if any(x != magnitudes[0] for x in magnitudes):
                override = Given(Quantity(np.array(magnitudes, dtype=float), value.units),
                                 override.provenance)
        overrides[name] = override
    return Evaluator(first.rules, overrides)


def together(members: list[Evaluator], work: Callable[[Evaluator], T]) -> T | None:
    """Run `work` once on the members stacked, have each adopt its values and return what the
    work gave (not None); None (and the members untouched) where their evaluations part ways or
    the work fails for any of them."""
    group = stacked(members)
    try:
        with uniform(), quiet():
            done = work(group)
    except Exception:  # noqa: BLE001 (whatever it is, each unit's own evaluation meets it)
        return None
    for index, member in enumerate(members):
        member.adopt(group, index)
    return done
