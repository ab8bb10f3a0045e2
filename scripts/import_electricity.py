"""Build ``inventories/electricity.csv``: electricity impact factors per kWh, per location.

Reads the unmodified open-data copies under the shared data folder and writes one row per
location x indicator x dataset, each with its unit, year, source and licence:

* ``digital4better`` (github.com/digital4better/data, ODbL-1.0): ``country-yearly.csv``,
  ``subdivision-yearly.csv``, ``continent-yearly.csv``, ``world-yearly.csv``; indicators ``gwp`` and
  ``adpe``. Its ``wu`` column is a deprivation-weighted *water use*, not water consumption, so it is
  deliberately not imported. It has no primary energy.
* ``boavizta`` (github.com/Boavizta/boaviztapi ``boaviztapi/data/factors.yml``, key ``electricity``):
  ``gwp``, ``pe``, ``adpe`` and ``water`` (= Boavizta ``wu``, WRI 2020 water consumption), with the
  reference year and source that factors.yml gives for each zone and criterion.

Location ids: ISO 3166-1 alpha-3 for countries (Digital4Better's alpha-2 codes are mapped with
``inventories/locations.csv``), ISO 3166-2 for subdivisions (``US-CA``), and ``world``, ``europe``,
``africa``, ``asia``, ``north-america``, ``oceania``, ``south-america`` for regions. A value that a
source does not give produces no row (never a zero).

Rerun from the repository root (stdlib + PyYAML)::

    python scripts/import_electricity.py                 # sources in ../shared/data
    python scripts/import_electricity.py /path/to/data --d4b-year 2024

``--d4b-year`` picks the Digital4Better year (default 2024, the last complete year; ``latest``
takes each location's most recent row, which in release 1.3.53 is the partial year 2026).
The output is sorted by location, indicator and dataset, so reruns are byte-identical.
"""

from __future__ import annotations

import argparse
import csv
import math
import sys
from pathlib import Path
from typing import NamedTuple

import yaml

REPO = Path(__file__).resolve().parents[1]
DEFAULT_SOURCE = REPO.parent / "shared" / "data"
DEFAULT_OUT = REPO / "inventories" / "electricity.csv"
DEFAULT_LOCATIONS = REPO / "inventories" / "locations.csv"
DEFAULT_D4B_YEAR = "2024"

# Versions of the shared copies (shared/data/README.md); update when the copies are refreshed.
D4B_VERSION = "1.3.53"
BOAVIZTA_VERSION = "2.4.1"

COLUMNS = ["location", "location_name", "indicator", "value", "unit", "dataset", "year", "source", "licence"]
UNITS = {"gwp": "kg CO2-eq/kWh", "pe": "MJ/kWh", "water": "m3/kWh", "adpe": "kg Sb-eq/kWh"}

D4B_LICENCE = "ODbL-1.0"
D4B_INDICATORS = {"gwp": "gwp", "adpe": "adpe"}  # project indicator -> D4B column (not wu: see docstring)
D4B_METHOD = (
    "Ember generation mix x per-technology LCA factors (UNECE 2021 and literature; data/energy/energy-impacts.csv)"
)
D4B_SUBDIVISION_MIX = {"US": "EIA state generation data", "CA": "Statistics Canada provincial generation data"}
D4B_CONTINENTS = {
    "Africa": "africa",
    "Asia": "asia",
    "Europe": "europe",
    "North America": "north-america",
    "Oceania": "oceania",
    "South America": "south-america",
}

BOAVIZTA_LICENCE = "AGPL-3.0 (Boavizta API project); compiles ADEME, Ember, Scarlat et al. and WRI figures"
# project indicator -> (factors.yml criterion, unit as factors.yml writes it)
BOAVIZTA_INDICATORS = {
    "gwp": ("gwp", "kg éq. CO2"),
    "pe": ("pe", "MJ"),
    "water": ("wu", "m3/kWh"),
    "adpe": ("adpe", "kg éq. Sb"),
}
BOAVIZTA_REGIONS = {"WOR": ("world", "World"), "EEE": ("europe", "Europe")}
BOAVIZTA_NOT_ZONES = {"available_countries", "min-max"}
# factors.yml `source` text -> citation a reader can follow
BOAVIZTA_SOURCES = {
    "https://www.sciencedirect.com/science/article/pii/S0306261921012149": (
        "Scarlat, Prussi & Padella 2022, Applied Energy 305:117901, doi:10.1016/j.apenergy.2021.117901"
    ),
    "https://ember-climate.org/data/data-explorer": "Ember data explorer, https://ember-climate.org/data/data-explorer",
    "ADEME Base IMPACTS ®": "ADEME Base IMPACTS",
    "Average of all country in the csv": "Boavizta: average of all countries in its electricity table",
    "ADPf / (1-%renewable_energy)": (
        "Boavizta: ADPf (ADEME Base IMPACTS 2011) / (1 - renewable share of electricity, IRENA 2016)"
    ),
    "https://www.wri.org/data/dataset-guidance-calculating-water-use-embedded-purchased-electricity": (
        "WRI 2020, Guidance for calculating water use embedded in purchased electricity (water consumption), "
        "https://www.wri.org/data/dataset-guidance-calculating-water-use-embedded-purchased-electricity"
    ),
}

# ISO 3166-2 names of the subdivisions Digital4Better publishes (static; from pycountry 26.2.16).
SUBDIVISION_NAMES = {
    "CA-AB": "Alberta", "CA-BC": "British Columbia", "CA-MB": "Manitoba", "CA-NB": "New Brunswick",
    "CA-NL": "Newfoundland and Labrador", "CA-NS": "Nova Scotia", "CA-NT": "Northwest Territories",
    "CA-NU": "Nunavut", "CA-ON": "Ontario", "CA-PE": "Prince Edward Island", "CA-QC": "Quebec",
    "CA-SK": "Saskatchewan", "CA-YT": "Yukon",
    "US-AK": "Alaska", "US-AL": "Alabama", "US-AR": "Arkansas", "US-AZ": "Arizona", "US-CA": "California",
    "US-CO": "Colorado", "US-CT": "Connecticut", "US-DC": "District of Columbia", "US-DE": "Delaware",
    "US-FL": "Florida", "US-GA": "Georgia", "US-HI": "Hawaii", "US-IA": "Iowa", "US-ID": "Idaho",
    "US-IL": "Illinois", "US-IN": "Indiana", "US-KS": "Kansas", "US-KY": "Kentucky", "US-LA": "Louisiana",
    "US-MA": "Massachusetts", "US-MD": "Maryland", "US-ME": "Maine", "US-MI": "Michigan",
    "US-MN": "Minnesota", "US-MO": "Missouri", "US-MS": "Mississippi", "US-MT": "Montana",
    "US-NC": "North Carolina", "US-ND": "North Dakota", "US-NE": "Nebraska", "US-NH": "New Hampshire",
    "US-NJ": "New Jersey", "US-NM": "New Mexico", "US-NV": "Nevada", "US-NY": "New York", "US-OH": "Ohio",
    "US-OK": "Oklahoma", "US-OR": "Oregon", "US-PA": "Pennsylvania", "US-RI": "Rhode Island",
    "US-SC": "South Carolina", "US-SD": "South Dakota", "US-TN": "Tennessee", "US-TX": "Texas",
    "US-UT": "Utah", "US-VA": "Virginia", "US-VT": "Vermont", "US-WA": "Washington", "US-WI": "Wisconsin",
    "US-WV": "West Virginia", "US-WY": "Wyoming",
}


class Row(NamedTuple):
    location: str
    location_name: str
    indicator: str
    value: float
    unit: str
    dataset: str
    year: str
    source: str
    licence: str


class Country(NamedTuple):
    alpha3: str
    name: str


def read_locations(path: Path) -> dict[str, Country]:
    """alpha-2 -> (alpha-3, name), from the static table ``inventories/locations.csv``."""
    with path.open(newline="", encoding="utf-8") as f:
        return {r["alpha2"]: Country(r["alpha3"], r["name"]) for r in csv.DictReader(f)}


def parse_value(text: object, where: str) -> float | None:
    """A positive finite number, or None when the source gives nothing. Zero or negative is an error."""
    if text is None or (isinstance(text, str) and not text.strip()):
        return None
    value = float(text)  # type: ignore[arg-type]
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{where}: value {text!r} is not a positive number; refusing to import it")
    return value


def pick_year(rows: list[dict[str, str]], year: str) -> dict[str, str] | None:
    """The row for ``year``, or the most recent row when ``year`` is ``latest``."""
    if year == "latest":
        return max(rows, key=lambda r: int(r["year"]))
    return next((r for r in rows if r["year"] == year), None)


def d4b_rows(folder: Path, countries: dict[str, Country], year: str) -> list[Row]:
    """gwp and adpe per world, continent, country and subdivision, for one year."""
    tables = [  # (file, key column or None for the single world series)
        ("world-yearly.csv", None),
        ("continent-yearly.csv", "continent"),
        ("country-yearly.csv", "country"),
        ("subdivision-yearly.csv", "subdivision"),
    ]
    out: list[Row] = []
    for filename, key in tables:
        with (folder / filename).open(newline="", encoding="utf-8") as f:
            series: dict[str, list[dict[str, str]]] = {}
            for r in csv.DictReader(f):
                series.setdefault(r[key] if key else "World", []).append(r)
        for code, rows in series.items():
            chosen = pick_year(rows, year)
            if chosen is None:
                print(f"note: {filename} has no {year} row for {code}; skipped", file=sys.stderr)
                continue
            if key is None:
                location, name, mix = "world", "World", D4B_METHOD
            elif key == "continent":
                location, name, mix = D4B_CONTINENTS[code], code, D4B_METHOD
            elif key == "country":
                if code not in countries:
                    raise KeyError(f"{filename}: country {code} missing from locations.csv")
                location, name = countries[code]
                mix = D4B_METHOD
            else:
                location, name = code, SUBDIVISION_NAMES[code]
                mix = D4B_METHOD.replace("Ember generation mix", D4B_SUBDIVISION_MIX[code[:2]])
            where = f"{filename} {code} {chosen['year']}"
            selector = f"{code}, {chosen['year']}" if key else chosen["year"]
            source = (
                f"d4b-data: data/factor/{filename} ({selector}), release {D4B_VERSION}; {mix}"
            )
            for indicator, column in D4B_INDICATORS.items():
                value = parse_value(chosen[column], f"{where} {column}")
                if value is not None:
                    out.append(Row(location, name, indicator, value, UNITS[indicator], "digital4better",
                                   chosen["year"], source, D4B_LICENCE))
    return out


def boavizta_rows(path: Path, countries: dict[str, Country]) -> list[Row]:
    """gwp, pe, water (wu) and adpe per zone of factors.yml `electricity`."""
    with path.open(encoding="utf-8") as f:
        electricity = yaml.load(f, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))["electricity"]
    names_by_alpha3 = {c.alpha3: c.name for c in countries.values()}
    out: list[Row] = []
    for zone, criteria in electricity.items():
        if zone in BOAVIZTA_NOT_ZONES:
            continue
        if zone in BOAVIZTA_REGIONS:
            location, name = BOAVIZTA_REGIONS[zone]
        elif zone in names_by_alpha3:
            location, name = zone, names_by_alpha3[zone]
        else:
            raise KeyError(f"factors.yml electricity zone {zone} missing from locations.csv")
        for indicator, (criterion, unit) in BOAVIZTA_INDICATORS.items():
            entry = criteria.get(criterion)
            if entry is None:
                continue
            where = f"factors.yml electricity.{zone}.{criterion}"
            if entry["unit"] != unit:
                raise ValueError(f"{where}: unit {entry['unit']!r}, expected {unit!r}")
            value = parse_value(entry.get("value"), where)
            if value is None:
                continue
            source = (
                f"boaviztapi: boaviztapi/data/factors.yml electricity.{zone}.{criterion}, release "
                f"{BOAVIZTA_VERSION}; {BOAVIZTA_SOURCES[entry['source']]}"
            )
            out.append(Row(location, name, indicator, value, UNITS[indicator], "boavizta",
                           str(entry["reference_year"]), source, BOAVIZTA_LICENCE))
    return out


def write_rows(rows: list[Row], path: Path) -> None:
    rows = sorted(rows, key=lambda r: (r.location, r.indicator, r.dataset))
    keys = [(r.location, r.indicator, r.dataset) for r in rows]
    if len(set(keys)) != len(keys):
        raise ValueError("duplicate location x indicator x dataset rows")
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(COLUMNS)
        for r in rows:
            writer.writerow([*r[:3], repr(r.value), *r[4:]])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("source", nargs="?", type=Path, default=DEFAULT_SOURCE,
                        help="shared data folder (default: ../shared/data next to the repository)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--locations", type=Path, default=DEFAULT_LOCATIONS)
    parser.add_argument("--d4b-year", default=DEFAULT_D4B_YEAR, help="a year, or 'latest' (default 2024)")
    args = parser.parse_args(argv)

    countries = read_locations(args.locations)
    rows = d4b_rows(args.source / "digital4better-data", countries, args.d4b_year)
    rows += boavizta_rows(args.source / "boaviztapi" / "factors.yml", countries)
    write_rows(rows, args.out)
    print(f"wrote {len(rows)} rows to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
