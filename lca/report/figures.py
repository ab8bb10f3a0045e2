"""The figures of the export bundle and the HTML report, drawn from the results document alone.

Only matplotlib's object-oriented API is used (a `Figure`, never pyplot): no global state, so a
figure drawn here cannot leak into another one or depend on the backend a user has configured.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import matplotlib
from matplotlib.axes import Axes
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from lca.core.units import format_number, significant
from lca.inventory.template import PART_NAMES
from lca.report.text import shown_parts

# Okabe & Ito's palette: distinguishable with the common colour-vision deficiencies.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442",
           "#000000")
HATCH = "///"  # manufacturing; use is solid
SIZE = (10, 7)  # inches
SHARE_LABEL_MIN = 7.0  # %: narrower segments get no printed share, it would not fit
INCOMPLETE = "* incomplete: data missing for this indicator, left out (it is not zero)"


def contributions(doc: dict[str, Any]) -> Figure:
    """Per indicator, each functional unit's total split by component and stage, in % of it.

    Shares rather than values because units differ by orders of magnitude (a training run next to
    a million tokens); each unit's total is in its bar's label.
    """
    indicators = doc["indicators"]
    units = doc["functional_units"]
    components = shown_parts(doc)
    colour = {c: PALETTE[i % len(PALETTE)] for i, c in enumerate(components)}
    fig = Figure(figsize=SIZE, layout="constrained")
    axes = _panels(fig, len(indicators))
    notes = []
    for ax, (ind, info) in zip(axes, indicators.items(), strict=True):
        labels = []
        for row, unit in enumerate(units):
            impact = unit["impacts"][ind]
            total = impact["total"]
            star = "*" if unit["missing"].get(ind) else ""
            labels.append(f"{unit['name']}\n{format_number(total)}{star} {info['unit']}")
            if total == 0:  # nothing to share out; an empty, labelled row says so
                ax.text(1, row, "total is 0", va="center", fontsize=8)
                continue
            _stack(ax, row, impact["by_stage_and_component"], total, components, colour)
        incomplete = [u for u in units if u["missing"].get(ind)]
        ax.set_title(_panel_title(info, bool(incomplete)), fontsize=10)
        ax.set_yticks(range(len(units)), labels, fontsize=8)
        ax.invert_yaxis()  # first unit on top, as in the tables
        ax.set_xlabel("share of the unit's total (%)", fontsize=8)
        ax.tick_params(axis="x", labelsize=8)
        left, right = ax.get_xlim()
        ax.set_xlim(min(left, 0), max(right, 100))
        ax.grid(axis="x", alpha=0.3)
        ax.set_axisbelow(True)
        if incomplete:
            notes.append(f"{info['name']}: {_missing_text(incomplete, ind)}")
    # Wrapped, so that a long name (the server's published total) keeps the legend narrow.
    handles = [Patch(facecolor=colour[c], label=textwrap.fill(PART_NAMES.get(c, c), 18))
               for c in components]
    handles += [Patch(facecolor="white", edgecolor="#444444", label="use"),
                Patch(facecolor="white", edgecolor="#444444", hatch=HATCH, label="manufacturing")]
    fig.legend(handles=handles, loc="outside right center", fontsize=8, frameon=False)
    fig.suptitle(_title(doc, "contributions by component and life-cycle stage"), fontsize=11)
    _footnote(fig, [f"* incomplete, data missing (left out, not zero): {n}" for n in notes])
    return fig


def allocation_comparison(doc: dict[str, Any]) -> Figure | None:
    """Per indicator and functional unit, each allocation rule's result over the study's own.

    None when the document has no comparison of allocation rules.
    """
    section = doc.get("allocation_comparison")
    if not section:
        return None
    columns = section["columns"]
    # The study's own rule is the reference; a comparison without it falls back to its first.
    own = doc.get("allocation") if doc.get("allocation") in columns else columns[0]
    return _ratios(doc, section, own, "allocation rules compared",
                   f"result of each rule divided by that of the study's own allocation, {own}",
                   "study's own")


def scenario_comparison(doc: dict[str, Any]) -> Figure | None:
    """Per indicator and functional unit, each scenario's result over the first scenario's.

    None when the document compares no scenarios.
    """
    section = doc.get("scenario_comparison")
    if not section:
        return None
    first = section["columns"][0]
    return _ratios(doc, section, first, "scenarios compared",
                   f"result of each scenario divided by that of the first, {first}", "reference")


def _ratios(doc: dict[str, Any], section: dict[str, Any], own: str, what: str, subtitle: str,
            reference: str) -> Figure:
    """Bars of each column's result over the `own` column's, per indicator and unit."""
    columns = section["columns"]
    rows = {(r["functional_unit"], r["indicator"]): r for r in section["rows"]}
    units = list(dict.fromkeys(r["functional_unit"] for r in section["rows"]))
    # The document's indicators: a comparison's extra rows (market-based climate change, which
    # a column may lack) are in its tables, not in this figure.
    indicators = doc.get("indicators") or next(iter(doc["scenarios"].values()))["indicators"]
    fig = Figure(figsize=SIZE, layout="constrained")
    axes = _panels(fig, len(indicators))
    width = 0.8 / len(columns)
    any_incomplete = False
    for ax, (ind, info) in zip(axes, indicators.items(), strict=True):
        # Flagged on the unit's label, not on each bar: the rules share the same lacking data.
        starred = [any(rows[(u, ind)]["incomplete"].values()) if (u, ind) in rows else False
                   for u in units]
        top = 1.0
        for k, col in enumerate(columns):
            xs, ratios, texts = [], [], []
            for x, unit in enumerate(units):
                row = rows.get((unit, ind))
                if row is None:
                    continue
                value, ref = row["values"].get(col), row["values"].get(own)
                if value is None or not ref:  # no result, or no reference to divide by
                    continue
                xs.append(x + (k - (len(columns) - 1) / 2) * width)
                ratios.append(value / ref)
                texts.append(f"{value / ref:.2f}x")
            bars = ax.bar(xs, ratios, width, color=PALETTE[k % len(PALETTE)],
                          edgecolor="#333333" if col == own else "none", linewidth=1)
            # A white ground, so the reference line does not run through a ratio printed on it.
            ax.bar_label(bars, texts, padding=2, fontsize=7, zorder=3,
                         bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.5})
            top = max([top, *ratios])
        any_incomplete = any_incomplete or any(starred)
        ax.axhline(1.0, color="#333333", linewidth=0.8, linestyle="--", zorder=2.5)
        ax.set_ylim(0, top * 1.15)  # room for the ratio above the tallest bar
        ax.set_xticks(range(len(units)), [u + ("*" if s else "") for u, s in zip(units, starred,
                                                                                strict=True)],
                      fontsize=8)
        ax.tick_params(axis="y", labelsize=8)
        ax.set_ylabel(f"ratio to {own}", fontsize=8)
        ax.set_title(_panel_title(info, any(starred)), fontsize=10)
        ax.grid(axis="y", alpha=0.3)
        ax.set_axisbelow(True)
    handles = [Patch(facecolor=PALETTE[k % len(PALETTE)], label=col + (f" ({reference})" if
                     col == own else ""), edgecolor="#333333" if col == own else "none")
               for k, col in enumerate(columns)]
    fig.legend(handles=handles, loc="outside right center", fontsize=8, frameon=False)
    fig.suptitle(_title(doc, what) + f"\n{subtitle} (= 1.0, dashed line)", fontsize=11)
    _footnote(fig, [INCOMPLETE] if any_incomplete else [])
    return fig


def uncertainty_intervals(doc: dict[str, Any]) -> Figure | None:
    """Per indicator, each unit's Monte Carlo 95 % interval, median and mean, as ratios to the
    deterministic result (units differ by orders of magnitude); None if not run."""
    section = doc.get("uncertainty")
    if not section:
        return None
    indicators = doc["indicators"]
    units = section["functional_units"]
    fig = Figure(figsize=SIZE, layout="constrained")
    axes = _panels(fig, len(indicators))
    any_incomplete = False
    for ax, (ind, info) in zip(axes, indicators.items(), strict=True):
        labels = []
        for row, unit in enumerate(units):
            s = unit["indicators"][ind]
            star = "*" if s["incomplete"] else ""
            labels.append(f"{unit['functional_unit']}{star}\n{significant(s['p2_5'], 3)} to "
                          f"{significant(s['p97_5'], 3)} {info['unit']}")
            base = s["deterministic"]
            if not base:  # no ratio to a zero result; the label still gives the interval
                continue
            ax.plot([s["p2_5"] / base, s["p97_5"] / base], [row, row], color=PALETTE[0],
                    linewidth=6, solid_capstyle="butt", alpha=0.6)
            ax.plot(s["median"] / base, row, "o", color=PALETTE[5], markersize=6)
            ax.plot(s["mean"] / base, row, "D", color=PALETTE[7], markersize=4)
        incomplete = any(u["indicators"][ind]["incomplete"] for u in units)
        any_incomplete = any_incomplete or incomplete
        ax.axvline(1.0, color="#333333", linewidth=0.8, linestyle="--")
        ax.set_title(_panel_title(info, incomplete), fontsize=10)
        ax.set_yticks(range(len(units)), labels, fontsize=8)
        ax.set_ylim(len(units) - 0.5, -0.5)  # first unit on top, as in the tables
        ax.set_xlabel("ratio to the deterministic result", fontsize=8)
        ax.tick_params(axis="x", labelsize=8)
        ax.grid(axis="x", alpha=0.3)
        ax.set_axisbelow(True)
    handles = [Line2D([], [], color=PALETTE[0], linewidth=6, alpha=0.6, label="95 % interval"),
               Line2D([], [], marker="o", linestyle="", color=PALETTE[5], label="median"),
               Line2D([], [], marker="D", linestyle="", color=PALETTE[7], label="mean"),
               Line2D([], [], color="#333333", linestyle="--", label="deterministic")]
    fig.legend(handles=handles, loc="outside right center", fontsize=8, frameon=False)
    fig.suptitle(_title(doc, f"Monte Carlo, {section['iterations']:,} iterations, seed "
                             f"{section['seed']}"), fontsize=11)
    _footnote(fig, [INCOMPLETE] if any_incomplete else [])
    return fig


def tornado(doc: dict[str, Any], top: int = 8) -> Figure | None:
    """Per indicator (rows) and unit (columns), the `top` inputs by swing: the result, in % away
    from the deterministic one, with each input alone at its low and high percentile."""
    section = doc.get("uncertainty")
    if not section or "sensitivity" not in section:
        return None
    low, high = section["sensitivity"]["tornado_percentiles"]

    def panel(ax: Axes, unit: dict[str, Any], ind: str) -> None:
        rows = [r for r in unit["tornado"][ind] if r["swing"] and r["score_deterministic"]][:top]
        for y, row in enumerate(rows):
            base = row["score_deterministic"]
            for value, colour in ((row["score_low"], PALETTE[0]), (row["score_high"], PALETTE[1])):
                ax.barh(y, 100 * (value / base - 1), height=0.7, color=colour)
        ax.set_yticks(range(len(rows)), [r["rule"] for r in rows], fontsize=7)
        ax.set_ylim(max(len(rows), 1) - 0.5, -0.5)  # largest swing on top
        ax.axvline(0, color="#333333", linewidth=0.8)
        ax.set_xlabel("change of the result (%)", fontsize=8)

    handles = [Patch(facecolor=PALETTE[0], label=f"input at its\n{low:g} % value"),
               Patch(facecolor=PALETTE[1], label=f"input at its\n{high:g} % value")]
    return _sensitivity_grid(doc, panel, handles, "tornado: one input at a time, the others "
                             "at their values")


def sobol_indices(doc: dict[str, Any], top: int = 8) -> Figure | None:
    """Per indicator (rows) and unit (columns), the `top` inputs by Sobol' total index, with
    their first-order index, each with its 95 % confidence interval."""
    section = doc.get("uncertainty")
    if not section or "sensitivity" not in section:
        return None

    def panel(ax: Axes, unit: dict[str, Any], ind: str) -> None:
        rows = [r for r in unit["sobol"][ind] if r["ST"] > 0 or r["S1"] > 0][:top]
        ys = range(len(rows))
        for offset, key, colour in ((-0.18, "ST", PALETTE[2]), (0.18, "S1", PALETTE[3])):
            ax.barh([y + offset for y in ys], [r[key] for r in rows], height=0.36,
                    color=colour, xerr=[r[f"{key}_conf"] for r in rows],
                    error_kw={"elinewidth": 0.8, "capsize": 2, "ecolor": "#333333"})
        ax.set_yticks(list(ys), [r["rule"] for r in rows], fontsize=7)
        ax.set_ylim(max(len(rows), 1) - 0.5, -0.5)
        ax.set_xlim(0, 1.05)
        ax.set_xlabel("share of the result's variance", fontsize=8)
        if not rows:
            ax.text(0.5, 0, "no variance", ha="center", va="center", fontsize=8)

    handles = [Patch(facecolor=PALETTE[2], label="total index ST\n(with interactions)"),
               Patch(facecolor=PALETTE[3], label="first-order\nindex S1")]
    return _sensitivity_grid(doc, panel, handles, "Sobol' indices, with 95 % confidence "
                             "intervals")


def _sensitivity_grid(doc: dict[str, Any], panel: Callable[[Axes, dict[str, Any], str], None],
                      handles: list[Patch], what: str) -> Figure:
    """One panel per indicator (rows) and functional unit (columns), drawn by `panel`."""
    units = doc["uncertainty"]["functional_units"]
    indicators = doc["indicators"]
    fig = Figure(figsize=(SIZE[0], 1.0 + 2.2 * len(indicators)), layout="constrained")
    grid = fig.subplots(len(indicators), len(units), squeeze=False)
    for r, (ind, info) in enumerate(indicators.items()):
        for c, unit in enumerate(units):
            ax = grid[r][c]
            panel(ax, unit, ind)
            star = "*" if unit["indicators"][ind]["incomplete"] else ""
            ax.set_title(textwrap.fill(f"{unit['functional_unit']}: {info['name']}{star}", 50),
                         fontsize=9)
            ax.tick_params(axis="x", labelsize=7)
            ax.grid(axis="x", alpha=0.3)
            ax.set_axisbelow(True)
    fig.legend(handles=handles, loc="outside right center", fontsize=8, frameon=False)
    fig.suptitle(_title(doc, what), fontsize=11)
    if any(u["indicators"][i]["incomplete"] for u in units for i in indicators):
        _footnote(fig, [INCOMPLETE])
    return fig


def save(figure: Figure, folder: Path, stem: str) -> list[Path]:
    """Write `stem.png` (150 dpi) and `stem.svg` into folder, created if needed."""
    folder.mkdir(parents=True, exist_ok=True)
    png, svg = folder / f"{stem}.png", folder / f"{stem}.svg"
    figure.savefig(png, dpi=150)
    svg.write_text(_svg(figure), encoding="utf-8")
    return [png, svg]


def svg_text(figure: Figure) -> str:
    """The figure as an `<svg>` element, without XML declaration or DOCTYPE, to inline in HTML5."""
    text = _svg(figure)
    return text[text.index("<svg"):]


def _svg(figure: Figure) -> str:
    """The SVG document; its text stays text (not glyph paths), so it can be searched and copied."""
    buffer = io.BytesIO()
    with matplotlib.rc_context({"svg.fonttype": "none"}):
        # No date: the same results give the same file.
        figure.savefig(buffer, format="svg", metadata={"Date": None})
    return buffer.getvalue().decode("utf-8")


def _panels(fig: Figure, count: int) -> list[Axes]:
    """One panel per indicator, two per row (2 x 2 for the usual four); spare panels hidden."""
    columns = 2 if count > 1 else 1
    axes = list(fig.subplots(-(-count // columns), columns, squeeze=False).flat)
    for ax in axes[count:]:
        ax.set_visible(False)
    return axes[:count]


def _ink(colour: str) -> str:
    """Black or white, whichever contrasts more with the colour (WCAG relative luminance)."""
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in to_rgb(colour))
    return "white" if 0.2126 * r + 0.7152 * g + 0.0722 * b < 0.179 else "black"


def _stack(ax: Axes, row: int, cells: dict[str, dict[str, float]], total: float,
           components: list[str], colour: dict[str, str]) -> None:
    """One unit's bar: per component its use (solid) then manufacturing (hatched) share, in %."""
    right = left = 0.0  # negative shares (credits) stack leftwards from 0, not over the others
    for comp in components:
        for stage in ("use", "manufacturing"):
            share = 100.0 * cells.get(stage, {}).get(comp, 0.0) / total
            if share == 0:
                continue
            start = right if share > 0 else left + share
            ax.barh(row, share, left=right if share > 0 else left, height=0.6,
                    color=colour[comp], edgecolor="#444444" if stage == "manufacturing" else
                    "white", linewidth=0.5, hatch=HATCH if stage == "manufacturing" else None)
            if abs(share) >= SHARE_LABEL_MIN:
                ax.text(start + abs(share) / 2, row, f"{share:.0f}%", ha="center", va="center",
                        fontsize=7, color=_ink(colour[comp]))
            if share > 0:
                right += share
            else:
                left += share


def _missing_text(units: list[dict[str, Any]], ind: str) -> str:
    """What is missing for one indicator: per stage, the components, over the units given."""
    stages: dict[str, list[str]] = {}
    for unit in units:
        for item in unit["missing"][ind]:
            names = stages.setdefault(item["stage"], [])
            names += [PART_NAMES.get(c, c) for c in item["components"]
                      if PART_NAMES.get(c, c) not in names]
    return "; ".join(f"{stage} of {', '.join(names)}" for stage, names in stages.items())


def _panel_title(info: dict[str, str], incomplete: bool) -> str:
    """Indicator name (starred when incomplete) and unit, wrapped to the width of a panel."""
    name = info["name"] + ("*" if incomplete else "")
    return textwrap.fill(f"{name} ({info['unit']})", 36)


def _title(doc: dict[str, Any], what: str) -> str:
    return f"{doc['study']}: {what}" if doc.get("study") else what


def _footnote(fig: Figure, lines: list[str]) -> None:
    """Notes at the bottom left, as the figure's x label so that the layout keeps room for them."""
    if lines:
        fig.supxlabel("\n".join(lines), x=0.01, ha="left", fontsize=8)
