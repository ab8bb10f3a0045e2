"""The pipeline of every command: resolve -> build -> score -> results -> publish (`Pipeline`).

`prepare` (resolve, then build) is pure; `Pipeline.score` is the one step that writes Brightway
and solves it, in the pipeline's project handle; `results` assembles the typed document."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lca.brightway import linking
from lca.brightway import project as bw
from lca.brightway.handle import Project
from lca.core.errors import InputError, Where
from lca.core.pause import collection_paused
from lca.core.provenance import CHOSEN
from lca.core.references import cited, citation_or_none
from lca.core.rules.evaluate import Evaluator
from lca.core.rules.explain import citations
from lca.core.rules.ruleset import RuleSet
from lca.data.opendata import INDICATORS, Indicator, Location, load_indicators
from lca.inventory.datasets import (BACKGROUND, BIOSPHERE, Foreground, Key, background_datasets,
                                    biosphere_datasets, foreground_datasets)
from lca.results import sections as provenance
from lca.results.linked import background_block
from lca.results.document import (QUANTITIES, BrightwayBlock, MarketFactor, Plausibility, Results,
                                 Unused, document, flow, unit_result)
from lca.scoring import crosscheck
from lca.scoring.background import Background, from_brightway
from lca.scoring.engine import UnitScores, calculate
from lca.scoring.linked import LinkedScores, assess_linked
from lca.study.file import FunctionalUnit, Study, load_study
from lca.study.measured import check_landed
from lca.study.resolve import ResolvedStudy, resolve
from lca.study.situation import Setting, load_model


def foreground_name(title: str) -> str:
    return bw.FOREGROUND_PREFIX + title


def _flows(evaluator: Evaluator, count: float = 1.0) -> dict[str, Any]:
    """The reference flows of one item (the rules' workload) times the unit's quantity: numbers,
    or arrays over a group of units evaluated together (`foreground_datasets`' `then`)."""
    out: dict[str, Any] = {}
    for key, (rule, _) in QUANTITIES.items():
        if rule == "flops" and evaluator.value("workload") in ("gpu_hours", "measured", "provisioned"):
            out[key] = None  # known GPU time: no FLOPs were computed
            continue
        out[key] = flow(evaluator, key, count)
    return out


def _quantities(evaluator: Evaluator, count: float = 1.0) -> dict[str, float | None]:
    """The reference flows of one unit, as floats."""
    return {key: None if value is None else float(value)
            for key, value in _flows(evaluator, count).items()}


@dataclass
class Prepared:
    """A study checked and computed down to its Brightway datasets, before Brightway is touched."""

    study: Study
    pairs: list[tuple[FunctionalUnit, Evaluator]]
    location: Location | None
    locations: list[Location | None]  # each unit's: its own, else the study's
    foregrounds: list[Foreground]
    background: dict[Key, dict[str, Any]]
    quantities: list[dict[str, float | None]]
    resolved: ResolvedStudy  # what the study's names resolved to, once
    mapping: linking.Mapping | None = None  # the study's own background (`background:`)

    @property
    def allocation(self) -> str:
        return str(self.pairs[0][1].value("allocation"))


@collection_paused()  # millions of live objects, no garbage: lca/core/pause.py
def prepare(study: Path | str | Study, settings: Sequence[Setting] = (),
            model_dir: Path | None = None, rules: RuleSet | None = None) -> Prepared:
    """The first two steps of the pipeline on a study (a file, or one already read): `resolve`
    (lca.study.resolve), then `build`; raises InputError, writes nothing."""
    rules = rules or load_model(model_dir)
    study = study if isinstance(study, Study) else load_study(study)
    return build(resolve(study, rules, list(settings)))


def build(resolved: ResolvedStudy) -> Prepared:
    """Check what the resolved study says and compute every amount, down to the Brightway
    datasets; raises InputError, writes nothing."""
    study, pairs = resolved.study, resolved.pairs
    for unit, evaluator in pairs:
        check_landed(unit.name, evaluator, unit.workload.where)
        if not any(f"electricity.{i}" in evaluator.overrides for i in INDICATORS):
            raise InputError(f"functional unit '{unit.name}' has no electricity factor: give the "
                             f"study (or the unit) a `location` (e.g. USA, FR, US-CA, world), or "
                             f"inputs electricity.gwp, .pe, .water, .adpe",
                             Where(study.file, 1, "location"))
    data = resolved.data
    locations = [u.location for u in resolved.units]
    background = background_datasets(data.locations, data.datasets)
    # The reference flows' rules are evaluated with each group of units, after its foreground.
    foregrounds = foreground_datasets(foreground_name(study.title), pairs, locations, background,
                                      then=_flows)
    mapping = None
    if study.background is not None:
        mapping = linking.load_mapping(study.background, data.datasets, load_indicators())
        linking.check_foregrounds(mapping, foregrounds, background)
    return Prepared(study, pairs, resolved.location, locations, foregrounds, background,
                    [_quantities(e, u.quantity.amount) for u, e in pairs], resolved, mapping)


@dataclass(frozen=True)
class Scored:
    """A study written to Brightway once and scored: its results, and the scores Brightway solved
    (background and written foreground) over which its variants (`Pipeline.variant`), Monte Carlo
    samples and sensitivity points are scored in memory, with no second solve."""

    results: Results
    background: Background


@dataclass(frozen=True)
class Pipeline:
    """One run of the tool, as explicit steps: `prepare` (resolve the study's names and values
    once, then `build` every amount and the Brightway datasets, checked; nothing written),
    `score` (Brightway written once and solved once, in `project`; then `results`, the typed
    document of the scores), `variant` (another allocation scored in memory) and `publish` (the
    files of `--out`). Every command is a short composition of these steps; only `score`,
    `background` and `publish` touch Brightway, and only through the `project` handle."""

    project: Project
    rules: RuleSet

    @classmethod
    def of(cls, project: Project, model_dir: Path | None = None) -> Pipeline:
        """The pipeline of a project handle (`--project`) and a rules folder (`--model`)."""
        return cls(project, load_model(model_dir))

    def prepare(self, study: Path | str | Study, settings: Sequence[Setting] = ()) -> Prepared:
        """`resolve`, then `build` (`prepare`) with this pipeline's rules: writes nothing."""
        return prepare(study, settings, rules=self.rules)

    @collection_paused()
    def score(self, prepared: Prepared) -> Scored:
        """Write the prepared datasets to Brightway (only what the tool owns), solve the project
        once and score the study over it; then its `results`."""
        study, foregrounds = prepared.study, prepared.foregrounds
        indicators = load_indicators()
        database = foreground_name(study.title)
        # The study is its title: a copied or moved study file writes the same foreground.
        owner = bw.Owner("study foreground", str(Path(study.file).resolve()),
                         tuple(unit.name for unit, _ in prepared.pairs))
        methods = [bw.method_name(ind) for ind in indicators.values()]
        with linking.session(prepared.mapping):
            # The practitioner's project is checked (read only) before anything is written
            # anywhere, and stays locked until the linked foreground is written there, at the end.
            resolved = (linking.resolve(prepared.mapping, study.title, owner) if prepared.mapping
                        else None)
            with self.project.session():
                self.project.use()
                bw.check_owned(database, owner)
                bw.write_open_data(indicators, prepared.background)
                activities = {k: v for fg in foregrounds for k, v in fg.activities.items()}
                bw.write_owned(database, activities, owner.role, owner, searchable=False)
                # One solve of the written project gives the background's scores and, to check
                # the engine against, every unit's total.
                written = from_brightway(foregrounds[0].unit, methods)
                scores = calculate(foregrounds, written, stored=True)
                crosscheck.check(foregrounds, scores, written)
            linked = assess_linked(resolved, foregrounds) if resolved else None
        written_to = BrightwayBlock(self.project.name, [BIOSPHERE, BACKGROUND, database],
                                    [list(m) for m in methods])
        return Scored(results(prepared, scores, written_to, linked), written)

    @staticmethod
    def variant(prepared: Prepared, background: Background) -> Results:
        """The results of a variant of a study (another allocation) scored in memory over the
        background of the one `score` wrote: impacts and flows, nothing written, no
        provenance; its `brightway` block is None."""
        return _document(prepared, calculate(prepared.foregrounds, background, stored=True),
                         None)

    def assess(self, study: Path | str | Study, settings: Sequence[Setting] = ()) -> Results:
        """Every functional unit of a study for every indicator: `prepare`, then `score`.
        Everything is checked and computed before Brightway is touched: bad input writes nothing."""
        return self.score(self.prepare(study, settings)).results

    def background(self, prepared: Prepared) -> Background:
        """The open data written (not the study's foreground) and the background's scores solved
        once: what a sweep contracts its scenarios over."""
        indicators = load_indicators()
        with self.project.session():  # the lock held until the scores are read
            self.project.use()
            bw.write_open_data(indicators, prepared.background)
            return background_scores(prepared.background, indicators)


def background_scores(background: dict[Key, dict[str, Any]], indicators: dict[str, Indicator]
                      ) -> Background:
    """The characterised scores of the open-data background (`prepared.background`), solved by
    Brightway once in the current project, which holds it written (`Pipeline.background`)."""
    return from_brightway(next(iter(background)),
                          [bw.method_name(ind) for ind in indicators.values()])


def results(prepared: Prepared, scores: list[UnitScores], written_to: BrightwayBlock,
            linked: LinkedScores | None) -> Results:
    """The results document of a scored study: impacts and flows, what was given but not read,
    the plausibility checks, what the results rest on, and a linked background's results."""
    out = _document(prepared, scores, written_to)
    out.unused_inputs = unused_inputs(prepared)
    out.plausibility = plausibility(prepared.pairs)
    _add_provenance(out, prepared, load_indicators())
    out.background = background_block(linked) if linked is not None else None
    return out


def _document(prepared: Prepared, scores: list[UnitScores], brightway: BrightwayBlock | None
              ) -> Results:
    """The results of a study's scores: per unit its impacts, flows and location."""
    indicators = load_indicators()
    methods = {i: bw.method_name(ind) for i, ind in indicators.items()}
    factors = market_factors(prepared.pairs)
    units = [unit_result(unit.name, str(ev.value("workload")), q, s, fg, indicators, methods,
                         location, factors, unit.quantity)
             for (unit, ev), q, s, fg, location in zip(prepared.pairs, prepared.quantities,
                                                       scores, prepared.foregrounds,
                                                       prepared.locations, strict=True)]
    return document(prepared.study.title, prepared.allocation, prepared.location, indicators,
                    units, brightway)


def market_factors(pairs: list[tuple[FunctionalUnit, Evaluator]]) -> dict[str, MarketFactor]:
    """Each unit's market-based factor beside its location-based one, with its source."""
    out = {}
    for unit, ev in pairs:
        given = ev.overrides.get("electricity.market.gwp")
        if given is None:
            continue
        out[unit.name] = MarketFactor(
            unit.name, "kg CO2-eq/kWh",
            float(ev.value("electricity.market.gwp").to("kg/kWh").magnitude),
            float(ev.value("electricity.gwp").to("kg/kWh").magnitude),
            given.citation, str(given.where))
    return out


def _add_provenance(doc: Results, prepared: Prepared,
                    indicators: dict[str, Indicator]) -> None:
    """Goal and scope, the inputs and inventory of each unit, and the data behind the factors."""
    study, resolved = prepared.study, prepared.resolved
    hardware = resolved.hardware.label if resolved.hardware is not None else None
    entry = resolved.datacenter
    datacenter = f"{entry.id}: {entry.name}" if entry is not None else None
    doc.goal_and_scope = provenance.goal_and_scope(study, hardware, datacenter, indicators,
                                                   prepared.pairs)
    datasets = {**biosphere_datasets(indicators), **prepared.background,
                **{k: v for fg in prepared.foregrounds for k, v in fg.activities.items()}}
    for unit, resolved_unit, foreground in zip(doc.functional_units, resolved.units,
                                               prepared.foregrounds, strict=True):
        own = resolved_unit.hardware
        unit.hardware = own.label if own is not None else None
        unit.inputs = provenance.inputs_used(resolved_unit.evaluator)
        unit.inventory = provenance.inventory(foreground, datasets)
    doc.data_quality = provenance.data_quality(
        [(fg, ev) for fg, (_, ev) in zip(prepared.foregrounds, prepared.pairs, strict=True)],
        datasets, indicators)
    # The registry entries behind every value read, every factor and every method, each once.
    uses = citations(ev for _, ev in prepared.pairs)
    uses += [(c, f"{row['dataset']} ({row['indicator']})") for row in doc.data_quality
             if (c := citation_or_none(row["source"])) is not None]
    uses += [(c, f"method {i.id}") for i in indicators.values()
             if (c := citation_or_none(i.source)) is not None]
    doc.references = cited(uses)


def unused_inputs(prepared: Prepared) -> list[Unused]:
    """Values the study or the command line gave that no functional unit read.

    Other choices make them moot (`hardware.utilization` outside the `utilization` allocation,
    `datacenter.pue` when the overhead energy is given): said, so that nobody believes them used.
    """
    given: dict[tuple[str, str], bool] = {}
    for _, evaluator in prepared.pairs:
        read = set(evaluator.evaluated())
        for rule, override in evaluator.overrides.items():
            if override.origin in CHOSEN:
                key = (rule, str(override.where))
                given[key] = given.get(key, False) or rule in read
    return [Unused(rule, where) for (rule, where), read in given.items() if not read]


def plausibility(pairs: list[tuple[FunctionalUnit, Evaluator]]) -> list[Plausibility]:
    """For each image or video unit, its GPU time per item against the measured range
    (diffusion.plausibility): a check that the results carry, never a correction."""
    out = []
    for unit, ev in pairs:
        if ev.value("workload") not in ("image", "video"):
            continue
        low, high, took = (float(ev.value(rule).to("s").magnitude) for rule in
                           ("diffusion.gpu_time_low", "diffusion.gpu_time_high", "gpu.hours"))
        out.append(Plausibility(unit.name, str(ev.value("diffusion.plausibility")), took, low,
                                high))
    return out


def assess(study_path: Path, settings: Sequence[Setting] = (),
           project: str = bw.DEFAULT_PROJECT, model_dir: Path | None = None) -> dict[str, Any]:
    """`Pipeline.assess` of a study file, as JSON data: what `genai-lca assess --json` prints."""
    return Pipeline.of(Project(project), model_dir).assess(study_path, settings).to_json()
