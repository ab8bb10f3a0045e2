"""The scoring engine (lca/scoring): against bw2calc on every shipped example, against hand
arithmetic, and the same Monte Carlo as the walk it replaced; Brightway written once."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from lca.analysis.compare import compare_allocations
from lca.analysis.montecarlo import monte_carlo
from lca.assess import Pipeline, prepare
from lca.brightway import project as bw
from lca.data.opendata import load_indicators
from lca.inventory.datasets import BACKGROUND, BIOSPHERE, PARTS, Foreground
from lca.scoring.background import Background, open_data
from lca.scoring.engine import STAGES, calculate, totals
from tests import bw_reference
from tests.conftest import ROOT, pipeline

EXAMPLES = ROOT / "examples"
STUDIES = sorted(p for p in EXAMPLES.glob("*.yaml") if p.name != "validation.yaml")
# bw2data 3 stores exchange amounts in float32; the engine reads the float64 datasets.
RTOL = 1e-6
# One project for every study here: the open data are written to it once, each study's
# foreground is a database of its own (its title).
PROJECT = "test-scoring"


def _methods() -> dict[str, tuple[str, str]]:
    return {i: bw.method_name(ind) for i, ind in load_indicators().items()}


def _close(got: float, expected: float) -> bool:
    return bool(np.isclose(got, expected, rtol=RTOL, atol=1e-12 * max(1.0, abs(expected))))


@pytest.mark.parametrize("path", STUDIES, ids=[p.stem for p in STUDIES])
def test_the_engine_is_bw2calc_on_every_example(path: Path) -> None:
    """Every unit, method, (part, stage), included share and market-based shift of the engine
    equals bw2calc re-solving the written foreground per demand (tests/bw_reference.py)."""
    prepared = prepare(path)
    written = pipeline(PROJECT).score(prepared).background
    engine = calculate(prepared.foregrounds, written, stored=True)
    with bw.session(PROJECT):
        bw.open_project(PROJECT)
        reference = bw_reference.calculate(prepared.foregrounds, list(written.methods))
    for ours, theirs in zip(engine, reference, strict=True):
        for method in written.methods:
            assert _close(ours.total[method], theirs.total[method])
            for cell, value in theirs.parts[method].items():
                assert _close(ours.parts[method][cell], value), (method, cell)
            assert ours.includes[method].keys() == theirs.includes[method].keys()
            for name, value in theirs.includes[method].items():
                assert _close(ours.includes[method][name], value)
        assert (ours.market is None) == (theirs.market is None)
        if ours.market is not None:
            assert (ours.market.units, ours.market.lacking) == (theirs.market.units,
                                                                theirs.market.lacking)
            assert _close(ours.market.total, theirs.market.total)
            for cell, value in theirs.market.parts.items():
                assert _close(ours.market.parts[cell], value)


def test_the_open_data_scores_without_brightway_are_brightways() -> None:
    """The in-memory background (tests, commands that write nothing) equals the one Brightway
    solves, for every dataset and flow of the open data."""
    prepared = prepare(EXAMPLES / "llama-3.1-405b.yaml")
    written = pipeline(PROJECT).score(prepared).background
    memory = open_data(prepared.background, load_indicators(), _methods())
    assert memory.methods == written.methods
    assert len(memory.scores) == len(prepared.background) + len(load_indicators())
    for key, scores in memory.scores.items():
        assert scores == pytest.approx(written.score(key), rel=RTOL, abs=1e-15), key


def test_market_based_shift_is_the_hand_arithmetic() -> None:
    """Patterson et al. 2021's T5 (examples/patterson-2021.yaml): all its electricity is drawn
    through the data centre, so the market-based minus the location-based climate change is the
    kWh at the meter (energy_kwh) x (0.545 net - the location's gross kg CO2-eq/kWh), the
    factors the document states. Scored in memory: no Brightway project."""
    prepared = prepare(EXAMPLES / "patterson-2021.yaml")
    doc = Pipeline.variant(prepared, open_data(prepared.background, load_indicators(),
                                          _methods())).to_json()
    unit = next(u for u in doc["functional_units"] if u["name"] == "T5")
    (factor,) = unit["market_based"]["factors"]
    assert factor["market_based"] == pytest.approx(0.545)  # Patterson et al. 2021, Table 4
    by_hand = unit["quantities"]["energy_kwh"] * (0.545 - factor["location_based"])
    shift = unit["market_based"]["total"] - unit["impacts"]["gwp"]["total"]
    assert shift == pytest.approx(by_hand, rel=1e-9)
    # Only the data-centre parts' use stage moves; manufacturing stays location-based.
    assert unit["market_based"]["by_stage"]["manufacturing"] == pytest.approx(
        unit["impacts"]["gwp"]["by_stage"]["manufacturing"], rel=1e-12)


def _tiny() -> tuple[list[Foreground], Background]:
    """Two units by hand: `inference` uses 2 h of a GPU process and carries 0.1 of `training`,
    which uses 10 h of its own. A GPU-hour draws 0.5 kWh of data-centre electricity (use) and
    0.01 of a manufactured GPU (manufacturing); a data-centre kWh is 1.25 kWh of the grid.
    Grid: 0.4 kg/kWh; one GPU made: 150 kg. Method: climate change only."""
    method = ("genai-lca", "Climate change, GWP100")
    grid, gpu_made = (BACKGROUND, "grid"), (BACKGROUND, "gpu")
    background = Background((method,), {grid: np.array([0.4]), gpu_made: np.array([150.0]),
                                        (BIOSPHERE, "gwp"): np.array([1.0])})

    def unit(name: str, hours: float, includes: list) -> Foreground:
        db = "fg"
        key, gpu, elec = (db, name), (db, f"{name}|gpu"), (db, f"{name}|electricity")

        def tech(target, amount, stage=None):
            return {"input": target, "amount": amount, "type": "technosphere"} | (
                {"stage": stage} if stage else {})

        def production(k):
            return {"input": k, "amount": 1.0, "type": "production"}

        activities = {
            key: {"name": name, "exchanges": [production(key), tech(gpu, hours)]
                  + [tech(k, share) for _, k, share in includes]},
            gpu: {"name": "gpu", "exchanges": [production(gpu), tech(elec, 0.5, "use"),
                                               tech(gpu_made, 0.01, "manufacturing")]},
            elec: {"name": "electricity", "exchanges": [production(elec), tech(grid, 1.25)]}}
        # Market-based: 0.1 kg/kWh of grid instead of 0.4, per data-centre kWh 1.25 x -0.3.
        return Foreground(key, activities, {"gpu": gpu}, [], includes, elec, 1.25 * -0.3)

    training = unit("training", 10.0, [])
    inference = unit("inference", 2.0, [("training", training.unit, 0.1)])
    return [training, inference], background


def test_the_contraction_is_the_hand_arithmetic() -> None:
    """A GPU-hour: use 0.5 x 1.25 x 0.4 = 0.25 kg, manufacturing 0.01 x 150 = 1.5 kg.
    Training, 10 h: 2.5 + 15 = 17.5 kg. Inference, 2 h: 0.5 + 3 = 3.5 kg of its own, and
    0.1 of training (0.25 use, 1.5 manufacturing): 5.25 kg. Market shift per GPU-hour
    0.5 x 1.25 x -0.3 = -0.1875 kg: inference 2 x -0.1875 + 0.1 x 10 x -0.1875 = -0.5625."""
    foregrounds, background = _tiny()
    training, inference = calculate(foregrounds, background)
    (method,) = background.methods
    assert training.total[method] == pytest.approx(17.5, rel=1e-12)
    assert inference.total[method] == pytest.approx(5.25, rel=1e-12)
    parts = inference.parts[method]
    assert parts[("gpu", "use")] == pytest.approx(0.5, rel=1e-12)
    assert parts[("gpu", "manufacturing")] == pytest.approx(3.0, rel=1e-12)
    assert parts[("included", "use")] == pytest.approx(0.25, rel=1e-12)
    assert parts[("included", "manufacturing")] == pytest.approx(1.5, rel=1e-12)
    assert sum(parts[(p, s)] for p in PARTS for s in STAGES) == pytest.approx(5.25, rel=1e-12)
    assert inference.includes[method] == {"training": pytest.approx(1.75, rel=1e-12)}
    assert inference.market.total == pytest.approx(-0.5625, rel=1e-12)
    assert inference.market.parts[("included", "use")] == pytest.approx(-0.1875, rel=1e-12)
    assert inference.market.units == ("training", "inference")


def test_samples_are_contracted_as_arrays() -> None:
    """An amount given per sample gives a total per sample: training at 10 and 20 GPU-hours is
    17.5 and 35 kg (1.75 kg per GPU-hour, as above)."""
    foregrounds, background = _tiny()
    training = foregrounds[0]
    training.activities[training.unit]["exchanges"][1]["amount"] = np.array([10.0, 20.0])
    (method,) = background.methods
    assert totals(foregrounds, background)[0][method] == pytest.approx([17.5, 35.0], rel=1e-12)


def test_monte_carlo_gives_the_numbers_of_the_walk_it_replaced() -> None:
    """Seed 42, 2,000 iterations of the Llama example: mean, 2.5 and 97.5 percentiles and sd of
    training's indicators are those the former Monte Carlo walk (lca/uncertainty/montecarlo
    .py's `unit_scores`, commit bbf0ef3) printed for the same draws, to 1e-12. The inference unit
    was compared too until the serving route gained its per-sequence time (issue 13), which
    changed its model; the walk is gone, and the fast path's agreement with Brightway at sampled
    points is tested in tests/test_montecarlo.py."""
    before = {"training": {"gwp": [13292695.497103635, 6645698.18201458, 23156276.037597843,
                                   4471521.68821877],
                           "adpe": [84.98252493007708, 40.8432875178406, 168.68475426863245,
                                    35.98541303451457]}}
    prepared = prepare(EXAMPLES / "llama-3.1-405b.yaml")
    scored = pipeline(PROJECT).score(prepared)
    section = monte_carlo(prepared, load_indicators(), 2000, 42, scored.results,
                          scored.background)
    for unit in section.functional_units:
        for indicator, expected in before.get(unit.functional_unit, {}).items():
            stats = unit.indicators[indicator]
            got = [stats.mean, stats.p2_5, stats.p97_5, stats.sd]
            assert got == pytest.approx(expected, rel=1e-12)


def test_every_allocation_is_one_write(monkeypatch: pytest.MonkeyPatch) -> None:
    """`assess --out` compares every allocation rule: the study's foreground is written to
    Brightway once (it was once per rule), the other rules scored in memory."""
    written: list[str] = []
    original = bw.write_owned

    def counting(database: str, *args, **kwargs) -> None:
        written.append(database)
        original(database, *args, **kwargs)

    monkeypatch.setattr(bw, "write_owned", counting)
    doc = compare_allocations(pipeline("test-scoring-once"), EXAMPLES / "llama-3.1-405b.yaml")
    foreground = doc["brightway"]["databases"][-1]
    assert written.count(foreground) == 1
    assert len(doc["allocation_comparison"]["columns"]) > 1
