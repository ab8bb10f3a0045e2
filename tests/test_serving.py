"""The serving route (model/serving.yaml) against the ML.ENERGY Benchmark v3, and its bad inputs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from lca.cli import main
from lca.core.errors import InputError, Where
from lca.core.rules.evaluate import Evaluator, make_override
from lca.study.file import load_study
from lca.study.resolve import evaluators
from lca.study.situation import Setting
from tests.conftest import ROOT

STUDY = ROOT / "examples" / "llama-3.1-8b-serving.yaml"
# ML.ENERGY Benchmark v3, Llama 3.1 8B, one H100, LM Arena chat (benchmarks/data/ml_energy_v3_llm.csv):
# GPU energy per output token at average batches 7.98, 63.9 and 510.9.
MEASURED = {8: 0.4547982611462042, 64: 0.11857964835952284, 511: 0.07019449941326047}


def energy_per_token(model, batch: int, **settings: str) -> float:
    given = [Setting("inference.batch_size", str(batch))]
    given += [Setting(rule, raw) for rule, raw in settings.items()]
    ((_, evaluator),) = evaluators(model, load_study(STUDY), given)
    return evaluator.value("inference.gpu_energy_per_output_token").to("J").magnitude


def test_serving_is_the_default_for_inference_only(model) -> None:
    study = load_study(ROOT / "examples" / "llama-3.1-405b.yaml")
    routes = [ev.value("compute.route") for _, ev in evaluators(model, study)]
    assert routes == ["flops", "serving"]  # training, then 1M output tokens


def test_batch_64_within_1_5x_of_the_measurement(model) -> None:
    """Issue 13, done when: Llama 3.1 8B, one H100, batch 64, within 1.5x of the measured 0.119 J."""
    ratio = energy_per_token(model, 64) / MEASURED[64]
    assert 1 / 1.5 <= ratio <= 1.5


def test_batch_8_to_512_moves_energy_per_token_as_measured(model) -> None:
    """Measured: 0.4548 / 0.0702 = 6.5x from batch 8 to 511; ours within 1.5x of that ratio."""
    measured = MEASURED[8] / MEASURED[511]
    ours = energy_per_token(model, 8) / energy_per_token(model, 511)
    assert measured / 1.5 <= ours <= measured * 1.5
    # The note's route does not see the batch at all.
    assert energy_per_token(model, 8, **{"compute.route": "flops"}) == pytest.approx(
        energy_per_token(model, 511, **{"compute.route": "flops"}), rel=1e-12)


def test_explain_says_what_bounds_a_decode_step(capsys: pytest.CaptureFixture[str]) -> None:
    for batch, bound in (("8", "memory-bound"), ("2048", "compute-bound")):
        assert main(["explain", str(STUDY), "serving.decode_bound",
                     "--set", f"inference.batch_size={batch}"]) == 0
        out = capsys.readouterr().out
        assert f"serving.decode_bound = '{bound}'" in out
        assert "serving.compute_time = " in out and "serving.memory_time = " in out


def test_measured_serving_reproduces_the_shipped_fit() -> None:
    """benchmarks/measured_serving.py --fit on its three fit subsets gives the constants shipped in
    model/serving.yaml (H100, the exchange time between expert GPUs, the FP8 kernels' speed, the
    power model) and inventories/gpus.yaml (B200); all configurations and the held-out ones are
    within the issue's goal (median factor 1.25, 80 % within 1.5x)."""
    out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "measured_serving.py"), "--fit"],
                         capture_output=True, text=True, check=True, cwd=ROOT).stdout
    assert ("H100: 93 configurations, compute fraction 0.479, bandwidth fraction 0.657, "
            "per sequence 60.2 us") in out
    assert ("B200: 95 configurations, compute fraction 0.807, bandwidth fraction 0.438, "
            "per sequence 54.1 us") in out
    assert "MoE on several H100s: 62 configurations, exchange between expert GPUs 43 us" in out
    assert "FP8 on H100: 43 configurations, FP8 kernels at 0.607 of BF16's speed" in out
    assert "188 configurations, power floor 0.676 x TDP, saturation at FLOP utilisation 0.394" in out
    for subset in ("all", "held out"):
        words = len(subset.split())
        cells = next(line.split()[words:] for line in out.splitlines()
                     if line.split()[:words] == subset.split())
        median, within = float(cells[1]), float(cells[2].rstrip("%")) / 100
        assert median <= 1.25 and within >= 0.8, (subset, median, within)
    # The speed table (README, "The per-sequence time of a decode step"): dense and MoE models
    # near the measured speed at every batch; MoE at 64 tokens an expert was 2.06x too fast before
    # the per-sequence time of a step.
    speed_table = out.split("Serving route's speed")[1].splitlines()[2:]
    speed = {tuple(line.split()[:2]): float(line.split()[3]) for line in speed_table}
    assert all(0.8 <= value <= 1.2 for (kind, _), value in speed.items() if kind == "dense")
    assert speed[("moe", "64")] == pytest.approx(1.05, abs=0.005)


@pytest.mark.parametrize("inputs, message", [
    ("inference.batch_size: 0", "inference.batch_size = 0 is below the minimum 1"),
    ("gpu.memory_bandwidth: 3.35", "gpu.memory_bandwidth needs a unit of"),
    ("compute.precision: fp8", "rule 'gpu.peak_flops_fp8' is a missing input"),
])
def test_bad_serving_input(tmp_path: Path, capsys: pytest.CaptureFixture[str], inputs: str,
                           message: str) -> None:
    """Exit 2 naming the file, line and key; the A100 has no FP8 (a precision the GPU lacks)."""
    text = STUDY.read_text().replace("hardware: dgx-h100", "hardware: dgx-a100").replace(
        "  gpu.count: 1\n", f"  gpu.count: 1\n  {inputs}\n")
    path = tmp_path / "study.yaml"
    path.write_text(text, encoding="utf-8")
    assert main(["explain", str(path), "gpu.hours"]) == 2
    err = capsys.readouterr().err
    assert message in err
    if "missing input" not in message:  # a given value: its own line and key
        line = 1 + text.splitlines().index(f"  {inputs}")
        assert f"{path}:{line}" in err and f"key 'inputs.{inputs.split(':')[0]}'" in err


def test_layers_default_only_for_text_inference(model) -> None:
    """The parameter-count default of model.layers is Llama's: a DiT still has to give its own."""
    given = {"workload": "image", "image.architecture": "dit", "model.parameters": 2e9}
    evaluator = Evaluator(model, {rule: make_override(model[rule], raw, Where("test", key=rule))
                                  for rule, raw in given.items()})
    with pytest.raises(InputError, match="rule 'model.layers' has no variation that applies "
                                         "here: give it in the study's inputs or with --set"):
        evaluator.value("model.layers")


def test_measured_serving_gives_gpt_oss_its_sliding_window(model) -> None:
    """The benchmark's model table reaches the rules: gpt-oss-20b (config.json: 12 of 24 layers
    with a 128-token window) on one H100 at max_num_seqs 8 (ml_energy_v3_llm.csv, its line 146:
    2,142.404 output tokens a request, 300 prompt tokens assumed for GPQA) reads
    300 + 2,142.404 / 2 = 1,371.202 tokens of context at full layers and 128 at the others,
    1,371.202 - 12 / 24 x (1,371.202 - 128) = 749.601 on average."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import measured_serving

    (config,) = [c for c in measured_serving.load_configs(model)
                 if c.row["model_id"] == "openai/gpt-oss-20b" and c.row["gpu"] == "H100"
                 and c.row["num_gpus"] == "1" and c.row["max_num_seqs"] == "8"]
    evaluator = measured_serving.evaluate(model, config)
    assert evaluator.value("inference.context_tokens").magnitude == pytest.approx(1371.202, rel=1e-6)
    assert evaluator.value("serving.kv_tokens_read").magnitude == pytest.approx(749.601, rel=1e-6)
