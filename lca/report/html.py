"""report.html: the study laid out as ISO 14044 section 5 asks, from its results document.

A Jinja2 template (templates/report.html.j2) does the layout; this module only gathers what the
template shows. The page is self-contained: figures are embedded, nothing is fetched.
"""

from __future__ import annotations

import base64
import datetime as dt
from collections import Counter
from pathlib import Path
from typing import Any

import jinja2

from lca import __version__
from lca.core.units import significant
from lca.inventory.template import PART_NAMES
from lca.report import interpretation, tables
from lca.report.text import shown_parts
from lca.scoring.engine import STAGES

TEMPLATES = Path(__file__).with_name("templates")


def data_uri(svg: Path) -> str:
    """An SVG file as a data: URI, so that the page needs no other file."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.read_bytes()).decode("ascii")


def _cell(value: Any) -> str:
    """A value as a reader wants it: numbers formatted, yes/no for booleans, n/a for none."""
    if value is None:
        return "n/a"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return significant(value) if isinstance(value, (int, float)) else str(value)


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES),
                             autoescape=jinja2.select_autoescape(["html", "j2"]),
                             undefined=jinja2.StrictUndefined, trim_blocks=True,
                             lstrip_blocks=True)
    env.filters["num"] = _cell
    env.filters["pct"] = lambda v: f"{100 * v:.1f} %"
    return env


def render(doc: dict[str, Any], figures: dict[str, str]) -> str:
    """The report as HTML text; `figures` maps a figure's name to its data URI."""
    given: dict[tuple[str, str], dict[str, Any]] = {}  # what the study says, once per place
    for unit in doc["functional_units"]:
        for row in unit["inputs"]:
            if row["origin"] in ("study", "functional unit", "command line"):
                entry = given.setdefault((row["rule"], row["where"]), dict(row, units=[]))
                entry["units"].append(unit["name"])
    context = {
        "doc": doc, "gs": doc["goal_and_scope"], "version": __version__,
        "date": dt.date.today().isoformat(),
        "stages": STAGES, "parts": shown_parts(doc), "part_names": PART_NAMES,
        "figures": figures, "interp": interpretation.interpret(doc),
        "quality_counts": Counter(row["status"] for row in doc["data_quality"]),
        "given": list(given.values()),
    }
    return _environment().get_template("report.html.j2").render(**context)


def render_scenarios(doc: dict[str, Any], figures: dict[str, str],
                     overview: list[dict[str, Any]]) -> str:
    """The scenario comparison as HTML text; `figures` maps a figure's name to its data URI:
    `scenarios` (the ratios), `contributions-N` (the Nth scenario's contributions); `overview`
    has one row per scenario (`scenarios.overview`)."""
    section = doc["scenario_comparison"]
    units: dict[str, list[dict[str, Any]]] = {}
    frame = tables.comparison(section)
    for row in frame.astype(object).where(frame.notna(), None).to_dict("records"):
        units.setdefault(row["functional_unit"], []).append(row)
    context = {
        "doc": doc, "section": section, "version": __version__,
        "date": dt.date.today().isoformat(), "units": units,
        "overview": overview,
        "figures": figures,
        "market": any(u.get("market_based") for s in doc["scenarios"].values()
                      for u in s["functional_units"]),
    }
    return _environment().get_template("scenarios.html.j2").render(**context)
