"""The results document's `background` block: the study scored over your own background
(`lca.scoring.linked`), by method, with what was linked to what and what was left out."""

from __future__ import annotations

from dataclasses import dataclass, field

from lca.brightway.linking import LinkRow
from lca.inventory.datasets import PARTS
from lca.results.writer import PLAIN, Section
from lca.scoring.engine import STAGES
from lca.scoring.linked import LinkedScores


@dataclass(frozen=True)
class LinkedImpact(Section):
    """One method's result for a unit over your background: total, by stage, by component, and
    the shares of other units it includes."""

    method: list[str]
    unit: str
    total: float
    by_stage: dict[str, float]
    by_component: dict[str, float]
    includes: dict[str, float]


@dataclass(frozen=True)
class NotLinked(Section):
    """An indicator flow of the unit's foreground that the mapping does not link (left out)."""

    activity: str
    flow: str
    amount: float
    rule: str


@dataclass(frozen=True)
class LinkedUnitResult(Section):
    """A functional unit's results over your background, and the flows left out of them."""

    name: str
    impacts: list[LinkedImpact]
    not_linked: list[NotLinked]


@dataclass(frozen=True)
class LinkedMethod(Section):
    """A method of your project, as Brightway names it, and the unit of its scores."""

    name: list[str]
    unit: str


@dataclass(frozen=True)
class LinkedBackground(Section):
    """Where the study was linked (your project and database, the mapping file, the linked
    database written there), the methods, each mapping entry's link and each unit's results."""

    project: str
    database: str
    mapping: str
    linked_database: str
    methods: list[LinkedMethod]
    links: list[LinkRow] = field(metadata=PLAIN)
    functional_units: list[LinkedUnitResult]


def background_block(linked: LinkedScores) -> LinkedBackground:
    """The `background` block of the study scored over your background."""
    resolved = linked.resolved
    methods = list(resolved.methods)
    units = []
    for unit in linked.units:
        impacts = []
        for method in methods:
            parts = unit.scores.parts[method]
            impacts.append(LinkedImpact(
                list(method), resolved.methods[method], unit.scores.total[method],
                {s: sum(parts[(p, s)] for p in PARTS) for s in STAGES},
                {p: sum(parts[(p, s)] for s in STAGES) for p in PARTS},
                unit.scores.includes[method]))
        gaps = [NotLinked(item.activity, item.flow, item.amount, item.rule)
                for item in unit.left_out]
        units.append(LinkedUnitResult(unit.name, impacts, gaps))
    link = resolved.mapping.link
    return LinkedBackground(link.project.value, link.database.value, resolved.mapping.file,
                            resolved.linked, [LinkedMethod(list(m), u)
                                              for m, u in resolved.methods.items()],
                            resolved.described, units)
