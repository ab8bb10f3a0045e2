"""Sensitivity: tornado swings checked by hand arithmetic on the example, Sobol' indices checked
for range, ranking and reproducibility, and the inverse CDFs against `sampling.sample`."""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path

import numpy as np
import pytest

from lca.analysis import montecarlo as mc
from lca.analysis import sensitivity as sens
from lca.analysis.sampling import quantile, sample
from lca.assess import Pipeline, prepare
from lca.brightway.project import method_name
from lca.core.rules.rule import Rule
from lca.core.rules.ruleset import load_rules
from lca.core.units import Quantity
from lca.data.opendata import load_indicators
from lca.results.document import SobolIndex, Swing
from lca.results.writer import to_json
from lca.scoring.background import open_data
from tests.conftest import ROOT

EXAMPLE = ROOT / "examples" / "llama-3.1-405b.yaml"
SEED = 11


@pytest.fixture(scope="module")
def llama():
    """The example scored in memory, over the open data's scores: no Brightway project (the
    engine is checked against Brightway in test_scoring.py)."""
    prepared = prepare(EXAMPLE)
    indicators = load_indicators()
    methods = {i: method_name(ind) for i, ind in indicators.items()}
    background = open_data(prepared.background, indicators, methods)
    return prepared, Pipeline.variant(prepared, background).to_json(), background, indicators


@pytest.fixture(scope="module")
def swings(llama):
    prepared, _, background, indicators = llama
    return sens.tornado(prepared, background, indicators)


@pytest.fixture(scope="module")
def indices(llama):
    prepared, _, background, indicators = llama
    return sens.sobol(prepared, background, indicators, n=256, seed=SEED)


def row(rows: list[Swing] | list[SobolIndex], rule: str) -> Swing | SobolIndex:
    return next(r for r in rows if r.rule == rule)


def test_tornado_mfu_scales_the_whole_training_result(llama, swings) -> None:
    """gpu.mfu is uniform 0.25 to 0.50 (model/compute.yaml): its 2.5 and 97.5 percentiles are
    0.25 + 0.025 x 0.25 = 0.25625 and 0.25 + 0.975 x 0.25 = 0.49375.

    Every term of training goes through gpu.hours = flops / (peak x MFU) (model/compute.yaml):
    the electricity is gpu.hours_charged x power x PUE (model/energy.yaml) and the manufacturing
    share is gpu.hours_charged x share / lifetime (model/embodied.yaml), GPUs and server alike;
    nothing else in the unit reads the MFU. So score(MFU) = score(0.40) x 0.40 / MFU, exactly.
    """
    prepared, doc, _, _ = llama
    training = doc["functional_units"][0]
    assert training["name"] == "training"
    r = row(swings[0]["gwp"], "gpu.mfu")
    assert (r.low_value, r.high_value) == pytest.approx((0.25625, 0.49375), abs=1e-12)
    assert r.unit == "1"
    # The deterministic point of the design is Brightway's result (float32 amounts: 1e-6).
    det = r.score_deterministic
    assert det == pytest.approx(training["impacts"]["gwp"]["total"], rel=1e-6)
    assert r.score_low / det == pytest.approx(0.40 / 0.25625, rel=1e-6)
    assert r.score_high / det == pytest.approx(0.40 / 0.49375, rel=1e-6)
    assert r.swing == pytest.approx(det * (0.40 / 0.49375 - 0.40 / 0.25625), rel=1e-6)
    # The inference unit takes the serving route, which does not read the MFU (its decode is
    # timed on memory bandwidth and achievable fractions): no MFU row there; its batch size leads.
    assert all(r.rule != "gpu.mfu" for r in swings[1]["gwp"])
    assert swings[1]["gwp"][0].rule == "inference.batch_size"


def test_tornado_ranks_grid_mfu_pue_first(swings) -> None:
    """Training GWP is linear in the grid factor g (0.3507 kg/kWh, lognormal GSD 1.29, median =
    the value) and in the PUE (uniform 1.1 to 1.6, value 1.2) through the electricity share s:
    score(g) / score = 1 - s + s g / g0 and score(pue) / score = 1 - s + s pue / 1.2. Both swings
    must give the same s, about 0.93 (the use phase; the rest is manufacturing).

    Relative swings, with g's percentiles g0 x 1.29^(-/+1.96) = 0.607 g0 and 1.647 g0:
    grid 0.93 x (1.647 - 0.607) = 0.96; MFU 0.40/0.25625 - 0.40/0.49375 = 0.75;
    PUE 0.93 x (1.5875 - 1.1125) / 1.2 = 0.37; every other input moves only the ~7 % of
    manufacturing (lifetime 3.075 to 5.925 years: 0.07 x (5/3.075 - 5/5.925) = 0.055).
    """
    rows = swings[0]["gwp"]
    assert [r.rule for r in rows[:3]] == ["electricity.gwp", "gpu.mfu", "datacenter.pue"]
    grid, pue = row(rows, "electricity.gwp"), row(rows, "datacenter.pue")
    det = grid.score_deterministic
    g0 = 0.350733
    assert grid.low_value == pytest.approx(g0 * 1.29 ** -1.959964, rel=1e-6)
    assert grid.high_value == pytest.approx(g0 * 1.29 ** 1.959964, rel=1e-6)
    share_grid = grid.swing / det / ((grid.high_value - grid.low_value) / g0)
    share_pue = pue.swing / det / ((pue.high_value - pue.low_value) / 1.2)
    assert share_grid == pytest.approx(share_pue, rel=1e-6)
    assert 0.90 < share_grid < 0.95
    assert abs(grid.swing) / det == pytest.approx(0.96, abs=0.01)
    assert abs(pue.swing) / det == pytest.approx(0.37, abs=0.01)
    assert all(abs(r.swing) / det < 0.06 for r in rows[3:])
    # Sorted by |swing|, and plain JSON.
    assert [abs(r.swing) for r in rows] == sorted((abs(r.swing) for r in rows), reverse=True)
    assert json.loads(json.dumps(to_json(swings))) == to_json(swings)


def test_a_rule_the_result_does_not_read_has_no_effect(swings, indices) -> None:
    """Under gpu-count allocation, the idle ratio enters only through energy.idle (0 unless
    `utilization`) and gpu.power_charged = gpu.power + (gpu_share - 1) x idle power, with
    gpu_share = 1: training's result does not depend on it."""
    r = row(swings[0]["gwp"], "hardware.idle_power_ratio")
    assert r.swing == 0 and r.score_low == r.score_high == r.score_deterministic
    s = row(indices[0]["gwp"], "hardware.idle_power_ratio")
    assert abs(s.ST) <= s.ST_conf + 1e-12 and abs(s.S1) <= s.S1_conf + 1e-12
    # The inference-only rule is not in training's rows at all.
    assert all(r.rule != "inference.cache_reuse_cost" for r in swings[0]["gwp"])


def test_sobol_indices_range_ranking_and_seed(llama, indices) -> None:
    """Indices are shares of variance: S1 and ST within [0, 1] up to sampling error (0.1 plus
    each index's own confidence half-width, wide in the serving unit, whose result goes as
    1 / batch size, a heavy tail at n = 256), the S1 summing to at most 1 up to the same error
    (about 1 in training: nearly additive in log terms over this spread). Training GWP's
    variance is mostly the grid factor's (ln GSD 0.25, i.e. +-25 %) and the MFU's (uniform
    0.25-0.50: 1/MFU spreads about +-20 %): the MFU's ST is in the top two."""
    prepared, _, background, indicators = llama
    for unit in indices:
        for rows in unit.values():
            for r in rows:
                assert -0.1 - r.S1_conf <= r.S1 <= 1.1 + r.S1_conf
                assert -0.1 - r.ST_conf <= r.ST <= 1.1 + r.ST_conf
                assert r.S1_conf >= 0 and r.ST_conf >= 0 and r.note is None
            error = sum(r.S1_conf ** 2 for r in rows) ** 0.5
            assert sum(r.S1 for r in rows) <= 1.1 + error
    top = [r.rule for r in indices[0]["gwp"][:2]]
    assert "gpu.mfu" in top
    assert sens.sobol(prepared, background, indicators, n=256, seed=SEED) == indices
    other = sens.sobol(prepared, background, indicators, n=256, seed=SEED + 1)
    assert row(other[0]["gwp"], "gpu.mfu").ST != row(indices[0]["gwp"], "gpu.mfu").ST
    assert json.loads(json.dumps(to_json(indices))) == to_json(indices)
    with pytest.raises(ValueError, match="power of 2"):
        sens.sobol(prepared, background, indicators, n=300, seed=SEED)


def test_sobol_constant_result_gets_zero_and_a_note(llama, monkeypatch) -> None:
    """A result no sampled rule moves has no variance to apportion: indices 0 with a note,
    without SALib's division by a zero variance."""
    prepared, _, background, indicators = llama

    def constant_water(*args, **kwargs):
        scores = mc.evaluate(*args, **kwargs)
        for unit in scores:
            unit["water"] = np.full_like(unit["water"], 3.0)
        return scores

    monkeypatch.setattr(sens, "evaluate", constant_water)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = sens.sobol(prepared, background, indicators, n=64, seed=SEED)
    for r in result[0]["water"]:
        assert (r.S1, r.ST, r.S1_conf, r.ST_conf) == (0.0, 0.0, 0.0, 0.0)
        assert r.note == sens.CONSTANT_NOTE
    assert all(r.note is None for r in result[0]["gwp"])


def _rule(tmp_path: Path, uncertainty: str, bounds: str) -> Rule:
    path = tmp_path / "r.yaml"
    path.write_text(f"a:\n  title: a\n  unit: \"1\"\n  bounds: {bounds}\n"
                    f"  uncertainty: {uncertainty}\n  sources: [method]\n", encoding="utf-8")
    return load_rules([path])["a"]


@pytest.mark.parametrize("uncertainty, bounds", [
    ("{distribution: uniform, min: 0.2, max: 0.6, source: method}", "{min: 0, max: 1}"),
    ("{distribution: triangular, min: 1, mode: 2, max: 6, source: method}", "{min: 0}"),
    ("{distribution: normal, mean: 0.1, sd: 0.1, source: method}", "{min: 0, max: 0.25}"),
    ("{distribution: lognormal, gsd: 1.5, source: method}", "{min: 0}"),
    ("{distribution: lognormal, median: 1, gsd: 2, source: method}", "{min: 0.3, max: 1.5}"),
])
def test_quantiles_are_those_of_the_sampled_distribution(tmp_path, uncertainty, bounds) -> None:
    """The inverse CDF that the Sobol' design and the tornado use is the law `sample` draws
    from (truncation included): its percentiles match 200,000 draws to within 0.5 % of the
    2.5-97.5 range (the sampling error of a percentile at this N is about 0.1 % of it)."""
    rule = _rule(tmp_path, uncertainty, bounds)
    value = Quantity(0.42, rule.unit)  # the median of the relative lognormal
    levels = np.array([0.025, 0.25, 0.5, 0.75, 0.975])
    expected = np.percentile(sample(rule, value, 200_000, np.random.default_rng(SEED)),
                             levels * 100)
    got = quantile(rule, value, levels)
    assert got == pytest.approx(expected, abs=0.005 * (expected[-1] - expected[0]))
    # The ends of a bounded law are its bounds (the normal and lognormal are cut there).
    ends = quantile(rule, value, np.array([0.0, 1.0]))
    low = rule.minimum.magnitude if rule.minimum is not None else -math.inf
    high = rule.maximum.magnitude if rule.maximum is not None else math.inf
    assert low <= ends[0] and ends[1] <= high
