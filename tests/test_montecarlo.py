"""Monte Carlo over the rules: the fast path against Brightway itself, and reproducibility."""

from __future__ import annotations

import numpy as np
import pytest

from lca.analysis import montecarlo as mc
from lca.analysis.uncertainty import uncertainty
from lca.assess import assess, prepare
from lca.cli import main
from lca.data.opendata import load_indicators
from lca.study.situation import Setting
from tests.conftest import ROOT, pipeline

EXAMPLE = ROOT / "examples" / "llama-3.1-405b.yaml"
BLOOM = ROOT / "examples" / "bloom-176b.yaml"


@pytest.fixture(scope="module")
def llama():
    prepared = prepare(EXAMPLE)
    scored = pipeline("test-mc").score(prepared)
    return prepared, scored.results.to_json(), scored.background


@pytest.mark.parametrize("path, project", [(EXAMPLE, "test-mc-zero"), (BLOOM, "test-mc-bloom")])
def test_zero_spread_equals_brightway(path, project) -> None:
    """Every uncertain rule held at its value, as arrays: each sample is Brightway's result
    (within float32, the precision bw2data stores exchange amounts in)."""
    prepared = prepare(path)
    scored = pipeline(project).score(prepared)
    doc, background = scored.results.to_json(), scored.background
    indicators = load_indicators()
    constant = [{r: np.full(7, ev.value(r).magnitude)
                 for r in mc.uncertain_rules(ev).sampled}
                for _, ev in prepared.pairs]
    assert all(constant)  # something is sampled in every unit
    for unit, scores in zip(doc["functional_units"], mc.evaluate(prepared, constant, background,
                                                                   indicators), strict=True):
        for indicator, values in scores.items():
            assert values == pytest.approx(np.full(7, unit["impacts"][indicator]["total"]),
                                           rel=1e-6)


def test_sampled_points_equal_full_brightway_runs(llama) -> None:
    """At three sampled points, the fast path equals `assess --set RULE=VALUE ...` with the
    sampled values: rules, foreground and Brightway all recomputed."""
    prepared, _, background = llama
    indicators = load_indicators()
    samples = mc.draw(prepared, 3, seed=7)
    fast = mc.evaluate(prepared, samples, background, indicators)
    unit_index = 1  # 1M output tokens: inference reads every sampled rule of training too
    for i in range(3):
        settings = [Setting(rule, f"{float(values[i])!r} {prepared.pairs[unit_index][1].rules[rule].unit:~}")
                    for rule, values in samples[unit_index].items()]
        doc = assess(EXAMPLE, settings, project=f"test-mc-point-{i}")
        full = doc["functional_units"][unit_index]["impacts"]
        for indicator in indicators:
            assert fast[unit_index][indicator][i] == pytest.approx(full[indicator]["total"],
                                                                    rel=1e-6)


def test_same_seed_same_numbers_and_the_spread_is_real() -> None:
    first = uncertainty(pipeline("test-mc-seed"), EXAMPLE, 2_000, 3).uncertainty
    again = uncertainty(pipeline("test-mc-seed"), EXAMPLE, 2_000, 3).uncertainty
    other = uncertainty(pipeline("test-mc-seed"), EXAMPLE, 2_000, 4).uncertainty
    assert first == again
    gwp = first.functional_units[0].indicators["gwp"]
    assert gwp != other.functional_units[0].indicators["gwp"]
    assert gwp.p2_5 < gwp.median < gwp.p97_5
    # Every term of training is per GPU-hour, i.e. goes as 1/MFU; MFU ~ U(0.25, 0.50) alone has
    # its 2.5-97.5 % range at 0.25625-0.49375, a factor 1.93 on the result. The other inputs
    # are independent and only widen it; 1.6 leaves room for sampling noise at 2,000 draws.
    assert gwp.p97_5 / gwp.p2_5 > 1.6


def test_given_values_are_held_fixed(tmp_path) -> None:
    """A value the study gives without a distribution is the practitioner's: not sampled."""
    study = tmp_path / "s.yaml"
    study.write_text(EXAMPLE.read_text().replace(
        "allocation: gpu-count\n",
        "allocation: gpu-count\ninputs:\n  gpu.mfu: 0.38\n  inference.batch_size: 32\n"))
    section = uncertainty(pipeline("test-mc-fixed"), study, 100, 1).uncertainty
    # Training reads the MFU; the inference unit (serving route) the batch size instead.
    for unit, rule in zip(section.functional_units, ("gpu.mfu", "inference.batch_size")):
        assert rule in [f.rule for f in unit.fixed]
        assert rule not in [s.rule for s in unit.sampled]


def test_iterations_must_be_positive(capsys) -> None:
    assert main(["uncertainty", str(EXAMPLE), "--iterations", "0"]) == 2
    assert "--iterations takes a number of samples of 1 or more" in capsys.readouterr().err
