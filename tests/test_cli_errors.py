"""Bad input: exit status 2, a message naming the file, line, key or rule, and nothing written."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from lca.cli import main
from tests.conftest import ROOT

EXAMPLE = ROOT / "examples" / "llama-3.1-405b.yaml"

GOOD_RULES = """\
a.x:
  title: An input
  unit: W
  sources: [method]
b.y:
  title: Twice a.x
  unit: W
  formula: 2 * a.x
  sources: [method]
"""


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main([str(a) for a in argv])
    captured = capsys.readouterr()
    return code, captured.err


def study(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "study.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def model(tmp_path: Path, text: str) -> Path:
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "rules.yaml").write_text(text, encoding="utf-8")
    return folder


def test_malformed_yaml(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = study(tmp_path, "study: x\nfunctional_units:\n  - name: a\n    workload: [training\n")
    code, err = run(capsys, "explain", path, "gpu.hours")
    assert code == 2
    assert f"{path}:5" in err and "malformed YAML" in err


def test_unknown_name_in_formula(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = model(tmp_path, GOOD_RULES.replace("2 * a.x", "2 * a.xx"))
    code, err = run(capsys, "rules", "--model", folder)
    assert code == 2
    # Line 8 holds b.y's formula; the near name is suggested.
    assert "rules.yaml:8" in err and "unknown rule 'a.xx'" in err and "did you mean a.x" in err


def test_cycle(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = model(tmp_path, GOOD_RULES.replace("  unit: W\n  sources: [method]\nb.y",
                                                "  unit: W\n  formula: b.y / 2\n  sources: [method]\nb.y"))
    code, err = run(capsys, "rules", "--model", folder)
    assert code == 2
    assert "cycle in the rules: a.x -> b.y -> a.x" in err and "rules.yaml:1" in err


def test_formula_unit_mismatch(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = model(tmp_path, GOOD_RULES.replace("formula: 2 * a.x", "formula: 2 * a.x * 1 h"))
    code, err = run(capsys, "rules", "--model", folder)
    assert code == 2
    assert "rules.yaml:8" in err and "rule 'b.y'" in err
    assert "the formula gives [energy]" in err and "unit is W" in err


@pytest.mark.parametrize("formula", ["__import__('os').system('true')", "().__class__",
                                     "__import__('os')"])
def test_code_in_a_formula_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                      formula: str) -> None:
    folder = model(tmp_path, GOOD_RULES.replace("2 * a.x", f'"{formula}"'))
    code, err = run(capsys, "rules", "--model", folder)
    assert code == 2
    assert "rules.yaml:8" in err and "formula error" in err


@pytest.mark.parametrize("value", ["__import__('os').system('true')", "().__class__"])
def test_code_in_a_value_is_refused(capsys: pytest.CaptureFixture[str], value: str) -> None:
    code, err = run(capsys, "explain", EXAMPLE, "gpu.hours", "--set", f"gpu.mfu={value}")
    assert code == 2
    assert "--set, key 'gpu.mfu'" in err and "is not a number with a unit" in err


def test_set_with_wrong_dimension(capsys: pytest.CaptureFixture[str]) -> None:
    code, err = run(capsys, "explain", EXAMPLE, "gpu.hours", "--set", "gpu.power=3 kg")
    assert code == 2
    assert "--set, key 'gpu.power'" in err
    assert "'3 kg' has dimension [mass], expected [power] (unit W)" in err


def test_set_without_unit_on_a_dimensional_rule(capsys: pytest.CaptureFixture[str]) -> None:
    code, err = run(capsys, "explain", EXAMPLE, "gpu.hours", "--set", "gpu.power=400")
    assert code == 2
    assert "gpu.power needs a unit of [power]" in err and '"400 W"' in err


def test_mfu_above_one(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = EXAMPLE.read_text().replace("allocation: gpu-count\n",
                                       "allocation: gpu-count\ninputs:\n  gpu.mfu: 1.5\n")
    path = study(tmp_path, text)
    code, err = run(capsys, "explain", path, "gpu.hours")
    assert code == 2
    line = 1 + text.splitlines().index("  gpu.mfu: 1.5")
    assert f"{path}:{line}" in err and "gpu.mfu = 1.5 is above the maximum 1" in err


def test_negative_tokens(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = study(tmp_path, EXAMPLE.read_text().replace("inference.output_tokens: 1e6",
                                                       "inference.output_tokens: -5"))
    code, err = run(capsys, "explain", path, "gpu.hours")
    assert code == 2
    assert "inference.output_tokens = -5 is below the minimum 0" in err
    assert "key 'functional_units.1.inputs.inference.output_tokens'" in err


@pytest.mark.parametrize("old, new, message", [
    ("model.parameters:", "model.parameter:",
     "unknown rule 'model.parameter' (did you mean model.parameters"),
    ("hardware: dgx-h100", "hardwre: dgx-h100", "unknown key 'hardwre' (did you mean hardware?)"),
    ("hardware: dgx-h100", "hardware: dgx-h10", "unknown server 'dgx-h10' (did you mean dgx-h100"),
])
def test_near_names_are_suggested(tmp_path: Path, capsys: pytest.CaptureFixture[str], old: str,
                                  new: str, message: str) -> None:
    path = study(tmp_path, EXAMPLE.read_text().replace(old, new))
    code, err = run(capsys, "explain", path, "gpu.hours")
    assert code == 2 and message in err


@pytest.mark.parametrize("hardware, key, message", [
    ("hardware: {server: pcie-inference, gpu: l40}", "hardware.gpu",
     "unknown GPU 'l40' (did you mean l40s, l4?); inventories/gpus.yaml has a100-pcie-40gb"),
    ("hardware: {server: hgx-h10, gpu: l4}", "hardware.server",
     "unknown server 'hgx-h10' (did you mean hgx-h100"),
    ("hardware: l4", "hardware",
     ("'l4' is a GPU (inventories/gpus.yaml), not a server; write hardware: {server: SERVER, "
      "gpu: l4}")),
    ("hardware: {server: dgx-h100, gpu: dgx-a100}", "hardware.gpu",
     "'dgx-a100' is a server (inventories/servers.yaml), not a GPU"),
    ("hardware: {server: pcie-inference, gpus: l4}", "hardware.gpus",
     "unknown key 'gpus' (did you mean gpu?)"),
    ("hardware: dgx-h100\ndatacenter: gogle", "datacenter",
     "unknown data centre 'gogle' (did you mean google?); inventories/datacenters.yaml has aws"),
])
def test_catalog_ids_are_checked(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                 hardware: str, key: str, message: str) -> None:
    """A wrong server, GPU or data-centre id stops the run with the near ids; nothing written."""
    text = EXAMPLE.read_text().replace("hardware: dgx-h100", hardware)
    path = study(tmp_path, text)
    out = tmp_path / "out"
    code, err = run(capsys, "assess", path, "--out", out)
    line = 1 + next(i for i, t in enumerate(text.splitlines()) if t.startswith(key.split(".")[0]))
    assert code == 2 and message in err
    assert f"{path}:{line}, key '{key}'" in err
    assert not out.exists()


def test_missing_input_names_the_chain(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = study(tmp_path, EXAMPLE.read_text().replace("inference.input_tokens: 0, ", ""))
    code, err = run(capsys, "explain", path, "gpu.hours")
    assert code == 2
    assert "rule 'inference.input_words' is a missing input" in err
    assert "needed by inference.input_tokens <- inference.effective_input_tokens" in err


def test_unknown_rule_to_explain(capsys: pytest.CaptureFixture[str]) -> None:
    code, err = run(capsys, "explain", EXAMPLE, "gpu.hour")
    assert code == 2
    assert "unknown rule 'gpu.hour' (did you mean gpu.hours" in err


def test_nothing_written_on_bad_model(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = model(tmp_path, GOOD_RULES.replace("2 * a.x", "2 * a.xx"))
    docs = tmp_path / "docs"
    code, _ = run(capsys, "rules", "--model", folder, "--doc", docs)
    assert code == 2 and not docs.exists()


def test_console_entry_point_exit_status() -> None:
    """The real process: `python -m lca` returns 2 and prints to stderr only."""
    proc = subprocess.run([sys.executable, "-m", "lca", "explain", str(EXAMPLE), "gpu.hours",
                           "--set", "gpu.mfu=1.5"], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert "error: --set, key 'gpu.mfu': gpu.mfu = 1.5 is above the maximum 1" in proc.stderr


def test_brightway_folder_that_does_not_exist(tmp_path, capsys, monkeypatch) -> None:
    missing = tmp_path / "no-such-folder"
    monkeypatch.setenv("BRIGHTWAY2_DIR", str(missing))
    code, err = run(capsys, "assess", EXAMPLE)
    assert code == 2
    assert f"BRIGHTWAY2_DIR is '{missing}', which is not a folder" in err
    assert not missing.exists()


def test_a_reader_that_stops_early_is_not_an_error(tmp_path) -> None:
    """`genai-lca explain ... | head -1`: the closed pipe ends the run quietly, status 0, no trace.
    The trace is over 100 kB, more than a pipe holds, so the write meets the closed pipe."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "BRIGHTWAY2_DIR": str(tmp_path)}
    study = str(ROOT / "examples" / "stable-diffusion-service.yaml")
    proc = subprocess.Popen([sys.executable, "-m", "lca", "explain", study, "energy.facility"],
                            stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env)
    assert proc.stdout.readline()  # one line, then the reader goes away
    proc.stdout.close()
    stderr = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 0, stderr
    assert "Traceback" not in stderr and "internal error" not in stderr
