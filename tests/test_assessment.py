"""The whole path, rules -> Brightway -> results, on the shipped examples."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from lca.assess import assess, foreground_name
from lca.brightway.project import make_current
from lca.cli import main
from tests.conftest import ROOT, Validated

NOTE = ROOT / "examples" / "llama-3.1-405b-note.yaml"
DEFAULT = ROOT / "examples" / "llama-3.1-405b.yaml"


def unit(doc: dict, name: str) -> dict:
    return next(u for u in doc["functional_units"] if u["name"] == name)


def cell(u: dict, indicator: str, stage: str, component: str | None = None) -> float:
    impacts = u["impacts"][indicator]
    if component is None:
        return impacts["by_stage"][stage]
    return impacts["by_stage_and_component"][stage][component]


@pytest.fixture(scope="module")
def note(validated: Validated) -> dict:
    """The note's example, as the validation suite ran it (its published figures are checked
    there, tests/test_validation.py)."""
    return validated.doc(NOTE.name)


@pytest.fixture(scope="module")
def default() -> dict:
    return assess(DEFAULT, project="test-default")


def test_brightway_works_in_the_temporary_folder() -> None:
    import bw2data

    assert str(bw2data.projects.dir).startswith(os.environ["BRIGHTWAY2_DIR"])


def test_note_quantities(note) -> None:
    """The reference flows of the results document by exact arithmetic (method.md section 4):
    6 x 405e9 x 15e12 FLOP; / (989e12 FLOP/s x 0.40) -> GPU-hours; 2 x 405e9 x 1e6 for 1M tokens."""
    training = unit(note, "training")["quantities"]
    assert training["flops"] == pytest.approx(3.645e25, rel=1e-9)
    assert training["gpu_hours"] == pytest.approx(25_594_034, rel=1e-7)
    tokens = unit(note, "1M output tokens")["quantities"]
    assert tokens["gpu_hours"] == pytest.approx(0.56876, rel=1e-5)


def test_default_example_is_multi_criteria(default) -> None:
    for u in default["functional_units"]:
        for indicator, impacts in u["impacts"].items():
            assert impacts["total"] > 0, (u["name"], indicator)
            # Both breakdowns add up to the total (float32 storage in bw2data: 1e-6).
            assert sum(impacts["by_stage"].values()) == pytest.approx(impacts["total"], rel=1e-6)
            assert sum(impacts["by_component"].values()) == pytest.approx(impacts["total"], rel=1e-6)
        # Water consumption of manufacturing is not in the sources: reported, not zero-filled.
        assert any("GPU manufacturing" in m["dataset"] for m in u["missing"]["water"])
        assert u["missing"]["gwp"] == [] and u["missing"]["pe"] == []


def test_default_example_by_hand(default) -> None:
    """Operational figures of 1M tokens from the inventories by hand arithmetic.

    IT energy 1.3519851 kWh and facility energy 1.6223822 kWh (PUE 1.2) of the serving route come
    from the rule tests (tests/rules/llama-3.1-405b.yaml); USA: gwp 0.350733 kg/kWh (Digital4Better
    2024), water 0.003132125 m3/kWh (WRI via Boavizta).
    """
    u = unit(default, "1M output tokens")
    assert cell(u, "gwp", "use") == pytest.approx(1.6223822 * 0.350733, rel=1e-6)
    on_site = 1.3519851 * 1.8e-3       # 1.8 L/kWh of IT electricity
    off_site = 1.6223822 * 0.003132125  # grid water, PUE applied once
    assert cell(u, "water", "use") == pytest.approx(on_site + off_site, rel=1e-6)
    assert u["quantities"]["water_on_site_m3"] == pytest.approx(on_site, rel=1e-7)  # 8 digits above
    # GPU manufacturing, Boavizta H100 SXM 575 kg: 1.8343101 h / 43,830 h x 575 kg
    assert cell(u, "gwp", "manufacturing", "gpu") == pytest.approx(1.8343101 / 43830 * 575, rel=1e-6)


def test_rerun_is_identical_and_leaves_other_databases_alone() -> None:
    import bw2data

    make_current("test-rerun")
    mine = bw2data.Database("my own data")
    mine.write({("my own data", "a"): {"name": "a", "unit": "kilogram", "exchanges": []}})
    before = dict(bw2data.databases["my own data"])
    first = assess(DEFAULT, project="test-rerun")
    second = assess(DEFAULT, project="test-rerun")
    assert first == second
    make_current("test-rerun")
    assert dict(bw2data.databases["my own data"]) == before
    assert [a["name"] for a in bw2data.Database("my own data")] == ["a"]


def test_a_database_not_ours_is_never_replaced(tmp_path: Path, capsys) -> None:
    import bw2data

    make_current("test-foreign")
    name = foreground_name("Llama 3.1 405B, training and inference")
    bw2data.Database(name).write({(name, "x"): {"name": "x", "unit": "unit", "exchanges": []}})
    code = main(["assess", str(DEFAULT), "--project", "test-foreign"])
    assert code == 2
    assert f"already has a database '{name}' that genai-lca did not create" in capsys.readouterr().err
    make_current("test-foreign")
    assert [a["name"] for a in bw2data.Database(name)] == ["x"]
    assert "genai-lca open data" not in bw2data.databases  # nothing written


def test_unknown_location(tmp_path: Path, capsys) -> None:
    study = tmp_path / "s.yaml"
    text = DEFAULT.read_text().replace("location: USA", "location: USAA")
    study.write_text(text)
    assert main(["assess", str(study), "--project", "test-bad"]) == 2
    err = capsys.readouterr().err
    line = 1 + text.splitlines().index("location: USAA")
    assert f"s.yaml:{line}, key 'location': unknown location 'USAA' (did you mean USA" in err


@pytest.mark.parametrize("given, code", [("US", "USA"), ("fr", "FRA"), ("world", "world"),
                                          ("US-CA", "US-CA")])
def test_location_codes(tmp_path: Path, given: str, code: str) -> None:
    """Alpha-2 codes, lower case, regions and subdivisions all resolve; factors follow."""
    study = tmp_path / "s.yaml"
    study.write_text(DEFAULT.read_text().replace("location: USA", f"location: {given}"))
    doc = assess(study, project=f"test-location-{code}")
    assert doc["location"]["code"] == code


def test_missing_data_are_marked_in_the_table(default) -> None:
    """Water of manufacturing is in no source: its cells carry '*' and a footnote, not a bare 0."""
    from lca.report.text import results_table as table
    from lca.report.texttable import fit

    text = table(default)
    # The first block of the 100-column table: total, manufacturing, use, gpu; then the parts.
    water = next(line for line in text.splitlines() if line.strip().startswith("Water consumption"))
    cells = water.split()
    assert cells[-3].endswith("*") and cells[-3].rstrip("*") == "0"  # manufacturing column
    assert not cells[-2].endswith("*")                                # use: all data present
    assert max(len(line) for line in fit(text).splitlines()) <= 100  # as the command prints it
    assert "* not counted in water, no data" in text
    gaps = unit(default, "training")["missing"]["water"]
    assert {g["stage"] for g in gaps} == {"manufacturing"}
    assert {c for g in gaps for c in g["components"]} == {"gpu", "cpu", "ram", "ssd", "chassis"}


def test_overriding_a_gpu_factor_makes_a_variant_dataset() -> None:
    """`gpu.embodied.gwp` 300 kg replaces Boavizta's 575 kg for GWP only; pe and adpe stay.

    Hand arithmetic: 1.8343101 GPU-h (the serving route, tests/rules/llama-3.1-405b.yaml) /
    43,830 h x 300 kg; pe 7,913 MJ per GPU as published.
    """
    from lca.study.situation import Setting

    doc = assess(DEFAULT, [Setting("gpu.embodied.gwp", "300 kg")], project="test-variant")
    u = unit(doc, "1M output tokens")
    assert cell(u, "gwp", "manufacturing", "gpu") == pytest.approx(1.8343101 / 43830 * 300, rel=1e-6)
    assert cell(u, "pe", "manufacturing", "gpu") == pytest.approx(1.8343101 / 43830 * 7913, rel=1e-6)
    import bw2data

    make_current("test-variant")
    names = [a["name"] for a in bw2data.Database(foreground_name(doc["study"]))]
    assert "GPU manufacturing, H100 SXM, Boavizta bottom-up, with the study's factors [training]" in names


GPT3 = """\
study: GPT-3 175B training, operational
location: world
hardware: dgx-h100
inputs: {electricity.gwp: 0.429 kg/kWh, datacenter.pue: 1.1}
functional_units:
  - name: training
    workload: gpu_hours
    inputs: {gpu.count: 10000, job.duration: 14.8 day, gpu.power: 330 W, server.power: 0 W}
"""


def test_gpt3_chips_times_duration_with_host_in_the_chip_power(tmp_path: Path) -> None:
    """GPT-3 (Patterson et al. 2021, Table 4) by hand arithmetic; its published 1,287 MWh and 552 t
    are checked by the validation suite on examples/gpt-3-175b.yaml.

    330 W is measured per chip with its host, so server.power is 0 W and the CPU, RAM and SSD draw
    nothing. Hand arithmetic: 10,000 x 14.8 d x 24 h x 0.330 kW x 1.1 = 1,289,376 kWh; x 0.429 =
    553,142 kg. (The server's manufacturing here is the DGX H100's, a stand-in: only the
    operational figures are compared.)
    """
    study = tmp_path / "gpt3.yaml"
    study.write_text(GPT3)
    u = unit(assess(study, project="test-gpt3"), "training")
    assert u["quantities"]["flops"] is None
    assert u["quantities"]["energy_kwh"] == pytest.approx(1_289_376, rel=1e-9)
    assert cell(u, "gwp", "use") == pytest.approx(1_289_376 * 0.429, rel=1e-6)
    for part in ("cpu", "ram", "ssd"):
        assert cell(u, "gwp", "use", part) == 0


def test_a_study_without_location_or_factors(tmp_path: Path, capsys) -> None:
    study = tmp_path / "s.yaml"
    study.write_text(GPT3.replace("location: world\n", "").replace("electricity.gwp: 0.429 kg/kWh, ", ""))
    assert main(["assess", str(study), "--project", "test-nolocation"]) == 2
    err = capsys.readouterr().err
    assert "s.yaml:1, key 'location': functional unit 'training' has no electricity factor" in err
