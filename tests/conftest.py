"""Shared fixtures. Brightway always works in a temporary folder here, never the user's own."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

# bw2data reads BRIGHTWAY2_DIR once, when first imported: set it before any test can import it.
os.environ["BRIGHTWAY2_DIR"] = tempfile.mkdtemp(prefix="genai-lca-tests-")

import pytest  # noqa: E402

from lca.assess import Pipeline  # noqa: E402
from lca.brightway.handle import Project  # noqa: E402
from lca.core.rules.ruleset import RuleSet  # noqa: E402
from lca.study.situation import load_model  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def model() -> RuleSet:
    return load_model()


def pipeline(project: str) -> Pipeline:
    """The pipeline of the shipped rules in the Brightway project `project` (in the temporary
    folder above), opened when a step first touches it."""
    return Pipeline.of(Project(project))


@dataclass(frozen=True)
class Bundle:
    """The default example assessed with `--json --out`: what was printed, and the folder."""

    doc: dict
    out: Path
    project: str


def _bundle(folder: Path, command: list[str], project: str) -> Bundle:
    """Run `genai-lca COMMAND EXAMPLE --json --out folder/out` and keep what it printed."""
    import contextlib
    import io
    import json

    from lca.cli import main

    out = folder / "out"
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        status = main([command[0], str(ROOT / "examples" / "llama-3.1-405b.yaml"), *command[1:],
                       "--json", "--out", str(out), "--project", project])
    assert status == 0
    return Bundle(json.loads(printed.getvalue()), out, project)


@pytest.fixture(scope="session")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Bundle:
    """One `assess --out` run shared by the export, report, browser and round-trip tests."""
    return _bundle(tmp_path_factory.mktemp("bundle"), ["assess"], "test-bundle")


@pytest.fixture(scope="session")
def uncertainty_bundle(tmp_path_factory: pytest.TempPathFactory) -> Bundle:
    """One `uncertainty --out` run (small, seeded) for the uncertainty and sensitivity exports."""
    return _bundle(tmp_path_factory.mktemp("uncertainty"),
                   ["uncertainty", "--iterations", "2000", "--seed", "2", "--sobol", "256"],
                   "test-uncertainty-bundle")


@dataclass(frozen=True)
class Validated:
    """The published cases (examples/validation.yaml), each study run once, and the comparison."""

    runs: dict
    outcomes: list
    project: str

    def doc(self, study: str) -> dict:
        """The results document of an example study run without settings, by file name."""
        return self.runs[(ROOT / "examples" / study, ())].doc


@pytest.fixture(scope="session")
def validated() -> Validated:
    """One run of every validation study, shared by the validation, assessment and allocation
    tests (an assessment takes about 3 s)."""
    from lca.analysis import validate

    figures = validate.load_cases()
    runs = validate.run_studies(figures, pipeline("test-validation"))
    return Validated(runs, validate.compare(figures, runs), "test-validation")
