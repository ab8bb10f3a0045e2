"""The serving route against measured LLM serving energy: the ML.ENERGY Benchmark v3.

Run: python benchmarks/measured_serving.py [--fit]

Each measured configuration (benchmarks/data/ml_energy_v3_llm.csv: model, GPU, GPU count,
precision, average batch, output length, data- and expert-parallel degrees) becomes a situation of the rules engine, with the
model's architecture from benchmarks/data/ml_energy_v3_models.csv and the GPU's catalog values,
and the engine computes GPU energy per output token (energy.gpu / output tokens: GPU only, no
PUE, as measured) on the `serving` route and on the note's `flops` route. Printed per subset:
configurations, median factor off (max(p/m, m/p)), share within 1.5x, and the median ratio
predicted / measured (the bias).

--fit refits the constants on three fit subsets only, in this order: on dense BF16 models, per
GPU, the achievable compute and bandwidth fractions and the per-sequence time of a decode step on
the measured throughput; on BF16 mixture-of-experts models over several H100s, the time of one
exchange of tokens between expert GPUs; on FP8 models on H100, the speed of FP8 kernels relative
to BF16 ones; then, on the dense subset and the two GPUs together, the power floor and saturation
on the measured power. It prints them for model/serving.yaml and inventories/gpus.yaml; the table
then shows what the shipped constants give.
"""

from __future__ import annotations

import argparse
import csv
import statistics
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lca.core.errors import Where  # noqa: E402
from lca.core.provenance import Given, Origin, Provenance  # noqa: E402
from lca.core.rules.evaluate import Evaluator, Override, make_override  # noqa: E402
from lca.core.rules.ruleset import RuleSet  # noqa: E402
from lca.data.catalog import HardwareChoice, select_hardware  # noqa: E402
from lca.report.texttable import aligned  # noqa: E402
from lca.study.situation import load_model  # noqa: E402

DATA = ROOT / "benchmarks" / "data"
# The leaderboard does not publish prompt lengths: assumed per task (benchmarks/data/README.md).
PROMPT_TOKENS = {"lm-arena-chat": 200, "gpqa": 300, "sourcegraph-fim": 1500}
SERVERS = {"H100": "dgx-h100", "B200": "dgx-b200"}
PRECISIONS = {"bfloat16": "bf16", "fp8": "fp8", "mxfp4": "mxfp4"}
# Architecture columns of ml_energy_v3_models.csv and the rules they set (blank: the rule's default).
ARCHITECTURE = {"parameters": "model.parameters", "active_parameters": "model.active_parameters",
                "layers": "model.layers", "kv_heads": "model.kv_heads", "head_dim": "model.head_dim",
                "kv_cache_bytes_per_token": "model.kv_cache_bytes_per_token",
                "sliding_window": "model.sliding_window",
                "sliding_window_layers": "model.sliding_window_layers",
                "experts": "model.experts", "experts_per_token": "model.experts_per_token",
                "expert_parameters": "model.expert_parameters", "moe_layers": "model.moe_layers",
                "compute_precision": "compute.precision",
                "bytes_per_parameter": "model.bytes_per_parameter"}
UNITS = {"kv_cache_bytes_per_token": " B", "bytes_per_parameter": " B"}


@dataclass(frozen=True)
class Config:
    """One measured configuration and the engine's situation for it."""

    row: dict[str, str]
    model: dict[str, str]
    base: dict[str, Override]

    def measured(self, column: str) -> float:
        """A number of the measured row."""
        return float(self.row[column])

    @property
    def fit_subset(self) -> bool:
        """Dense BF16 models: the configurations the achievable fractions and power are fitted on."""
        return self.model["architecture"] == "dense" and self.row["weight_precision"] == "bfloat16"

    @property
    def exchange_subset(self) -> bool:
        """BF16 MoE on several H100s (one replica): the exchange time between experts is fitted on."""
        row = self.row
        return (self.model["architecture"] == "moe" and row["weight_precision"] == "bfloat16"
                and row["gpu"] == "H100" and int(row["num_gpus"]) > 1
                and int(row["data_parallel"]) == 1)

    @property
    def fp8_subset(self) -> bool:
        """FP8 weights on H100, one replica: the FP8 rate over BF16 is fitted on."""
        row = self.row
        return (row["weight_precision"] == "fp8" and row["gpu"] == "H100"
                and int(row["data_parallel"]) == 1)

    def subsets(self) -> list[str]:
        """The subsets of the printed table this configuration belongs to, in the table's order."""
        row = self.row
        fit = ("fit (dense BF16)" if self.fit_subset else
               "fit (MoE BF16 on several H100s)" if self.exchange_subset else
               "fit (FP8 on H100)" if self.fp8_subset else "held out")
        out = ["all", fit, f"GPU {row['gpu']}",
               self.model["architecture"], f"weights {PRECISIONS[row['weight_precision']]}",
               f"task {row['task']}"]
        if int(row["data_parallel"]) > 1:
            out.append("data-parallel replicas")
        return out


def load_configs(rules: RuleSet) -> list[Config]:
    """Every measured configuration with its engine overrides."""
    with open(DATA / "ml_energy_v3_models.csv", newline="") as handle:
        models = {row["model_id"]: row for row in csv.DictReader(handle)}
    with open(DATA / "ml_energy_v3_llm.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    configs = []
    for number, row in enumerate(rows, start=2):
        model = models[row["model_id"]]
        where = Where(str(DATA / "ml_energy_v3_llm.csv"), number)
        selection = select_hardware(HardwareChoice(Given(SERVERS[row["gpu"]],
                                                         Provenance(Origin.STUDY, where)), None))
        base = {rule: make_override(rules[rule], value.value, value.provenance)
                for rule, value in selection.values.items()}
        given = {"workload": "inference", "gpu.count": row["num_gpus"],
                 "inference.replicas": row["data_parallel"],
                 "inference.expert_parallel": row["expert_parallel"],
                 "inference.batch_size": row["avg_batch_size"],
                 "inference.output_tokens": row["avg_output_len"],
                 "inference.output_tokens_per_request": row["avg_output_len"],
                 "inference.input_tokens": PROMPT_TOKENS[row["task"]]}
        for column, rule in ARCHITECTURE.items():
            if model[column]:
                given[rule] = model[column] + UNITS.get(column, "")
        for rule, raw in given.items():
            base[rule] = make_override(rules[rule], raw, where)
        configs.append(Config(row, model, base))
    return configs


def evaluate(rules: RuleSet, config: Config, **settings: object) -> Evaluator:
    """The engine on one configuration, with rules replaced (arrays allowed, for the fit)."""
    overrides = dict(config.base)
    for rule, value in settings.items():
        overrides[rule] = make_override(rules[rule], value, Where("measured_serving.py"))
    return Evaluator(rules, overrides)


def per_token(evaluator: Evaluator, name: str, unit: str) -> np.ndarray:
    """A rule's value per output token of the configuration."""
    tokens = evaluator.value("inference.output_tokens").magnitude
    return np.asarray((evaluator.value(name) / tokens).to(unit).magnitude)


def grid_search(loss: Callable[..., np.ndarray],
                *ranges: tuple[float, float]) -> tuple[float, ...]:
    """Minimise loss over a grid of 41 points per range, zoomed three times around the best."""
    bounds = [list(r) for r in ranges]
    for _ in range(4):
        points = [g.ravel() for g in np.meshgrid(*(np.linspace(lo, hi, 41) for lo, hi in bounds))]
        best = int(np.argmin(loss(*points)))
        for i, (values, (floor, ceiling)) in enumerate(zip(points, ranges)):
            step = (bounds[i][1] - bounds[i][0]) / 10
            bounds[i] = [max(values[best] - step, floor), min(values[best] + step, ceiling)]
    return tuple(float(values[best]) for values in points)


def time_loss(rules: RuleSet, configs: list[Config], fixed: Callable[[Config], dict],
              name: str) -> Callable[..., np.ndarray]:
    """Mean |log(predicted / measured time per output token)| with rules set to candidates."""
    def loss(*candidates: np.ndarray) -> np.ndarray:
        errors = [np.abs(np.log(per_token(evaluate(
            rules, c, **fixed(c), **dict(zip(name.split(","), candidates))), "gpu.hours", "s")
            / c.measured("num_gpus") * c.measured("output_tokens_per_s"))) for c in configs]
        return np.mean(errors, axis=0)
    return loss


def fit(rules: RuleSet, configs: list[Config]) -> dict[str, dict[str, float]]:
    """Fit the constants on the dense BF16 configurations, time first, then power."""
    subset = [c for c in configs if c.fit_subset]
    fitted: dict[str, dict[str, float]] = {}
    for gpu in SERVERS:
        mine = [c for c in subset if c.row["gpu"] == gpu]
        compute, bandwidth, sequence = grid_search(time_loss(
            rules, mine, lambda c: {},
            "gpu.serving_compute_fraction,gpu.serving_bandwidth_fraction,gpu.serving_sequence_time"),
            (0.02, 1.0), (0.02, 1.0), (0.0, 200.0))
        fitted[gpu] = {"gpu.serving_compute_fraction": compute,
                       "gpu.serving_bandwidth_fraction": bandwidth,
                       "gpu.serving_sequence_time": f"{sequence} us"}
        print(f"{gpu}: {len(mine)} configurations, compute fraction {compute:.3f}, "
              f"bandwidth fraction {bandwidth:.3f}, per sequence {sequence:.1f} us")
    exchange = [c for c in configs if c.exchange_subset]
    (microseconds,) = grid_search(time_loss(rules, exchange, lambda c: fitted[c.row["gpu"]],
                                            "gpu.expert_all_to_all_time"), (0.0, 500.0))
    print(f"MoE on several H100s: {len(exchange)} configurations, exchange between expert GPUs "
          f"{microseconds:.0f} us")
    for constants in fitted.values():
        constants["gpu.expert_all_to_all_time"] = f"{microseconds} us"
    fp8 = [c for c in configs if c.fp8_subset]
    (efficiency,) = grid_search(time_loss(rules, fp8, lambda c: fitted[c.row["gpu"]],
                                          "gpu.serving_fp8_efficiency"), (0.05, 1.0))
    print(f"FP8 on H100: {len(fp8)} configurations, FP8 kernels at {efficiency:.3f} of BF16's speed")

    def power_loss(floor: np.ndarray, saturation: np.ndarray) -> np.ndarray:
        errors = [np.abs(np.log(np.asarray(evaluate(
            rules, c, **fitted[c.row["gpu"]], **{"gpu.power_floor_ratio": floor,
                                                 "gpu.power_saturation_utilization": saturation}
        ).value("gpu.power").to("W").magnitude) * c.measured("num_gpus")
            / c.measured("avg_power_w"))) for c in subset]
        return np.mean(errors, axis=0)

    floor, saturation = grid_search(power_loss, (0.05, 1.0), (0.05, 1.0))
    print(f"H100 and B200: {len(subset)} configurations, power floor {floor:.3f} x TDP, "
          f"saturation at FLOP utilisation {saturation:.3f}")
    return fitted


def factors(rules: RuleSet, configs: list[Config], route: str) -> list[float]:
    """Predicted / measured GPU energy per output token of each configuration."""
    return [float(per_token(evaluate(rules, c, **{"compute.route": route}), "energy.gpu", "J"))
            / c.measured("energy_per_token_j") for c in configs]


def table(configs: list[Config], ratios: dict[str, list[float]]) -> list[str]:
    """Median factor off, share within 1.5x and bias per subset, the routes side by side."""
    order: dict[str, tuple[int, str]] = {}  # subsets of one kind together: GPU, task, ...
    for config in configs:
        for position, name in enumerate(config.subsets()):
            order.setdefault(name, (position, name))
    names = sorted(order, key=order.__getitem__)
    rows = [["subset", "n", *(f"{route}: {what}" for route in ratios
                               for what in ("median factor", "within 1.5x", "bias"))]]
    for name in names:
        members = [i for i, c in enumerate(configs) if name in c.subsets()]
        cells = [name, str(len(members))]
        for values in ratios.values():
            mine = [values[i] for i in members]
            off = [max(r, 1 / r) for r in mine]
            cells += [f"{statistics.median(off):.2f}",
                      f"{sum(o <= 1.5 for o in off) / len(off):.0%}",
                      f"{statistics.median(mine):.2f}"]
        rows.append(cells)
    return aligned(rows, labels=1)


def speed_rows(rules: RuleSet, configs: list[Config]) -> list[str]:
    """Median predicted / measured output throughput by the tokens each expert (MoE) or each
    weight (dense: the batch) serves in a step, rounded to a power of 2: where the speed, not the
    power, goes wrong. Data-parallel replicas are left out (their batch is split)."""
    speeds: dict[tuple[str, float], list[float]] = {}
    for config in configs:
        if int(config.row["data_parallel"]) > 1:
            continue
        seconds = float(per_token(evaluate(rules, config), "gpu.hours", "s"))
        speed = config.measured("num_gpus") / seconds / config.measured("output_tokens_per_s")
        tokens = config.measured("avg_batch_size")
        if config.model["architecture"] == "moe":
            tokens *= float(config.model["experts_per_token"]) / float(config.model["experts"])
        bucket = 2.0 ** round(np.log2(max(tokens, 0.25)))
        speeds.setdefault((config.model["architecture"], bucket), []).append(speed)
    rows = [["model", "tokens per expert or weight", "n", "speed: median", "quartiles"]]
    for (kind, bucket), values in sorted(speeds.items()):
        q1, median, q3 = np.percentile(values, [25, 50, 75])
        rows.append([kind, f"{bucket:g}", str(len(values)), f"{median:.2f}", f"{q1:.2f}-{q3:.2f}"])
    return aligned(rows, labels=2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fit", action="store_true", help="refit the constants on the fit subset")
    args = parser.parse_args()
    rules = load_model()
    configs = load_configs(rules)
    if args.fit:
        fit(rules, configs)
    ratios = {route: factors(rules, configs, route) for route in ("serving", "flops")}
    print(f"GPU energy per output token, predicted vs measured, {len(configs)} configurations "
          f"of the ML.ENERGY Benchmark v3 (bias: median predicted / measured)")
    print("\n".join(table(configs, ratios)))
    print("\nServing route's speed, predicted / measured output throughput (above 1: too fast)")
    print("\n".join(speed_rows(rules, configs)))


if __name__ == "__main__":
    main()
