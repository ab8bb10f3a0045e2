"""Diffusion generation against measurement, its plausibility note, and bad input to its rules."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from lca.assess import assess, plausibility, prepare
from lca.cli import main
from lca.core.rules.ruleset import RuleSet
from lca.report.interpretation import caveats
from lca.study.situation import parse_set
from tests.conftest import ROOT

FLUX = ROOT / "examples" / "flux.1-dev.yaml"


def _benchmark() -> ModuleType:
    """benchmarks/measured_diffusion.py as a module (benchmarks/ is not a package)."""
    spec = importlib.util.spec_from_file_location("measured_diffusion",
                                                  ROOT / "benchmarks" / "measured_diffusion.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    return _benchmark()


def test_the_data_hold_every_measured_configuration(bench) -> None:
    runs = bench.load_runs()
    # ML.ENERGY v3 (retrieved 2026-11-26): 638 text-to-image and 382 text-to-video configurations.
    assert sum(not r.video for r in runs) == 638 and sum(r.video for r in runs) == 382
    assert {r.model_id for r in runs} == set(bench.load_architectures())
    flux = [r for r in runs if r.model_id == "black-forest-labs/FLUX.1-dev" and r.gpu == "H100"
            and r.num_gpus == 1 and r.batch_size == 1]
    assert flux[0].measured_j == pytest.approx(7948.585, rel=1e-6)  # the 7.9 kJ


def test_the_model_carries_the_constants_fitted_on_the_subset(model: RuleSet, bench) -> None:
    """The rules' values are what the fit gives on the H100 runs, to the digits they carry."""
    fraction, sync, low, high = bench.fit(bench.load_runs())
    assert model["diffusion.achievable_fraction"].default.magnitude == pytest.approx(fraction, abs=5e-5)
    assert model["diffusion.sync_time"].default.to("s").magnitude == pytest.approx(sync, abs=5e-6)
    spread = model["diffusion.achievable_fraction"].uncertainty
    assert spread.parameters["min"].magnitude == pytest.approx(low, abs=5e-4)
    assert spread.parameters["max"].magnitude == pytest.approx(high, abs=5e-4)


def test_the_fitted_route_matches_measurement_and_the_note_does_not(bench) -> None:
    """Issue 13's goal: a median factor of at most 1.3 over every configuration. Measured here:
    1.27 (75 % within 1.5x); on the B200 runs, left out of the fit, 1.31; the note's route 3.65."""
    runs = bench.load_runs()
    median, within = bench.summary(runs, "fitted")
    assert median <= 1.3 and within >= 0.70
    test_median, _ = bench.summary([r for r in runs if not r.in_fit], "fitted")
    assert test_median <= 1.35
    note_median, note_within = bench.summary(runs, "note")
    assert note_median > 3 and note_within < 0.2


def test_flux_on_one_h100_within_1_5x_of_the_measured_7_9_kj(bench) -> None:
    run = bench.Run("black-forest-labs/FLUX.1-dev", False, "H100", 1, 1, 1024, 1024, 1, 50, 7948.585)
    ours = bench.predict(run, "fitted")
    assert ours == pytest.approx(10153.21, rel=1e-4)  # tests/rules/generation.yaml: 14.50 s x 700 W
    assert 1 / 1.5 <= ours / run.measured_j <= 1.5


def test_guidance_doubles_the_denoiser(bench) -> None:
    run = bench.Run("stabilityai/stable-diffusion-3.5-large", False, "H100", 1, 1, 1024, 1024, 1, 28, 1.0)
    arch = dict(bench.load_architectures()[run.model_id])
    rules = bench._rules()
    with_cfg = bench.evaluator(rules, bench.situation(arch, run, "fitted"), "H100")
    arch["guidance"] = "off"
    without = bench.evaluator(rules, bench.situation(arch, run, "fitted"), "H100")
    extras = ("flops.text_encoder", "flops.vae_decode")
    denoise = [ev.value("flops").magnitude - sum(ev.value(e).magnitude for e in extras)
               for ev in (with_cfg, without)]
    assert denoise[0] == pytest.approx(2 * denoise[1], rel=1e-12)


def test_plausibility_within_for_flux_and_above_for_the_note_pixel_formula() -> None:
    within = [p.to_json() for p in plausibility(prepare(FLUX).pairs)]
    assert [p["status"] for p in within] == ["within"]
    assert within[0]["gpu_seconds"] == pytest.approx(14.5235, rel=1e-4)  # the example's arithmetic
    # 50 x 2 x 12e9 x 1,024 x 1,024 x 3 FLOP at 0.2599 x 989e12 FLOP/s: 1.47e4 s, above 64.77 s
    pixel = [p.to_json() for p in
             plausibility(prepare(FLUX, [parse_set("image.architecture=unet_note")]).pairs)]
    assert pixel[0]["status"] == "above" and pixel[0]["gpu_seconds"] == pytest.approx(1.4686e4, rel=1e-3)


def test_the_note_is_printed_under_the_results(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["assess", str(FLUX), "--set", "image.architecture=unet_note",
                 "--project", "test-diffusion"])
    out = capsys.readouterr().out
    assert code == 0
    assert "note: 'one image' takes" in out and "above the 0.428 to 64.77 s measured" in out


@pytest.mark.parametrize("setting, expected", [
    ("diffusion.guidance=off", "diffusion.guidance"),
    ("diffusion.route=measured", "diffusion.route"),
    ("diffusion.steps=0", "diffusion.steps"),
    ("diffusion.achievable_fraction=1.5", "diffusion.achievable_fraction"),
    ("diffusion.sync_time=3", "diffusion.sync_time"),
    ("training.recompute_share=0.95", "training.recompute_share"),
    ("fine_tuning.flops_rule=lora", "fine_tuning.flops_rule"),
])
def test_bad_input_to_the_new_rules_exits_2(capsys: pytest.CaptureFixture[str], setting: str,
                                            expected: str) -> None:
    code = main(["explain", str(FLUX), "gpu.hours", "--set", setting])
    err = capsys.readouterr().err
    assert code == 2 and expected in err and "--set" in err


def test_a_bad_value_in_a_study_names_its_file_line_and_key(tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    text = FLUX.read_text().replace("diffusion.guidance: none", "diffusion.guidance: off")
    path = tmp_path / "flux.yaml"
    path.write_text(text, encoding="utf-8")
    line = text.splitlines().index("      diffusion.guidance: off") + 1
    code = main(["explain", str(path), "gpu.hours"])
    err = capsys.readouterr().err
    # YAML reads an unquoted `off` as false: the message names the choices.
    assert code == 2 and f"{path}:{line}" in err and "diffusion.guidance" in err
    assert "cfg" in err and "none" in err


def test_every_model_in_the_data_has_a_sourced_architecture(bench) -> None:
    arch = bench.load_architectures()
    assert all(row["source"].startswith("huggingface.co/") for row in arch.values())
    assert all(row["guidance"] in ("on", "off") for row in arch.values())


def test_the_report_carries_the_caveat_when_the_time_is_out_of_range() -> None:
    doc = assess(FLUX, [parse_set("image.architecture=unet_note")], project="test-diffusion")
    assert [p["status"] for p in doc["plausibility"]] == ["above"]
    found = [c for c in caveats(doc) if "longest measured" in c["text"]]
    assert found and found[0]["functional_units"] == ["one image"]
    within = assess(FLUX, project="test-diffusion")
    assert not [c for c in caveats(within) if "measured for current image" in c["text"]]
