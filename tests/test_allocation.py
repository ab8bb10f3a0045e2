"""Allocation choices, shares between functional units and comparisons, through Brightway."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lca.analysis.compare import compare_allocations
from lca.assess import assess
from lca.cli import main
from lca.inventory.datasets import PARTS
from lca.study.situation import Setting
from tests.conftest import ROOT, Validated, pipeline
from tests.test_assessment import unit

BLOOM = ROOT / "examples" / "bloom-176b.yaml"
DEFAULT = ROOT / "examples" / "llama-3.1-405b.yaml"
HOST = ("cpu", "ram", "ssd", "chassis")

# One GPU job on the DGX H100 with the note's server parts, so every host part has a GWP.
GPU_JOB = """\
study: {title}
location: FRA
hardware: dgx-h100
allocation: {allocation}
inputs: {{server.manufacturing: note, gpu.manufacturing: note-250}}
functional_units:
  - name: job
    workload: gpu_hours
    inputs: {{gpu.count: {count}, job.duration: {hours} h}}
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def host(doc: dict, indicator: str = "gwp") -> float:
    """The impacts of the server's non-GPU parts charged to the unit."""
    parts = unit(doc, "job")["impacts"][indicator]["by_component"]
    return sum(parts[p] for p in HOST)


@pytest.fixture(scope="module")
def bloom(validated: Validated) -> dict:
    """BLOOM as the validation suite ran it; its published figures (reference-cases.md rows 4 to 6)
    are checked there, tests/test_validation.py."""
    return validated.doc(BLOOM.name)


def test_bloom_measured_overhead_and_a_gwp_only_server_total(bloom) -> None:
    training = unit(bloom, "training")
    assert training["quantities"]["idle_and_infrastructure_kwh"] == pytest.approx(256_646)
    # The server total is climate change only: the other indicators say so.
    assert any(m["components"] == ["server"] for m in training["missing"]["pe"])


def test_gpu_count_shares_add_up_to_the_whole_server(tmp_path) -> None:
    """Under gpu-count, N GPU-hours carry one server-hour of host; whole-server charges a
    one-GPU job the whole host, N times the GPU-count share of one GPU-hour."""
    one_gpu = assess(write(tmp_path, "a.yaml", GPU_JOB.format(
        title="one GPU-hour", allocation="gpu-count", count=1, hours=1)), project="inv-a")
    full = assess(write(tmp_path, "b.yaml", GPU_JOB.format(
        title="eight GPU-hours", allocation="gpu-count", count=8, hours=1)), project="inv-b")
    whole = assess(write(tmp_path, "c.yaml", GPU_JOB.format(
        title="one GPU, whole server", allocation="whole-server", count=1, hours=1)),
        project="inv-c")
    assert host(full) == pytest.approx(8 * host(one_gpu), rel=1e-6)
    assert host(whole) == pytest.approx(host(full), rel=1e-6)
    # ... and the 7 GPUs it holds idle: 8 GPUs' manufacturing, 7 of them drawing half power.
    gpu = unit(whole, "job")["impacts"]["gwp"]["by_stage_and_component"]
    gpu_one = unit(one_gpu, "job")["impacts"]["gwp"]["by_stage_and_component"]
    assert gpu["manufacturing"]["gpu"] == pytest.approx(8 * gpu_one["manufacturing"]["gpu"], rel=1e-6)
    assert gpu["use"]["gpu"] == pytest.approx((1 + 7 * 0.5) * gpu_one["use"]["gpu"], rel=1e-6)


@pytest.fixture(scope="module")
def every_allocation() -> dict:
    return compare_allocations(pipeline("test-compare"), DEFAULT)


def test_every_allocation_adds_up(every_allocation) -> None:
    section = every_allocation["allocation_comparison"]
    assert section["columns"] == ["gpu-count", "power", "whole-server", "utilization"]
    assert len(section["rows"]) == 2 * 4
    for alloc in section["columns"]:
        doc = assess(DEFAULT, [Setting("allocation", alloc, "--allocation")], project="test-compare")
        for u in doc["functional_units"]:
            for ind, imp in u["impacts"].items():
                assert sum(imp["by_component"][p] for p in PARTS) == pytest.approx(imp["total"],
                                                                                  rel=1e-6)
                assert sum(imp["by_stage"].values()) == pytest.approx(imp["total"], rel=1e-6)
                (row,) = [r for r in section["rows"]
                          if r["functional_unit"] == u["name"] and r["indicator"] == ind]
                assert row["values"][alloc] == pytest.approx(imp["total"], rel=1e-9)


def test_allocations_order_as_their_shares(every_allocation) -> None:
    rows = {(r["functional_unit"], r["indicator"]): r for r in
            every_allocation["allocation_comparison"]["rows"]}
    gwp = rows[("1M output tokens", "gwp")]
    # power 0.098 < gpu-count 0.125 per GPU-hour; whole-server holds 2 servers (16 GPUs) for 13
    # GPUs; utilization adds idle time.
    assert gwp["server_share"]["power"] < gwp["server_share"]["gpu-count"] == 0.125
    assert gwp["server_share"]["whole-server"] == pytest.approx(2 / 13)
    v = gwp["values"]
    assert v["power"] < v["gpu-count"] < v["utilization"]
    assert v["gpu-count"] < v["whole-server"]
    # The project ends with the study's own allocation written.
    assert every_allocation["allocation"] == "gpu-count"


def test_compare_cli_prints_every_rule_and_indicator(capsys) -> None:
    code = main(["compare", str(DEFAULT), "--allocation", "all", "--project", "test-compare"])
    out = capsys.readouterr().out
    assert code == 0
    for label in ("gpu-count", "power", "whole-server", "utilization", "max / min",
                  "Climate change", "Primary energy", "Water consumption", "Abiotic depletion",
                  "server share per"):  # "GPU-hour" wraps to the next line in 100 columns
        assert label in out
    assert max(len(line) for line in out.splitlines()) <= 100


AMORTISED = """\
study: Training amortised over inference
location: FRA
hardware: dgx-h100
functional_units:
  - name: training
    workload: training
    inputs: {model.parameters: 8e9, training.tokens: 1e12}
  - name: 1M tokens with training
    workload: inference
    # The note's route, so that the unit's own part is 2PT against the training's 6PT.
    inputs: {model.parameters: 8e9, inference.input_tokens: 0, inference.output_tokens: 1e6,
             compute.route: flops}
    includes:
      - unit: training
        share: inference.output_tokens / 1e13   # 10 trillion tokens served over the model's life
"""


def test_training_amortised_over_inferences(tmp_path) -> None:
    doc = assess(write(tmp_path, "a.yaml", AMORTISED), project="test-amortised")
    training = unit(doc, "training")
    serving = unit(doc, "1M tokens with training")
    for ind in ("gwp", "pe"):
        carried = serving["impacts"][ind]["includes"]["training"]
        assert carried == pytest.approx(training["impacts"][ind]["total"] * 1e-7, rel=1e-6)
        # its own inference: 2 x 8e9 x 1e6 FLOP vs training 6 x 8e9 x 1e12, same hardware
        own = serving["impacts"][ind]["total"] - carried
        assert own == pytest.approx(training["impacts"][ind]["total"] * 2e6 / 6e12, rel=1e-5)
        parts = serving["impacts"][ind]["by_component"]
        assert sum(parts.values()) == pytest.approx(serving["impacts"][ind]["total"], rel=1e-6)
    # What the training lacks, the unit that carries a share of it lacks too.
    for ind in ("water", "adpe"):
        assert all(m in serving["missing"][ind] for m in training["missing"][ind])


@pytest.mark.parametrize("old, new, message", [
    ("      - unit: training\n", "      - unit: trainin\n", "(did you mean training"),
    ("  - name: training\n    workload",
     "  - name: training\n    includes: [{unit: 1M tokens with training}]\n    workload",
     "in a cycle: training -> 1M tokens with training -> training"),
    ("share: inference.output_tokens / 1e13", "share: inference.output_tokens * 1 kWh",
     "must be a number of 0 or more"),
    ("share: inference.output_tokens / 1e13", "share: inference.output_token / 1e13",
     "unknown rule 'inference.output_token'"),
])
def test_bad_includes(tmp_path, capsys, old, new, message) -> None:
    path = write(tmp_path, "a.yaml", AMORTISED.replace(old, new))
    code = main(["assess", str(path), "--project", "test-bad-includes"])
    err = capsys.readouterr().err
    assert code == 2
    assert message in err and "a.yaml:" in err


def test_scenarios_show_the_inputs_that_differ(tmp_path, capsys) -> None:
    base = GPU_JOB.format(title="scenario A", allocation="gpu-count", count=8, hours=10)
    a = write(tmp_path, "a.yaml", base)
    b = write(tmp_path, "b.yaml", base.replace("scenario A", "scenario B").replace(
        "gpu.manufacturing: note-250}", "gpu.manufacturing: note-250, datacenter.pue: 1.5}"))
    code = main(["compare", "--scenario", str(a), str(b), "--json", "--project", "test-scen"])
    doc = json.loads(capsys.readouterr().out)["scenario_comparison"]
    assert code == 0
    assert doc["columns"] == ["a", "b"]
    assert {d["rule"] for d in doc["differences"]} == {"datacenter.pue"}
    use_ratio = 1.5 / 1.2  # every kWh at the meter scales with the PUE; manufacturing does not
    (gwp,) = [r for r in doc["rows"] if r["indicator"] == "gwp"]
    assert gwp["values"]["b"] > gwp["values"]["a"]
    assert gwp["values"]["b"] < gwp["values"]["a"] * use_ratio


def test_inputs_that_no_choice_reads_are_reported(tmp_path) -> None:
    path = write(tmp_path, "a.yaml", GPU_JOB.format(title="unused", allocation="gpu-count",
                                                     count=1, hours=1))
    utilisation = [Setting("hardware.utilization", "0.6")]
    doc = assess(path, utilisation, project="test-unused")
    assert [i["rule"] for i in doc["unused_inputs"]] == ["hardware.utilization"]
    doc = assess(path, [*utilisation, Setting("allocation", "utilization", "--allocation")],
                 project="test-unused")
    assert doc["unused_inputs"] == []
