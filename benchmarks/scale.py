"""How `genai-lca assess` scales with the number of functional units.

Run: python benchmarks/scale.py [N ...] (default 10 100 1000 10000). For each N it writes, in a
temporary folder, a study of the shipped Llama 3.1 405B example's training and N - 1 inference
units of 1M output tokens (each carrying its share of the training), runs
`genai-lca assess` on it as a fresh process in a new temporary BRIGHTWAY2_DIR, and prints the
wall time, the time per functional unit and the process's CPU time (user + system: on a shared
machine the wall time also counts the waits for a core). Then it runs the study again as a fresh
process on a set-up project: one where another study (of one unit) was assessed before, so that
the open data and methods are written and only the study's foreground is.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
SIZES = (10, 100, 1_000, 10_000)


def study(units: int) -> dict:
    """Training plus `units - 1` inference units of 1M output tokens, each carrying the
    training's share over 1e15 tokens served (a ratio of volumes). The units differ by name
    only, and what they share is given once, at the study's level: a study file stays under
    the YAML reader's limits (1,000,000 bytes, 100,000 values) at 10,000 units."""
    inference = [{"name": f"i{i}", "workload": "inference",
                  "includes": [{"unit": "training", "share": "1e6 / 1e15"}]}
                 for i in range(1, units)]
    return {"study": f"scale {units}", "location": "USA", "hardware": "dgx-h100",
            "allocation": "gpu-count",
            "inputs": {"model.parameters": 405e9, "inference.input_tokens": 0,
                       "inference.output_tokens": 1e6},
            "functional_units": [{"name": "training", "workload": "training",
                                  "inputs": {"training.tokens": 15e12, "gpu.count": 16384}},
                                 *inference]}


def written(units: int, folder: Path, title: str | None = None) -> Path:
    """The study of `units` units as a file (under another title if given)."""
    path = folder / f"scale-{units}{'-' if title else ''}{title or ''}.yaml"
    content = study(units) | ({"study": title} if title else {})
    # Flow style for the innermost mappings: about 80 bytes per unit.
    path.write_text(yaml.safe_dump(content, sort_keys=False, default_flow_style=None),
                    encoding="utf-8")
    return path


def timed(units: int, folder: Path, set_up: bool = False) -> tuple[float, float]:
    """Wall and CPU seconds of one `genai-lca assess` of a study of `units` units, as a fresh
    process, in a new Brightway folder or (`set_up`) in one another study was assessed in."""
    path = written(units, folder)
    env = {**os.environ, "BRIGHTWAY2_DIR": tempfile.mkdtemp(prefix="genai-lca-scale-")}
    if set_up:
        subprocess.run([sys.executable, "-m", "lca", "assess",
                        str(written(1, folder, "another study")), "--quiet"],
                       cwd=ROOT, env=env, check=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "lca", "assess", str(path), "--quiet"], cwd=ROOT,
                   env=env, check=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    sizes = [int(a) for a in sys.argv[1:]] or list(SIZES)
    print(f"{'':>8} {'new project':^39}   {'set-up project':^18}")
    print(f"{'units':>8} {'wall s':>8} {'ms per unit':>12} {'CPU s':>8} {'CPU ms per unit':>16}"
          f"   {'wall s':>8} {'CPU s':>8}")
    with tempfile.TemporaryDirectory() as folder:
        for units in sizes:
            wall, cpu = timed(units, Path(folder))
            again, again_cpu = timed(units, Path(folder), set_up=True)
            print(f"{units:>8,} {wall:>8.2f} {1000 * wall / units:>12.2f} {cpu:>8.2f} "
                  f"{1000 * cpu / units:>16.2f}   {again:>8.2f} {again_cpu:>8.2f}", flush=True)


if __name__ == "__main__":
    main()
