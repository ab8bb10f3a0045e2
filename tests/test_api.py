"""The Python API: the README's script runs as written, and sweeps agree with Brightway."""

from __future__ import annotations

import contextlib
import io
import json
import re

import numpy as np
import pytest

import genai_lca as gl
from lca.cli import main
from lca.core.units import Quantity
from tests.conftest import ROOT

EXAMPLE = ROOT / "examples" / "llama-3.1-405b.yaml"
# The README's tables for the example, GWP100 in kg CO2-eq (Brightway's results): `assess`,
# 1M output tokens; `compare --allocation all`, training under gpu-count; and the GPU-hours of
# training from `explain ... gpu.hours`.
TOKENS_GWP = 0.62348472
TRAINING_GWP = 10_373_487
TRAINING_GPU_HOURS = 25_594_034


def readme_script() -> str:
    """The first Python block of the README's "Python API" section."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("### Python API"):]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def test_readme_script_runs_as_written(monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(ROOT)  # the script names the example from the repository's folder
    names: dict = {}
    exec(compile(readme_script(), "README.md (Python API)", "exec"), names)  # noqa: S102
    # Two units x four indicators, with the per-item column; x two stages x nine components
    # (gpu, cpu, ram, ssd, chassis, server, device, network, included) for the contributions.
    assert names["result"].results.shape == (8, 9)
    assert names["contributions"].shape == (144, 8)
    assert names["allocations"].shape == (10, 10)  # 8 rows + 2 server shares; 4 rules + 6
    assert names["both"].values.shape == (8, 8)
    # 5,000 scenarios x 2 units; 20 columns, the end-user device's and network's flows among them
    assert names["runs"].shape == (10_000, 20)
    assert len(names["inputs"]) > 0 and len(names["inventory"]) > 0
    gwp = names["tokens"].impacts["gwp"].total
    assert gwp == pytest.approx(TOKENS_GWP, rel=1e-7)
    assert "needs a unit of [power]" in capsys.readouterr().out

    # The CLI's result for the same study, in the same project.
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        assert main(["assess", str(EXAMPLE), "--json"]) == 0
    doc = json.loads(printed.getvalue())
    cli = next(u for u in doc["functional_units"] if u["name"] == "1M output tokens")
    assert cli["impacts"]["gwp"]["total"] == pytest.approx(gwp, rel=1e-12)


def test_sweep_row_equals_assess_with_set() -> None:
    study = gl.load(EXAMPLE)
    runs = study.sweep({"gpu.mfu": [0.4, 0.2, 0.3], "datacenter.pue": [1.2, 1.2, 1.45],
                        "allocation": ["gpu-count", "gpu-count", "power"]},
                       project="test-api-sweep")
    tokens = runs[runs.functional_unit == "1M output tokens"].set_index("scenario")
    training = runs[runs.functional_unit == "training"].set_index("scenario")
    # At the study's own values, the README's figures; at half the MFU, every term of training
    # under gpu-count doubles (its GPU time, at the TDP, and its manufacturing shares go as
    # 1 / MFU; inference takes the serving route, which MFU does not drive).
    assert tokens.loc[0, "gwp"] == pytest.approx(TOKENS_GWP, rel=1e-7)
    assert training.loc[0, "gwp"] == pytest.approx(TRAINING_GWP, rel=1e-7)
    assert training.loc[1, "gwp"] == pytest.approx(2 * TRAINING_GWP, rel=1e-7)
    assert training.loc[1, "gpu_hours"] == pytest.approx(2 * TRAINING_GPU_HOURS, rel=1e-7)
    # Another allocation and a PUE: the same as a full Brightway run with those values.
    full = study.set({"gpu.mfu": 0.3, "datacenter.pue": 1.45, "allocation": "power"}).assess(
        project="test-api-sweep")
    for unit in full.units:
        row = runs[(runs.scenario == 2) & (runs.functional_unit == unit.name)].iloc[0]
        for indicator, impact in unit.impacts.items():
            assert row[indicator] == pytest.approx(impact.total, rel=1e-6)
    assert runs.attrs["units"]["gwp"] == "kg CO2-eq"
    # A pint Quantity array is taken in its unit: 0.7 kW is the catalog's 700 W H100 TDP.
    powers = study.sweep({"gpu.tdp": Quantity(np.array([0.7, 0.35]), "kW")},
                         project="test-api-sweep")
    assert powers.loc[powers.functional_unit == "1M output tokens", "gwp"].iloc[0] == (
        pytest.approx(TOKENS_GWP, rel=1e-7))
    assert ("1M output tokens", "water") in runs.attrs["incomplete"]


def test_sweep_bad_value_names_row_and_column() -> None:
    study = gl.load(EXAMPLE)
    with pytest.raises(gl.InputError) as error:
        study.sweep({"gpu.mfu": [0.4, 1.4]}, project="test-api-sweep")
    assert "sweep row 1" in str(error.value) and "key 'gpu.mfu'" in str(error.value)
    with pytest.raises(gl.InputError, match="needs a unit"):
        study.sweep({"gpu.power": [400, 500]}, project="test-api-sweep")
    with pytest.raises(gl.InputError, match="unknown location 'XYZ'"):
        study.sweep({"location": ["FRA", "XYZ"]}, project="test-api-sweep")


def test_dict_study_errors_name_the_key() -> None:
    with pytest.raises(gl.InputError) as error:
        gl.load({"study": "S", "functional_units": [{"name": "u"}]})
    assert str(error.value) == ("<dict: S>, key 'functional_units.0': functional unit 'u' "
                                "needs a 'workload'")
    with pytest.raises(gl.InputError, match="did you mean gpu.mfu"):
        gl.load(EXAMPLE).set("gpu.mfuu", 0.3)
    with pytest.raises(gl.MissingInput):
        gl.load({"study": "S", "location": "FR", "functional_units": [
            {"name": "u", "workload": "inference"}]}).assess(project="test-api-missing")
