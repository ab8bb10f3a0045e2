"""Runs that cannot damage a project: kills at each write step, concurrent runs, rewrites of
large foregrounds, and a study's identity by its title.

The kill tests run `genai-lca assess` as a subprocess that kills itself (SIGKILL, as `kill -9`)
at one named step of the Brightway writes (lca.brightway.project.KILL_AT), then assess again
and expect the clean run's numbers bit for bit.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from lca.assess import assess, foreground_name
from lca.brightway import project as bw
from lca.cli import main
from lca.study.situation import Setting
from tests.conftest import ROOT

DEFAULT = ROOT / "examples" / "llama-3.1-405b.yaml"
FOREGROUND = foreground_name("Llama 3.1 405B, training and inference")


def impacts(doc: dict) -> dict:
    return {u["name"]: u["impacts"] for u in doc["functional_units"]}


@pytest.fixture(scope="module")
def clean() -> dict:
    """The default example's impacts from a run never interrupted."""
    return impacts(assess(DEFAULT, project="writes-clean"))


def cli(project: str, kill_at: str | None = None, out: Path | None = None) -> subprocess.Popen:
    """`genai-lca assess DEFAULT --json` in its own process, optionally killed at a write step.

    Its JSON goes to `out` (a file, not a pipe: a run blocked writing a full pipe while it holds
    the lock would stall the run waiting for it); stderr stays a pipe, to be read as it comes.
    """
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    env.pop(bw.KILL_AT, None)
    if kill_at:
        env[bw.KILL_AT] = kill_at
    with open(out or os.devnull, "w", encoding="utf-8") as stdout:
        return subprocess.Popen([sys.executable, "-m", "lca", "assess", str(DEFAULT), "--project",
                                 project, "--json"], env=env, stdout=stdout,
                                stderr=subprocess.PIPE, text=True)


# Each write step once. While a fresh project is written: a database registered without data;
# data committed to SQLite, not processed; a method registered without data (once a crash on
# every later run); a method written, its fingerprint not set.
FRESH = ["marked:genai-lca indicators", "written:genai-lca open data",
         "marked:Climate change, GWP100", "written:Climate change, GWP100"]
# While the study's foreground is rewritten over a variant's (MFU 0.3): the mark cleared (before
# the fix, a kill there kept the variant's fingerprint, and every later run skipped the write and
# reported the variant's numbers, +33 % on climate change); the old data deleted; the new data
# processed, the fingerprint not set.
REWRITE = [f"{step}:{FOREGROUND}" for step in ("marked", "deleted", "processed")]
STEPS = FRESH + REWRITE


@pytest.fixture(scope="module")
def killed(clean: dict) -> dict[str, tuple[str, int]]:
    """Per kill step, its project and the exit status of the run killed there. The runs go at
    once (each in its own project) to keep the suite fast."""
    projects = {step: f"writes-kill-{i}" for i, step in enumerate(STEPS)}
    for step in REWRITE:
        variant = assess(DEFAULT, [Setting("gpu.mfu", "0.3")], project=projects[step])
        assert impacts(variant) != clean  # so that the variant's numbers cannot pass for clean
    runs = {step: cli(projects[step], step) for step in STEPS}
    for run in runs.values():
        run.communicate(timeout=300)
    return {step: (projects[step], run.returncode) for step, run in runs.items()}


@pytest.mark.parametrize("step", STEPS)
def test_a_kill_at_any_write_step_then_a_rerun_gives_the_clean_numbers(step: str, clean: dict,
                                                                         killed: dict) -> None:
    project, status = killed[step]
    assert status == -9  # killed at that step: the step was reached
    # The killed run held the project's lock; the kernel released it with the process.
    assert impacts(assess(DEFAULT, project=project)) == clean


def test_concurrent_runs_on_a_fresh_project_wait_for_the_lock(clean: dict, tmp_path: Path
                                                              ) -> None:
    """Two runs started together on a fresh project: held back by this process's lock, each says
    it waits; once released, they run one after the other and both give the clean numbers."""
    import bw2data

    project = "writes-concurrent"
    outs = [tmp_path / f"run{i}.json" for i in range(2)]
    with bw.session(project):
        bw.lock(project)  # the project itself is not created: the runs find it fresh
        runs = [cli(project, out=out) for out in outs]
        for run in runs:
            line = run.stderr.readline()
            while line and "in use by another genai-lca run" not in line:
                line = run.stderr.readline()
            assert f"(process {os.getpid()}); waiting for it to finish" in line
        assert all(run.poll() is None for run in runs)  # both still waiting
        assert project not in bw2data.projects
    for run, out in zip(runs, outs, strict=True):
        _, err = run.communicate(timeout=300)
        assert run.returncode == 0, err
        assert impacts(json.loads(out.read_text(encoding="utf-8"))) == clean


def test_a_large_foreground_is_rewritten() -> None:
    """bw2data 3.6's Database.delete() runs VACUUM beyond 500 activities, and Database.write()
    deletes inside its transaction, where SQLite refuses VACUUM: a study of 63 functional units
    (8 activities each, 504) could be written once only. 501 activities, written twice."""
    import bw2data

    name = foreground_name("large")
    owner = bw.Owner("study foreground", "large.yaml", ("u",))
    with bw.session("writes-large"):
        bw.open_project("writes-large")
        for amount in (1.0, 2.0):
            data = {(name, f"a{i}"): {"name": f"a{i}", "unit": "unit", "location": "GLO",
                                      "exchanges": [{"input": (name, f"a{i}"), "amount": amount,
                                                     "type": "production"}]}
                    for i in range(501)}
            stamp = bw.fingerprint(data)  # before bw2data adds the exchanges' `output`
            bw.write_owned(name, data, owner.role, owner)
    assert len(bw2data.Database(name)) == 501
    exchange = next(iter(bw2data.get_activity((name, "a7")).production()))
    assert exchange["amount"] == 2.0
    assert bw2data.databases[name][bw.MARK]["fingerprint"] == stamp


def study(folder: Path, units: list[str], title: str = "Identity test") -> Path:
    body = "\n".join(f"""  - name: {name}
    workload: gpu_hours
    inputs: {{gpu.hours: 100 h}}""" for name in units)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "study.yaml"
    path.write_text(f"study: {title}\nlocation: FR\nhardware: dgx-h100\nfunctional_units:\n"
                    f"{body}\n", encoding="utf-8")
    return path


def test_a_copied_or_moved_study_is_the_same_study(tmp_path: Path) -> None:
    first = assess(study(tmp_path / "a", ["run"]), project="writes-identity")
    # The copy, elsewhere, with a unit added: the same title, so the same foreground, replaced.
    copy = assess(study(tmp_path / "b", ["run", "second run"]), project="writes-identity")
    for indicator, values in impacts(first)["run"].items():  # the same unit, the same numbers
        assert impacts(copy)["run"][indicator]["total"] == pytest.approx(values["total"],
                                                                         rel=1e-12)
    import bw2data

    mark = bw2data.databases[foreground_name("Identity test")][bw.MARK]
    assert mark["file"] == str((tmp_path / "b" / "study.yaml").resolve())
    assert mark["units"] == ["run", "second run"]


def test_another_study_with_the_same_title_is_told_apart(tmp_path: Path, capsys) -> None:
    assess(study(tmp_path / "a", ["run"]), project="writes-two-studies")
    other = study(tmp_path / "b", ["inference"])
    assert main(["assess", str(other), "--project", "writes-two-studies"]) == 2
    err = capsys.readouterr().err
    assert "belongs to another study with the same title (functional units run;" in err
    assert "give this study its own title (`study:`), or use another project" in err
    import bw2data

    bw.make_current("writes-two-studies")
    assert bw2data.databases[foreground_name("Identity test")][bw.MARK]["units"] == ["run"]


def test_scenarios_with_one_title_are_refused_before_any_write(tmp_path: Path, capsys) -> None:
    a, b = study(tmp_path / "a", ["run"]), study(tmp_path / "b", ["run"])
    b.write_text(b.read_text().replace("FR", "USA"), encoding="utf-8")
    assert main(["compare", "--scenario", str(a), str(b), "--project", "writes-scenarios"]) == 2
    assert "have the same title 'Identity test'" in capsys.readouterr().err
    import bw2data

    assert "writes-scenarios" not in bw2data.projects
