"""The engine's results against Brightway's own solve of the foreground as written.

`background.from_brightway`, asked for the scores of the databases a functional unit depends
on, solves the whole written project, foreground included: one factorisation, one transposed
solve per method, which gives the total of every functional unit at once. The engine reads
only the background's scores from it, and each unit's total it computes must equal the one
Brightway solved.
"""

from __future__ import annotations

import numpy as np

from lca.inventory.datasets import Foreground
from lca.scoring.background import Background
from lca.scoring.engine import UnitScores

#: bw2data 3 stores exchange amounts in single precision, about 6e-8 relative each, and a
#: unit's score goes through a few of them: 1e-6 relative bounds what storage explains.
RTOL = 1e-6


class CrossCheckError(AssertionError):
    """The engine and Brightway disagree: a bug, never the user's input."""


def check(foregrounds: list[Foreground], scores: list[UnitScores], written: Background) -> None:
    """Raise CrossCheckError unless every unit's total per method is the one Brightway solved."""
    for fg, unit in zip(foregrounds, scores, strict=True):
        expected = written.score(fg.unit)
        got = np.array([unit.total[m] for m in written.methods])
        if not np.allclose(got, expected, rtol=RTOL, atol=1e-12):
            raise CrossCheckError(f"the scoring engine gives {got} for {fg.unit}, and "
                                  f"Brightway's solve of the written foreground {expected}")
