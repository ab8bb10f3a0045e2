"""The open data of `inventories/` and `methods/`, read and checked: no Brightway here.

Electricity factors per location (several datasets, one chosen per indicator), manufacturing
datasets with the profiles that compose server parts from them, and the impact indicators.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from lca.core.errors import InputError, Where, did_you_mean
from lca.core.paths import data_dir
from lca.core.provenance import Given, Origin, given
from lca.core.references import parse_citation
from lca.core.rules.expression import Node, references
from lca.core.rules.rule import parse_formula
from lca.core.rules.ruleset import RuleSet, raise_all, static_problem
from lca.core.units import Quantity
from lca.core.yamlsource import read_yaml

INDICATORS = ("gwp", "pe", "water", "adpe")
ELECTRICITY_UNITS = {"gwp": "kg CO2-eq/kWh", "pe": "MJ/kWh", "water": "m3/kWh",
                     "adpe": "kg Sb-eq/kWh"}
# Which dataset gives each indicator of a location's electricity, first choice first: the newest
# data where there is a choice (Digital4Better 2024 for gwp and adpe); Boavizta alone has primary
# energy and water consumption. See inventories/README.md.
ELECTRICITY_PREFERENCE = {"gwp": ("digital4better", "boavizta"),
                          "adpe": ("digital4better", "boavizta"),
                          "pe": ("boavizta",), "water": ("boavizta",)}
# Brightway unit names (bw2io's canonical ones, so Excel round trips relink) and their pint units.
BW_UNITS = {"unit": "dimensionless", "kilowatt hour": "kWh", "hour": "h", "gigabyte": "GB",
            "square centimeter": "cm**2", "square millimeter": "mm**2", "kilogram": "kg",
            "cubic meter": "m**3"}
MANUFACTURING = "inventories/manufacturing.yaml"


@dataclass(frozen=True)
class Indicator:
    """An impact category: its id, name, unit, and the unit of its indicator flow in Brightway."""

    id: str
    name: str
    unit: str
    flow_unit: str
    description: str
    source: str
    year: int
    licence: str


@dataclass(frozen=True)
class Location:
    """A location's electricity: one factor per indicator where the data have one, each a
    `Given` of origin data with its source, year and licence."""

    code: str
    name: str
    factors: dict[str, Given]

    def missing(self) -> list[str]:
        return [i for i in INDICATORS if i not in self.factors]


@dataclass(frozen=True)
class Dataset:
    """A manufacturing dataset: impacts per reference unit, and what its source lacks."""

    id: str
    name: str
    unit: str  # Brightway unit name: unit, gigabyte, square centimeter, ...
    impacts: dict[str, Given]  # per indicator, of origin data
    missing: dict[str, str]


@dataclass(frozen=True)
class ProfileItem:
    """A dataset and its amount (a formula over rules) in one unit of a server part."""

    dataset: str
    amount: Node
    amount_text: str
    where: Where


@dataclass(frozen=True)
class PartProfiles:
    """How a server part's manufacturing is composed, per choice of the rule that selects it.

    `factors` is the prefix of the rules that carry the impacts of a one-dataset profile
    (`gpu.embodied` -> gpu.embodied.gwp, ...), or None when the part's data are used as published.
    A profile of several datasets (the GPU's per-die `mlca-die`) is always used as published: its
    impacts come from rules of its amounts (gpu.die_area, gpu.memory), not from `factors`.
    """

    part: str
    rule: str
    factors: str | None
    choices: dict[str, list[ProfileItem]]
    # The choice that a study's own `factors` figures select when the study does not choose the
    # profile itself (the server's published total), so that a figure given is never ignored.
    given: str | None = None
    where: Where = Where(MANUFACTURING)

    def factor_prefix(self, choice: str) -> str | None:
        """The `factors` prefix when that choice is one dataset whose impacts are rules."""
        return self.factors if len(self.choices[choice]) == 1 else None


@lru_cache(maxsize=1)
def load_indicators() -> dict[str, Indicator]:
    """The indicators of `methods/*.yaml`, in the order gwp, pe, water, adpe."""
    folder = data_dir("methods")
    found = {}
    for path in sorted(folder.glob("*.yaml")):
        doc = read_yaml(path, f"methods/{path.name}")
        d = doc.data
        source = parse_citation(d["source"], doc.where(("source",)))
        found[d["id"]] = Indicator(d["id"], d["name"], d["unit"], d["flow_unit"],
                                   d["description"].strip(), str(source), int(d["year"]),
                                   d["licence"])
    if set(found) != set(INDICATORS):
        raise InputError(f"methods/ must define {', '.join(INDICATORS)}; found {', '.join(found)}",
                         Where("methods/"))
    return {i: found[i] for i in INDICATORS}


@lru_cache(maxsize=1)
def load_locations() -> dict[str, Location]:
    """Every location of `inventories/electricity.csv`, with the preferred factor per indicator."""
    path = data_dir("inventories") / "electricity.csv"
    rows: dict[str, dict[str, dict[str, Given]]] = {}
    names: dict[str, str] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            where = Where("inventories/electricity.csv", line, f"{row['location']}.{row['indicator']}")
            if row["unit"] != ELECTRICITY_UNITS.get(row["indicator"]):
                raise InputError(f"unit {row['unit']!r} for {row['indicator']}, expected "
                                 f"{ELECTRICITY_UNITS.get(row['indicator'])!r}", where)
            names[row["location"]] = row["location_name"]
            source = parse_citation(row["source"], where)
            # The year is text: a combined figure may cite two years ("2011 & 2016").
            factor = given(float(row["value"]), where, Origin.DATA, str(source), row["year"],
                           row["licence"])
            rows.setdefault(row["location"], {}).setdefault(row["indicator"], {})[row["dataset"]] = factor
    locations = {}
    for code, by_indicator in rows.items():
        chosen = {}
        for indicator in INDICATORS:
            options = by_indicator.get(indicator, {})
            for dataset in ELECTRICITY_PREFERENCE[indicator]:
                if dataset in options:
                    chosen[indicator] = options[dataset]
                    break
        locations[code] = Location(code, names[code], chosen)
    return locations


@lru_cache(maxsize=1)
def _alpha2_to_alpha3() -> dict[str, str]:
    path = data_dir("inventories") / "locations.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        return {row["alpha2"].upper(): row["alpha3"].upper() for row in csv.DictReader(handle)}


def resolve_location(code: str, where: Where) -> Location:
    """A location by ISO alpha-3 or alpha-2 code, subdivision (US-CA) or region (world, europe)."""
    locations = load_locations()
    by_upper = {c.upper(): c for c in locations}
    key = code.strip().upper()
    key = _alpha2_to_alpha3().get(key, key) if len(key) == 2 else key
    if key in by_upper:
        return locations[by_upper[key]]
    raise InputError(f"unknown location '{code}'{did_you_mean(code, locations)}; use an ISO 3166 "
                     f"alpha-3 or alpha-2 code (FRA, FR), a subdivision (US-CA) or a region "
                     f"(world, europe); inventories/electricity.csv lists them", where)


def manufacturing_path() -> Path:
    return data_dir("inventories") / "manufacturing.yaml"


@lru_cache(maxsize=1)
def load_manufacturing() -> tuple[dict[str, Dataset], dict[str, PartProfiles]]:
    """Datasets and part profiles of `inventories/manufacturing.yaml`, checked on their own;
    `check_profiles` checks them against the rules."""
    doc = read_yaml(manufacturing_path(), MANUFACTURING)
    datasets = {}
    for ds_id, entry in doc.data["datasets"].items():
        impacts = {}
        for indicator, item in entry["impacts"].items():
            where = doc.where(("datasets", ds_id, "impacts", indicator))
            if indicator not in INDICATORS or set(item) != {"value", "source", "year", "licence"}:
                raise InputError("an impact is one of gwp, pe, water, adpe with value, source, "
                                 "year and licence", where)
            source = parse_citation(item["source"], where)
            impacts[indicator] = given(float(item["value"]), where, Origin.DATA, str(source),
                                       str(item["year"]), item["licence"])
        missing = dict(entry.get("missing") or {})
        if set(impacts) | set(missing) != set(INDICATORS) or set(impacts) & set(missing):
            raise InputError("each indicator is either in impacts or in missing (with a reason)",
                             doc.where(("datasets", ds_id)))
        if entry["unit"] not in BW_UNITS:
            raise InputError(f"unit '{entry['unit']}' is not one of {', '.join(BW_UNITS)}",
                             doc.where(("datasets", ds_id, "unit")))
        datasets[ds_id] = Dataset(ds_id, entry["name"], entry["unit"], impacts, missing)
    parts = {}
    for part, entry in doc.data["profiles"].items():
        choices = {}
        for choice, items in entry["choices"].items():
            where = doc.where(("profiles", part, "choices", choice))
            for item in items:
                if item["dataset"] not in datasets:
                    raise InputError(f"unknown dataset '{item['dataset']}'"
                                     f"{did_you_mean(item['dataset'], datasets)}", where)
            choices[choice] = [ProfileItem(i["dataset"], parse_formula(str(i["amount"]), where),
                                           str(i["amount"]), where) for i in items]
        by_figures = entry.get("given")
        if by_figures is not None and (by_figures not in choices or len(choices[by_figures]) != 1
                                       or not entry.get("factors")):
            raise InputError("`given` names a choice of one dataset, whose impacts are the "
                             "part's `factors`", doc.where(("profiles", part, "given")))
        parts[part] = PartProfiles(part, entry["rule"], entry.get("factors"), choices, by_figures,
                                   doc.where(("profiles", part)))
    return datasets, parts


def check_profiles(rules: RuleSet) -> None:
    """The profiles against the rules: the rule that selects a part's profile is a text rule
    with a profile for each of its choices, and no other; the `factors` rules exist; each
    amount refers to rules only and is in its dataset's unit (per one GPU, or one server).
    Every problem is reported together, each with its file, line and key."""
    datasets, parts = load_manufacturing()
    problems: list[InputError] = []
    for part in parts.values():
        key = Where(MANUFACTURING, part.where.line, f"profiles.{part.part}")
        rule = rules.rules.get(part.rule)
        if rule is None or rule.kind != "text":
            problems.append(InputError(f"profile '{part.part}' is selected by '{part.rule}', "
                                       f"which is not a text rule of the model"
                                       f"{did_you_mean(part.rule, rules.rules)}", key))
            continue
        lacking = [c for c in rule.choices if c not in part.choices]
        unknown = [c for c in part.choices if c not in rule.choices]
        if lacking or unknown:
            problems.append(InputError(
                (f"choice {', '.join(repr(c) for c in lacking)} of rule {part.rule} has no profile"
                 if lacking else f"{', '.join(repr(c) for c in unknown)} is not a choice of rule "
                 f"{part.rule} ({', '.join(rule.choices)})")
                + f"; the choices that have profiles: {', '.join(part.choices)}",
                Where(MANUFACTURING, part.where.line, f"profiles.{part.part}.choices")))
        if part.factors:
            problems += [InputError(f"`factors: {part.factors}` needs the rule "
                                    f"{part.factors}.{i}", key)
                         for i in INDICATORS if f"{part.factors}.{i}" not in rules]
        for choice, items in part.choices.items():
            for item in items:
                problems += _amount_problems(item, datasets[item.dataset], rules,
                                             f"profiles.{part.part}.choices.{choice}")
    raise_all(problems, MANUFACTURING)


def _amount_problems(item: ProfileItem, dataset: Dataset, rules: RuleSet, key: str
                     ) -> list[InputError]:
    """An amount's unknown rules, or its dimension if it is not its dataset's unit."""
    where = Where(MANUFACTURING, item.where.line, key)
    unknown = [r for r in references(item.amount) if r not in rules]
    if unknown:
        return [InputError(f"amount '{item.amount_text}' of {item.dataset} refers to unknown rule "
                           f"'{r}'{did_you_mean(r, rules.rules)}", where) for r in unknown]
    unit = Quantity(1, BW_UNITS[dataset.unit]).units
    problem = static_problem(item.amount, rules.rules, "quantity", unit, "amount",
                             f"the unit of {item.dataset}")
    return [InputError(f"amount '{item.amount_text}' of {item.dataset}: {problem}", where)
            ] if problem else []
