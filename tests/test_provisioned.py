"""A service over a period: `workload: provisioned`, GPUs kept on and shared by the requests."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import pytest

from lca import api
from lca.cli import main

# 8 H100s of a DGX H100 kept on for a day, 1,000 requests each busy 0.048 GPU-hours at 600 W.
STUDY = """\
study: {title}
hardware: dgx-h100
location: FRA
functional_units:
  - name: day
    workload: provisioned
    quantity: 1000 requests
    inputs: {{gpu.count: 8, job.duration: 24 h, provisioned.busy_hours: {busy}, gpu.power: 600 W,
             datacenter.pue: 1.2}}
  - name: known hours
    workload: gpu_hours
    inputs: {{gpu.count: 8, job.duration: 24 h}}
"""


def assess(path: Path) -> dict:
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        assert main(["assess", str(path), "--json", "--project", "test-provisioned"]) == 0
    return json.loads(printed.getvalue())


def test_period_shared_by_its_requests(tmp_path: Path) -> None:
    path = tmp_path / "day.yaml"
    path.write_text(STUDY.format(title="provisioned day", busy="0.048 h"), encoding="utf-8")
    doc = assess(path)
    day, known = doc["functional_units"]
    # The quantity's 1,000 requests share 8 x 24 = 192 GPU-hours, all of them on the whole unit.
    assert day["quantities"]["gpu_hours"] == pytest.approx(192, rel=1e-12)
    # Per request (tests/rules/provisioned.yaml): 0.192 h x 215.625 W of GPU (busy a quarter of
    # the time at 600 W, idle at 700 W x 0.125) + 0.192 h x 1,539.68 W / 8 of host, x PUE 1.2 =
    # 0.094022784 kWh; the day's 1,000 requests 94.022784 kWh.
    assert day["quantities"]["energy_kwh"] == pytest.approx(94.022784, rel=1e-9)
    gwp = day["impacts"]["gwp"]
    grid = next(i["value"] for i in day["inputs"] if i["rule"] == "electricity.gwp")
    assert gwp["by_stage"]["use"] == pytest.approx(94.022784 * grid, rel=1e-6)
    # Manufacturing spreads over the whole provisioned time: the same as the 192 GPU-hours known.
    assert gwp["by_stage"]["manufacturing"] == pytest.approx(
        known["impacts"]["gwp"]["by_stage"]["manufacturing"], rel=1e-6)


def test_more_requests_than_the_hardware_can_serve_exits_2(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # 0.25 GPU-hours busy per request against 0.192 provisioned: a utilisation of 1.30.
    path = tmp_path / "over.yaml"
    path.write_text(STUDY.format(title="over", busy="0.25 h"), encoding="utf-8")
    assert main(["assess", str(path), "--project", "test-provisioned-bad"]) == 2
    err = capsys.readouterr().err
    assert "provisioned.utilization" in err


def test_busy_time_is_the_serving_routes() -> None:
    # One request of 500 prompt and 400 generated tokens of Llama 3.1 8B at batch 64 on an H100:
    # its busy time in a provisioned unit is the GPU time an `inference` unit gives it.
    request = {"inference.input_tokens": 500, "inference.output_tokens": 400,
               "inference.batch_size": 64}
    study = api.load({
        "study": "busy", "hardware": "dgx-h100", "location": "FRA",
        "inputs": {"model.parameters": 8.03e9, "model.layers": 32, "gpu.count": 1},
        "functional_units": [
            {"name": "request", "workload": "inference", "inputs": request},
            {"name": "week", "workload": "provisioned", "quantity": "100000 requests",
             "inputs": {**request, "job.duration": "168 h"}}]})
    (_, inference), (_, week) = study.prepare().pairs
    busy = week.value("provisioned.busy_hours").to("h").magnitude
    assert busy == pytest.approx(inference.value("gpu.hours").to("h").magnitude, rel=1e-12)
    # 168 GPU-hours over 100,000 requests: 6.048 GPU-seconds each.
    assert week.value("gpu.hours").to("s").magnitude == pytest.approx(6.048, rel=1e-12)
    assert week.value("provisioned.utilization").magnitude == pytest.approx(
        busy * 3600 / 6.048, rel=1e-12)
    # The power under load is the serving route's, as for the inference unit.
    assert week.value("gpu.power") == inference.value("gpu.power")
