"""The validation (`genai-lca validate`) for the terminal and as the README's Markdown table: the
published value, ours, the gap and the tolerance per figure."""

from __future__ import annotations

from lca.analysis.validate import Outcome
from lca.core.units import format_number, unit_text
from lca.report.texttable import aligned


HEAD = ("case", "figure", "published", "ours", "gap", "tolerance", "result")


def rows(outcomes: list[Outcome]) -> list[list[str]]:
    """One row of text per figure; the case is named on its first figure only."""
    out = []
    previous = None
    for o in outcomes:
        f = o.figure
        unit = unit_text(f.published.units)
        out.append([f.case if f.case != previous else "", f.figure,
                    f"{format_number(f.published.magnitude)} {unit}",
                    f"{format_number(_rounded(o.ours))} {unit}", f"{100 * o.gap:+.2f} %",
                    f.tolerance_text(), "pass" if o.passed else "FAIL"])
        previous = f.case
    return out


def _rounded(value: float) -> float:
    """Six significant digits: enough to show any gap a tolerance allows, and stable against the
    last bits of Brightway's float32 storage, so the README's table does not drift."""
    return float(f"{value:.6g}")


def _notes(outcomes: list[Outcome]) -> list[str]:
    return [f"{o.figure.case}, {o.figure.figure}: {o.figure.note}" for o in outcomes
            if o.figure.note]


def table(outcomes: list[Outcome]) -> str:
    """The comparison for the terminal, a summary line and the notes."""
    # The case on a line of its own above its figures, so that the table fits the terminal.
    body = [list(HEAD[1:])]
    for row in rows(outcomes):
        if row[0]:
            body.append([row[0], *[""] * (len(HEAD) - 2)])
        body.append(["  " + row[1], *row[2:]])
    lines = [line.rstrip() for line in aligned(body, labels=1, indent="")]
    failed = [o for o in outcomes if not o.passed]
    lines += ["", f"{len(outcomes)} figures: {len(outcomes) - len(failed)} within tolerance"
                  + (f", {len(failed)} FAIL" if failed else "")]
    notes = _notes(outcomes)
    if notes:
        lines += ["", "notes:", *(f"- {n}" for n in notes)]
    return "\n".join(lines) + "\n"


def markdown(outcomes: list[Outcome]) -> str:
    """The comparison as the README's Markdown table, with the notes under it."""
    lines = ["| " + " | ".join(HEAD) + " |", "|---|---|--:|--:|--:|--:|---|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows(outcomes)]
    notes = _notes(outcomes)
    if notes:
        lines += ["", *(f"- {n}" for n in notes)]
    return "\n".join(lines) + "\n"
