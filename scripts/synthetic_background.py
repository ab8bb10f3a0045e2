"""Write a small "ecoinvent-like" Brightway project to try `background:` with (no licensed data).

    BRIGHTWAY2_DIR=$(mktemp -d) python scripts/synthetic_background.py [PROJECT]

The project (default `synthetic-ecoinvent`) holds what a practitioner's would: `biosphere3`, four
real elementary flows (UUIDs and names of the ecoinvent 3.9 elementary-flow list as bw2io ships it,
bw2io/data/lci/"ecoinvent elementary flows 3.9.xml"); an LCI database `synthetic ecoinvent-like` of
three activities (US and French grid electricity, a generic electronics component that draws US
electricity); and two methods: EF 3.1 climate change restricted to the two greenhouse gases of the
database (IPCC AR6 WG1, Forster et al. 2021, Chapter 7, Table 7.15: fossil CO2 1, fossil CH4 29.8,
the factors of `EF v3.1 | climate change | global warming potential (GWP100)` for these flows to
air in the ecoinvent 3.9 LCIA implementation bw2io ships, data/lcia/lcia_39_ecoinvent.zip) and
water withdrawal (1 per m3).
The tests use it (tests/test_linking.py) with examples/background/mapping.yaml.
"""

from __future__ import annotations

import sys

PROJECT = "synthetic-ecoinvent"
DATABASE = "synthetic ecoinvent-like"
BIOSPHERE3 = "biosphere3"
CO2 = (BIOSPHERE3, "349b29d1-3e58-4c66-98b9-9d1a076efd2e")  # Carbon dioxide, fossil; air
CH4 = (BIOSPHERE3, "0795345f-c7ae-410c-ad25-1845784c75f5")  # Methane, fossil; air
WATER = (BIOSPHERE3, "831f249e-53f2-49cf-a93c-7cee105f048e")  # Water, unspecified natural origin
COPPER = (BIOSPHERE3, "5afa470c-ab8c-4ec3-8a18-5c0bed973571")  # Copper, Cu 0.38%, in mixed ore
GWP100 = ("EF v3.1 (two flows)", "climate change", "global warming potential (GWP100)")
WATER_USE = ("synthetic", "water use", "withdrawal")
CH4_GWP100 = 29.8  # IPCC AR6 WG1 Table 7.15, fossil methane, GWP-100
# Per kWh of the US grid: 0.4 kg CO2, 0.001 kg CH4, 2 L of water. Per electronics component:
# 1 kg CO2, 0.01 kg CH4, 1 g of copper ore and 0.5 kWh of the US grid.
US_GRID = {"co2": 0.4, "ch4": 0.001, "water": 0.002}
COMPONENT = {"co2": 1.0, "ch4": 0.01, "copper": 0.001, "us_grid_kwh": 0.5}


def _process(code: str, name: str, location: str, product: str, unit: str,
             exchanges: list[tuple]) -> tuple:
    key = (DATABASE, code)
    return key, {"name": name, "location": location, "reference product": product,
                 "unit": unit, "type": "process",
                 "exchanges": [{"input": key, "amount": 1.0, "type": "production"}] + [
                     {"input": i, "amount": a, "type": t} for i, a, t in exchanges]}


def write_project(project: str = PROJECT) -> None:
    """Write (or rewrite) the synthetic project."""
    import bw2data

    bw2data.projects.set_current(project)
    flows = {CO2: ("Carbon dioxide, fossil", ("air",), "kilogram", "emission"),
             CH4: ("Methane, fossil", ("air",), "kilogram", "emission"),
             WATER: ("Water, unspecified natural origin", ("natural resource", "in water"),
                     "cubic meter", "natural resource"),
             COPPER: ("Copper, Cu 0.38%, in mixed ore", ("natural resource", "in ground"),
                      "kilogram", "natural resource")}
    bw2data.Database(BIOSPHERE3).write({key: {"name": n, "categories": c, "unit": u, "type": t}
                                        for key, (n, c, u, t) in flows.items()})
    grid = "market for electricity, medium voltage"
    bw2data.Database(DATABASE).write(dict([
        _process("grid-us", grid, "US", "electricity, medium voltage", "kilowatt hour",
                 [(CO2, US_GRID["co2"], "biosphere"), (CH4, US_GRID["ch4"], "biosphere"),
                  (WATER, US_GRID["water"], "biosphere")]),
        # The same name elsewhere: a mapping by name alone is ambiguous.
        _process("grid-fr", grid, "FR", "electricity, medium voltage", "kilowatt hour",
                 [(CO2, 0.05, "biosphere"), (CH4, 0.0001, "biosphere")]),
        _process("electronics", "electronics component production, generic", "GLO",
                 "electronics component", "unit",
                 [(CO2, COMPONENT["co2"], "biosphere"), (CH4, COMPONENT["ch4"], "biosphere"),
                  (COPPER, COMPONENT["copper"], "biosphere"),
                  ((DATABASE, "grid-us"), COMPONENT["us_grid_kwh"], "technosphere")])]))
    for name, unit, factors in ((GWP100, "kg CO2-Eq", [(CO2, 1.0), (CH4, CH4_GWP100)]),
                                (WATER_USE, "cubic meter", [(WATER, 1.0)])):
        method = bw2data.Method(name)
        method.register(unit=unit)
        method.write(factors)


if __name__ == "__main__":
    from lca.brightway.bwcompat import chatter

    with chatter():  # bw2data's banner and progress lines
        write_project(*sys.argv[1:2])
    print(f"wrote project '{sys.argv[1] if len(sys.argv) > 1 else PROJECT}': databases "
          f"{BIOSPHERE3}, {DATABASE}; methods {list(GWP100)}, {list(WATER_USE)}")
