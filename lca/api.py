"""The Python API: what the CLI does, for notebooks and scripts (import it as `genai_lca`).

    import genai_lca as gl
    study = gl.load("examples/llama-3.1-405b.yaml").set({"gpu.mfu": 0.35})
    result = study.assess()
    result.results          # a DataFrame: per functional unit and indicator, total and stages
    result.unit("training").impacts["gwp"].total

A study comes from a file or a dict (the mapping a study file holds); `set` changes rules as
`--set` does; `assess`, `compare_allocations` and `compare` write to a Brightway project as the
CLI does (only what the tool owns), `sweep` evaluates thousands of scenarios in one call. Bad
input raises `InputError` (the CLI's exit status 2), with the file or row, line and key.
"""

from __future__ import annotations

import copy
import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pint

from lca.analysis import compare as _compare
from lca.assess import Pipeline, Prepared, prepare
from lca.brightway.handle import Project
from lca.defaults import DEFAULT_PROJECT
from lca.core.errors import InputError, Where
from lca.core.rules.evaluate import MissingInput, make_override
from lca.core.rules.ruleset import RuleSet
from lca.report import tables
from lca.scoring.engine import STAGES
from lca.study.file import Study as StudyData
from lca.study.file import load_study, study_from_dict
from lca.study.situation import Setting, load_model

__all__ = ["Assessment", "Impact", "InputError", "MissingInput", "ScenarioComparison", "Study",
           "UnitResult", "compare", "load"]


def load(source: str | Path | Mapping[str, Any], *, base: str | Path = ".",
         model: str | Path | None = None) -> Study:
    """A study from a YAML file, or from a dict with the keys of a study file.

    A dict's problems are reported with the key (`functional_units.0.workload`), and the files it
    names (`codecarbon:`) are relative to `base`; a file's are relative to the file. `model` is
    a folder of rule files (`--model`), the shipped `model/` by default.
    """
    rules = load_model(Path(model) if model is not None else None)
    if isinstance(source, Mapping):
        data = copy.deepcopy(dict(source))  # later changes to the caller's dict do not leak in
        title = data.get("study")
        data_label = f"<dict: {title}>" if isinstance(title, str) else "<dict>"
        return Study(study_from_dict(data, data_label, base), (), rules)
    return Study(load_study(source), (), rules)


@dataclass(frozen=True)
class Study:
    """A checked study and the values set on it; immutable: `set` returns a new one."""

    data: StudyData
    settings: tuple[Setting, ...]
    rules: RuleSet = field(repr=False)

    @property
    def title(self) -> str:
        return self.data.title

    @property
    def functional_units(self) -> list[str]:
        return [u.name for u in self.data.functional_units]

    def set(self, values: Mapping[str, Any] | str, value: Any = None) -> Study:
        """The study with rules set for every functional unit, as `--set RULE=VALUE` does:
        `set("gpu.power", "400 W")` or `set({"gpu.mfu": 0.35, "allocation": "power"})`.

        A number is taken as is only for a pure-number rule; a value with a dimension needs its
        unit (text such as "400 W", or a pint Quantity). Checked now: an unknown rule, a value
        of the wrong dimension or out of bounds raises InputError.
        """
        pairs = values.items() if isinstance(values, Mapping) else [(values, value)]
        added = []
        for rule, raw in pairs:
            setting = Setting(str(rule), _text(raw))
            where = Where(setting.option, None, setting.rule)
            make_override(self.rules.require(setting.rule, where), setting.raw, where)
            added.append(setting)
        return Study(self.data, (*self.settings, *added), self.rules)

    def pipeline(self, project: str = DEFAULT_PROJECT) -> Pipeline:
        """The pipeline of this study's rules, in the Brightway project `project` (for the
        modules of `lca` that take one)."""
        return Pipeline(Project(project), self.rules)

    def prepare(self) -> Prepared:
        """Every amount computed, down to the Brightway datasets, nothing written (for the
        modules of `lca` that take a prepared study)."""
        return prepare(self.data, self.settings, rules=self.rules)

    def assess(self, project: str = DEFAULT_PROJECT) -> Assessment:
        """Assess every functional unit for every indicator, as `genai-lca assess` does."""
        return Assessment(self.pipeline(project).assess(self.data, self.settings).to_json())

    def compare_allocations(self, project: str = DEFAULT_PROJECT) -> pd.DataFrame:
        """Every allocation rule side by side (`compare --allocation all`): one row per
        functional unit and indicator, one column per rule, then the server share per GPU-hour."""
        pipeline = self.pipeline(project)
        with pipeline.project.session():  # one lock over the runs, as the CLI holds it
            doc = _compare.compare_allocations(pipeline, self.data, self.settings)
        return tables.allocation_comparison(doc)

    def sweep(self, scenarios: pd.DataFrame | Mapping[str, Any],
              project: str = DEFAULT_PROJECT) -> pd.DataFrame:
        """Many scenarios in one call: `scenarios` has one column per rule (or `location`) and
        one row per scenario. Returns one row per scenario and functional unit with the inputs,
        the reference flows and each indicator's total (units in `.attrs["units"]`, the unit and
        indicator pairs lacking data in `.attrs["incomplete"]`). See `lca.analysis.sweep`."""
        from lca.analysis.sweep import sweep

        return sweep(self.pipeline(project), self.data, scenarios, list(self.settings))


@dataclass(frozen=True)
class Impact:
    """One indicator's result for a functional unit."""

    indicator: str
    name: str
    unit: str
    total: float
    by_stage: dict[str, float]
    by_component: dict[str, float]
    incomplete: bool  # some data are missing: see Assessment.document["functional_units"]


@dataclass(frozen=True)
class UnitResult:
    """A functional unit's reference flows and impacts."""

    name: str
    workload: str
    flops: float | None
    gpu_hours: float
    energy_kwh: float  # at the data centre's meter
    water_on_site_m3: float
    server_share: float
    impacts: dict[str, Impact]  # for the whole quantity; by_component has device, network, included
    quantity: float = 1.0  # how many items the unit counts (its `quantity:`): flows are for all
    counts: str = ""  # what it counts (images, requests), "" without a `quantity:`


@dataclass(frozen=True)
class Assessment:
    """The results of `Study.assess`: the results document (`docs/contract.md`), typed results
    and DataFrames (the tables of results.xlsx)."""

    document: dict[str, Any]

    @property
    def units(self) -> list[UnitResult]:
        doc = self.document
        out = []
        for u in doc["functional_units"]:
            q = u["quantities"]
            impacts = {i: Impact(i, info["name"], info["unit"], u["impacts"][i]["total"],
                                 {s: u["impacts"][i]["by_stage"][s] for s in STAGES},
                                 dict(u["impacts"][i]["by_component"]), bool(u["missing"][i]))
                       for i, info in doc["indicators"].items()}
            out.append(UnitResult(u["name"], u["workload"], q["flops"], q["gpu_hours"],
                                  q["energy_kwh"], q["water_on_site_m3"], q["server_share"],
                                  impacts, **({"quantity": u["quantity"]["amount"],
                                               "counts": u["quantity"]["of"]}
                                              if "quantity" in u else {})))
        return out

    def unit(self, name: str) -> UnitResult:
        """One functional unit's results by name."""
        for unit in self.units:
            if unit.name == name:
                return unit
        names = ", ".join(u.name for u in self.units)
        raise KeyError(f"no functional unit '{name}' (the study has {names})")

    @property
    def results(self) -> pd.DataFrame:
        """Per functional unit and indicator: total, manufacturing, use, incomplete."""
        return tables.results(self.document)

    @property
    def contributions(self) -> pd.DataFrame:
        """Long form: functional unit x indicator x stage x component, value and share."""
        return tables.contributions(self.document)

    @property
    def inputs(self) -> pd.DataFrame:
        """Every rule value the results read, with unit, origin (who set it) and source."""
        return tables.inputs(self.document)

    @property
    def inventory(self) -> pd.DataFrame:
        """Every foreground exchange, with amount, unit, stage and the rule behind it."""
        return tables.inventory(self.document)

    @property
    def reference_flows(self) -> pd.DataFrame:
        """FLOPs, GPU-hours, energy, water and server share per functional unit."""
        return tables.reference_flows(self.document)

    @property
    def data_quality(self) -> pd.DataFrame:
        """Each factor's value, unit, source, year and licence, and every missing value."""
        return tables.data_quality(self.document)


@dataclass(frozen=True)
class ScenarioComparison:
    """Studies side by side (`compare --scenario`): values per functional unit and indicator,
    and the inputs that differ between them."""

    values: pd.DataFrame
    differences: pd.DataFrame
    document: dict[str, Any]


def compare(studies: Mapping[str, Study] | Sequence[Study],
            project: str = DEFAULT_PROJECT) -> ScenarioComparison:
    """Two or more studies side by side, labelled by the mapping's keys or by their titles.

    Every study is checked before any is written to Brightway.
    """
    labelled = dict(studies) if isinstance(studies, Mapping) else {s.title: s for s in studies}
    if len(labelled) < 2 or (not isinstance(studies, Mapping) and len(labelled) < len(studies)):
        raise InputError("compare takes two or more studies with distinct titles (or a mapping "
                         "label -> study)", Where("compare"))
    prepared = [s.prepare() for s in labelled.values()]
    # Scoring needs no rules: each study was prepared with its own.
    pipeline = next(iter(labelled.values())).pipeline(project)
    with pipeline.project.session():
        section = _compare.scenarios(pipeline, list(labelled), prepared)[0]
    differences = pd.DataFrame([{"functional_unit": d.functional_unit, "rule": d.rule, **d.values}
                                for d in section.differences])
    return ScenarioComparison(tables.comparison(section.to_json()), differences,
                              {"scenario_comparison": section.to_json()})


def _text(value: Any) -> str:
    """A value as `--set` text: numbers exactly (repr), quantities with their unit."""
    if isinstance(value, pint.Quantity):
        return f"{float(value.magnitude)!r} {value.units}"
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return str(int(value))
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return repr(float(value))
    if isinstance(value, str):
        return value
    raise InputError(f"a value is a number, text such as \"400 W\", or a pint Quantity; got "
                     f"{type(value).__name__} {value!r}", Where("--set"))
