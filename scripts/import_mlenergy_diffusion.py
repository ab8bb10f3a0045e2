"""Write benchmarks/data/mlenergy_diffusion.csv from a clone of github.com/ml-energy/leaderboard.

Usage: python scripts/import_mlenergy_diffusion.py LEADERBOARD_CLONE
Reads public/data/tasks/text-to-image.json and text-to-video.json (the ML.ENERGY Benchmark v3
diffusion runs) and keeps, per configuration, what the comparison needs: model, GPU, GPU count,
batch, resolution, frames, steps and the measured GPU energy per item.
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "benchmarks" / "data" / "mlenergy_diffusion.csv"
COLUMNS = ["model_id", "task", "gpu_model", "num_gpus", "batch_size", "width", "height", "frames",
           "inference_steps", "weight_precision", "energy_per_item_j", "batch_latency_s",
           "avg_power_w"]


def rows(clone: Path) -> list[dict]:
    """One row per measured configuration, images then videos, in the files' order."""
    out = []
    for task, item, side in (("text-to-image", "image", "image"), ("text-to-video", "video", "video")):
        data = json.loads((clone / "public" / "data" / "tasks" / f"{task}.json").read_text())
        for c in data["configurations"]:
            out.append({
                "model_id": c["model_id"], "task": task, "gpu_model": c["gpu_model"],
                "num_gpus": c["num_gpus"], "batch_size": c["batch_size"],
                "width": c[f"{side}_width"], "height": c[f"{side}_height"],
                "frames": c.get("num_frames", 1), "inference_steps": c["inference_steps"],
                "weight_precision": c["weight_precision"],
                "energy_per_item_j": c[f"energy_per_{item}_joules"],
                "batch_latency_s": c["batch_latency_s"], "avg_power_w": c["avg_power_watts"],
            })
    return out


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    found = rows(Path(argv[0]))
    with OUT.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(found)
    print(f"{len(found)} configurations -> {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
