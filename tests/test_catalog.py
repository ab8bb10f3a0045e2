"""The catalogs of inventories/: GPUs, servers and data-centre presets, and how a study uses them.

Rules evaluator only, no Brightway: these tests are fast. Expected numbers are hand arithmetic,
written next to them.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest

from lca.core.errors import InputError, Where
from lca.core.provenance import Given, Origin, given
from lca.core.rules.evaluate import Evaluator, make_override
from lca.data.catalog import (DATACENTERS, GPUS, SERVERS, HardwareChoice, load_catalog,
                              load_hardware, select_hardware)
from lca.data.opendata import load_locations, load_manufacturing
from lca.inventory.datasets import BACKGROUND, background_datasets, foreground_datasets
from lca.study.file import load_study
from lca.study.resolve import evaluators
from tests.conftest import ROOT

# Every GPU with a server it fits: each server with its default GPU, and the GPUs no server
# defaults to in a host of their form factor (PCIe cards in the PCIe server, SXM and OAM modules
# in an 8-GPU baseboard host; Google's TPUs, which no catalog server hosts, with the DGX-1's parts
# as a stand-in host).
PAIRS = [("h100-sxm", "dgx-h100"), ("a100-sxm-80gb", "dgx-a100"), ("h100-sxm", "hgx-h100"),
         ("h200-sxm", "hgx-h200"), ("b200", "dgx-b200"), ("v100-sxm2-32gb", "dgx-1"),
         ("l40s", "pcie-inference"), ("l4", "pcie-inference"), ("h100-pcie", "pcie-inference"),
         ("a100-pcie-40gb", "pcie-inference"), ("a100-pcie-80gb", "pcie-inference"),
         ("v100-pcie-32gb", "pcie-inference"), ("a100-sxm-40gb", "dgx-a100"),
         ("mi300x", "hgx-h100"), ("tpu-v2", "dgx-1"), ("tpu-v3", "dgx-1"), ("tpu-v4", "dgx-1")]

GPU_IDS = ["h100-sxm", "h100-pcie", "h200-sxm", "b200", "a100-sxm-40gb", "a100-sxm-80gb",
           "a100-pcie-40gb", "a100-pcie-80gb", "v100-sxm2-32gb", "v100-pcie-32gb", "l4", "l40s",
           "mi300x", "tpu-v2", "tpu-v3", "tpu-v4"]
SERVER_IDS = ["dgx-h100", "dgx-a100", "hgx-h100", "hgx-h200", "dgx-b200", "dgx-1",
              "pcie-inference"]


def choice(server: str | None = None, gpu: str | None = None) -> HardwareChoice:
    def named(raw: str | None) -> Given | None:
        return given(raw, Where("test", key="hardware"), Origin.STUDY) if raw else None
    return HardwareChoice(named(server), named(gpu))


def evaluator(model, server: str, gpu: str | None = None, **inputs) -> Evaluator:
    """The catalog's values for that hardware, and the given inputs, in one situation."""
    overrides = {rule: make_override(model[rule], f.value, f.provenance)
                 for rule, f in select_hardware(choice(server, gpu)).values.items()}
    overrides |= {rule: make_override(model[rule], raw, Where("test", key=rule))
                  for rule, raw in inputs.items()}
    return Evaluator(model, overrides)


INFERENCE = {"workload": "inference", "model.parameters": 8e9, "inference.input_tokens": 0,
             "inference.output_tokens": 1e6}


def test_catalog_ids() -> None:
    assert sorted(load_catalog(GPUS)) == sorted(GPU_IDS)
    assert sorted(load_catalog(SERVERS)) == sorted(SERVER_IDS)
    assert {g for g, _ in PAIRS} == set(GPU_IDS) and {s for _, s in PAIRS} == set(SERVER_IDS)
    for server in load_catalog(SERVERS).values():
        assert (server.fields["gpu"].value, server.id) in PAIRS


@pytest.mark.parametrize("kind", [GPUS, SERVERS, DATACENTERS], ids=lambda k: k.file)
def test_every_value_has_provenance_and_fits_its_rule(model, kind) -> None:
    for entry in load_catalog(kind).values():
        assert entry.name and entry.description, entry.id
        for rule, factor in entry.values.items():
            assert factor.source.strip() and factor.year.strip() and factor.licence.strip(), rule
            assert factor.year[:4].isdigit(), (entry.id, rule, factor.year)
            # The rule exists and the value has its dimension and bounds.
            make_override(model[rule], factor.value, factor.where)


def test_catalog_values_are_given_by_their_catalog() -> None:
    """A value of the catalog is a `Given` from the moment it is read: a GPU's or a server's by
    the catalog, a data centre's by the preset, each at its own line of its file."""
    for kind, origin in ((GPUS, Origin.CATALOG), (SERVERS, Origin.CATALOG),
                         (DATACENTERS, Origin.PRESET)):
        for entry in load_catalog(kind).values():
            for rule, value in entry.values.items():
                assert isinstance(value, Given) and value.origin is origin, (entry.id, rule)
                assert value.where.file == f"inventories/{kind.file}" and value.where.line > 0
    # The H100's TDP, 700 W, as NVIDIA's datasheet gives it (inventories/gpus.yaml).
    tdp = load_catalog(GPUS)["h100-sxm"].values["gpu.tdp"]
    assert tdp.value == "700 W" and tdp.citation.endswith(")")


def test_open_data_factors_are_given_by_data() -> None:
    """Electricity factors and manufacturing impacts are `Given`s of origin data, cited as
    'source (year; licence)'."""
    france = load_locations()["FRA"].factors["gwp"]
    assert isinstance(france, Given) and france.origin is Origin.DATA
    assert france.where.file == "inventories/electricity.csv"
    assert france.citation == f"{france.source} ({france.year}; {france.licence})"
    datasets, _ = load_manufacturing()
    for dataset in datasets.values():
        assert all(f.origin is Origin.DATA for f in dataset.impacts.values()), dataset.id


def test_gpu_and_server_values_are_apart() -> None:
    """A server sets no rule its GPU sets, so picking another GPU replaces all GPU figures."""
    hardware = load_hardware()
    gpu_rules = {rule for gpu in hardware.gpus.values() for rule in gpu.values}
    for server in hardware.servers.values():
        assert not gpu_rules & set(server.values), server.id
    assert all(rule.startswith("gpu.") for rule in gpu_rules)


def test_every_gpu_has_a_dense_16_bit_peak_and_a_profile(model) -> None:
    for gpu in load_catalog(GPUS).values():
        assert {"gpu.tdp", "gpu.memory", "gpu.peak_flops_bf16",
                "gpu.manufacturing"} <= set(gpu.values), gpu.id
        assert "sparsity" not in gpu.values["gpu.peak_flops_bf16"].value
    profiles = {g.id: g.values["gpu.manufacturing"].value for g in load_catalog(GPUS).values()}
    # Published per-card figures stay with the cards they were published for.
    assert profiles.pop("h100-sxm") == "boavizta-h100-sxm"
    assert profiles.pop("a100-sxm-80gb") == "mlca-a100"
    # AMD publishes neither a footprint nor a die area for the MI300X: reported missing.
    assert profiles.pop("mi300x") == "unpublished"
    # Nor does Google for its TPUs (Jouppi et al. 2020 give only an upper bound of the die area).
    for tpu in ("tpu-v2", "tpu-v3", "tpu-v4"):
        assert profiles.pop(tpu) == "unpublished"
    assert set(profiles.values()) == {"mlca-die"}


@pytest.mark.parametrize("gpu, server", PAIRS, ids=[f"{g}@{s}" for g, s in PAIRS])
def test_every_gpu_in_a_server_gives_finite_gpu_hours_and_energy(model, gpu, server) -> None:
    ev = evaluator(model, server, gpu, **INFERENCE)
    hours = ev.value("gpu.hours").to("h").magnitude
    energy = ev.value("energy.facility").to("kWh").magnitude
    assert math.isfinite(hours) and hours > 0
    assert math.isfinite(energy) and energy > 0


def test_l4_inference_by_hand(model) -> None:
    """1M output tokens of an 8B model on an L4 in the PCIe server, by hand, on the note's route.

    FLOPs = 2 x 8e9 x 1e6 = 1.6e16 (no prompt). The L4's dense BF16 peak is 121e12 FLOP/s (242
    with sparsity), MFU the default 0.40: gpu.hours = 1.6e16 / (121e12 x 0.40 x 3,600 s/h)
    = 1.6e16 / 1.7424e17 = 0.091827364 h. GPU energy at 72 W: 0.091827364 h x 0.072 kW
    = 0.0066115702 kWh. The server (4 GPUs) has 2 x 350 W CPUs, 1,024 GB x 0.392 W/GB of RAM
    and 3,840 GB x 0.0012 W/GB of SSD = 1,106.016 W; a quarter per GPU, 276.504 W, gives
    0.091827364 x 0.276504 = 0.025390634 kWh; with the default PUE 1.2 the meter reads
    1.2 x (0.0066115702 + 0.025390634) = 0.038402645 kWh.
    """
    ev = evaluator(model, "pcie-inference", "l4", **INFERENCE, **{"compute.route": "flops"})
    assert ev.value("flops").to("FLOP").magnitude == pytest.approx(1.6e16, rel=1e-12)
    assert ev.value("gpu.hours").to("h").magnitude == pytest.approx(0.091827364, rel=1e-8)
    assert ev.value("energy.gpu").to("kWh").magnitude == pytest.approx(0.0066115702, rel=1e-8)
    assert ev.value("energy.facility").to("kWh").magnitude == pytest.approx(0.038402645,
                                                                            rel=1e-8)


def test_a_precision_the_gpu_lacks_is_a_missing_input(model) -> None:
    """The V100 has no TF32: no other precision's figure is used in its place."""
    ev = evaluator(model, "dgx-1", **INFERENCE, **{"compute.precision": "tf32"})
    with pytest.raises(InputError, match="gpu.peak_flops_tf32' is a missing input"):
        ev.value("gpu.hours")


def _gpu_manufacturing(model, server: str, gpu: str, **inputs) -> dict[str, float]:
    """Impacts of manufacturing one GPU through the foreground the tool builds (no Brightway):
    the GPU process's manufacturing exchanges per GPU-hour x the datasets' published impacts,
    divided by the share of one GPU charged per GPU-hour."""
    study = load_study(ROOT / "examples" / "llama-3.1-405b.yaml")
    unit = study.functional_units[1]
    ev = evaluator(model, server, gpu, **INFERENCE, **inputs)
    datasets, _ = load_manufacturing()
    background = background_datasets(load_locations(), datasets)
    (fg,) = foreground_datasets("test", [(unit, ev)], [None], background)
    process = fg.activities[fg.part_processes["gpu"]]
    share = (ev.value("embodied.share_per_hour") * ev.value("allocation.gpu_share")
             ).to("1/h").magnitude
    out: dict[str, float] = {}
    for exchange in process["exchanges"]:
        if exchange.get("stage") != "manufacturing":
            continue
        assert exchange["input"][0] == BACKGROUND
        for flow in background[exchange["input"]]["exchanges"]:
            if flow["type"] == "biosphere":
                indicator = flow["input"][1]
                out[indicator] = out.get(indicator, 0.0) + exchange["amount"] * flow["amount"]
    return {indicator: value / share for indicator, value in out.items()}


def test_per_die_profile_gives_mlca_a100_figure(model) -> None:
    """The per-die profile on the A100 80 GB reproduces MLCA's published 330 kg CO2-eq.

    GWP by hand: die 8.26 cm2 x 1.97 kg/cm2 = 16.2722; base 26.97; memory 80 GB / 0.625 GB/cm2
    = 128 cm2 of DRAM x 2.20 kg/cm2 = 281.6, plus 5.22 for the module: 330.0622 kg.
    Primary energy: 8.26 x 26.5 + 156 + 128 x 27.3 + 74 = 3,943.29 MJ (MLCA prints 3,900).
    ADPe: 8.26 x 5.8e-7 + 0.0204 + 128 x 6.3e-5 + 1.69e-3 = 0.0301588 kg Sb-eq (MLCA prints
    0.027; its code's base factors overshoot its published figure, inventories/manufacturing.yaml).
    """
    impacts = _gpu_manufacturing(model, "dgx-a100", "a100-sxm-80gb",
                                 **{"gpu.manufacturing": "mlca-die"})
    assert impacts["gwp"] == pytest.approx(330.0622, rel=1e-9)
    assert impacts["gwp"] == pytest.approx(330, rel=1e-3)  # MLCA's published figure
    assert impacts["pe"] == pytest.approx(3943.29, rel=1e-9)
    assert impacts["adpe"] == pytest.approx(0.0301588, rel=1e-6)
    assert "water" not in impacts  # no source gives it: reported missing, not zero


def test_per_die_profile_scales_with_the_gpu(model) -> None:
    """The L4: 2.945 cm2 x 1.97 = 5.80165, + 26.97; 24 GB / 0.625 GB/cm2 = 38.4 cm2 x 2.20
    = 84.48, + 5.22: 122.47165 kg CO2-eq."""
    impacts = _gpu_manufacturing(model, "pcie-inference", "l4")
    assert impacts["gwp"] == pytest.approx(2.945 * 1.97 + 26.97 + 38.4 * 2.20 + 5.22, rel=1e-9)
    assert impacts["gwp"] == pytest.approx(122.47165, rel=1e-9)


def test_a_gpu_without_published_data_is_missing_not_zero(model) -> None:
    """The MI300X has neither a footprint nor a die area: its manufacturing is the
    `unpublished` dataset, with no impacts and a reason per indicator (reported, not zero)."""
    assert _gpu_manufacturing(model, "hgx-h100", "mi300x") == {}
    datasets, _ = load_manufacturing()
    assert set(datasets["gpu-unpublished"].missing) == {"gwp", "pe", "water", "adpe"}
    # With a die area the study can take the per-die profile: 10 cm2 x 1.97 + 26.97 + 192 GB /
    # 0.625 GB/cm2 x 2.20 + 5.22 kg CO2-eq.
    impacts = _gpu_manufacturing(model, "hgx-h100", "mi300x", **{"gpu.die_area": "1000 mm**2",
                                                                   "gpu.manufacturing": "mlca-die"})
    assert impacts["gwp"] == pytest.approx(10 * 1.97 + 26.97 + 192 / 0.625 * 2.20 + 5.22)


def study_file(tmp_path: Path, hardware: str, extra: str = "") -> Path:
    text = (ROOT / "examples" / "llama-3.1-405b.yaml").read_text()
    text = text.replace("hardware: dgx-h100\n", f"hardware: {hardware}\n{extra}")
    path = tmp_path / "study.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def overrides(model, path: Path):
    (_, ev), _ = evaluators(model, load_study(path))
    return ev.overrides


def test_server_id_alone_is_the_server_and_its_default_gpu(model, tmp_path: Path) -> None:
    given = overrides(model, study_file(tmp_path, "dgx-h100"))
    assert given["gpu.tdp"].value.to("W").magnitude == 700
    assert given["server.gpus"].value.magnitude == 8
    assert given["gpu.mfu"].value.magnitude == 0.40
    assert "inventories/gpus.yaml" in given["gpu.tdp"].where.file
    assert given["gpu.tdp"].citation.endswith("(2023; manufacturer's public figure)")


def test_server_and_gpu_by_id(model, tmp_path: Path) -> None:
    given = overrides(model, study_file(tmp_path, "{server: pcie-inference, gpu: l4}"))
    assert given["gpu.tdp"].value.to("W").magnitude == 72  # the L4, not the default L40S
    assert given["server.gpus"].value.magnitude == 4
    assert given["gpu.manufacturing"].value == "mlca-die"


def test_datacenter_preset_applied_and_overridden(model, tmp_path: Path) -> None:
    given = overrides(model, study_file(tmp_path, "dgx-h100", "datacenter: aws\n"))
    pue, wue = given["datacenter.pue"], given["datacenter.wue"]
    assert pue.value.magnitude == pytest.approx(1.15)
    assert wue.value.to("L/kWh").magnitude == pytest.approx(0.15)
    assert "inventories/datacenters.yaml" in pue.where.file
    assert pue.source.startswith("amazon-sust-2024: AWS global power usage") and pue.year == "2024"
    # A preset without a WUE leaves the model's default in place.
    given = overrides(model, study_file(tmp_path, "dgx-h100", "datacenter: google\n"))
    assert given["datacenter.pue"].value.magnitude == pytest.approx(1.10)
    assert "datacenter.wue" not in given
    # The study's own input beats the preset.
    path = study_file(tmp_path, "dgx-h100", "datacenter: aws\ninputs:\n  datacenter.pue: 1.3\n")
    given = overrides(model, path)
    assert given["datacenter.pue"].value.magnitude == pytest.approx(1.3)
    assert given["datacenter.pue"].where.file == str(path)
    assert given["datacenter.wue"].value.to("L/kWh").magnitude == pytest.approx(0.15)


def test_monte_carlo_holds_the_preset(model, tmp_path: Path) -> None:
    """An operator's published PUE is not drawn from the spread of data centres in general; a
    value the preset lacks (Google's WUE) keeps the default and its distribution."""
    from lca.analysis.montecarlo import uncertain_rules

    path = study_file(tmp_path, "dgx-h100", "datacenter: google\n")
    (_, ev), _ = evaluators(model, load_study(path))
    for rule in ("energy.facility", "water.on_site"):  # what reads the PUE and the WUE
        ev.value(rule)
    rules = uncertain_rules(ev)
    assert "datacenter.pue" in rules.fixed and "datacenter.wue" in rules.sampled
    assert "gpu.mfu" in rules.sampled  # the server's catalog MFU is data, still sampled


def test_catalog_command_lists_every_entry(capsys: pytest.CaptureFixture[str]) -> None:
    from lca.cli import main

    assert main(["catalog"]) == 0
    out = capsys.readouterr().out
    for entry_id in GPU_IDS + SERVER_IDS + ["aws", "google"]:
        assert f"\n  {entry_id} " in out
    assert re.search(r"\n  l4 +72 W +24 GB +0.3 TB/s +121 TFLOP/s ", out)  # dense, from the datasheet
    assert re.search(r"\n  aws +1.15 +0.15 l/kWh\n", out)


def test_assessment_with_a_chosen_gpu_and_preset(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    """Through Brightway: the per-die GPU datasets are written and scored, the choices named."""
    import json

    from lca.cli import main

    path = study_file(tmp_path, "{server: pcie-inference, gpu: l4}", "datacenter: aws\n")
    # The note's route, whose GPU time the comment below works out by hand.
    path.write_text(path.read_text().replace("study: Llama 3.1 405B", "study: L4 catalog")
                    .replace("inference.output_tokens: 1e6}",
                             "inference.output_tokens: 1e6, compute.route: flops}"))
    assert main(["assess", str(path), "--json", "--project", "test-catalog"]) == 0
    doc = json.loads(capsys.readouterr().out)
    scope = doc["goal_and_scope"]
    assert scope["hardware"].startswith("pcie-inference: ") and ", GPU l4: " in scope["hardware"]
    assert scope["datacenter"] == "aws: Amazon Web Services data centres, global"
    unit = doc["functional_units"][1]
    # 1M tokens of the 405B model: 2 x 405e9 x 1e6 FLOP / (121e12 FLOP/s x 0.40 x 3,600 s/h)
    assert unit["quantities"]["gpu_hours"] == pytest.approx(8.1e17 / (121e12 * 0.4 * 3600))
    gpu = unit["impacts"]["gwp"]["by_component"]["gpu"]
    assert gpu > 0 and math.isfinite(gpu)
