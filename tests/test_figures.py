"""Figures of the report, from small hand-made results documents (no Brightway run)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import matplotlib
import pytest

from lca.report import figures

INDICATORS = {"gwp": {"name": "Climate change, GWP100", "unit": "kg CO2-eq"},
              "pe": {"name": "Primary energy", "unit": "MJ"},
              "water": {"name": "Water consumption", "unit": "m3"},
              "adpe": {"name": "Abiotic depletion (ADPe)", "unit": "kg Sb-eq"}}
COMPONENTS = ("gpu", "cpu", "server")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
WATER_GAP = {"dataset": "GPU manufacturing", "reason": "no water data", "stage": "manufacturing",
             "components": ["gpu"]}


def impact(use: dict[str, float], manufacturing: dict[str, float]) -> dict[str, Any]:
    """One indicator of a unit, with the totals the engine would derive from the cells."""
    cells = {"manufacturing": {c: manufacturing.get(c, 0.0) for c in COMPONENTS},
             "use": {c: use.get(c, 0.0) for c in COMPONENTS}}
    return {"total": sum(cells["manufacturing"].values()) + sum(cells["use"].values()),
            "by_stage": {s: sum(v.values()) for s, v in cells.items()},
            "by_component": {c: cells["manufacturing"][c] + cells["use"][c] for c in COMPONENTS},
            "by_stage_and_component": cells}


def unit(name: str, scale: float = 1.0, missing: dict[str, list] | None = None) -> dict[str, Any]:
    """A unit whose every indicator splits as gpu use 60, gpu manufacturing 10, cpu use 30 (% of
    a total of 100 * scale); the server part is zero everywhere."""
    split = impact({"gpu": 60 * scale, "cpu": 30 * scale}, {"gpu": 10 * scale})
    return {"name": name, "workload": "training", "impacts": {i: split for i in INDICATORS},
            "missing": {i: list((missing or {}).get(i, [])) for i in INDICATORS}}


def document(*units: dict[str, Any], indicators: tuple[str, ...] = tuple(INDICATORS),
             comparison: dict[str, Any] | None = None) -> dict[str, Any]:
    doc = {"study": "Hand-made study", "allocation": "gpu-count",
           "indicators": {i: INDICATORS[i] for i in indicators},
           "functional_units": list(units)}
    if comparison:
        doc["allocation_comparison"] = comparison
    return doc


def row(unit_name: str, ind: str, values: dict[str, float | None],
        incomplete: bool = False) -> dict[str, Any]:
    return {"functional_unit": unit_name, "indicator": ind,
            "indicator_name": INDICATORS[ind]["name"], "unit": INDICATORS[ind]["unit"],
            "values": values,
            "incomplete": {k: incomplete for k, v in values.items() if v is not None},
            "server_share": {k: 0.125 for k in values}}


def texts(fig) -> list[str]:
    """Every text of a figure (titles, labels, annotations, legend), drawn or not."""
    return [t.get_text() for t in fig.findobj(matplotlib.text.Text)]


def test_bars_are_the_hand_computed_shares_whatever_the_scale():
    # Two units 1e7 apart with the same split: both bars are 60 / 10 / 30 % (60, 10 and 30 of 100),
    # stacked gpu use, gpu manufacturing, cpu use, so they start at 0, 60 and 70.
    fig = figures.contributions(document(unit("training", 1e5), unit("1M tokens", 1e-2),
                                         indicators=("gwp", "water")))
    ax = fig.axes[0]
    bars = sorted(ax.patches, key=lambda p: (p.get_y(), p.get_x()))
    assert [p.get_width() for p in bars] == pytest.approx([60, 10, 30] * 2, abs=1e-9)
    assert [p.get_x() for p in bars] == pytest.approx([0, 60, 70] * 2, abs=1e-9)
    # Manufacturing is the hatched segment, use the solid ones.
    assert [bool(p.get_hatch()) for p in bars[:3]] == [False, True, False]
    # The totals are in the labels: 100 * 1e5 = 10,000,000 and 100 * 1e-2 = 1.
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["training\n10,000,000 kg CO2-eq", "1M tokens\n1 kg CO2-eq"]


def test_a_component_zero_everywhere_is_left_out_of_the_legend():
    fig = figures.contributions(document(unit("job"), indicators=("gwp", "water")))
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend == ["GPU", "CPUs", "use", "manufacturing"]
    # Three segments per bar, none for the server.
    assert len(fig.axes[0].patches) == 3


def test_an_incomplete_indicator_is_starred_and_explained():
    fig = figures.contributions(document(unit("job", missing={"water": [WATER_GAP]})))
    titles = [ax.get_title() for ax in fig.axes if ax.get_visible()]
    assert titles == ["Climate change, GWP100 (kg CO2-eq)", "Primary energy (MJ)",
                      "Water consumption* (m3)", "Abiotic depletion (ADPe) (kg Sb-eq)"]
    water = fig.axes[2]
    assert [t.get_text() for t in water.get_yticklabels()] == ["job\n100* m3"]
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["job\n100 kg CO2-eq"]
    notes = [t for t in texts(fig) if t.startswith("* incomplete")]
    assert len(notes) == 1 and "Water consumption: manufacturing of GPU" in notes[0]


def test_a_zero_total_draws_an_empty_labelled_bar():
    empty = unit("idle", scale=0.0)
    fig = figures.contributions(document(unit("job"), empty, indicators=("gwp", "water")))
    ax = fig.axes[0]
    # Only the first unit's three segments; the second row is empty but labelled.
    assert len(ax.patches) == 3
    assert [t.get_text() for t in ax.get_yticklabels()][1] == "idle\n0 kg CO2-eq"
    assert "total is 0" in texts(fig)


COMPARISON = {
    # The study's own rule (gpu-count) is not the first column: ratios are to it, not to 'power'.
    "columns": ["power", "gpu-count", "utilization"],
    "rows": [row("training", "gwp", {"power": 115.0, "gpu-count": 100.0, "utilization": 98.0}),
             row("training", "water", {"power": 3.0, "gpu-count": 2.0, "utilization": None},
                 incomplete=True)],
}


def test_allocation_bars_are_ratios_to_the_study_own_allocation():
    fig = figures.allocation_comparison(document(unit("training"), indicators=("gwp", "water"),
                                                 comparison=COMPARISON))
    gwp, water = fig.axes[:2]
    # 115 / 100, 100 / 100, 98 / 100, one bar per column in the columns' order.
    assert [c.patches[0].get_height() for c in gwp.containers] == pytest.approx(
        [1.15, 1.0, 0.98], abs=1e-12)
    assert [t.get_text() for t in gwp.texts] == ["1.15x", "1.00x", "0.98x"]
    # Water: 3 / 2 and 2 / 2; utilization has no result, so no bar.
    assert [p.get_height() for p in water.patches] == pytest.approx([1.5, 1.0], abs=1e-12)
    assert [t.get_text() for t in water.texts] == ["1.50x", "1.00x"]
    # The reference line at 1, the starred incomplete unit, and the own rule named.
    assert any(list(line.get_ydata()) == [1.0, 1.0] for line in gwp.lines)
    assert [t.get_text() for t in water.get_xticklabels()] == ["training*"]
    assert water.get_title() == "Water consumption* (m3)"
    assert [t.get_text() for t in gwp.get_xticklabels()] == ["training"]
    assert any("study's own allocation, gpu-count" in t for t in texts(fig))
    assert any(t.startswith("* incomplete") for t in texts(fig))
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend == ["power", "gpu-count (study's own)", "utilization"]


def test_no_comparison_gives_no_figure():
    assert figures.allocation_comparison(document(unit("job"))) is None


def test_save_writes_a_png_and_an_svg(tmp_path: Path):
    folder = tmp_path / "bundle" / "figures"  # not there yet
    paths = figures.save(figures.contributions(document(unit("job"))), folder, "contributions")
    assert paths == [folder / "contributions.png", folder / "contributions.svg"]
    assert paths[0].read_bytes()[:8] == PNG_SIGNATURE
    assert ET.parse(paths[1]).getroot().tag == "{http://www.w3.org/2000/svg}svg"


def test_svg_text_inlines_and_keeps_text_as_text():
    before = matplotlib.rcParams["svg.fonttype"]
    svg = figures.svg_text(figures.contributions(document(unit("job"))))
    assert svg.startswith("<svg") and "<?xml" not in svg and "<!DOCTYPE" not in svg
    root = ET.fromstring(svg)
    words = [el.text or "" for el in root.iter("{http://www.w3.org/2000/svg}text")]
    assert "Climate change, GWP100 (kg CO2-eq)" in words
    # The text setting was for this drawing only.
    assert matplotlib.rcParams["svg.fonttype"] == before
