"""A comparison (`compare --allocation all`, `compare --scenario`) for the terminal and as the
long-form comparison.csv, from its section of the document."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from lca.core.units import format_number
from lca.report.texttable import aligned


def table(section: dict[str, Any], title: str) -> str:
    """A comparison as text: per functional unit, one row per indicator, one column per choice."""
    cols = section["columns"]
    lines = [title, ""]
    units: dict[str, list[dict[str, Any]]] = {}
    for row in section["rows"]:
        units.setdefault(row["functional_unit"], []).append(row)
    for unit, rows in units.items():
        lines.append(f"== {unit}")
        grid = [["indicator", "unit", *cols, "max / min"]]
        for row in rows:
            vals = [v for v in row["values"].values() if v is not None]
            spread = f"{max(vals) / min(vals):.2f}x" if len(vals) > 1 and min(vals) > 0 else "-"
            grid.append([row["indicator_name"], row["unit"],
                         *(_cell(row["values"][c], row["incomplete"].get(c, False)) for c in cols),
                         spread])
        if "server_share" in rows[0]:
            grid.append(["server share per GPU-hour", "1",
                         *(format_number(rows[0]["server_share"][c]) for c in cols), ""])
        lines += aligned(grid)
        lines.append("")
    if any(c for r in section["rows"] for c in r["incomplete"].values()):
        lines.append("* incomplete: data missing for this indicator (see `assess` for which)")
    differing = section.get("differences", [])
    if differing:
        lines.append("inputs that differ:")
    for diff in differing:
        values = "; ".join(f"{k}: {'-' if v is None else v}" for k, v in diff["values"].items())
        lines.append(f"  [{diff['functional_unit']}] {diff['rule']}: {values}")
    return "\n".join(lines).rstrip() + "\n"


def write_csv(section: dict[str, Any], path: Path) -> None:
    """Long form: one row per functional unit x indicator x column."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["functional_unit", "indicator", "indicator_name", "unit", "column", "value"])
        for row in section["rows"]:
            for col, value in row["values"].items():
                out.writerow([row["functional_unit"], row["indicator"], row["indicator_name"],
                              row["unit"], col, "" if value is None else repr(value)])


def _cell(value: float | None, incomplete: bool) -> str:
    return "n/a" if value is None else format_number(value) + ("*" if incomplete else "")
