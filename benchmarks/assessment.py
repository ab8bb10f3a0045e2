"""Speed of `genai-lca assess` against a plain Brightway script doing the same work.

Run: python benchmarks/assessment.py. Works in a temporary BRIGHTWAY2_DIR. Prints, for the
shipped example: wall time of `genai-lca assess` as a fresh process (new project, then a project
already set up), time of a second assessment in the same process, and the same figures for
benchmarks/plain_brightway.py, which writes the same databases and computes the same scores.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STUDY = ROOT / "examples" / "llama-3.1-405b.yaml"
os.environ["BRIGHTWAY2_DIR"] = tempfile.mkdtemp(prefix="genai-lca-bench-")


def wall(command: list[str]) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=True, cwd=ROOT)
    return time.perf_counter() - start, done.stdout


def payload(project: str) -> dict:
    """The databases, methods and units genai-lca writes for the study, as plain data."""
    from lca.assess import foreground_name
    from lca.data.opendata import (load_indicators, load_locations, load_manufacturing,
                                   resolve_location)
    from lca.inventory.datasets import (BACKGROUND, BIOSPHERE, background_datasets,
                                        biosphere_datasets, foreground_datasets)
    from lca.study.resolve import evaluators
    from lca.study.situation import load_model
    from lca.study.file import load_study

    study = load_study(STUDY)
    indicators = load_indicators()
    background = background_datasets(load_locations(), load_manufacturing()[0])
    name = "plain: " + foreground_name(study.title)
    pairs = evaluators(load_model(), study)
    # The study's location for every unit (foreground_datasets takes one per unit).
    locations = [resolve_location(study.location.value, None)] * len(pairs)
    foregrounds = foreground_datasets(name, pairs, locations, background)
    return {"project": project,
            "databases": {BIOSPHERE: biosphere_datasets(indicators), BACKGROUND: background,
                          name: {k: v for f in foregrounds for k, v in f.activities.items()}},
            "methods": [(["plain", i.name], [BIOSPHERE, i.id]) for i in indicators.values()],
            "units": [list(f.unit) for f in foregrounds]}


def main() -> None:
    cli = [sys.executable, "-m", "lca", "assess", str(STUDY), "--project"]
    fresh_new, _ = wall(cli + ["bench-cli"])
    fresh_again, _ = wall(cli + ["bench-cli"])

    from lca.assess import assess

    assess(STUDY, project="bench-api")
    start = time.perf_counter()
    assess(STUDY, project="bench-api")
    ours_second = time.perf_counter() - start

    with tempfile.NamedTemporaryFile(suffix=".pickle", delete=False) as handle:
        pickle.dump(payload("bench-plain"), handle)
    plain_wall, out = wall([sys.executable, str(ROOT / "benchmarks" / "plain_brightway.py"),
                            handle.name])
    plain_first, plain_second, scores = out.split()[-3:]  # after what bw2data prints

    print(f"study: {STUDY.name} (2 functional units x 4 indicators)")
    print(f"genai-lca assess, fresh process, new project:      {fresh_new:7.2f} s")
    print(f"genai-lca assess, fresh process, project set up:   {fresh_again:7.2f} s")
    print(f"genai-lca assess, second assessment, same process: {ours_second:7.3f} s")
    print(f"plain Brightway script, fresh process:              {plain_wall:7.2f} s "
          f"(its work {float(plain_first):.2f} s, {scores} scores)")
    print(f"plain Brightway script, second pass, same process:  {float(plain_second):7.3f} s")
    print(f"ratio ours / plain, fresh process:  {fresh_new / plain_wall:5.2f} (new project), "
          f"{fresh_again / plain_wall:5.2f} (set up)")
    print(f"ratio ours / plain, same process:   {ours_second / float(plain_second):5.2f}")


if __name__ == "__main__":
    main()
