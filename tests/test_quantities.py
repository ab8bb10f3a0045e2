"""Quantities as people write them (issue 14): counts with multipliers, information with explicit
units, compound units, and the numbers they give through a study. Every expected number is hand
arithmetic, written next to it."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest

from lca.cli import main
from lca.core.errors import InputError, Where
from lca.core.units import dimension_text, parse_quantity, parse_unit, ureg

WHERE = Where("test", 1, "value")


@pytest.mark.parametrize("text, unit, expected", [
    ("7B", "1", 7e9),  # B after a count is a billion
    ("405e9", "1", 405e9),
    ("15T", "1", 15e12),
    ("100M", "1", 100e6),
    ("1.5k", "1", 1500.0),
    ("1e12", "1", 1e12),
    ("7 billion", "1", 7e9),
    ("2 trillion", "1", 2e12),
    ("1e8 B", "1", 1e17),  # 1e8 billion, never 8e8 (1e8 bytes in bits)
    ("40 %", "1", 0.4),
    ("80 GB", "GB", 80.0),
    ("2 TB", "GB", 2000.0),  # SI prefixes: 2 x 1000 GB
    ("1e8 B", "GB", 0.1),  # for information B is a byte: 1e8 B = 0.1 GB
    ("16 GiB", "GB", 17.179869184),  # 16 x 2^30 B = 17,179,869,184 B
    ("1024 Gbit", "GB", 128.0),  # gigabits: 1024 / 8 (pint reads `Gb` as the gilbert)
    ("0.42 kg/kWh", "kg/kWh", 0.42),
    ("420 g/kWh", "kg/kWh", 0.42),
    ("0.5 m3/kWh", "L/kWh", 500.0),  # 1 m3 = 1000 L
    ("1.8 L/kWh", "m**3/kWh", 0.0018),
    ("826 mm**2", "cm**2", 8.26),
    ("826 mm²", "cm**2", 8.26),
    ("19.5e12 FLOP/s", "FLOP/s", 19.5e12),
    ("3 s^-1", "1/s", 3.0),
    ("16 /s", "1/s", 16.0),  # a rate as people write it (a video's frames per second)
    ("3 /h", "1/s", 3 / 3600),
])
def test_values_people_write(text: str, unit: str, expected: float) -> None:
    target = ureg.Unit(unit)
    value = parse_quantity(text, WHERE, expected=target)
    assert value.to(target).magnitude == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("text", ["100k", "8 G", "1 k", "2 G"])
def test_k_and_g_are_not_boltzmann_or_gauss(text: str) -> None:
    """Before, pint read `100k` as 100 Boltzmann constants and `8 G` as 8 gauss."""
    assert parse_quantity(text, WHERE, expected=ureg.dimensionless).dimensionless
    with pytest.raises(InputError, match="multiplies a count"):
        parse_quantity(text, WHERE, expected=ureg.Unit("GB"))


def test_information_is_a_dimension() -> None:
    """pint makes the bit dimensionless; here a byte cannot become a pure number (7 B -> 56)."""
    assert dimension_text(ureg.Unit("GB")) == "[information]"
    with pytest.raises(Exception, match="Cannot convert"):
        ureg.Quantity(7, "byte").to("dimensionless")


@pytest.mark.parametrize("unit, text", [("kg/kWh", "[mass]/[energy]"),
                                        ("L/kWh", "[volume]/[energy]"),
                                        ("m3/kWh", "[volume]/[energy]"),
                                        ("W/GB", "[power]/[information]"),
                                        ("FLOP/s", "[computation]/[time]")])
def test_compound_units_in_messages(unit: str, text: str) -> None:
    assert dimension_text(parse_unit(unit, WHERE)) == text


def _explain(tmp_path: Path, inputs: str, rule: str) -> str:
    path = tmp_path / "study.yaml"
    path.write_text("study: Quantities\nlocation: USA\nhardware: dgx-h100\nfunctional_units:\n"
                    "  - name: training\n    workload: training\n"
                    f"    inputs: {{{inputs}}}\n", encoding="utf-8")
    with contextlib.redirect_stdout(io.StringIO()) as out:
        assert main(["explain", str(path), rule]) == 0
    return out.getvalue()


def test_a_study_with_7B_and_15T(tmp_path: Path) -> None:
    """6 x 7e9 x 15e12 = 6.3e23 FLOP (the 6PT approximation by hand): 7B is 7 billion
    parameters, 15T is 15 trillion tokens."""
    text = _explain(tmp_path, "model.parameters: 7B, training.tokens: 15T", "flops")
    assert "flops = 6.3e+23 FLOP" in text


def test_a_study_with_80_GB_of_gpu_memory(tmp_path: Path) -> None:
    """Inference weights of 405e9 x 2 B x 1.2 = 972 GB (as tests/rules/allocation.yaml) over
    80 GB GPUs: ceil(12.15) = 13 GPUs (before, a bare 80 was 80 bits: 12.8 billion GPUs)."""
    path = tmp_path / "study.yaml"
    path.write_text("study: Memory\nlocation: USA\nhardware: dgx-h100\nfunctional_units:\n"
                    "  - name: inference\n    workload: inference\n"
                    "    inputs: {model.parameters: 405B, gpu.memory: 80 GB, "
                    "inference.input_tokens: 0, inference.output_tokens: 1M}\n", encoding="utf-8")
    with contextlib.redirect_stdout(io.StringIO()) as out:
        assert main(["explain", str(path), "gpu.required"]) == 0
    assert "gpu.required = 13 " in out.getvalue()
