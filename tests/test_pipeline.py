"""The pipeline object and its project handle (issue 15, build item 5): a step that touches
Brightway works in the project its handle names, whatever bw2data holds current; the handle is
opened once and refuses a data folder changed under it; the commands go through the pipeline's
steps; the reports read the analyses' output, never the other way round."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from lca.analysis import validate
from lca.assess import Pipeline, foreground_name, prepare
from lca.brightway import project as bw
from lca.brightway.excel import export_foreground
from lca.brightway.handle import Project
from lca.core.errors import InputError
from tests.conftest import ROOT, pipeline
from tests.test_imports import MODULES, graph

EXAMPLE = ROOT / "examples" / "llama-3.1-405b.yaml"
TITLE = "Llama 3.1 405B, training and inference"


def test_steps_work_in_the_handles_project_not_the_current_one(tmp_path: Path) -> None:
    """Another project made current before the score and before the export (as a linked
    background's check, a notebook or a test does) receives nothing: the study's foreground is
    written to, and exported from, the project of the handle."""
    import bw2data

    bw.make_current("test-handle-other")
    handle = Project("test-handle-own")
    results = Pipeline(handle, pipeline("unused").rules).score(prepare(EXAMPLE)).results
    assert results.brightway.project == "test-handle-own"
    bw.make_current("test-handle-other")
    written = export_foreground(foreground_name(TITLE), handle, tmp_path / "foreground.xlsx")
    assert written.stat().st_size > 0
    bw.make_current("test-handle-other")
    assert foreground_name(TITLE) not in bw2data.databases
    bw.make_current("test-handle-own")
    assert foreground_name(TITLE) in bw2data.databases


def test_the_handle_is_opened_once_in_brightways_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two uses open the project once (created, its Brightway line checked); the folder it
    carries is BRIGHTWAY2_DIR, the temporary folder conftest.py set."""
    opened: list[str] = []
    original = bw.open_project
    monkeypatch.setattr(bw, "open_project", lambda name: (opened.append(name), original(name)))
    handle = Project("test-handle-once")
    handle.use()
    handle.use()
    assert opened == ["test-handle-once"]
    assert handle.folder == Path(os.environ["BRIGHTWAY2_DIR"]).resolve()


def test_the_handle_refuses_a_folder_changed_under_it(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """bw2data reads BRIGHTWAY2_DIR once: a later change would silently write to the old folder,
    so the handle says so (bad input, status 2 from the command line)."""
    handle = Project("test-handle-moved")
    handle.use()
    monkeypatch.setenv("BRIGHTWAY2_DIR", str(tmp_path))
    with pytest.raises(InputError, match="BRIGHTWAY2_DIR is now"):
        handle.use()


def test_validate_scores_each_study_once_through_the_pipeline(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """`validate` composes the pipeline's steps: one `Pipeline.score` per distinct study (and
    settings) whose figures read an impact, none for figures that read a rule."""
    scored: list[str] = []
    original = Pipeline.score

    def counting(self: Pipeline, prepared):
        scored.append(prepared.study.file)
        return original(self, prepared)

    monkeypatch.setattr(Pipeline, "score", counting)
    figures = validate.select(validate.load_cases(), "BLOOM")
    outcomes = validate.validate(figures, pipeline("test-pipeline-validate"))
    assert all(o.passed for o in outcomes)
    impacts = {f.run_key for f in figures if f.read.impact is not None}
    assert impacts and len(scored) == len(impacts)


def test_reports_read_the_analyses_never_the_reverse() -> None:
    """analysis computes, report presents: no report module imports an analysis module or the
    pipeline (the validation table reads `validate --json`'s items)."""
    edges = graph(MODULES)
    for name in (n for n in MODULES if n.startswith("lca.report")):
        assert not {e for e in edges[name]
                    if e.startswith("lca.analysis") or e == "lca.assess"}, name


def test_the_readmes_pipeline_block_runs_as_written() -> None:
    """The Python block of the README's "One pipeline, one project handle": its figures are the
    README's `assess` (10,373,487 kg CO2-eq for training) and `compare --allocation all` (the
    power rule's 9,834,938) tables, here to the digits the block's comments give."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = text.split("### One pipeline, one project handle")[1].split("```python\n")[1]
    names: dict = {}
    exec(compile(block.split("```")[0], "README.md (pipeline)", "exec"), names)  # noqa: S102
    training = names["scored"].results.functional_units[0]
    assert training.impacts["gwp"].total == pytest.approx(10373487.455, rel=1e-9)
    assert names["power"].functional_units[0].impacts["gwp"].total == pytest.approx(9834938.20,
                                                                                    rel=1e-9)
    assert names["pipeline"].project.folder == Path(os.environ["BRIGHTWAY2_DIR"]).resolve()
