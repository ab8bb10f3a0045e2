"""A full assessment: study -> rules -> Brightway -> results document. The API the CLI uses."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lca import provenance
from lca.catalog import select_datacenter, select_hardware
from lca.errors import InputError, Where
from lca.inventory import brightway as bw
from lca.inventory import linking
from lca.inventory.data import (INDICATORS, Indicator, Location, load_indicators, load_locations,
                                load_manufacturing, resolve_location)
from lca.inventory.datasets import (BACKGROUND, BIOSPHERE, Foreground, Key, background_datasets,
                                    biosphere_datasets, foreground_datasets)
from lca.measured import check_landed
from lca.results import QUANTITIES, document, flow, location_entry, market_based, unit_result
from lca.rules.evaluate import Evaluator
from lca.rules.ruleset import RuleSet
from lca.scoring import crosscheck
from lca.scoring.background import Background, from_brightway
from lca.scoring.engine import UnitScores, calculate
from lca.situation import Setting, evaluators, load_model
from lca.study import FunctionalUnit, Given, Study, load_study


def foreground_name(title: str) -> str:
    return bw.FOREGROUND_PREFIX + title


def _quantities(evaluator: Evaluator, count: float = 1.0) -> dict[str, float | None]:
    """The reference flows of one item (the rules' workload) times the unit's quantity."""
    out: dict[str, float | None] = {}
    for key, (rule, _) in QUANTITIES.items():
        if rule == "flops" and evaluator.value("workload") in ("gpu_hours", "measured", "provisioned"):
            out[key] = None  # known GPU time: no FLOPs were computed
            continue
        out[key] = float(flow(evaluator, key, count))
    return out


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
    mapping: linking.Mapping | None = None  # the study's own background (`background:`)

    @property
    def allocation(self) -> str:
        return str(self.pairs[0][1].value("allocation"))


def prepare(study: Path | str | Study, settings: list[Setting] = (), model_dir: Path | None = None,
            rules: RuleSet | None = None) -> Prepared:
    """Check everything the study (a file, or one already read) says and compute every amount;
    raises InputError, writes nothing."""
    rules = rules or load_model(model_dir)
    study = study if isinstance(study, Study) else load_study(study)
    pairs = evaluators(rules, study, settings)
    location = _location(study.location)
    locations = [_location(study.location_of(unit)) for unit, _ in pairs]
    for unit, evaluator in pairs:
        check_landed(unit.name, evaluator, unit.workload.where)
        if not any(f"electricity.{i}" in evaluator.overrides for i in INDICATORS):
            raise InputError(f"functional unit '{unit.name}' has no electricity factor: give the "
                             f"study (or the unit) a `location` (e.g. USA, FR, US-CA, world), or "
                             f"inputs electricity.gwp, .pe, .water, .adpe",
                             Where(study.file, 1, "location"))
    datasets, _ = load_manufacturing()
    background = background_datasets(load_locations(), datasets)
    foregrounds = foreground_datasets(foreground_name(study.title), pairs, locations, background)
    mapping = None
    if study.background is not None:
        mapping = linking.load_mapping(study.background, datasets, load_indicators())
        linking.check_foregrounds(mapping, foregrounds, background)
    return Prepared(study, pairs, location, locations, foregrounds, background,
                    [_quantities(e, u.quantity.amount) for u, e in pairs], mapping)


def _location(given: Given | None) -> Location | None:
    return resolve_location(given.raw, given.where) if given is not None else None


def run(prepared: Prepared, project: str = bw.DEFAULT_PROJECT) -> dict[str, Any]:
    """Write the prepared datasets to Brightway (only what the tool owns) and compute the results."""
    return run_scored(prepared, project)[0]


def run_scored(prepared: Prepared, project: str = bw.DEFAULT_PROJECT
               ) -> tuple[dict[str, Any], Background]:
    """`run`, and the scores Brightway solved (background and written foreground), over which
    variants of the study are scored in memory (`score_variant`)."""
    study, pairs, foregrounds = prepared.study, prepared.pairs, prepared.foregrounds
    indicators = load_indicators()
    database = foreground_name(study.title)
    # The study is its title: a copied or moved study file writes the same foreground.
    owner = bw.Owner("study foreground", str(Path(study.file).resolve()),
                     tuple(unit.name for unit, _ in pairs))
    methods = {i: bw.method_name(ind) for i, ind in indicators.items()}

    with linking.session(prepared.mapping):
        # The practitioner's project is checked (read only) before anything is written anywhere,
        # and stays locked until the linked foreground is written there, at the end.
        resolved = (linking.resolve(prepared.mapping, study.title, owner) if prepared.mapping
                    else None)
        with bw.session(project):
            bw.open_project(project)
            bw.check_owned(database, owner)
            bw.write_open_data(indicators, prepared.background)
            activities = {k: v for fg in foregrounds for k, v in fg.activities.items()}
            bw.write_owned(database, activities, owner.role, owner, searchable=False)
            # One solve of the written project gives the background's scores and, to check the
            # engine against, every unit's total.
            written = from_brightway(foregrounds[0].unit, list(methods.values()))
            scores = calculate(foregrounds, written, stored=True)
            crosscheck.check(foregrounds, scores, written)
        linked = linking.assess_linked(resolved, foregrounds) if resolved else None
    if linked is not None:
        with bw.session(project):  # the tool's project current again: the Monte Carlo reads it
            bw.open_project(project)
    doc = _document(prepared, scores, {"project": project,
                                       "databases": [BIOSPHERE, BACKGROUND, database],
                                       "methods": [list(m) for m in methods.values()]})
    doc["unused_inputs"] = unused_inputs(prepared)
    doc["plausibility"] = plausibility(prepared.pairs)
    _add_provenance(doc, prepared, indicators)
    if linked is not None:
        doc["background"] = linked
    return doc, written


def score_variant(prepared: Prepared, background: Background) -> dict[str, Any]:
    """The results of a variant of a study (another allocation) scored in memory over the
    background of the one `run_scored` wrote: impacts and flows, nothing written, no
    provenance; its `brightway` block is None."""
    return _document(prepared, calculate(prepared.foregrounds, background, stored=True), None)


def _document(prepared: Prepared, scores: list[UnitScores], brightway: dict[str, Any] | None
              ) -> dict[str, Any]:
    """The results document of a study's scores: per unit its impacts, flows and location."""
    indicators = load_indicators()
    methods = {i: bw.method_name(ind) for i, ind in indicators.items()}
    units = [unit_result(unit.name, str(ev.value("workload")), q, s, fg, indicators, methods,
                         unit.quantity)
             for (unit, ev), q, s, fg in zip(prepared.pairs, prepared.quantities, scores,
                                              prepared.foregrounds, strict=True)]
    factors = market_factors(prepared.pairs)
    for unit, location, unit_scores in zip(units, prepared.locations, scores, strict=True):
        unit["location"] = location_entry(location)
        unit["market_based"] = market_based(unit_scores.market, unit["impacts"]["gwp"], factors)
    return document(prepared.study.title, prepared.allocation, prepared.location, indicators,
                    units, brightway)


def market_factors(pairs: list[tuple[FunctionalUnit, Evaluator]]) -> dict[str, dict[str, Any]]:
    """Each unit's market-based factor beside its location-based one, with its source."""
    out = {}
    for unit, ev in pairs:
        given = ev.overrides.get("electricity.market.gwp")
        if given is None:
            continue
        out[unit.name] = {
            "functional_unit": unit.name, "unit": "kg CO2-eq/kWh",
            "market_based": float(ev.value("electricity.market.gwp").to("kg/kWh").magnitude),
            "location_based": float(ev.value("electricity.gwp").to("kg/kWh").magnitude),
            "source": given.citation, "where": str(given.where)}
    return out


def _add_provenance(doc: dict[str, Any], prepared: Prepared,
                    indicators: dict[str, Indicator]) -> None:
    """Goal and scope, the inputs and inventory of each unit, and the data behind the factors."""
    study = prepared.study
    hardware = select_hardware(study.hardware).label if study.hardware is not None else None
    datacenter = None
    if study.datacenter is not None:
        entry = select_datacenter(study.datacenter)
        datacenter = f"{entry.id}: {entry.name}"
    doc["goal_and_scope"] = provenance.goal_and_scope(study, hardware, datacenter, indicators,
                                                      prepared.pairs[0][1])
    for entry, (unit, evaluator) in zip(doc["goal_and_scope"]["functional_units"], prepared.pairs,
                                        strict=True):
        entry["boundary"] = provenance.boundary(unit, evaluator)
    datasets = {**biosphere_datasets(indicators), **prepared.background,
                **{k: v for fg in prepared.foregrounds for k, v in fg.activities.items()}}
    for unit, (fu, evaluator), foreground in zip(doc["functional_units"], prepared.pairs,
                                                 prepared.foregrounds, strict=True):
        own = study.hardware_of(fu)
        unit["hardware"] = select_hardware(own).label if own is not None else None
        unit["inputs"] = provenance.inputs_used(evaluator, study.file)
        unit["inventory"] = provenance.inventory(foreground, datasets)
    doc["data_quality"] = provenance.data_quality(
        [(fg, ev) for fg, (_, ev) in zip(prepared.foregrounds, prepared.pairs, strict=True)],
        datasets, indicators)


def unused_inputs(prepared: Prepared) -> list[dict[str, str]]:
    """Values the study or the command line gave that no functional unit read.

    Other choices make them moot (`hardware.utilization` outside the `utilization` allocation,
    `datacenter.pue` when the overhead energy is given): said, so that nobody believes them used.
    """
    given: dict[tuple[str, str], bool] = {}
    for _, evaluator in prepared.pairs:
        read = set(evaluator.evaluated())
        for rule, override in evaluator.overrides.items():
            if override.where.file in (prepared.study.file, "--set"):
                key = (rule, str(override.where))
                given[key] = given.get(key, False) or rule in read
    return [{"rule": rule, "where": where} for (rule, where), read in given.items() if not read]


def plausibility(pairs: list[tuple[FunctionalUnit, Evaluator]]) -> list[dict[str, Any]]:
    """For each image or video unit, its GPU time per item against the measured range
    (diffusion.plausibility): a check that the results carry, never a correction."""
    out = []
    for unit, ev in pairs:
        if ev.value("workload") not in ("image", "video"):
            continue
        low, high, took = (float(ev.value(rule).to("s").magnitude) for rule in
                           ("diffusion.gpu_time_low", "diffusion.gpu_time_high", "gpu.hours"))
        out.append({"functional_unit": unit.name, "status": str(ev.value("diffusion.plausibility")),
                    "gpu_seconds": took, "low_s": low, "high_s": high})
    return out


def assess(study_path: Path, settings: list[Setting] = (), project: str = bw.DEFAULT_PROJECT,
           model_dir: Path | None = None) -> dict[str, Any]:
    """Assess every functional unit of a study for every indicator; return the results document.

    Everything the study says is checked and every amount computed before Brightway is touched,
    so bad input writes nothing.
    """
    return run(prepare(study_path, settings, model_dir), project)


def uncertainty(study_path: Path, iterations: int, seed: int, settings: list[Setting] = (),
                project: str = bw.DEFAULT_PROJECT, model_dir: Path | None = None,
                sobol_n: int | None = None) -> dict[str, Any]:
    """The results document with an `uncertainty` section: Monte Carlo over the rules'
    distributions, tornado swings and Sobol' indices (`uncertainty.analysis`).

    The deterministic assessment runs first (Brightway then holds the study); the samples are
    evaluated over its static background scores.
    """
    from lca.uncertainty.analysis import SOBOL_N, analyse, check_run

    prepared = prepare(study_path, settings, model_dir)
    check_run(prepared, iterations, seed, sobol_n or SOBOL_N)
    doc = run(prepared, project)
    doc["uncertainty"] = analyse(prepared, load_indicators(), iterations, seed, doc,
                                 sobol_n or SOBOL_N)
    return doc
