"""`compare --scenario A.yaml B.yaml --out DIR`: the workbook and the HTML report of the scenarios
side by side (issue 17, item 7)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest

from lca.cli import main
from tests.test_report_browser import FIGURES, chromium, render  # noqa: F401 (the fixture)

# The same inference served in France and in the USA, the latter on a supplier's contract.
SCENARIO = """\
study: scenario {label}
location: {location}
hardware: dgx-h100
{inputs}
functional_units:
  - name: 1M output tokens
    workload: inference
    inputs: {{model.parameters: 8e9, inference.input_tokens: 0, inference.output_tokens: 1e6}}
"""
CONTRACT = ('inputs:\n  electricity.market.gwp: {value: 0.05 kg/kWh, source: "supplier '
            'contract, test"}')


@dataclass(frozen=True)
class Compared:
    doc: dict
    out: Path


@pytest.fixture(scope="module")
def compared(tmp_path_factory: pytest.TempPathFactory) -> Compared:
    folder = tmp_path_factory.mktemp("scenarios")
    paths = []
    for label, location, inputs in (("fr", "FR", ""), ("us", "USA", CONTRACT)):
        path = folder / f"{label}.yaml"
        path.write_text(SCENARIO.format(label=label, location=location, inputs=inputs),
                        encoding="utf-8")
        paths.append(str(path))
    out = folder / "out"
    assert main(["compare", "--scenario", *paths, "--out", str(out),
                 "--project", "test-scenario-report"]) == 0
    return Compared(json.loads((out / "results.json").read_text(encoding="utf-8")), out)


def test_the_workbook_has_the_comparison_sheets(compared: Compared) -> None:
    book = openpyxl.load_workbook(compared.out / "results.xlsx", read_only=True)
    assert book.sheetnames == ["Scenarios", "Inputs that differ", "Results side by side",
                               "Contributions", "Market-based", "Data quality"]
    rows = list(book["Results side by side"].values)
    head = rows[0]
    gwp = dict(zip(head, next(r for r in rows if r[1] == "gwp"), strict=True))
    market = dict(zip(head, next(r for r in rows if r[1] == "gwp-market"), strict=True))
    docs = compared.doc["scenarios"]
    for label in ("fr", "us"):
        (unit,) = docs[label]["functional_units"]
        assert gwp[label] == pytest.approx(unit["impacts"]["gwp"]["total"], rel=1e-12)
    # The market-based row: none for fr (n/a, not its location-based figure); for us, the
    # location-based total less the kWh at the meter x (grid factor - 0.05 kg/kWh).
    assert market["fr"] is None
    (us,) = docs["us"]["functional_units"]
    grid = next(r["value"] for r in us["inputs"] if r["rule"] == "electricity.gwp")
    assert market["us"] == pytest.approx(
        us["impacts"]["gwp"]["total"] - us["quantities"]["energy_kwh"] * (grid - 0.05), rel=1e-5)
    differing = {r[1]: r[2:] for r in book["Inputs that differ"].values}
    assert differing["electricity.market.gwp"] == ("-", "0.05 kg/kWh")
    assert differing["electricity.gwp"][0] != differing["electricity.gwp"][1]
    scenarios = [r[0] for r in book["Contributions"].values][1:]
    assert set(scenarios) == {"fr", "us"}


def test_the_report_renders(compared: Compared, chromium: str, tmp_path: Path) -> None:  # noqa: F811
    messages, found = render(chromium, compared.out / "report.html",
                             {"figures": FIGURES,
                              "headings": ("h3", "hs => hs.map(h => h.textContent)"),
                              "text": ("body", "b => b[0].innerText")})
    figures, headings, text = found["figures"], found["headings"], found["text"]
    assert messages == []
    # The ratios, then each scenario's contributions.
    assert len(figures) == 3 and all(w > 500 and h > 300 for w, h in figures), figures
    assert headings == ["3.1 1M output tokens"]
    assert "Climate change, GWP100, market-based" in text and "electricity.market.gwp" in text
