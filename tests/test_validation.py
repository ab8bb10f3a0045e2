"""The published cases of reference-cases.md, each figure within its tolerance; `genai-lca validate`."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from lca.analysis import validate
from lca.cli import main
from tests.conftest import ROOT, Validated

FIGURES = validate.load_cases()
CASES = (ROOT / "examples" / "validation.yaml").read_text(encoding="utf-8")


def figure_id(figure: validate.Figure) -> str:
    return f"{figure.case}: {figure.figure}"


@pytest.mark.parametrize("figure", FIGURES, ids=figure_id)
def test_published_figure_within_tolerance(validated: Validated, figure: validate.Figure) -> None:
    (outcome,) = [o for o in validated.outcomes if o.figure == figure]
    # a relative tolerance bounds |gap|; a factor F bounds ours / published within 1/F and F
    assert outcome.passed, (
        f"ours {outcome.ours:g} {figure.published.units} against {figure.published}: gap "
        f"{100 * outcome.gap:+.2f} % beyond {figure.tolerance_text()}")


def test_every_published_output_of_reference_cases_has_a_figure() -> None:
    """The "published outputs" column of reference-cases.md, counted per row."""
    assert Counter(f.case for f in FIGURES) == {
        "Llama 3.1 405B training (the note)": 7,  # FLOP, GPU-h, kWh, 9,030 t, 11,513 t, 146 t, 734 t
        "Llama 3.1 405B, 1M output tokens (the note)": 4,  # GPU-h, kWh, 256 g, 16.3 g
        "Llama 3.1 model card": 3,  # 420 / 2,040 / 8,930 t
        "BLOOM 176B training, dynamic": 3,  # 433,196 kWh, 24.69 t, about 30 t with PUE
        "BLOOM embodied": 3,  # 11.2 t, servers 7.57 t, GPUs 3.64 t
        "BLOOM total": 1,  # 50.5 t
        "GPT-3 175B training": 2,  # 1,287 MWh, 552 t
        # Beyond reference-cases.md (issue 13): a mixture of experts from its parameters, and a
        # measured image generation.
        "GShard-600B training, mixture of experts": 4,  # 1.33e22 FLOP, 76,186 h, 24.1 MWh, 4.8 t
        "Switch Transformer training": 2,  # 179 MWh, 72.2 t
        "FLUX.1-dev image (measured)": 2,  # 7,949 J on an H100, 6,679 J on a B200
        # Issue 17: Table 4 as one study, five units in their own locations; energy and net
        # (market-based) CO2e per run, gross where it differs from net.
        "Patterson et al. 2021, Table 4, as one study": 12,
        # Not a row of reference-cases.md: measured serving, ML.ENERGY Benchmark v3 (issue 13).
        "Llama 3.1 8B serving on one H100 (measured)": 3,  # 0.455, 0.119, 0.0702 J per token
        "Qwen3 30B-A3B (MoE) serving on one H100 (measured, held out)": 2,  # 0.653, 0.222 J
        # A service end to end (issue 17): Berthelot et al. 2024, Table 2, FU1 and FU2.
        "Stable Diffusion web service (Berthelot et al. 2024)": 6,  # 7.84 g, 0.202 MJ, 6.72e-8 kg
        # Sb-eq per visit; 360 t, 8.93e6 MJ, 4.64 kg Sb-eq per year
        # A published estimate, not a measurement (issue 13): Epoch AI's 0.3 Wh per GPT-4o query.
        "GPT-4o query (Epoch AI's estimate)": 1,
        # Services over time, provisioned hardware over its requests (issue 17, item 3).
        "BLOOM inference API, 18 days (measured)": 2,  # 3.96 Wh and 1.5 g per request
        "Median Gemini Apps text prompt (Google, measured)": 5,  # 0.14, 0.06, 0.02, 0.02, 0.24 Wh
        # Luccioni et al. 2024, "Power Hungry Processing" (issue 13, item 7): 0.06405 Wh a query.
        "Power Hungry Processing, OPT-6.7B text generation (measured)": 1,
    }


def test_each_study_runs_once(validated: Validated) -> None:
    """Fifteen studies, and BLOOM once more with PUE 1.2 for its "x PUE" figure, FLUX once more on
    a B200, and the serving studies once more with other batches: those read rules only and are
    not written to Brightway."""
    runs = {(key[0].name, tuple(s.rule for s in key[1])): run.doc is not None
            for key, run in validated.runs.items()}
    assert runs == {("llama-3.1-405b-note.yaml", ()): True, ("llama-3.1-model-card.yaml", ()): True,
                    ("bloom-176b.yaml", ()): True, ("bloom-176b.yaml", ("datacenter.pue",)): False,
                    ("gpt-3-175b.yaml", ()): True, ("gshard-600b.yaml", ()): True,
                    ("switch-transformer.yaml", ()): True,
                    ("patterson-2021.yaml", ()): True,
                    ("flux.1-dev.yaml", ()): False,
                    ("flux.1-dev.yaml", ("gpu.peak_flops", "gpu.power")): False,
                    ("llama-3.1-8b-serving.yaml", ()): False,
                    ("llama-3.1-8b-serving.yaml", ("inference.batch_size",)): False,
                    ("qwen3-30b-a3b-serving.yaml", ()): False,
                    ("gpt-4o-epoch.yaml", ()): False,
                    ("qwen3-30b-a3b-serving.yaml", ("inference.batch_size",)): False,
                    ("stable-diffusion-service.yaml", ()): True,
                    ("bloom-inference-api.yaml", ()): False,
                    ("power-hungry-opt-6.7b.yaml", ()): False,
                    ("gemini-prompt-google.yaml", ()): False}


# -- pure parts ---------------------------------------------------------------------------------

UNIT = {"impacts": {"gwp": {"total": 10.0, "by_stage_and_component": {
    "manufacturing": {"gpu": 1.0, "server": 2.0}, "use": {"gpu": 3.0, "server": 4.0}}}}}


@pytest.mark.parametrize("stage, component, expected", [
    (None, None, 10.0), ("use", None, 7.0), (None, "gpu", 4.0), ("manufacturing", "server", 2.0)])
def test_read_impact(stage: str | None, component: str | None, expected: float) -> None:
    read = validate.Read(impact="gwp", stage=stage, component=component)
    assert validate.read_impact(UNIT, read) == expected


def test_gap() -> None:
    assert validate.gap(101.0, 100.0) == pytest.approx(0.01)
    assert validate.gap(99.5, 100.0) == pytest.approx(-0.005)


# -- the command --------------------------------------------------------------------------------

def run_cli(capsys: pytest.CaptureFixture, *args: str) -> tuple[int, str, str]:
    status = main(["validate", *args, "--project", "test-validation"])
    out, err = capsys.readouterr()
    return status, out, err


def test_cli_table(capsys: pytest.CaptureFixture) -> None:
    status, out, _ = run_cli(capsys, "--case", "gpt-3")
    assert status == 0
    lines = out.splitlines()
    # The case is a line of its own above its figures, so that the table fits 100 columns.
    assert lines[0].split() == ["figure", "published", "ours", "gap", "tolerance", "result"]
    assert lines[1] == "GPT-3 175B training"
    assert lines[2].startswith("  electricity at the data centre") and lines[2].endswith("pass")
    assert lines[3].endswith("pass") and lines[4] == ""
    assert lines[5] == "2 figures: 2 within tolerance"
    assert "1,287 MWh" in lines[2] and "1,289.38 MWh" in lines[2] and "+0.18 %" in lines[2]
    assert max(len(line) for line in lines) <= 100


def test_cli_json(capsys: pytest.CaptureFixture) -> None:
    status, out, _ = run_cli(capsys, "--case", "GPT-3", "--json")
    assert status == 0
    (energy, gwp) = json.loads(out)
    assert energy["read"] == "energy.facility" and energy["unit"] == "MWh"
    assert gwp["read"] == "gwp, use" and gwp["passed"] is True
    assert gwp["ours"] == pytest.approx(553.142304, rel=1e-6)  # 1,289,376 kWh x 0.429 kg/kWh


def test_readme_table_is_the_command_output(capsys: pytest.CaptureFixture) -> None:
    """The README shows `genai-lca validate --markdown` verbatim, so it cannot drift."""
    status, out, _ = run_cli(capsys, "--markdown")
    assert status == 0
    assert out.startswith("| case | figure | published | ours |")
    assert out in (ROOT / "README.md").read_text(encoding="utf-8")


def tampered(tmp_path: Path, old: str, new: str) -> Path:
    """The shipped cases with one change, studies pointing back at the examples."""
    assert old in CASES
    text = re.sub(r"study: (\S+)", lambda m: f"study: {ROOT / 'examples' / m.group(1)}",
                  CASES.replace(old, new))
    path = tmp_path / "cases.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_figure_out_of_tolerance_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    # 1,289.38 MWh against 1,250: 3.15 % above, beyond the 1 %.
    cases = tampered(tmp_path, "published: 1287 MWh", "published: 1250 MWh")
    status, out, _ = run_cli(capsys, "--cases", str(cases), "--case", "GPT-3")
    assert status == 1
    assert "+3.15 %" in out and "FAIL" in out
    assert "2 figures: 1 within tolerance, 1 FAIL" in out


@pytest.mark.parametrize("old, new, message", [
    ("      - {figure: FLOPs,", "      - {figur: FLOPs,",
     "unknown key 'figur' (did you mean figure?)"),
    ("read: {rule: energy.facility}", "read: {rule: energy.facilty}",
     "unknown rule 'energy.facilty' (did you mean energy.facility"),
    ("published: 1287 MWh", "published: 1287 kg",
     "the published unit kg does not fit what 'energy.facility' gives (kWh)"),
    ("read: {impact: gwp}", "read: {impact: gwp, stage: usage}",
     "unknown 'usage' (did you mean use?)"),
    ("functional_unit: Llama 3.1 70B", "functional_unit: Llama 3.1 65B",
     "the study llama-3.1-model-card.yaml has no functional unit 'Llama 3.1 65B'"),
    ("    tolerance: 1 %\n", "    tolerance: 1 kg\n", "a tolerance is a share of 0 or more"),
    ("read: {rule: energy.facility}", "read: {rule: energy.facility, stage: use}",
     "'read' is {rule: NAME, times: NAME} (times optional) or {impact: INDICATOR"),
    ("settings: {datacenter.pue: 1.2}", "settings: {datacenter.peu: 1.2}",
     "key 'datacenter.peu': unknown rule 'datacenter.peu' (did you mean datacenter.pue"),
    # Only climate change has a market-based basis (electricity.market.gwp).
    ("read: {impact: gwp, stage: use, basis: market}, published: 552.1 t",
     "read: {impact: pe, stage: use, basis: market}, published: 552.1 MJ",
     "only climate change (gwp) has a market-based basis"),
    ("read: {impact: gwp, stage: use, basis: market}, published: 552.1 t",
     "read: {impact: gwp, stage: use, basis: net}, published: 552.1 t",
     "unknown 'net'; expected one of location, market"),
])
def test_bad_cases_file(tmp_path: Path, capsys: pytest.CaptureFixture, old: str, new: str,
                        message: str) -> None:
    status, _, err = run_cli(capsys, "--cases", str(tampered(tmp_path, old, new)))
    assert status == 2
    assert message in err and "cases.yaml:" in err


def test_no_such_case(capsys: pytest.CaptureFixture) -> None:
    status, _, err = run_cli(capsys, "--case", "GPT-5")
    assert status == 2
    assert "no case name contains 'GPT-5'; the cases are: Llama 3.1 405B training" in err
