"""Image and video generation energy against measurement: the ML.ENERGY benchmark v3's diffusion runs.

Run: python benchmarks/measured_diffusion.py [--fit]

For every measured configuration of benchmarks/data/mlenergy_diffusion.csv (12 models, H100 and
B200, 1 to 8 GPUs, batch 1 to 64), the rules compute the GPU energy per item from each model's
architecture (benchmarks/data/diffusion_models.csv), its resolution, frames and steps, and the GPU
catalog, twice: on the fitted route (the default) and on the note's (`diffusion.route: note`,
the DiT formula at gpu.mfu). Prints, per route, the median factor off (max(ours/measured,
measured/ours)) and the share of configurations within 1.5x, on the fit subset, on the rest and
on all; then per model. `--fit` prints the achievable fraction fitted on the fit subset (the
one-GPU H100 image runs) and its 10th-90th percentile, the values model/compute.yaml carries.
"""

from __future__ import annotations

import csv
import math
import statistics
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from lca.core.errors import Where
from lca.core.provenance import Origin, given
from lca.core.rules.evaluate import Evaluator, make_override
from lca.core.rules.ruleset import RuleSet
from lca.data.catalog import HardwareChoice, select_hardware
from lca.study.situation import load_model

DATA = Path(__file__).resolve().parent / "data"
SERVERS = {"H100": "dgx-h100", "B200": "dgx-b200"}   # the catalog's server of each measured GPU


@dataclass(frozen=True)
class Run:
    """One measured configuration."""

    model_id: str
    video: bool
    gpu: str
    num_gpus: int
    batch_size: int
    width: int
    height: int
    frames: int
    steps: int
    measured_j: float

    @property
    def in_fit(self) -> bool:
        """The fit subset: the H100 runs (every model, 1 to 8 GPUs); the B200 runs are the test."""
        return self.gpu == "H100"


def load_runs() -> list[Run]:
    """Every measured configuration of benchmarks/data/mlenergy_diffusion.csv."""
    with (DATA / "mlenergy_diffusion.csv").open() as f:
        return [Run(r["model_id"], r["task"] == "text-to-video", r["gpu_model"], int(r["num_gpus"]),
                    int(r["batch_size"]), int(r["width"]), int(r["height"]), int(r["frames"]),
                    int(r["inference_steps"]), float(r["energy_per_item_j"]))
                for r in csv.DictReader(f)]


def load_architectures() -> dict[str, dict[str, str]]:
    """Each model's configuration (benchmarks/data/diffusion_models.csv), by model id."""
    with (DATA / "diffusion_models.csv").open() as f:
        return {r["model_id"]: r for r in csv.DictReader(f)}


def situation(arch: dict[str, str], run: Run, route: str) -> dict[str, object]:
    """The rule inputs of one configuration, as a model card gives them."""
    kind = "video" if run.video else "image"
    inputs: dict[str, object] = {
        "workload": kind, f"{kind}.architecture": "dit", "diffusion.route": route,
        "model.parameters": float(arch["parameters"]), "model.layers": int(arch["layers"]),
        "model.hidden_size": int(arch["hidden_size"]), "dit.patch_size": int(arch["patch_size"]),
        "dit.latent_downscale": int(arch["vae_downscale"]),
        "dit.temporal_compression": int(arch["temporal_compression"]),
        "dit.temporal_patch": int(arch["temporal_patch"]), "dit.text_tokens": int(arch["text_tokens"]),
        "diffusion.guidance": "cfg" if arch["guidance"] == "on" else "none",
        "diffusion.steps": run.steps, "image.width": run.width, "image.height": run.height,
        "inference.input_tokens": 77}   # the note's prompt term (its route only): a CLIP-length prompt
    if run.video:
        inputs["video.frames"] = run.frames
    return inputs


def evaluator(rules: RuleSet, inputs: dict[str, object], gpu: str) -> Evaluator:
    """The rules for one configuration on the catalog's server of that GPU."""
    overrides = {}
    server = given(SERVERS[gpu], Where("benchmark", key="hardware"), Origin.STUDY)
    for rule, value in select_hardware(HardwareChoice(server, None)).values.items():
        overrides[rule] = make_override(rules[rule], value.value, value.provenance)
    for name, raw in inputs.items():
        overrides[name] = make_override(rules[name], raw, Where("benchmark", key=name))
    return Evaluator(rules, overrides)


@lru_cache(maxsize=None)
def _rules() -> RuleSet:
    """The model's rules, loaded once."""
    return load_model()


@lru_cache(maxsize=None)
def gpu_power_w(gpu: str) -> float:
    """The catalog's TDP of the measured GPU, in watts: diffusion is compute-bound and its GPU time
    is charged at gpu.power, which off the serving route is the TDP."""
    server = given(SERVERS[gpu], Where("benchmark"), Origin.STUDY)
    values = select_hardware(HardwareChoice(server, None)).values
    return float(make_override(_rules()["gpu.tdp"], values["gpu.tdp"].value,
                               Where("benchmark")).value.to("W").magnitude)


@lru_cache(maxsize=None)
def predicted_j(model_id: str, video: bool, gpu: str, num_gpus: int, width: int, height: int,
                frames: int, steps: int, route: str, fitted: tuple[float, float] | None = None
                ) -> float:
    """GPU energy per item (energy.gpu) in joules; `fitted` replaces the achievable fraction and
    the sync time (in seconds)."""
    rules = _rules()
    run = Run(model_id, video, gpu, num_gpus, 1, width, height, frames, steps, 0.0)
    inputs = situation(load_architectures()[model_id], run, route)
    inputs["gpu.count"] = num_gpus
    if fitted is not None:
        inputs["diffusion.achievable_fraction"] = fitted[0]
        inputs["diffusion.sync_time"] = f"{fitted[1]} s"
    return float(evaluator(rules, inputs, gpu).value("energy.gpu").to("J").magnitude)


def predict(run: Run, route: str, fitted: tuple[float, float] | None = None) -> float:
    """GPU energy per item of a measured configuration, in joules (see predicted_j)."""
    return predicted_j(run.model_id, run.video, run.gpu, run.num_gpus, run.width, run.height,
                       run.frames, run.steps, route, fitted)


def factor_off(ours: float, measured: float) -> float:
    """How many times off, either way: 1 is exact."""
    return max(ours / measured, measured / ours)


def fit(runs: list[Run]) -> tuple[float, float, float, float]:
    """The constants, from the fit subset only: the achievable fraction, as the geometric mean of
    the fraction each one-GPU run implies (modelled energy at a fraction of 1 over measured); the
    sync time, as the median over its runs on N > 1 GPUs of the extra GPU time over the median
    one-GPU run of the same model, per GPU and step, (E_N - E_1) / (gpu.power x N x steps); and the
    10th and 90th percentiles of the implied fraction over every one-GPU run (the spread across
    models and GPUs)."""
    implied = {r: predict(r, "fitted", (1.0, 0.0)) / r.measured_j for r in runs if r.num_gpus == 1}
    fraction = math.exp(statistics.fmean(math.log(v) for r, v in implied.items() if r.in_fit))
    single: dict[tuple[str, str], list[float]] = {}
    for r in runs:
        if r.num_gpus == 1:
            single.setdefault((r.model_id, r.gpu), []).append(r.measured_j)
    sync = statistics.median(
        (r.measured_j - statistics.median(single[(r.model_id, r.gpu)]))
        / (gpu_power_w(r.gpu) * r.num_gpus * r.steps)
        for r in runs if r.in_fit and r.num_gpus > 1)
    deciles = statistics.quantiles(implied.values(), n=10)
    return fraction, sync, deciles[0], deciles[-1]


def summary(runs: list[Run], route: str) -> tuple[float, float]:
    """Median factor off and share within 1.5x."""
    factors = [factor_off(predict(r, route), r.measured_j) for r in runs]
    return statistics.median(factors), sum(f <= 1.5 for f in factors) / len(factors)


def main(argv: list[str]) -> int:
    """Print the comparison table, or with --fit the fitted constants."""
    runs = load_runs()
    if "--fit" in argv:
        fraction, sync, low, high = fit(runs)
        print(f"fitted on the {sum(r.in_fit for r in runs)} H100 runs: diffusion.achievable_fraction "
              f"{fraction:.4f} (one-GPU runs, 10th-90th percentile: {low:.3f} to {high:.3f}), "
              f"diffusion.sync_time {sync * 1000:.2f} ms")
        return 0
    groups = {"fit subset (H100)": [r for r in runs if r.in_fit],
              "the rest (B200)": [r for r in runs if not r.in_fit],
              "images": [r for r in runs if not r.video],
              "videos": [r for r in runs if r.video],
              "one GPU": [r for r in runs if r.num_gpus == 1],
              "2 to 8 GPUs": [r for r in runs if r.num_gpus > 1],
              "all": runs}
    rows = [["configurations", "n", "fitted: median factor", "within 1.5x",
             "note: median factor", "within 1.5x"]]
    for name, group in groups.items():
        fitted, note = summary(group, "fitted"), summary(group, "note")
        rows.append([name, str(len(group)), f"{fitted[0]:.2f}", f"{fitted[1]:.0%}",
                     f"{note[0]:.2f}", f"{note[1]:.0%}"])
    rows.append([])
    rows.append(["model (one GPU)", "n", "ours / measured, median", "", "note / measured", ""])
    for model_id in load_architectures():
        group = [r for r in runs if r.model_id == model_id and r.num_gpus == 1]
        rows.append([model_id, str(len(group)),
                     f"{statistics.median(predict(r, 'fitted') / r.measured_j for r in group):.2f}", "",
                     f"{statistics.median(predict(r, 'note') / r.measured_j for r in group):.2f}", ""])
    widths = [max(len(r[i]) for r in rows if r) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() if row else "")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
