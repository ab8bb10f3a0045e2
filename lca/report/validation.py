"""The validation (`genai-lca validate`) for the terminal and as the README's Markdown table: the
published value, ours, the gap and the tolerance per figure. It presents the comparison as
`validate --json` gives it (`lca.analysis.validate.as_json`), so that the report reads the
analysis' output and never its types."""

from __future__ import annotations

from typing import Any

from lca.core.units import format_number
from lca.report.texttable import aligned

Item = dict[str, Any]  # one figure of the comparison: case, figure, published, ours, gap...


HEAD = ("case", "figure", "published", "ours", "gap", "tolerance", "result")


def rows(items: list[Item]) -> list[list[str]]:
    """One row of text per figure; the case is named on its first figure only."""
    out = []
    previous = None
    for item in items:
        unit = item["unit"]
        factor = item["tolerance_factor"]
        out.append([item["case"] if item["case"] != previous else "", item["figure"],
                    f"{format_number(item['published'])} {unit}",
                    f"{format_number(_rounded(item['ours']))} {unit}",
                    f"{item['gap_percent']:+.2f} %",
                    f"factor {factor:g}" if factor is not None
                    else f"{item['tolerance_percent']:g} %",
                    "pass" if item["passed"] else "FAIL"])
        previous = item["case"]
    return out


def _rounded(value: float) -> float:
    """Six significant digits: enough to show any gap a tolerance allows, and stable against the
    last bits of Brightway's float32 storage, so the README's table does not drift."""
    return float(f"{value:.6g}")


def _notes(items: list[Item]) -> list[str]:
    return [f"{item['case']}, {item['figure']}: {item['note']}" for item in items
            if item["note"]]


def table(items: list[Item]) -> str:
    """The comparison for the terminal, a summary line and the notes."""
    # The case on a line of its own above its figures, so that the table fits the terminal.
    body = [list(HEAD[1:])]
    for row in rows(items):
        if row[0]:
            body.append([row[0], *[""] * (len(HEAD) - 2)])
        body.append(["  " + row[1], *row[2:]])
    lines = [line.rstrip() for line in aligned(body, labels=1, indent="")]
    failed = [item for item in items if not item["passed"]]
    lines += ["", f"{len(items)} figures: {len(items) - len(failed)} within tolerance"
                  + (f", {len(failed)} FAIL" if failed else "")]
    notes = _notes(items)
    if notes:
        lines += ["", "notes:", *(f"- {n}" for n in notes)]
    return "\n".join(lines) + "\n"


def markdown(items: list[Item]) -> str:
    """The comparison as the README's Markdown table, with the notes under it."""
    lines = ["| " + " | ".join(HEAD) + " |", "|---|---|--:|--:|--:|--:|---|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows(items)]
    notes = _notes(items)
    if notes:
        lines += ["", *(f"- {n}" for n in notes)]
    return "\n".join(lines) + "\n"
