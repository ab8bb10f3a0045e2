"""The results document (contract.md): its parts, built from the scores (its text is
`lca.report.text`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lca.core.references import ReferenceRow
from lca.core.units import Quantity, conversion_factor, unit_named, unit_text
from lca.data.opendata import Indicator, Location
from lca.inventory.datasets import PARTS, Foreground
from lca.scoring.engine import STAGES, MarketShift, UnitScores
from lca.results.linked import LinkedBackground
from lca.results.rows import DataQualityRow, InputRow, InventoryRow
from lca.results.scope import GoalAndScope
from lca.results.writer import OPTIONAL, PLAIN, Section
from lca.study.file import Count

# The reference flows each functional unit reports: key -> (rule, unit).
QUANTITIES = {"flops": ("flops", "FLOP"), "gpu_hours": ("gpu.hours", "h"),
              "gpu_hours_charged": ("gpu.hours_charged", "h"),
              "energy_kwh": ("energy.facility", "kWh"), "it_energy_kwh": ("energy.it", "kWh"),
              "idle_and_infrastructure_kwh": ("energy.overhead", "kWh"),
              "water_on_site_m3": ("water.on_site", "m**3"),
              "server_share": ("allocation.server_share", "dimensionless"),
              "device_hours": ("device.hours", "h"), "device_kwh": ("device.energy", "kWh"),
              "network_gb": ("network.data_charged", "GB"),
              "network_kwh": ("network.energy", "kWh")}


def flow(evaluator: Any, key: str, count: float) -> Any:
    """A reference flow (a QUANTITIES key) of a unit that states `count` items: one item's (the
    rules describe one) times the count; the server share is a ratio, not a flow. A float, or an
    array when the rules were given arrays (Monte Carlo, sweep)."""
    rule, unit = QUANTITIES[key]
    magnitude, given_unit = evaluator.measure(rule)  # no quantity made: 12 flows per unit
    value = magnitude * conversion_factor(given_unit, unit_named(unit))
    return value if key == "server_share" else value * count


@dataclass(frozen=True)
class IndicatorEntry(Section):
    """An indicator as the document lists it: its name and the unit of its results."""

    name: str
    unit: str


@dataclass(frozen=True)
class FlowEntry(Section):
    """A reference flow the units report (a QUANTITIES key): the rule it reads, in which unit."""

    rule: str
    unit: str


@dataclass(frozen=True)
class LocationEntry(Section):
    """A location by its code and name (the study's, or a unit's own)."""

    code: str
    name: str


@dataclass(frozen=True)
class BrightwayBlock(Section):
    """Where the results were written and solved: the project, its databases (dependencies
    first) and the methods, as Brightway names them."""

    project: str
    databases: list[str]
    methods: list[list[str]]


Cells = dict[str, dict[str, float]]  # stage -> component -> value


@dataclass(frozen=True)
class Impact(Section):
    """One indicator's result for a unit: total, by stage, by component and both; `includes`
    the shares of other units (training amortised), only when there are any."""

    total: float
    by_stage: dict[str, float]
    by_component: dict[str, float]
    by_stage_and_component: Cells
    includes: dict[str, float] | None = field(default=None, metadata=OPTIONAL)


@dataclass(frozen=True)
class MissingEntry(Section):
    """Data a unit lacks for an indicator: the dataset, why, and where it would have counted."""

    dataset: str
    reason: str
    stage: str
    components: list[str]


@dataclass(frozen=True)
class Stated(Section):
    """What a unit counts (`quantity: 4 images`): its flows and impacts are for all of them."""

    amount: float
    of: str


@dataclass(frozen=True)
class PerItem(Section):
    """A unit's flows (the server share, a ratio, is None) and impact totals for one item."""

    quantities: dict[str, float | None]
    impacts: dict[str, float]


@dataclass(frozen=True)
class MarketFactor(Section):
    """A unit's market-based electricity factor beside its location-based one, with its source."""

    functional_unit: str
    unit: str
    market_based: float
    location_based: float
    source: str
    where: str


@dataclass(frozen=True)
class MarketBased(Section):
    """Climate change on the market-based basis, laid out as the location-based impact; every
    figure None when a unit it draws electricity from gives no market-based factor (`lacking`)."""

    indicator: str
    basis: str
    factors: list[MarketFactor]
    lacking: list[str]
    total: float | None
    by_stage: dict[str, float] | None
    by_component: dict[str, float] | None
    by_stage_and_component: Cells | None
    includes: dict[str, float]


@dataclass(frozen=True)
class Unused(Section):
    """A value the study or the command line gave that no functional unit read, and where."""

    rule: str
    where: str


@dataclass(frozen=True)
class Plausibility(Section):
    """An image or video unit's GPU time per item against the measured range."""

    functional_unit: str
    status: str
    gpu_seconds: float
    low_s: float
    high_s: float


@dataclass(kw_only=True)
class UnitResult(Section):
    """One functional unit of the results document: its flows and impacts are for the quantity
    it states (`quantity`); `per_item` gives them for one item alongside. `hardware`, `inputs`
    and `inventory` say what the results rest on (`assess._add_provenance`)."""

    name: str
    workload: str
    quantities: dict[str, float | None]
    impacts: dict[str, Impact]
    missing: dict[str, list[MissingEntry]]
    quantity: Stated | None = field(default=None, metadata=OPTIONAL)
    per_item: PerItem | None = field(default=None, metadata=OPTIONAL)
    location: LocationEntry | None = None
    market_based: MarketBased | None = None
    hardware: str | None = None
    inputs: list[InputRow] = field(default_factory=list, metadata=PLAIN)
    inventory: list[InventoryRow] = field(default_factory=list, metadata=PLAIN)


def impact(total: float, parts: dict[tuple[str, str], float], includes: dict[str, float]
           ) -> Impact:
    """One indicator's result from its (part, stage) cells."""
    return Impact(total, {s: sum(parts[(p, s)] for p in PARTS) for s in STAGES},
                  {p: sum(parts[(p, s)] for s in STAGES) for p in PARTS},
                  {s: {p: parts[(p, s)] for p in PARTS} for s in STAGES}, includes or None)


def unit_result(name: str, workload: str, quantities: dict[str, float | None],
                scores: UnitScores, foreground: Foreground,
                indicators: dict[str, Indicator], methods: dict[str, tuple[str, str]],
                location: Location | None, market: dict[str, MarketFactor],
                count: Count = Count()) -> UnitResult:
    """One functional unit's results from its scores; `market` has each unit's market-based
    factor (`assess.market_factors`)."""
    impacts = {ind: impact(scores.total[method], scores.parts[method], scores.includes[method])
               for ind, method in methods.items()}
    missing: dict[str, list[MissingEntry]] = {i: [] for i in indicators}
    for item in foreground.missing:
        entry = MissingEntry(item.dataset, item.reason, item.stage, list(item.parts))
        if entry not in missing[item.indicator]:
            missing[item.indicator].append(entry)
    stated, per_item = None, None
    if count.of:
        stated = Stated(count.amount, count.of)
        per_item = PerItem(
            {k: None if v is None or k == "server_share" else v / count.amount
             for k, v in quantities.items()},
            {ind: impacts[ind].total / count.amount for ind in impacts})
    return UnitResult(name=name, workload=workload, quantities=quantities, impacts=impacts,
                      missing=missing, quantity=stated, per_item=per_item,
                      location=location_entry(location),
                      market_based=market_based(scores.market, impacts["gwp"], market))


MARKET_BASIS = ("GHG Protocol Scope 2 Guidance (WRI and WBCSD, 2015): market-based climate change "
                "beside the location-based one; primary energy, water and ADPe stay location-based")


def market_based(shift: MarketShift | None, location: Impact,
                 factors: dict[str, MarketFactor]) -> MarketBased | None:
    """Climate change on the market-based basis, laid out as the location-based `location`
    (total, by stage, by component), with the factors used; None when no factor is given.

    When the unit draws electricity of a unit that gives no market-based factor, the figures are
    None and `lacking` names those units: a total that mixed the two bases would pass for one.
    """
    if shift is None:
        return None
    used, lacking = [factors[name] for name in shift.units], list(shift.lacking)
    if shift.lacking:
        return MarketBased("gwp", MARKET_BASIS, used, lacking, None, None, None, None, {})
    cells = {s: {p: location.by_stage_and_component[s][p] + shift.parts.get((p, s), 0.0)
                 for p in PARTS} for s in STAGES}
    return MarketBased(
        "gwp", MARKET_BASIS, used, lacking, location.total + shift.total,
        {s: sum(cells[s].values()) for s in STAGES},
        {p: sum(cells[s][p] for s in STAGES) for p in PARTS}, cells,
        {name: value + shift.includes.get(name, 0.0)
         for name, value in (location.includes or {}).items()})


def location_entry(location: Location | None) -> LocationEntry | None:
    """A location as the results document gives it."""
    return LocationEntry(location.code, location.name) if location else None


@dataclass(frozen=True)
class ComparisonRow(Section):
    """One functional unit and indicator of a comparison: a value per column (None where the
    column has no such unit, or no market-based figure), which are incomplete, and for the
    allocation rules each column's server share."""

    functional_unit: str
    indicator: str
    indicator_name: str
    unit: str
    values: dict[str, float | None]
    incomplete: dict[str, bool]
    server_share: dict[str, float] | None = field(default=None, metadata=OPTIONAL)


@dataclass(frozen=True)
class Difference(Section):
    """An input that differs between scenarios for one functional unit: its value in each."""

    functional_unit: str
    rule: str
    values: dict[str, str | None]


@dataclass(frozen=True)
class ScenarioStudy(Section):
    """A scenario's study file and title."""

    file: str
    title: str


@dataclass(frozen=True)
class Comparison(Section):
    """Side by side (`allocation_comparison`, `scenario_comparison`): columns and rows; the
    scenarios' studies and differing inputs for a scenario comparison."""

    columns: list[str]
    rows: list[ComparisonRow]
    studies: dict[str, ScenarioStudy] | None = field(default=None, metadata=OPTIONAL)
    differences: list[Difference] | None = field(default=None, metadata=OPTIONAL)


@dataclass(frozen=True)
class SampledRule(Section):
    """A rule Monte Carlo samples for a unit: its distribution and the distribution's source."""

    rule: str
    distribution: str
    source: str


@dataclass(frozen=True)
class FixedRule(Section):
    """A rule with a distribution held at the value given (the study's, a preset's), and where."""

    rule: str
    where: str


@dataclass(frozen=True)
class Statistics(Section):
    """One result's samples: beside the deterministic value, mean, 2.5 %, median, 97.5 % and
    standard deviation; `incomplete` when data are missing for the indicator."""

    deterministic: float
    mean: float
    p2_5: float
    median: float
    p97_5: float
    sd: float
    incomplete: bool


@dataclass(frozen=True)
class Swing(Section):
    """A tornado row: one rule at its low and high percentiles, every other at its value."""

    rule: str
    low_value: float
    high_value: float
    unit: str
    score_low: float
    score_high: float
    swing: float
    score_deterministic: float


@dataclass(frozen=True)
class SobolIndex(Section):
    """A rule's first-order (S1) and total (ST) Sobol' indices with their confidence
    half-widths; `note` says why they are 0 when the result does not vary."""

    rule: str
    S1: float
    S1_conf: float
    ST: float
    ST_conf: float
    note: str | None


@dataclass(frozen=True)
class UncertainUnit(Section):
    """A unit's Monte Carlo: the rules sampled and held, the statistics per indicator; then the
    tornado swings and Sobol' indices per indicator once the sensitivity is added."""

    functional_unit: str
    sampled: list[SampledRule]
    fixed: list[FixedRule]
    indicators: dict[str, Statistics]
    tornado: dict[str, list[Swing]] | None = field(default=None, metadata=OPTIONAL)
    sobol: dict[str, list[SobolIndex]] | None = field(default=None, metadata=OPTIONAL)


@dataclass(frozen=True)
class SobolDesign(Section):
    """How the Sobol' indices were computed: base points, seed, evaluations and the method."""

    base_points: int
    seed: int
    evaluations: int
    method: str


@dataclass(frozen=True)
class Sensitivity(Section):
    """The percentiles the tornado swings each rule to, and the Sobol' design."""

    tornado_percentiles: list[float]
    sobol: SobolDesign


@dataclass(frozen=True)
class Uncertainty(Section):
    """The `uncertainty` section: iterations and seed, each unit's statistics, then (once
    added) how the sensitivity was computed."""

    iterations: int
    seed: int
    functional_units: list[UncertainUnit]
    sensitivity: Sensitivity | None = field(default=None, metadata=OPTIONAL)


@dataclass(kw_only=True)
class Results(Section):
    """The results document of a study (contract.md, docs/results.schema.json), typed: built by
    `document`, completed by `assess.results` (what the results rest on), by
    `allocation_results` (`allocation_comparison`) and by `uncertainty`; written by `to_json`
    alone, its keys in the contract's order, the optional sections only when present."""

    study: str
    allocation: str
    location: LocationEntry | None
    indicators: dict[str, IndicatorEntry]
    quantities: dict[str, FlowEntry]
    functional_units: list[UnitResult]
    brightway: BrightwayBlock | None  # None for an allocation variant scored in memory
    unused_inputs: list[Unused] = field(default_factory=list)
    plausibility: list[Plausibility] = field(default_factory=list)
    goal_and_scope: GoalAndScope | None = None  # None for a variant scored in memory
    data_quality: list[DataQualityRow] = field(default_factory=list, metadata=PLAIN)
    references: list[ReferenceRow] = field(default_factory=list, metadata=PLAIN)
    background: LinkedBackground | None = field(default=None, metadata=OPTIONAL)
    allocation_comparison: Comparison | None = field(default=None, metadata=OPTIONAL)
    uncertainty: Uncertainty | None = field(default=None, metadata=OPTIONAL)


def document(title: str, allocation: str, location: Location | None,
             indicators: dict[str, Indicator], units: list[UnitResult],
             brightway: BrightwayBlock | None) -> Results:
    """The results of a study from its units' results, before `assess.results` completes them
    (what was given but not read, plausibility, what the results rest on, a linked
    background)."""
    return Results(
        study=title, allocation=allocation, location=location_entry(location),
        indicators={i.id: IndicatorEntry(i.name, i.unit) for i in indicators.values()},
        quantities={k: FlowEntry(rule, unit_text(Quantity(1, unit).units))
                    for k, (rule, unit) in QUANTITIES.items()},
        functional_units=units, brightway=brightway)
