"""Extract the LLM configurations of the ML.ENERGY Benchmark v3 into ml_energy_v3_llm.csv.

Run: python benchmarks/data/extract_ml_energy.py PATH_TO_LEADERBOARD_CLONE
where the clone is github.com/ml-energy/leaderboard (its public/data/tasks/*.json hold one row per
measured configuration). Only the text-only LLM tasks are kept, and only models whose architecture
ml_energy_v3_models.csv describes (the hybrid Mamba-Transformer Nemotron models are left out: their
state is not a KV cache). See benchmarks/data/README.md for provenance and licence.
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
TASKS = ("lm-arena-chat", "gpqa", "sourcegraph-fim")
COLUMNS = {  # our column: the leaderboard's field
    "model_id": "model_id", "gpu": "gpu_model", "num_gpus": "num_gpus",
    "weight_precision": "weight_precision", "max_num_seqs": "max_num_seqs",
    "avg_batch_size": "avg_batch_size", "avg_output_len": "avg_output_len",
    "tensor_parallel": "tensor_parallel", "data_parallel": "data_parallel",
    "expert_parallel": "expert_parallel",
    "energy_per_token_j": "energy_per_token_joules", "avg_power_w": "avg_power_watts",
    "output_tokens_per_s": "output_throughput_tokens_per_sec", "median_itl_ms": "median_itl_ms",
}


def main(clone: Path) -> None:
    with open(HERE / "ml_energy_v3_models.csv", newline="") as handle:
        modelled = {row["model_id"] for row in csv.DictReader(handle)}
    rows = []
    for task in TASKS:
        data = json.loads((clone / "public" / "data" / "tasks" / f"{task}.json").read_text())
        for config in data["configurations"]:
            if config["model_id"] in modelled:
                rows.append({"task": task, **{ours: config[theirs] for ours, theirs in COLUMNS.items()}})
    rows.sort(key=lambda r: (r["task"], r["model_id"], r["gpu"], r["num_gpus"], r["max_num_seqs"]))
    with open(HERE / "ml_energy_v3_llm.csv", "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["task", *COLUMNS])
        writer.writeheader()
        writer.writerows(rows)
    print(f"{len(rows)} configurations of {len(modelled)} models written")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
