"""A value given is never silently ignored: a server's published total selects the profile that
reads it, and a value no choice reads is shown above the results."""

from __future__ import annotations

from pathlib import Path

import pytest

from lca.assess import assess
from lca.report.text import results_table as table
from tests.conftest import pipeline

STUDY = """\
study: {title}
location: FR
hardware: dgx-h100
inputs: {{{inputs}}}
functional_units:
  - name: run
    workload: gpu_hours
    inputs: {{gpu.hours: 1000 h}}
"""
# The DGX H100's 8 GPUs share its server under `gpu-count` (1/8 per GPU-hour); the default life
# is 5 years = 43,830 h (model/, hardware.lifetime), so one GPU-hour carries 1/43,830 of it.
SHARE = 1000 / 8 / 43830


def study(tmp_path: Path, title: str, inputs: str) -> Path:
    path = tmp_path / f"{title}.yaml"
    path.write_text(STUDY.format(title=title, inputs=inputs), encoding="utf-8")
    return path


def manufacturing(doc: dict, component: str) -> float:
    return doc["functional_units"][0]["impacts"]["gwp"]["by_stage_and_component"][
        "manufacturing"][component]


def test_a_server_total_given_selects_the_total_profile(tmp_path: Path) -> None:
    """The method note's 8,058 kg CO2e for the DGX H100 without its GPUs (method.md section 3),
    given as `server.embodied.gwp` alone, over the catalog's `boavizta` parts profile."""
    doc = assess(study(tmp_path, "note-server", "server.embodied.gwp: 8058 kg"),
                 project="given-total")
    assert manufacturing(doc, "server") == pytest.approx(8058 * SHARE, rel=1e-6)  # 22.98 kg
    for part in ("cpu", "ram", "ssd", "chassis"):  # the parts' profile is not added on top
        assert manufacturing(doc, part) == 0
    assert doc["unused_inputs"] == []
    # The same as choosing `total` by hand, as examples/bloom-176b.yaml does.
    chosen = assess(study(tmp_path, "note-server-chosen",
                          "server.manufacturing: total, server.embodied.gwp: 8058 kg"),
                    project="given-total")
    assert manufacturing(chosen, "server") == manufacturing(doc, "server")


def test_a_value_no_choice_reads_is_shown_above_the_results(tmp_path: Path) -> None:
    """With `server.manufacturing: boavizta` chosen, the server total given is not read."""
    doc = assess(study(tmp_path, "parts", "server.manufacturing: boavizta, "
                                          "server.embodied.gwp: 2500 kg"), project="given-unused")
    assert [u["rule"] for u in doc["unused_inputs"]] == ["server.embodied.gwp"]
    assert manufacturing(doc, "server") == 0
    text = table(doc)
    first_unit = text.index("== run")
    assert text.index("NOT USED: server.embodied.gwp is given") < first_unit


def test_the_uncertainty_table_shows_it_too(tmp_path: Path) -> None:
    from lca.analysis.uncertainty import uncertainty
    from lca.report.text import uncertainty_table

    path = study(tmp_path, "parts-mc", "server.manufacturing: boavizta, server.embodied.gwp: 2500 kg")
    doc = uncertainty(pipeline("given-unused-mc"), path, 200, 1, sobol_n=64).to_json()
    text = uncertainty_table(doc)
    assert text.index("NOT USED: server.embodied.gwp is given") < text.index("== run")
