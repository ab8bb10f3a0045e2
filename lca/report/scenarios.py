"""`compare --scenario ... --out DIR`: the scenarios side by side as a workbook, figures and an
HTML report, from the comparison document (`scenario_comparison` and each scenario's results).

The frames reuse lca/report/tables.py (each scenario's contributions, market-based results and
data quality, with a `scenario` column) and the figures lca/report/figures.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from lca.report import figures, html, tables
from lca.report.workbook import write_sheets

Doc = dict[str, Any]
WRITTEN = ("results.json", "results.xlsx", "figures/", "report.html")


def _stacked(doc: Doc, table: Any) -> pd.DataFrame | None:
    """One table of every scenario's document, a `scenario` column first; None if none has it."""
    frames = [frame.assign(scenario=label) for label, scenario in doc["scenarios"].items()
              if (frame := table(scenario)) is not None]
    if not frames:
        return None
    frame = pd.concat(frames, ignore_index=True)
    return frame[["scenario", *[c for c in frame.columns if c != "scenario"]]]


def overview(doc: Doc) -> pd.DataFrame:
    """One row per scenario: its label, title, file, location, hardware and allocation."""
    rows = []
    for label, scenario in doc["scenarios"].items():
        loc = scenario["location"]
        units = {u["name"]: u for u in scenario["functional_units"]}
        own = "; ".join(f"{name}: {u['location']['name']} ({u['location']['code']})"
                        for name, u in units.items() if u.get("location") and u["location"] != loc)
        rows.append({"scenario": label, "study": scenario["study"],
                     "file": doc["scenario_comparison"]["studies"][label]["file"],
                     "location": f"{loc['name']} ({loc['code']})" if loc else "none: factors given",
                     "units elsewhere": own,
                     "hardware": scenario["goal_and_scope"]["hardware"] or "none: values given",
                     "allocation": scenario["allocation"]})
    return pd.DataFrame(rows)


def differences(doc: Doc) -> pd.DataFrame:
    """The inputs that differ, per functional unit and rule, one column per scenario."""
    section = doc["scenario_comparison"]
    rows = [{"functional_unit": d["functional_unit"], "rule": d["rule"],
             **{k: "-" if v is None else v for k, v in d["values"].items()}}
            for d in section["differences"]]
    return pd.DataFrame(rows, columns=["functional_unit", "rule", *section["columns"]])


def sheets(doc: Doc) -> dict[str, pd.DataFrame]:
    """The workbook's sheets: the scenarios, what differs, the results side by side, then each
    scenario's contributions, market-based results (when given) and data quality."""
    out = {"Scenarios": overview(doc), "Inputs that differ": differences(doc),
           "Results side by side": tables.comparison(doc["scenario_comparison"])}
    for name, table in (("Contributions", tables.contributions),
                        ("Market-based", tables.market_based),
                        ("Data quality", tables.data_quality)):
        frame = _stacked(doc, table)
        if frame is not None:
            out[name] = frame
    return out


def write_report(doc: Doc, out: Path) -> None:
    """results.xlsx, figures/ and report.html of a scenario comparison, into `out`."""
    out.mkdir(parents=True, exist_ok=True)
    write_sheets(sheets(doc), out / "results.xlsx")
    drawn = {"scenarios": figures.scenario_comparison(doc)}
    drawn |= {f"contributions-{n}": figures.contributions(scenario)
              for n, scenario in enumerate(doc["scenarios"].values(), start=1)}
    uris = {}
    for name, figure in drawn.items():
        paths = figures.save(figure, out / "figures", name)
        uris[name] = html.data_uri(next(p for p in paths if p.suffix == ".svg"))
    page = html.render_scenarios(doc, uris, overview(doc).to_dict("records"))
    (out / "report.html").write_text(page, encoding="utf-8")
