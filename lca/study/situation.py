"""The situation of each functional unit: rule overrides layered from data, study and `--set`.

Later layers win: hardware catalog (the server's values, then its GPU's: the server's default
GPU, or the one the study, or the functional unit, names) < data-centre preset (`datacenter:`) <
study inputs < study allocation < the unit's workload and inputs < `--set`. Under all of them, the
data fill the factors left open: the electricity factors of the unit's location (its own, else the
study's) and the impacts of the chosen manufacturing profiles. Every override carries the
`Provenance` its layer gave it (lca/core/provenance.py); the lookups themselves (hardware, preset,
location) are made once per unit by `lca.study.resolve`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from lca.core.errors import InputError, Where
from lca.core.paths import data_dir, model_files, rule_files
from lca.core.provenance import Given, Origin, Provenance, given
from lca.core.rules.evaluate import Override, make_override
from lca.core.rules.ruleset import RuleSet, load_rules
from lca.core.units import Quantity
from lca.data.opendata import Dataset, Location, PartProfiles, check_profiles
from lca.study.file import FunctionalUnit, Study


# Values a study may give only with their source: a market-based factor is a claim about
# contracts (GHG Protocol Scope 2 Guidance, 2015, chapter 7: its quality criteria), unlike a
# location's grid average, which the data carry.
SOURCE_REQUIRED = ("electricity.market.gwp",)


# What an uncited setting's source column says: who set it, not the rule's default sources.
_SETTING_SOURCE = {Origin.COMMAND_LINE: "command line --set",
                   Origin.VALIDATION: "setting of a validation case"}


@dataclass(frozen=True)
class Setting:
    """One value set for a run: `--set RULE=VALUE`, an option such as `--allocation`, or a
    validation figure's setting (origin VALIDATION, `option` the cases file, with its line)."""

    rule: str
    raw: str
    option: str = "--set"
    origin: Origin = Origin.COMMAND_LINE
    line: int | None = None

    @property
    def given(self) -> Given:
        """The value with who set it and where: the option (or file and line) and the rule."""
        return given(self.raw, Where(self.option, self.line, self.rule), self.origin,
                     _SETTING_SOURCE.get(self.origin, ""))


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
    """The shipped rules, read and checked once per process, as the shipped data are, with the
    manufacturing profiles that the situation reads (the inventory checks its foreground
    template against the rules when it builds: `lca.inventory.template.checked_template`)."""
    rules = load_rules(model_files(), root=data_dir("model").parent)
    check_profiles(rules)
    return rules


def study_layers(rules: RuleSet, study: Study, catalog: dict[str, Given]) -> dict[str, Override]:
    """The overrides every unit of the study run on that hardware and preset starts from, in
    their layers' order: `catalog` (the values of the hardware and data-centre preset, resolved
    by `lca.study.resolve`), then the study's inputs and allocation. Made once per catalog; each
    unit's `situation` adds its own layers to a copy."""
    out: dict[str, Override] = {}
    for rule, value in catalog.items():
        _put(rules, out, rule, value)
    for rule, value in study.inputs.items():
        _put(rules, out, rule, value, f"study input ({study.file})")
    if study.allocation is not None:
        _put(rules, out, "allocation", study.allocation)
    return out


def situation(rules: RuleSet, study: Study, unit: FunctionalUnit, settings: list[Setting],
              layers: dict[str, Override], location: Location | None,
              datasets: dict[str, Dataset], parts: dict[str, PartProfiles]
              ) -> dict[str, Override]:
    """All overrides of one functional unit, validated against the rules: `layers` are the
    study's (`study_layers`), `location` is where it runs (resolved by `lca.study.resolve`);
    `datasets` and `parts` are the manufacturing data."""
    out = dict(layers)  # a later layer's value keeps its rule's place, as in one dict
    _put(rules, out, "workload", unit.workload)
    for rule, value in unit.inputs.items():
        _put(rules, out, rule, value, f"study input, functional unit '{unit.name}' ({study.file})")
    for setting in settings:
        _put(rules, out, setting.rule, setting.given)
    for rule in SOURCE_REQUIRED:
        for inputs in (study.inputs, unit.inputs):
            if rule in inputs and not inputs[rule].source:
                raise InputError(f"{rule} needs its source (the supplier, contract or residual "
                                 f"mix it comes from): write {rule}: {{value: "
                                 f"{inputs[rule].value}, source: TEXT}}", inputs[rule].where)
    chosen = {*study.inputs, *unit.inputs, *(s.rule for s in settings)}
    _select_given_profiles(rules, out, chosen, parts)
    # Data layers sit under everything the study says: they fill only the factors left open.
    factors, made = _data_factors(rules, location, out, datasets, parts)
    for rule, value in factors.items():
        if rule not in out:
            override = made.get(rule)
            if override is None:  # checked once for all the units that read these factors
                override = made[rule] = make_override(rules[rule], value.value, value.provenance)
            out[rule] = override
    return out


def _put(rules: RuleSet, out: dict[str, Override], rule: str, value: Given, source: str = ""
         ) -> None:
    """A layer's value for a rule, checked; `source` says who gave an uncited value."""
    provenance = value.provenance
    if source and not provenance.source:
        provenance = Provenance(provenance.origin, provenance.where, source)
    out[rule] = make_override(rules.require(rule, value.where), value.value, provenance)


def _select_given_profiles(rules: RuleSet, out: dict[str, Override], chosen: set[str],
                           parts: dict[str, PartProfiles]) -> None:
    """A manufacturing figure the study gives selects the profile that reads it.

    `server.embodied.gwp` (or .pe, .water, .adpe) without `server.manufacturing` among the
    study's own inputs selects `total` (inventories/manufacturing.yaml, `given`), over the
    catalog's choice: otherwise the parts' profile would be used and the figure ignored. A study
    that chooses the profile itself keeps it, and a figure it then leaves unread is reported.
    The selection has the figure's origin and place: whoever gave the figure chose it.
    """
    for part in parts.values():
        if part.given is None or part.rule in chosen:
            continue
        figures = sorted(r for r in chosen if r.startswith(f"{part.factors}."))
        if figures:
            by = out[figures[0]]
            out[part.rule] = make_override(rules[part.rule], part.given, Provenance(
                by.origin, by.where, f"selected by {figures[0]} given ({by.where})"))


def _data_factors(rules: RuleSet, location: Location | None, chosen: dict[str, Override],
                  datasets: dict[str, Dataset], parts: dict[str, PartProfiles]
                  ) -> tuple[dict[str, Given], dict[str, Override]]:
    """Electricity factors of the unit's location, and impacts of the parts' chosen profiles,
    in their rules' units, as the open data give them: made once for all the units of a study
    that share a location and choices (the caller reads them, never changes them), with the
    overrides made of them so far (the caller adds those it makes)."""
    choices = tuple(str(chosen[p.rule].value) if p.rule in chosen else None
                    for p in parts.values())
    sources = (rules, location, datasets, parts)
    key = (*map(id, sources), choices)
    hit = _FACTORS.get(key)
    if hit is None or any(a is not b for a, b in zip(hit[0], sources)):
        if len(_FACTORS) >= 1_000:  # a few per study: locations x profile choices
            _FACTORS.clear()
        hit = _FACTORS[key] = (sources, _read_factors(rules, location, chosen, datasets, parts),
                               {})
    return hit[1], hit[2]


# Data factors by the identities of what they were read from (kept, so their ids stay theirs),
# and the overrides made of them.
_FACTORS: dict[tuple, tuple[tuple, dict[str, Given], dict[str, Override]]] = {}


def _read_factors(rules: RuleSet, location: Location | None, chosen: dict[str, Override],
                  datasets: dict[str, Dataset], parts: dict[str, PartProfiles]
                  ) -> dict[str, Given]:
    sources: list[tuple[str, dict[str, Given]]] = []
    if location is not None:
        sources.append(("electricity", location.factors))
    for part in parts.values():
        choice = chosen.get(part.rule)
        prefix = part.factor_prefix(choice.value) if choice is not None else None
        if prefix:
            (item,) = part.choices[choice.value]
            sources.append((prefix, datasets[item.dataset].impacts))
    return {f"{prefix}.{indicator}": Given(Quantity(f.value, rules[f"{prefix}.{indicator}"].unit),
                                           f.provenance)
            for prefix, factors in sources for indicator, f in factors.items()}
