"""The command line loads no heavy library before a command runs (issue 15): `import lca.cli`
and `genai-lca --help` import neither plotting, statistics, spreadsheets, Brightway nor pint."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from types import ModuleType

from tests.conftest import ROOT


def _startup() -> ModuleType:
    """benchmarks/startup.py as a module (benchmarks/ is not a package)."""
    spec = importlib.util.spec_from_file_location("startup", ROOT / "benchmarks" / "startup.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


STARTUP = _startup()


def test_importing_the_cli_loads_no_heavy_library() -> None:
    heavy = STARTUP.HEAVY
    code = ("import json, sys; import lca.cli; print(json.dumps(sorted("
            f"m for m in sys.modules if m.split('.')[0] in {heavy!r})))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, cwd=ROOT, env=STARTUP._env())
    assert json.loads(done.stdout) == []


def test_help_loads_no_heavy_library() -> None:
    # The criterion of issue 15, as `python -X importtime -m lca --help` shows it.
    assert STARTUP.heavy_imported(STARTUP.HELP) == []


def test_the_importtime_reading_sees_heavy_libraries() -> None:
    # The rules engine's units module imports pint and numpy at its top (lca/core/units.py), so the
    # reading the test above relies on must find both there (pint may bring scipy too).
    assert {"numpy", "pint"} <= set(STARTUP.heavy_imported(["-c", "import lca.core.units"]))
