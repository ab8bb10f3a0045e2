"""The foreground template (model/foreground.yaml): what it builds, how it is checked, and that
`explain` traces its amounts. No Brightway: `prepare` stops before it."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import numpy as np
import pytest

from lca.assess import prepare
from lca.cli import main
from lca.core.errors import InputError
from lca.core.rules.interpret import Interpreter
from lca.data import opendata as data
from lca.inventory import template
from lca.inventory.datasets import BACKGROUND, Foreground
from lca.study import situation
from tests.conftest import ROOT

EXAMPLE = ROOT / "examples" / "llama-3.1-405b.yaml"
STUDIES = sorted(p for p in (ROOT / "examples").glob("*.yaml") if p.name != "validation.yaml")
# 5 years of 8,766 hours (365.25 days): the hours the hardware's manufacturing is spread over.
LIFETIME_HOURS = 5 * 8766


def exchanges(foreground: Foreground, code: str) -> dict[str, dict]:
    """The exchanges of one of the unit's activities, by the code of what they take."""
    activity = foreground.activities[(foreground.unit[0], f"{foreground.unit[1]}|{code}"
                                      if code else foreground.unit[1])]
    return {e["input"][1].split("|")[-1]: e for e in activity["exchanges"][1:]}


def test_flagship_training_by_hand() -> None:
    """Llama 3.1 405B training on DGX H100 (examples/llama-3.1-405b.yaml), by hand:
    GPU-hours = 6 x 405e9 parameters x 15e12 tokens / (989e12 FLOP/s x MFU 0.40) / 3,600 s/h
              = 25,594,034 h (Meta's model card: 30.84 M, the 6PT rule is 17 % below);
    one GPU-hour carries 1 / (5 y x 8,766 h) = 2.2815e-5 of a GPU's manufacturing (gpu-count
    allocation: no idle GPU charged), so the unit carries 25,594,034 / 43,830 = 583.94 GPUs;
    one GPU-hour takes 1/8 server-hour (8 GPUs per DGX H100), whose 2 CPUs carry
    2 / 43,830 CPUs; and 0.7 kWh at the H100's 700 W TDP, x PUE 1.2 from the grid, with
    1.8 L/kWh of cooling water (the defaults of model/energy.yaml)."""
    (training, _) = prepare(EXAMPLE).foregrounds
    hours = 6 * 405e9 * 15e12 / (989e12 * 0.40) / 3600
    unit = exchanges(training, "")
    assert unit["gpu"]["amount"] == pytest.approx(hours, rel=1e-9)
    assert unit["server-share"]["amount"] == pytest.approx(hours, rel=1e-9)
    gpu = exchanges(training, "gpu")
    (made,) = [e for e in gpu.values() if e.get("stage") == "manufacturing"]
    assert made["input"] == (BACKGROUND, "manufacturing|gpu-boavizta-h100-sxm")
    assert made["amount"] == pytest.approx(1 / LIFETIME_HOURS, rel=1e-12)
    assert unit["gpu"]["amount"] * made["amount"] == pytest.approx(583.94, abs=0.01)
    assert gpu["electricity"]["amount"] == pytest.approx(0.7, rel=1e-12)
    assert gpu["electricity"]["stage"] == "use"
    assert exchanges(training, "server-share")["cpu"]["amount"] == pytest.approx(1 / 8)
    assert exchanges(training, "cpu")["cpu-package"]["amount"] == pytest.approx(2 / LIFETIME_HOURS)
    electricity = exchanges(training, "electricity")
    assert electricity["USA"]["amount"] == pytest.approx(1.2)
    assert electricity["water"]["amount"] == pytest.approx(1.8e-3)
    assert list(training.part_processes) == ["gpu", "cpu", "ram", "ssd", "chassis"]
    assert training.electricity == training.part_processes["gpu"][:1] + ("training|electricity",)


def _carried(foreground: Foreground, path: list[str]) -> list[float]:
    """What one functional unit takes of each manufacturing dataset at the end of a path of its
    activities, the product of the amounts along it (unit -> gpu -> GPU datasets)."""
    amount = 1.0
    for here, there in zip(path, path[1:]):
        amount *= exchanges(foreground, here)[there]["amount"]
    activity = foreground.activities[foreground.part_processes[path[-1]]]
    return [amount * e["amount"] for e in activity["exchanges"][1:]
            if e.get("stage") == "manufacturing"]


@pytest.mark.parametrize("path", STUDIES, ids=lambda p: p.stem)
def test_every_example_carries_the_rules_shares(path: Path) -> None:
    """For every unit of every shipped example, the GPU and chassis manufacturing the foreground
    carries is the rules' own figure: embodied.gpu_share (resp. embodied.server_share) x the
    unit's quantity x each profile amount per GPU (per server), in its dataset's unit. Before the
    template these rules were read only by tests; now the foreground's amounts are the same
    rules, and this holds whatever the allocation, workload or profile of the example."""
    prepared = prepare(path)
    datasets, profiles = data.load_manufacturing()
    checked = 0
    for (unit, evaluator), foreground in zip(prepared.pairs, prepared.foregrounds, strict=True):
        for part, rule, route in (("gpu", "embodied.gpu_share", ["", "gpu"]),
                                  ("chassis", "embodied.server_share",
                                   ["", "server-share", "chassis"])):
            if part not in foreground.part_processes:
                continue
            share = evaluator.value(rule).to("").magnitude * unit.quantity.amount
            items = profiles[part].choices[str(evaluator.value(profiles[part].rule))]
            expected = [share * Interpreter(evaluator.value).eval(item.amount)
                        .to(data.BW_UNITS[datasets[item.dataset].unit]).magnitude
                        for item in items]
            assert _carried(foreground, route) == pytest.approx(expected, rel=1e-9), (unit.name,
                                                                                     part)
            checked += 1
    assert checked >= len(prepared.pairs)  # every unit has GPUs


def test_explain_traces_a_foreground_amount(capsys: pytest.CaptureFixture[str]) -> None:
    """The GPU process's manufacturing amount names its rule; `explain` takes it down to the
    lifetime and the allocation, with their sources: 1 / (5 x 8,766 h) = 2.2815e-5 per hour."""
    (training, _) = prepare(EXAMPLE).foregrounds
    (made,) = [e for e in exchanges(training, "gpu").values() if e.get("stage") == "manufacturing"]
    assert made["rule"] == "(1) x embodied.gpu_share_per_hour"
    assert main(["explain", str(EXAMPLE), "embodied.gpu_share_per_hour", "--unit", "training"]) == 0
    out = capsys.readouterr().out
    assert "embodied.gpu_share_per_hour = 2.28154e-05 1/h" in out
    assert "formula: embodied.share_per_hour * allocation.gpu_share" in out
    assert "hardware.active_lifetime = 43,830 h" in out and "hardware.lifetime = 5 a" in out
    assert "allocation.gpu_share = 1 " in out and "llama-3.1-405b.yaml:22, key 'allocation'" in out
    assert out.count("source: ") >= 6  # every rule on the way shows its sources


@pytest.fixture()
def shipped(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[dict[str, Path]]:
    """Copies of the template and of inventories/manufacturing.yaml that a test may break; the
    caches of the shipped ones are emptied before and after, so other tests read the real ones."""
    copies = {"template": tmp_path / "foreground.yaml",
              "manufacturing": tmp_path / "manufacturing.yaml"}
    copies["template"].write_text(template.template_path().read_text())
    copies["manufacturing"].write_text(data.manufacturing_path().read_text())
    monkeypatch.setattr(template, "template_path", lambda: copies["template"])
    monkeypatch.setattr(data, "manufacturing_path", lambda: copies["manufacturing"])

    def forget() -> None:
        template.load_template.cache_clear()
        template._CHECKED.clear()
        data.load_manufacturing.cache_clear()
        situation._shipped_model.cache_clear()

    forget()
    yield copies
    forget()


def _break(path: Path, old: str, new: str) -> int:
    """Replace the first `old` by `new` in a file; the line it is on."""
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    return text[:text.index(old)].count("\n") + 1


def _exit_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> str:
    """`assess --out` of the example: status 2, and nothing written."""
    out = tmp_path / "out"
    assert main(["assess", str(EXAMPLE), "--out", str(out), "--quiet"]) == 2
    assert not out.exists()
    return capsys.readouterr().err


@pytest.mark.parametrize(("old", "new", "message"), [
    ("{to: gpu, amount: gpu.hours_charged}", "{to: gpu, amount: gpu.hours_charge}",
     "unknown rule 'gpu.hours_charge' (did you mean gpu.hours_charged"),
    ("{to: electricity, amount: gpu.power_charged, stage: use}",
     "{to: electricity, amount: gpu.hours_charged, stage: use}",
     "the amount (kilowatt hour per hour) gives [time] (h) but the exchange's unit is kWh/h"),
    ("{to: grid, amount: datacenter.electricity_per_it}",
     "{to: grd, amount: datacenter.electricity_per_it}",
     "'grd' is no activity of the template (did you mean grid?)"),
    ("when: device.kind != 'none'", "when: device.kind != 'nothing'", "'nothing'"),
    ("{profile: gpu, amount: embodied.gpu_share_per_hour, stage: manufacturing}",
     "{profile: gpu, amount: embodied.gpu_share, stage: manufacturing}",
     "the amount (unit per hour) gives dimensionless (1) but the exchange's unit is 1/h"),
])
def test_a_bad_template_exits_2(shipped: dict[str, Path], capsys: pytest.CaptureFixture[str],
                                tmp_path: Path, old: str, new: str, message: str) -> None:
    line = _break(shipped["template"], old, new)
    err = _exit_2(capsys, tmp_path)
    assert f"model/foreground.yaml:{line}" in err and message in err


@pytest.mark.parametrize(("old", "new", "message"), [
    # A choice of gpu.manufacturing without its profile was a KeyError (status 1).
    ("      mlca-a100: [{dataset: gpu-mlca-a100, amount: \"1\"}]\n", "",
     "key 'profiles.gpu.choices': choice 'mlca-a100' of rule gpu.manufacturing has no profile; "
     "the choices that have profiles: note-250, nvidia-pcf, boavizta-h100-sxm, ecologits-h100, "
     "unpublished, mlca-die"),
    ("amount: cpu.count * cpu.die_area", "amount: cpu.count * cpu.die_are",
     "refers to unknown rule 'cpu.die_are' (did you mean cpu.die_area"),
    ("{dataset: ram-note, amount: ram.capacity}", "{dataset: ram-note, amount: ram.power_drawn}",
     "amount 'ram.power_drawn' of ram-note: the amount gives [power] (W) but the unit of "
     "ram-note is GB"),
])
def test_a_bad_profile_exits_2(shipped: dict[str, Path], capsys: pytest.CaptureFixture[str],
                               tmp_path: Path, old: str, new: str, message: str) -> None:
    _break(shipped["manufacturing"], old, new)
    err = _exit_2(capsys, tmp_path)
    assert "inventories/manufacturing.yaml:" in err and message in err


def test_a_condition_that_splits_the_samples_is_refused(shipped: dict[str, Path]) -> None:
    """One foreground serves every Monte Carlo sample: a `when` over a sampled quantity that
    holds for MFU 0.3 and not for 0.5 cannot say whether the network exists."""
    from lca.assess import foreground_name
    from lca.inventory.datasets import foreground_datasets
    from lca.analysis.montecarlo import with_arrays

    line = _break(shipped["template"], "when: network.access != 'none'", "when: gpu.mfu < 0.4")
    prepared = prepare(EXAMPLE)
    pairs = with_arrays(prepared, [{"gpu.mfu": np.array([0.3, 0.5])}] * len(prepared.pairs))
    with pytest.raises(InputError, match="holds for some samples and not others") as caught:
        foreground_datasets(foreground_name(prepared.study.title), pairs, prepared.locations,
                            prepared.background)
    assert caught.value.where.line == line
