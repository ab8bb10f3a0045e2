"""`genai-lca uncertainty --out`: intervals and sensitivity in the document, the workbook, the
figures, the report and the printed table, checked against each other and by hand arithmetic.

The hand figures use what test_sensitivity.py establishes: gpu.mfu is uniform 0.25 to 0.50
(model/compute.yaml), so its 2.5 and 97.5 % values are 0.25625 and 0.49375, and every
term of the example's results scales as 0.40 / MFU.
"""

from __future__ import annotations

import pandas as pd
import pytest

from lca.cli import main
from lca.report.text import uncertainty_table as table
from tests.conftest import ROOT

EXAMPLE = ROOT / "examples" / "llama-3.1-405b.yaml"
MFU, MFU_LOW, MFU_HIGH = 0.40, 0.25625, 0.49375


def unit(doc: dict, name: str) -> dict:
    return next(u for u in doc["uncertainty"]["functional_units"] if u["functional_unit"] == name)


def test_document_has_intervals_swings_and_indices(uncertainty_bundle) -> None:
    section = uncertainty_bundle.doc["uncertainty"]
    assert (section["iterations"], section["seed"]) == (2000, 2)
    assert section["sensitivity"]["tornado_percentiles"] == [2.5, 97.5]
    # The Saltelli design without second order: n (k + 2) points. The example samples 14 rules
    # in training; the 1M tokens unit (serving route) those but gpu.mfu, plus
    # inference.cache_reuse_cost and the serving route's seven (batch size, request length, the two
    # achievable fractions, the per-sequence time, power floor and saturation): k = 22 in all.
    sampled = {s["rule"] for u in section["functional_units"] for s in u["sampled"]}
    assert len(sampled) == 22
    assert section["sensitivity"]["sobol"]["evaluations"] == 256 * (22 + 2)
    for u in section["functional_units"]:
        assert set(u["tornado"]) == set(u["sobol"]) == set(uncertainty_bundle.doc["indicators"])


def test_workbook_sensitivity_sheet_by_hand(uncertainty_bundle) -> None:
    sheet = pd.read_excel(uncertainty_bundle.out / "results.xlsx", sheet_name="Sensitivity")
    row = sheet[(sheet.functional_unit == "training") & (sheet.indicator == "gwp")
                & (sheet.input == "gpu.mfu")].iloc[0]
    assert (row["input_at_p2.5"], row["input_at_p97.5"]) == pytest.approx((MFU_LOW, MFU_HIGH))
    # score(MFU) = score(0.40) x 0.40 / MFU: the swing is 0.40/0.49375 - 0.40/0.25625 of it.
    assert row["swing_percent"] == pytest.approx(100 * (MFU / MFU_HIGH - MFU / MFU_LOW), rel=1e-6)
    assert row["result_at_input_low"] == pytest.approx(row["result_deterministic"] * MFU / MFU_LOW,
                                                       rel=1e-6)
    # The sheet carries the document's indices, every digit.
    index = next(r for r in unit(uncertainty_bundle.doc, "training")["sobol"]["gwp"]
                 if r["rule"] == "gpu.mfu")
    assert (row["S1"], row["ST"]) == pytest.approx((index["S1"], index["ST"]), rel=1e-12)
    assert set(sheet.unit) == {i["unit"] for i in uncertainty_bundle.doc["indicators"].values()}


def test_uncertainty_sheet_equals_the_document(uncertainty_bundle) -> None:
    sheet = pd.read_excel(uncertainty_bundle.out / "results.xlsx", sheet_name="Uncertainty")
    row = sheet[(sheet.functional_unit == "training") & (sheet.indicator == "gwp")].iloc[0]
    stats = unit(uncertainty_bundle.doc, "training")["indicators"]["gwp"]
    assert (row["p2_5"], row["median"], row["p97_5"]) == pytest.approx(
        (stats["p2_5"], stats["median"], stats["p97_5"]), rel=1e-12)
    assert "gpu.mfu" in set(sheet[sheet.indicator == "sampled input"].indicator_name)


def test_printed_table_and_report_show_the_swing(uncertainty_bundle) -> None:
    # +56 % = 0.40 / 0.25625 - 1; -19 % = 0.40 / 0.49375 - 1, on every indicator.
    swing = "+56/-19 %"
    printed = table(uncertainty_bundle.doc)
    # The 4 indicators of training (the serving unit reads no MFU), wherever the 100-column
    # table's blocks put them.
    assert printed.count(swing) == 4, printed
    report = (uncertainty_bundle.out / "report.html").read_text(encoding="utf-8")
    assert "5.3 Uncertainty and sensitivity" in report
    assert "Monte Carlo, 2,000 iterations, seed 2" in report
    assert report.count(swing) == 4  # 4 indicators of training (the serving unit reads no MFU)
    for stem in ("uncertainty", "tornado", "sobol"):
        for suffix in (".png", ".svg"):
            assert (uncertainty_bundle.out / "figures" / f"{stem}{suffix}").stat().st_size > 10_000


def test_sobol_base_points_must_be_a_power_of_two(capsys) -> None:
    assert main(["uncertainty", str(EXAMPLE), "--sobol", "1000"]) == 2
    assert "--sobol takes a power of 2" in capsys.readouterr().err
