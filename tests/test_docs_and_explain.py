"""`genai-lca rules --doc` and `genai-lca explain`, as a user runs them."""

from __future__ import annotations

from pathlib import Path

import pytest

from lca.cli import main
from tests.conftest import ROOT

EXAMPLE = ROOT / "examples" / "llama-3.1-405b.yaml"


def test_rule_pages(tmp_path: Path, capsys: pytest.CaptureFixture[str], model) -> None:
    assert main(["rules", "--doc", str(tmp_path)]) == 0
    pages = {p.name for p in tmp_path.glob("*.md")}
    assert pages == {f"{name}.md" for name in model.rules} | {"README.md"}
    page = (tmp_path / "gpu.hours.md").read_text()
    # The `measured` workload takes its GPU time the way `gpu_hours` does (model/measured.yaml).
    known = "`workload == 'gpu_hours' or workload == 'measured'`"
    assert "- Unit: h" in page and f"| {known} | `gpu.count * job.duration` |" in page
    assert "## Uses" in page and "[`gpu.mfu`](gpu.mfu.md)" in page
    assert "## Used by" in page and "[`gpu.hours_charged`](gpu.hours_charged.md)" in page
    # Each source with the registry entry it cites, resolved.
    assert ("- method: section 1: D_gpu = FLOP / (C_gpu x MFU)  \n  genai-lca (2026). The method: "
            in page) and "docs/method.md" in page
    mfu = (tmp_path / "gpu.mfu.md").read_text()
    assert "uniform 0.25 to 0.5. Source:" in mfu and "- Bounds: 0.01 to 1" in mfu
    index = (tmp_path / "README.md").read_text()
    assert "| [`gpu.hours`](gpu.hours.md) | h | formula |" in index


def test_rules_listing(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules"]) == 0
    out = capsys.readouterr().out
    assert any(line.split()[:3] == ["gpu.hours", "h", "formula"] for line in out.splitlines())


def test_explain_training_gpu_hours(capsys: pytest.CaptureFixture[str]) -> None:
    """The issue's check: 25,594,034 GPU-hours of the training unit, down to sourced inputs."""
    assert main(["explain", str(EXAMPLE), "gpu.hours", "--unit", "training"]) == 0
    out = capsys.readouterr().out
    assert "gpu.hours = 25,594,034 h" in out
    assert "model.parameters = 405,000,000,000" in out and "training.tokens = 1.5e+13" in out
    assert "gpu.peak_flops = 9.89e+14 FLOP/s" in out
    # The citation, then the registry entry it resolves to, once, under References.
    assert "source: nvidia-h100-datasheet: H100 SXM dense BF16/FP16" in out
    assert ("\nReferences:\n" in out and "  nvidia-h100-datasheet: NVIDIA (2023). NVIDIA H100 Tensor "
            "Core GPU datasheet. https://www.nvidia.com/en-us/data-center/h100/" in out)
    assert out.count("  nvidia-h100-datasheet: NVIDIA (2023)") == 1
    assert "1M output tokens" not in out


def test_explain_with_set(capsys: pytest.CaptureFixture[str]) -> None:
    """--set replaces a value: MFU 0.35 gives 25,594,034 x 0.40 / 0.35 = 29,250,325 h."""
    assert main(["explain", str(EXAMPLE), "gpu.hours", "--unit", "training",
                 "--set", "gpu.mfu=0.35"]) == 0
    out = capsys.readouterr().out
    assert "gpu.hours = 29,250,325 h" in out and "given by command line: --set, key 'gpu.mfu'" in out


def test_explain_shows_the_gpus_a_large_model_needs(capsys) -> None:
    code = main(["explain", str(ROOT / "examples" / "llama-3.1-405b.yaml"), "gpu.required",
                 "--unit", "1M output tokens"])
    out = capsys.readouterr().out
    assert code == 0
    assert "gpu.required = 13" in out          # ceil(405e9 x 2 B x 1.2 / 80 GB)
    assert "model.memory = 972 GB" in out and "gpu.memory = 80 GB" in out
