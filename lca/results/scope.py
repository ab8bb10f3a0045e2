"""The results document's `goal_and_scope` (ISO 14044 4.2): the study's goal and scope as it
states them, each functional unit's boundary, the allocation rule and the impact categories."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lca.results.writer import Section


@dataclass(frozen=True)
class ShareEntry(Section):
    """A share of another functional unit a unit carries (`includes`): which, and how much per
    item (the study's formula)."""

    unit: str
    share: str


@dataclass(frozen=True)
class UnitScope(Section):
    """A functional unit as the goal and scope state it, and the life-cycle parts its results
    cover (`boundary`, a line each)."""

    name: str
    workload: str
    description: str
    quantity: str
    includes: list[ShareEntry]
    boundary: list[str]


@dataclass(frozen=True)
class ImpactCategory(Section):
    """An impact category of the study: its indicator, unit, meaning and source."""

    id: str
    name: str
    unit: str
    description: str
    source: str
    year: int
    licence: str


@dataclass(frozen=True)
class GoalAndScope(Section):
    """The study's goal and scope: `goal` and `scope` as the study file words them (its own
    keys), the allocation rule applied and its choices, the hardware and data centre, the
    functional units and the impact categories."""

    allocation_rule: str
    allocation_choices: list[str]
    file: str
    goal: dict[str, Any]
    scope: dict[str, Any]
    hardware: str | None
    datacenter: str | None
    functional_units: list[UnitScope]
    impact_categories: list[ImpactCategory]
