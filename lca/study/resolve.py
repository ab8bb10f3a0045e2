"""A study resolved once: the open data loaded, each unit's hardware, data centre and location
looked up, and its overrides layered (`lca.study.situation`), before anything is computed.

`resolve(study, rules, settings)` is the one place where a study's names (`hardware:`,
`datacenter:`, `location:`) meet the catalogs and the electricity data: `assess.prepare`, the
provenance of the results and `explain` read the `ResolvedStudy` rather than looking again.
"""

from __future__ import annotations

from dataclasses import dataclass

from lca.core.provenance import Given
from lca.core.rules.evaluate import Evaluator, Override
from lca.core.rules.ruleset import RuleSet
from lca.data.catalog import (DATACENTERS, Entry, Hardware, HardwareChoice, Selection, load_catalog,
                              load_hardware, select_datacenter, select_hardware)
from lca.data.opendata import (Dataset, Location, PartProfiles, load_locations, load_manufacturing,
                               resolve_location)
from lca.study.file import FunctionalUnit, Study
from lca.study.situation import Setting, situation, study_layers


@dataclass(frozen=True)
class OpenData:
    """The shipped open data a study is resolved against, loaded once."""

    locations: dict[str, Location]
    datasets: dict[str, Dataset]  # manufacturing datasets
    parts: dict[str, PartProfiles]  # manufacturing profiles of the server's parts
    hardware: Hardware
    datacenters: dict[str, Entry]


def load_open_data() -> OpenData:
    """The electricity factors, manufacturing data and catalogs of `inventories/`."""
    datasets, parts = load_manufacturing()
    return OpenData(load_locations(), datasets, parts, load_hardware(), load_catalog(DATACENTERS))


@dataclass(frozen=True)
class ResolvedUnit:
    """One functional unit with what its names resolved to, and its evaluator."""

    unit: FunctionalUnit
    hardware: Selection | None  # its own hardware, else the study's
    location: Location | None  # its own location, else the study's
    evaluator: Evaluator


@dataclass(frozen=True)
class ResolvedStudy:
    """A study with the open data, the study-level lookups and every unit resolved."""

    study: Study
    data: OpenData
    hardware: Selection | None  # the study's `hardware:`
    datacenter: Entry | None  # the study's `datacenter:` preset
    location: Location | None  # the study's `location:`
    units: list[ResolvedUnit]

    @property
    def pairs(self) -> list[tuple[FunctionalUnit, Evaluator]]:
        return [(u.unit, u.evaluator) for u in self.units]


def resolve(study: Study, rules: RuleSet, settings: list[Setting] = (),
            data: OpenData | None = None) -> ResolvedStudy:
    """Look every name of the study up once and check every override before anything is
    computed; an unknown id or a bad value is an InputError naming its place."""
    data = data or load_open_data()
    study_hardware = _hardware(study.hardware, data)
    datacenter = (select_datacenter(study.datacenter, data.datacenters)
                  if study.datacenter is not None else None)
    preset = datacenter.values if datacenter is not None else {}
    study_location = _location(study.location)
    units = []
    # The study's layers of overrides per hardware (kept, so that its id stays its own).
    layers: dict[int, tuple[Selection | None, dict[str, Override]]] = {}
    for unit in study.functional_units:
        hardware = study_hardware if unit.hardware is None else _hardware(unit.hardware, data)
        location = study_location if unit.location is None else _location(unit.location)
        shared = layers.get(id(hardware))
        if shared is None or shared[0] is not hardware:
            # The preset's values win over the hardware's (a data centre's PUE over a server's).
            catalog = {**(hardware.values if hardware is not None else {}), **preset}
            shared = layers[id(hardware)] = (hardware, study_layers(rules, study, catalog))
        overrides = situation(rules, study, unit, settings, shared[1], location, data.datasets,
                              data.parts)
        units.append(ResolvedUnit(unit, hardware, location, Evaluator(rules, overrides)))
    return ResolvedStudy(study, data, study_hardware, datacenter, study_location, units)


def _hardware(choice: HardwareChoice | None, data: OpenData) -> Selection | None:
    return select_hardware(choice, data.hardware) if choice is not None else None


def _location(named: Given | None) -> Location | None:
    return resolve_location(named.value, named.where) if named is not None else None


def evaluators(rules: RuleSet, study: Study, settings: list[Setting] = ()
               ) -> list[tuple[FunctionalUnit, Evaluator]]:
    """One evaluator per functional unit, every override checked before anything is computed."""
    return resolve(study, rules, settings).pairs


def overrides_for(rules: RuleSet, study: Study, unit: FunctionalUnit,
                  settings: list[Setting] = ()) -> dict[str, Override]:
    """All overrides of one functional unit of the study."""
    resolved = resolve(study, rules, settings)
    return next(u.evaluator.overrides for u in resolved.units if u.unit is unit)
