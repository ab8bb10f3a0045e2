"""The situation of each functional unit: rule overrides layered from data, study and `--set`.

Later layers win: hardware catalog (the server's values, then its GPU's: the server's default
GPU, or the one the study, or the functional unit, names) < data-centre preset (`datacenter:`) < study inputs < study
allocation < the unit's workload and inputs < `--set`. Under all of them, the data fill the
factors left open: the electricity factors of the unit's location (its own, else the study's) and the impacts of the chosen
manufacturing profiles. Every override keeps where it was given, and catalog values their
source, year and licence, so explanations and the data-quality table can point at them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pint

from lca.catalog import select_datacenter, select_hardware
from lca.errors import InputError, Where
from lca.inventory.data import Factor, load_manufacturing, resolve_location
from lca.paths import data_dir, model_files, rule_files
from lca.rules.evaluate import Evaluator, Override, make_override
from lca.rules.ruleset import RuleSet, load_rules
from lca.study import FunctionalUnit, Given, Study
from lca.units import Quantity


# Values a study may give only with their source: a market-based factor is a claim about
# contracts (GHG Protocol Scope 2 Guidance, 2015, chapter 7: its quality criteria), unlike a
# location's grid average, which the data carry.
SOURCE_REQUIRED = ("electricity.market.gwp",)


@dataclass(frozen=True)
class Setting:
    """One value from the command line: `--set RULE=VALUE`, or an option such as `--allocation`."""

    rule: str
    raw: str
    option: str = "--set"


def parse_set(text: str) -> Setting:
    """`gpu.mfu=0.35` -> Setting('gpu.mfu', '0.35')."""
    name, sep, raw = text.partition("=")
    if not sep or not name.strip() or not raw.strip():
        raise InputError(f"--set takes RULE=VALUE, e.g. gpu.mfu=0.35 or gpu.power=\"400 W\"; "
                         f"got '{text}'", Where("--set"))
    return Setting(name.strip(), raw.strip())


def load_model(folder: Path | None = None) -> RuleSet:
    """The rules of a model folder (the shipped `model/` by default), checked."""
    if folder is None:
        return _shipped_model()
    files = rule_files(folder)
    if not files:
        raise InputError("no rule files (*.yaml) in this folder", Where(str(folder)))
    return load_rules(files)


@lru_cache(maxsize=1)
def _shipped_model() -> RuleSet:
    """The shipped rules, read and checked once per process, as the shipped data are."""
    return load_rules(model_files(), root=data_dir("model").parent)


def overrides_for(rules: RuleSet, study: Study, unit: FunctionalUnit,
                  settings: list[Setting] = ()) -> dict[str, Override]:
    """All overrides of one functional unit, validated against the rules."""
    out: dict[str, Override] = {}

    def put(rule: str, given: Given, source: str = "", factor: Factor | None = None) -> None:
        provenance = ((factor.source, factor.year, factor.licence) if factor
                      else (given.source or source,))
        out[rule] = make_override(rules.require(rule, given.where), given.raw, given.where,
                                  *provenance)

    for rule, value in catalog_values(study, unit).items():
        put(rule, Given(value.value, value.where), factor=value)
    for rule, given in study.inputs.items():
        put(rule, given, f"study input ({study.file})")
    if study.allocation is not None:
        put("allocation", study.allocation)
    put("workload", unit.workload)
    for rule, given in unit.inputs.items():
        put(rule, given, f"study input, functional unit '{unit.name}' ({study.file})")
    for setting in settings:
        where = Where(setting.option, None, setting.rule)
        put(setting.rule, Given(setting.raw, where), "command line --set")
    for rule in SOURCE_REQUIRED:
        for inputs in (study.inputs, unit.inputs):
            if rule in inputs and not inputs[rule].source:
                raise InputError(f"{rule} needs its source (the supplier, contract or residual "
                                 f"mix it comes from): write {rule}: {{value: "
                                 f"{inputs[rule].raw}, source: TEXT}}", inputs[rule].where)
    given = {*study.inputs, *unit.inputs, *(s.rule for s in settings)}
    _select_given_profiles(rules, out, given)
    # Data layers sit under everything the study says: they fill only the factors left open.
    for rule, factor in _data_factors(rules, study.location_of(unit), out).items():
        if rule not in out:
            data = factor.factor
            out[rule] = make_override(rules[rule], factor.quantity, data.where, data.source,
                                      data.year, data.licence)
    return out


def _select_given_profiles(rules: RuleSet, out: dict[str, Override], given: set[str]) -> None:
    """A manufacturing figure the study gives selects the profile that reads it.

    `server.embodied.gwp` (or .pe, .water, .adpe) without `server.manufacturing` among the
    study's own inputs selects `total` (inventories/manufacturing.yaml, `given`), over the
    catalog's choice: otherwise the parts' profile would be used and the figure ignored. A study
    that chooses the profile itself keeps it, and a figure it then leaves unread is reported.
    """
    _, parts = load_manufacturing()
    for part in parts.values():
        if part.given is None or part.rule in given:
            continue
        figures = sorted(r for r in given if r.startswith(f"{part.factors}."))
        if figures:
            by = out[figures[0]]
            out[part.rule] = make_override(rules[part.rule], part.given, by.where,
                                           f"selected by {figures[0]} given ({by.where})")


def catalog_values(study: Study, unit: FunctionalUnit) -> dict[str, Factor]:
    """The catalog's values for the unit's hardware (its own, else the study's), then the
    study's data-centre preset's (which win)."""
    values: dict[str, Factor] = {}
    hardware = study.hardware_of(unit)
    if hardware is not None:
        values.update(select_hardware(hardware).values)
    if study.datacenter is not None:
        values.update(select_datacenter(study.datacenter).values)
    return values


@dataclass(frozen=True)
class _DataFactor:
    factor: Factor
    quantity: pint.Quantity


def _data_factors(rules: RuleSet, where: Given | None, chosen: dict[str, Override]
                  ) -> dict[str, _DataFactor]:
    """Electricity factors of the unit's location, and impacts of the parts' chosen profiles."""
    sources: list[tuple[str, dict[str, Factor]]] = []
    if where is not None:
        location = resolve_location(where.raw, where.where)
        sources.append(("electricity", location.factors))
    datasets, parts = load_manufacturing()
    for part in parts.values():
        choice = chosen.get(part.rule)
        prefix = part.factor_prefix(choice.value) if choice is not None else None
        if prefix:
            (item,) = part.choices[choice.value]
            sources.append((prefix, datasets[item.dataset].impacts))
    return {f"{prefix}.{indicator}": _DataFactor(factor, Quantity(factor.value,
                                                                  rules[f"{prefix}.{indicator}"].unit))
            for prefix, factors in sources for indicator, factor in factors.items()}


def evaluators(rules: RuleSet, study: Study, settings: list[Setting] = ()
               ) -> list[tuple[FunctionalUnit, Evaluator]]:
    """One evaluator per functional unit, every override checked before anything is computed."""
    return [(unit, Evaluator(rules, overrides_for(rules, study, unit, settings)))
            for unit in study.functional_units]
