"""Validation against published cases: every figure of reference-cases.md, theirs beside ours.

The cases file (`examples/validation.yaml`) names, for each published figure, the shipped study that
reproduces it, what to read (a rule value, or an impact over stages and components), the published
value with its unit and the tolerance. Reading a value and the gap arithmetic are pure functions;
`run_studies` runs each distinct study once, through the rules and, where an impact is read,
Brightway.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pint

from lca.assess import Pipeline, Prepared
from lca.core.errors import InputError, Where, did_you_mean
from lca.core.paths import data_dir
from lca.core.provenance import Origin
from lca.core.references import parse_citation
from lca.core.rules.evaluate import Evaluator
from lca.core.rules.ruleset import RuleSet
from lca.core.units import Quantity, parse_quantity, unit_text
from lca.core.yamlsource import YamlDocument, read_yaml
from lca.data.opendata import Indicator, load_indicators
from lca.inventory.datasets import PARTS
from lca.scoring.engine import STAGES
from lca.study.file import load_study
from lca.study.situation import Setting, load_model

CASE_KEYS = ("case", "study", "source", "tolerance", "figures")
FIGURE_KEYS = ("figure", "functional_unit", "read", "published", "tolerance", "settings", "note")
RULE_READ = ("rule", "times")
IMPACT_READ = ("impact", "stage", "component", "basis")
BASES = ("location", "market")  # accounting bases of electricity (GHG Protocol Scope 2)

# A study run: the study file and the settings its figures give (as --set would).
RunKey = tuple[Path, tuple[Setting, ...]]


def cases_file() -> Path:
    """The shipped cases file (beside the examples in a checkout, inside the package once installed)."""
    return data_dir("examples") / "validation.yaml"


@dataclass(frozen=True)
class Read:
    """What a figure reads: a rule value (optionally times another), or an impact of the Brightway
    results summed over a stage and a component (all of them when not given)."""

    rule: str | None = None
    times: str | None = None
    impact: str | None = None
    stage: str | None = None
    component: str | None = None
    basis: str | None = None  # market: the market-based figure (gwp only); location by default

    def __str__(self) -> str:
        if self.rule is not None:
            return self.rule + (f" x {self.times}" if self.times else "")
        return ", ".join(p for p in (self.impact, self.stage, self.component,
                                     self.basis and f"{self.basis}-based") if p)


@dataclass(frozen=True)
class Figure:
    """One published figure and how to compare it with ours."""

    case: str
    figure: str
    study: Path
    functional_unit: str
    read: Read
    published: pint.Quantity
    tolerance: float  # relative: 0.005 for 0.5 %; or a factor (by_factor): 2 for "factor 2"
    source: str
    settings: tuple[Setting, ...] = ()
    note: str = ""
    # A factor tolerance: ours within published / f and published x f. For figures whose inputs
    # the source does not publish (a service study's devices and networks), where a relative
    # tolerance would pretend to a precision the comparison does not have.
    by_factor: bool = False

    def tolerance_text(self) -> str:
        return f"factor {self.tolerance:g}" if self.by_factor else f"{100 * self.tolerance:g} %"

    @property
    def run_key(self) -> RunKey:
        """Figures with the same study and settings share one run."""
        return (self.study, self.settings)


@dataclass(frozen=True)
class Outcome:
    """A figure with our value in its published unit."""

    figure: Figure
    ours: float

    @property
    def gap(self) -> float:
        return gap(self.ours, float(self.figure.published.magnitude))

    @property
    def passed(self) -> bool:
        if self.figure.by_factor:
            ratio = self.ours / float(self.figure.published.magnitude)
            return ratio > 0 and max(ratio, 1 / ratio) <= self.figure.tolerance
        return abs(self.gap) <= self.figure.tolerance


# -- the cases file ---------------------------------------------------------------------------

def load_cases(path: Path | None = None, rules: RuleSet | None = None) -> list[Figure]:
    """Read and check the cases file: keys, units, rule and unit names, before anything runs."""
    path = Path(path) if path is not None else cases_file()
    doc = read_yaml(path)
    if not isinstance(doc.data, dict) or set(doc.data) != {"cases"} or not isinstance(
            doc.data["cases"], list):
        raise InputError("a cases file is a mapping with one key, 'cases', a list of cases",
                         Where(doc.file, 1))
    rules = rules or load_model()
    indicators = load_indicators()
    placed = [pair for i, case in enumerate(doc.data["cases"])
              for pair in _case(doc, ("cases", i), case, path.parent)]
    units: dict[Path, list[str]] = {}
    for figure, where in placed:
        _check(figure, rules, indicators, units, where)
    return [figure for figure, _ in placed]


def _mapping(doc: YamlDocument, path: tuple, value: Any, allowed: tuple[str, ...],
             required: tuple[str, ...]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InputError(f"expected a mapping of {', '.join(allowed)}", doc.where(path))
    for key in value:
        if key not in allowed:
            raise InputError(f"unknown key '{key}'{did_you_mean(str(key), allowed)}; expected one "
                             f"of {', '.join(allowed)}", doc.where(path + (key,)))
    for key in required:
        if value.get(key) in (None, ""):
            raise InputError(f"missing '{key}'", doc.where(path))
    return value


def _text(doc: YamlDocument, path: tuple, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InputError("expected text", doc.where(path))
    return value.strip()


def _tolerance(doc: YamlDocument, path: tuple, raw: Any) -> tuple[float, bool]:
    """A relative tolerance ('0.5 %'), or a factor ('factor 2': ours within half and twice)."""
    where = doc.where(path)
    if isinstance(raw, str) and raw.split()[:1] == ["factor"]:
        try:
            factor = float(raw.split(maxsplit=1)[1])
        except (IndexError, ValueError):
            factor = 0.0
        if not factor >= 1:
            raise InputError(f"a factor tolerance is 'factor F' with F of 1 or more, such as "
                             f"'factor 2'; got {raw!r}", where)
        return factor, True
    value = parse_quantity(raw, where)
    if not value.dimensionless or value.to("dimensionless").magnitude < 0:
        raise InputError(f"a tolerance is a share of 0 or more, such as '0.5 %'; got {raw!r}",
                         where)
    return float(value.to("dimensionless").magnitude), False


def _case(doc: YamlDocument, path: tuple, raw: Any, folder: Path) -> list[tuple[Figure, Where]]:
    """The figures of one case, each with where it stands in the file."""
    case = _mapping(doc, path, raw, CASE_KEYS, ("case", "study", "source", "figures"))
    name = _text(doc, path + ("case",), case["case"])
    study = folder / _text(doc, path + ("study",), case["study"])
    if not study.is_file():
        raise InputError(f"no study file {study}", doc.where(path + ("study",)))
    default = (_tolerance(doc, path + ("tolerance",), case["tolerance"])
               if "tolerance" in case else None)
    if not isinstance(case["figures"], list) or not case["figures"]:
        raise InputError("'figures' is a list of at least one figure", doc.where(path + ("figures",)))
    out = []
    for j, raw_figure in enumerate(case["figures"]):
        at = path + ("figures", j)
        fig = _mapping(doc, at, raw_figure, FIGURE_KEYS,
                       ("figure", "functional_unit", "read", "published"))
        if "tolerance" in fig:
            tolerance, by_factor = _tolerance(doc, at + ("tolerance",), fig["tolerance"])
        elif default is not None:
            tolerance, by_factor = default
        else:
            raise InputError("no tolerance: give the case or the figure one", doc.where(at))
        published = parse_quantity(fig["published"], doc.where(at + ("published",)))
        if published.magnitude == 0:
            raise InputError("a published value of 0 gives no relative gap",
                             doc.where(at + ("published",)))
        settings = fig.get("settings") or {}
        if not isinstance(settings, dict):
            raise InputError("'settings' is a mapping of rule names to values",
                             doc.where(at + ("settings",)))
        out.append((Figure(
            case=name, figure=_text(doc, at + ("figure",), fig["figure"]), study=study,
            functional_unit=_text(doc, at + ("functional_unit",), fig["functional_unit"]),
            read=_read(doc, at + ("read",), fig["read"]), published=published,
            tolerance=tolerance, by_factor=by_factor,
            source=str(parse_citation(case["source"], doc.where(path + ("source",)))),
            settings=tuple(_setting(doc, at + ("settings", rule), value)
                           for rule, value in settings.items()),
            note=" ".join(str(fig.get("note", "")).split())), doc.where(at)))
    return out


def _read(doc: YamlDocument, path: tuple, raw: Any) -> Read:
    read = _mapping(doc, path, raw, RULE_READ + IMPACT_READ, ())
    kinds = [keys for keys in (RULE_READ, IMPACT_READ) if any(k in read for k in keys)]
    if len(kinds) != 1 or kinds[0][0] not in read:
        raise InputError("'read' is {rule: NAME, times: NAME} (times optional) or {impact: "
                         "INDICATOR, stage: STAGE, component: COMPONENT, basis: location|market} "
                         "(stage, component and basis optional)", doc.where(path))
    return Read(**{k: _text(doc, path + (k,), v) for k, v in read.items()})


def _setting(doc: YamlDocument, path: tuple, value: Any) -> Setting:
    """A figure's setting, checked as `--set` is, given by the validation case at its place in
    the cases file."""
    where = doc.where(path)
    return Setting(str(path[-1]), str(value), where.file, Origin.VALIDATION, where.line)


def _check(figure: Figure, rules: RuleSet, indicators: dict[str, Indicator],
           units: dict[Path, list[str]], where: Where) -> None:
    """Names and units that need the model, the indicators and the study."""
    read = figure.read
    if read.rule is not None:
        unit = Quantity(1, "dimensionless")
        for name in (read.rule, read.times):
            if name is not None:
                rule = rules.require(name, where)
                if rule.unit is None:
                    raise InputError(f"rule '{name}' is text, not a value to compare", where)
                unit = unit * Quantity(1, rule.unit)
    else:
        if read.basis == "market" and read.impact != "gwp":
            raise InputError("only climate change (gwp) has a market-based basis", where)
        for value, allowed in ((read.impact, indicators), (read.stage, STAGES),
                               (read.component, PARTS), (read.basis, BASES)):
            if value is not None and value not in allowed:
                raise InputError(f"unknown '{value}'{did_you_mean(value, allowed)}; expected one "
                                 f"of {', '.join(allowed)}", where)
        unit = Quantity(1, indicators[read.impact].flow_unit)
    if unit.dimensionality != figure.published.dimensionality:
        raise InputError(f"the published unit {unit_text(figure.published.units)} does not fit "
                         f"what '{read}' gives ({unit_text(unit.units)})", where)
    if figure.study not in units:
        units[figure.study] = [u.name for u in load_study(figure.study).functional_units]
    if figure.functional_unit not in units[figure.study]:
        raise InputError(f"the study {figure.study.name} has no functional unit "
                         f"'{figure.functional_unit}'; it has {', '.join(units[figure.study])}",
                         where)


def select(figures: list[Figure], substring: str | None) -> list[Figure]:
    """The figures of the cases whose name contains `substring` (any case), or all of them."""
    if not substring:
        return figures
    chosen = [f for f in figures if substring.lower() in f.case.lower()]
    if not chosen:
        names = "; ".join(dict.fromkeys(f.case for f in figures))
        raise InputError(f"no case name contains '{substring}'; the cases are: {names}",
                         Where("command line", key="--case"))
    return chosen


# -- reading values (pure) --------------------------------------------------------------------

def gap(ours: float, published: float) -> float:
    """The relative gap of ours to the published value: +0.01 when ours is 1 % above."""
    return (ours - published) / published


def read_impact(unit: dict[str, Any], read: Read) -> float:
    """An impact of one functional unit of a results document, in the indicator's unit: the total,
    or the cells of one stage and/or one component summed; on the market-based basis if asked."""
    impact = unit["impacts"][read.impact]
    if read.basis == "market":
        impact = unit.get("market_based") or {}
        if impact.get("total") is None:
            raise InputError(f"functional unit '{unit['name']}' has no market-based result: give "
                             f"it electricity.market.gwp", Where("validation", key="basis"))
    if read.stage is None and read.component is None:
        return float(impact["total"])
    cells = impact["by_stage_and_component"]
    return float(sum(value for stage, parts in cells.items() if read.stage in (None, stage)
                     for part, value in parts.items() if read.component in (None, part)))


def read_rule(evaluator: Evaluator, read: Read) -> pint.Quantity:
    """A rule value of one functional unit, times another rule's when the figure says so."""
    value = evaluator.value(read.rule)
    return value * evaluator.value(read.times) if read.times else value


# -- running ----------------------------------------------------------------------------------

@dataclass
class Run:
    """One study run: its evaluated rules, and the results document when an impact is read."""

    prepared: Prepared
    doc: dict[str, Any] | None

    def evaluator(self, unit: str) -> Evaluator:
        return next(e for u, e in self.prepared.pairs if u.name == unit)

    def unit(self, name: str) -> dict[str, Any]:
        assert self.doc is not None, "no Brightway run: no figure of this study reads an impact"
        return next(u for u in self.doc["functional_units"] if u["name"] == name)


def run_studies(figures: list[Figure], pipeline: Pipeline) -> dict[RunKey, Run]:
    """Run each distinct study (and settings) once; Brightway only where an impact is read.

    Every study is prepared and every rule a figure reads evaluated first, so bad input stops
    the run before Brightway is written to.
    """
    keys = list(dict.fromkeys(f.run_key for f in figures))
    prepared = {key: pipeline.prepare(*key) for key in keys}
    for figure in figures:
        if figure.read.rule is not None:
            read_rule(Run(prepared[figure.run_key], None).evaluator(figure.functional_unit),
                      figure.read)
    impacts = {f.run_key for f in figures if f.read.impact is not None}
    return {key: Run(p, pipeline.score(p).results.to_json() if key in impacts else None)
            for key, p in prepared.items()}


def ours(figure: Figure, run_: Run, indicators: dict[str, Indicator]) -> float:
    """Our value of a figure, in its published unit."""
    if figure.read.rule is not None:
        value = read_rule(run_.evaluator(figure.functional_unit), figure.read)
    else:
        value = Quantity(read_impact(run_.unit(figure.functional_unit), figure.read),
                         indicators[figure.read.impact].flow_unit)
    return float(value.to(figure.published.units).magnitude)


def compare(figures: list[Figure], runs: dict[RunKey, Run]) -> list[Outcome]:
    """Every figure with our value from its study's run, in the order of the cases file."""
    indicators = load_indicators()
    return [Outcome(f, ours(f, runs[f.run_key], indicators)) for f in figures]


def validate(figures: list[Figure], pipeline: Pipeline) -> list[Outcome]:
    """Run the studies and compare every figure."""
    return compare(figures, run_studies(figures, pipeline))


# -- the document (its text: lca/report/validation.py) -------------------------------------


def as_json(outcomes: list[Outcome]) -> list[dict[str, Any]]:
    """The comparison as plain data, one item per figure."""
    return [{"case": o.figure.case, "figure": o.figure.figure, "study": str(o.figure.study),
             "functional_unit": o.figure.functional_unit, "read": str(o.figure.read),
             "settings": {s.rule: s.raw for s in o.figure.settings},
             "published": float(o.figure.published.magnitude),
             "unit": unit_text(o.figure.published.units), "ours": o.ours,
             "gap_percent": 100 * o.gap,
             "tolerance_percent": None if o.figure.by_factor else 100 * o.figure.tolerance,
             "tolerance_factor": o.figure.tolerance if o.figure.by_factor else None,
             "passed": o.passed, "source": o.figure.source, "note": o.figure.note}
            for o in outcomes]
