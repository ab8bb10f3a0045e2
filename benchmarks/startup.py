"""Start-up cost of the command line: CPU time of `genai-lca --help` and of `import lca.cli`, and
which heavy libraries each loads.

Run: python benchmarks/startup.py [RUNS]. Each figure is the median CPU time (user + system, of
the child process, from `resource.getrusage`) over RUNS fresh processes (default 5), beside a bare
`python -c pass`, the interpreter's own floor. `--help` runs as `python -m lca --help`, which is
`genai-lca --help` without the console script's two-line wrapper. The heavy libraries are found
with `python -X importtime`, which names every module a run imports. Issue 15 asks for `--help`
under 0.3 s of CPU and for no plotting, statistics or spreadsheet library in it.
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: The libraries a command should import only when it runs: plotting, statistics, spreadsheets,
#: the report's templates, tables, Brightway, and the units and arrays under the rules engine.
HEAVY = ("matplotlib", "scipy", "SALib", "openpyxl", "jinja2", "pandas", "bw2io", "bw2calc",
         "bw2data", "numpy", "pint")
HELP = ["-m", "lca", "--help"]
IMPORT = ["-c", "import lca.cli"]


def _env() -> dict[str, str]:
    """This checkout first on the path, and a throw-away Brightway folder (nothing may touch the
    user's)."""
    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
    return {**os.environ, "PYTHONPATH": path,
            "BRIGHTWAY2_DIR": tempfile.mkdtemp(prefix="genai-lca-startup-")}


def cpu_seconds(args: list[str], runs: int) -> float:
    """Median CPU seconds (user + system) of `python ARGS` over `runs` fresh processes."""
    times = []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run([sys.executable, *args], capture_output=True, check=True, env=_env(),
                       cwd=ROOT)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        times.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(times)


def heavy_imported(args: list[str]) -> list[str]:
    """The HEAVY libraries `python ARGS` imports, read from `-X importtime`'s report on stderr
    (lines `import time: self | cumulative | module`)."""
    done = subprocess.run([sys.executable, "-X", "importtime", *args], capture_output=True,
                          text=True, check=True, env=_env(), cwd=ROOT)
    modules = {line.rsplit("|", 1)[1].strip().split(".")[0]
               for line in done.stderr.splitlines() if line.startswith("import time:")}
    return sorted(modules & set(HEAVY))


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    print(f"Start-up, median CPU time of {runs} fresh processes (user + system)")
    print(f"  {'run':<22} {'CPU s':>6}  heavy libraries imported")
    for name, args in (("python -c pass", ["-c", "pass"]), ("genai-lca --help", HELP),
                       ("import lca.cli", IMPORT)):
        heavy = ", ".join(heavy_imported(args)) or "none"
        print(f"  {name:<22} {cpu_seconds(args, runs):>6.2f}  {heavy}")


if __name__ == "__main__":
    main()
