"""Rules-engine speed: load and check all rules, evaluate one study, evaluate 10,000 samples.

Run: python benchmarks/rules_engine.py [STUDY]. Prints the median of several runs of each step.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path
from typing import Callable

import numpy as np

from lca.core.errors import Where
from lca.core.rules.evaluate import Evaluator, make_override
from lca.study.file import load_study
from lca.study.resolve import evaluators, overrides_for
from lca.study.situation import load_model

ROOT = Path(__file__).resolve().parent.parent
OUTPUTS = ("flops", "gpu.hours", "energy.facility", "embodied.gpu_share", "embodied.server_share")
SAMPLES = 10_000


def median_seconds(step: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    study_path = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "examples" / "llama-3.1-405b.yaml"
    rules = load_model()
    study = load_study(study_path)

    def evaluate_study() -> None:
        for _, evaluator in evaluators(rules, study):
            for name in OUTPUTS:
                evaluator.value(name)

    unit = study.functional_units[0]
    base = overrides_for(rules, study, unit)
    rng = np.random.default_rng(1)
    samples = {"gpu.mfu": rng.uniform(0.25, 0.50, SAMPLES),
               "datacenter.pue": rng.uniform(1.1, 1.6, SAMPLES),
               "hardware.lifetime": rng.uniform(3, 6, SAMPLES)}

    def evaluate_samples() -> None:
        overrides = dict(base)
        for name, values in samples.items():
            overrides[name] = make_override(rules[name], values, Where("benchmark"))
        evaluator = Evaluator(rules, overrides)
        for name in OUTPUTS[1:]:
            evaluator.value(name)

    # From the folder: load_model() keeps the shipped rules once read, which would time nothing.
    load = median_seconds(lambda: load_model(ROOT / "model"), 5)
    one = median_seconds(evaluate_study, 20)
    many = median_seconds(evaluate_samples, 20)
    print(f"rules: {len(rules.rules)} in {len(list((ROOT / 'model').glob('*.yaml')))} files")
    print(f"load and check all rules:            {load * 1e3:8.1f} ms")
    print(f"evaluate one study ({len(study.functional_units)} units, {len(OUTPUTS)} values): "
          f"{one * 1e3:8.2f} ms")
    print(f"evaluate {SAMPLES:,} vectorised samples ('{unit.name}', 3 uncertain inputs): "
          f"{many * 1e3:8.2f} ms ({SAMPLES / many:,.0f} samples/s)")


if __name__ == "__main__":
    main()
