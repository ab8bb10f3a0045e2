"""The study scored over your own background (`background:` in the study): the foreground linked
to your activities (`lca.brightway.linking`), written into your project, and computed with your
project's LCIA methods by the one scoring engine, Brightway's totals as the cross-check. The
document's block of them is `lca.results.linked`'s."""

from __future__ import annotations

from dataclasses import dataclass

from lca.brightway.linking import LeftOut, Resolved, write_linked
from lca.inventory.datasets import Foreground
from lca.scoring import crosscheck
from lca.scoring.background import from_brightway
from lca.scoring.engine import UnitScores, calculate


@dataclass(frozen=True)
class LinkedUnit:
    """A functional unit scored over your background: its scores by method, and the flows of
    its foreground the mapping left out."""

    name: str
    scores: UnitScores
    left_out: list[LeftOut]


@dataclass(frozen=True)
class LinkedScores:
    """The study scored over your background (`assess_linked`): what it was linked to, and each
    unit's scores."""

    resolved: Resolved
    units: list[LinkedUnit]


def assess_linked(resolved: Resolved, foregrounds: list[Foreground]) -> LinkedScores:
    """Write the linked foreground into your project and compute every method of it."""
    linked, left_out = write_linked(resolved, foregrounds)
    written = from_brightway(linked[0].unit, list(resolved.methods))
    scores = calculate(linked, written, stored=True)
    crosscheck.check(linked, scores, written)
    return LinkedScores(resolved, [
        LinkedUnit(name, score, [item for item in left_out if item.functional_unit == fg.unit[1]])
        for name, fg, score in zip(resolved.owner.units, linked, scores, strict=True)])
