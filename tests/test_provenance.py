"""Who set each value, and where: the origins the results document, `explain`, Monte Carlo and the
unused-inputs check read from the typed provenance (lca/core/provenance.py).

Expected places are the lines of the shipped files that hold the values, found by their text
here, so that a test fails if a value is attributed to the wrong file, line or key.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from lca.analysis.montecarlo import uncertain_rules
from lca.analysis.validate import cases_file, load_cases
from lca.assess import Prepared, _add_provenance, prepare, unused_inputs
from lca.core.provenance import Origin
from lca.core.rules.explain import explain
from lca.data.opendata import load_indicators
from lca.results.document import Results, UnitResult
from lca.report.explanation import render
from lca.study.situation import Setting, parse_set
from tests.conftest import ROOT

FLAGSHIP = "examples/llama-3.1-405b.yaml"


def line_of(path: Path, text: str, after: str = "") -> int:
    """The 1-based number of the first line holding `text` (below the first holding `after`)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if after in line)
    return next(i for i, line in enumerate(lines) if i >= start and text in line) + 1


def inputs(prepared: Prepared) -> list[dict[str, dict[str, Any]]]:
    """Each unit's inputs table of the results document, by rule (no Brightway needed)."""
    units = [UnitResult(name=unit.name, workload="", quantities={}, impacts={}, missing={})
             for unit, _ in prepared.pairs]
    doc = Results(study="", allocation="", location=None, indicators={}, quantities={},
                  functional_units=units, brightway=None)  # the results, their scores left empty
    _add_provenance(doc, prepared, load_indicators())
    return [{row["rule"]: row for row in unit.inputs} for unit in doc.functional_units]


def study_with(tmp_path: Path, extra: str) -> Path:
    """The flagship study with lines added after its `hardware:`."""
    text = (ROOT / FLAGSHIP).read_text(encoding="utf-8")
    path = tmp_path / "study.yaml"
    path.write_text(text.replace("hardware: dgx-h100\n", f"hardware: dgx-h100\n{extra}"),
                    encoding="utf-8")
    return path


def test_flagship_inputs_name_who_set_them_and_where() -> None:
    """Functional unit, study, command line, catalog, data, default and formula, each with its
    file, line and key, in the training unit's inputs table."""
    prepared = prepare(ROOT / FLAGSHIP, [parse_set("gpu.mfu=0.35")])
    training = inputs(prepared)[0]
    study = str(ROOT / FLAGSHIP)

    def check(rule: str, origin: str, where: str) -> None:
        assert (training[rule]["origin"], training[rule]["where"]) == (origin, where), rule

    check("workload", "functional unit",
          f"{study}:{line_of(ROOT / FLAGSHIP, 'workload: training')}, "
          f"key 'functional_units.0.workload'")
    check("allocation", "study",
          f"{study}:{line_of(ROOT / FLAGSHIP, 'allocation: gpu-count')}, key 'allocation'")
    check("gpu.mfu", "command line", "--set, key 'gpu.mfu'")
    assert training["gpu.mfu"]["value"] == pytest.approx(0.35)
    gpus = ROOT / "inventories/gpus.yaml"
    check("gpu.peak_flops_bf16", "catalog",
          f"inventories/gpus.yaml:{line_of(gpus, 'gpu.peak_flops_bf16:', after='h100-sxm:')}, "
          f"key 'h100-sxm.values.gpu.peak_flops_bf16'")
    # The US grid's climate factor: Digital4Better's row of the electricity data (method.md 5).
    grid = ROOT / "inventories/electricity.csv"
    check("electricity.gwp", "data",
          f"inventories/electricity.csv:{line_of(grid, 'digital4better', after='USA,United States,gwp')}"
          f", key 'USA.gwp'")
    assert training["electricity.gwp"]["source"].startswith("d4b-data: ")  # Digital4Better
    check("datacenter.pue", "default",
          f"model/datacenter.yaml:{line_of(ROOT / 'model/datacenter.yaml', 'datacenter.pue:')}, "
          f"key 'datacenter.pue'")
    assert training["gpu.hours"]["origin"] == "computed"


def test_preset_and_study_inputs_over_it(tmp_path: Path) -> None:
    """`datacenter: aws` gives the PUE as a preset; the study's own WUE wins over the preset's."""
    path = study_with(tmp_path, "datacenter: aws\ninputs:\n  datacenter.wue: 0.3 L/kWh\n")
    training = inputs(prepare(path))[0]
    presets = ROOT / "inventories/datacenters.yaml"
    pue = training["datacenter.pue"]
    assert (pue["origin"], pue["value"]) == ("preset", pytest.approx(1.15))  # Amazon 2024 report
    assert pue["where"] == (f"inventories/datacenters.yaml:"
                            f"{line_of(presets, 'datacenter.pue:', after='aws:')}, "
                            f"key 'aws.values.datacenter.pue'")
    wue = training["datacenter.wue"]
    assert (wue["origin"], wue["value"]) == ("study", pytest.approx(0.3))
    assert wue["where"] == f"{path}:{line_of(path, 'datacenter.wue:')}, key 'inputs.datacenter.wue'"


def test_a_validation_setting_is_the_validation_case() -> None:
    """A figure's `settings` are the validation case's, with the cases file's line: they were
    reported as "data" (the file was neither the study nor an option) with "--set" as source."""
    (figure,) = [f for f in load_cases() if f.figure == "GPU energy per image, the same on one B200"]
    unit = [u.name for u, _ in prepare(figure.study).pairs].index(figure.functional_unit)
    row = inputs(prepare(figure.study, list(figure.settings)))[unit]["gpu.power"]
    line = line_of(cases_file(), "settings: {gpu.peak_flops: 2250e12 FLOP/s, gpu.power: 1000 W}")
    assert row["origin"] == "validation case"
    assert row["where"] == f"{cases_file()}:{line}, key 'gpu.power'"
    assert row["value"] == pytest.approx(1000)  # W, the B200's TDP as the case sets it
    assert "--set" not in row["source"] and "validation case" in row["source"]


def test_explain_shows_the_origin_and_the_place() -> None:
    prepared = prepare(ROOT / FLAGSHIP, [parse_set("gpu.mfu=0.35")])
    text = render(explain(prepared.pairs[0][1], "gpu.hours"))
    gpus = line_of(ROOT / "inventories/gpus.yaml", "gpu.peak_flops_bf16:", after="h100-sxm:")
    assert (f"given by catalog: inventories/gpus.yaml:{gpus}, "
            f"key 'h100-sxm.values.gpu.peak_flops_bf16'") in text
    assert "given by command line: --set, key 'gpu.mfu'" in text
    assert "given by functional unit: " in text  # the workload


def test_monte_carlo_holds_what_a_person_chose() -> None:
    """The catalog's MFU is data and is sampled; the same rule set on the command line or by a
    validation case is the practitioner's value and is held."""
    def held(settings: list[Setting]) -> bool:
        evaluator = prepare(ROOT / FLAGSHIP, settings).pairs[0][1]
        return "gpu.mfu" in uncertain_rules(evaluator).fixed

    assert not held([])
    assert held([parse_set("gpu.mfu=0.35")])
    assert held([Setting("gpu.mfu", "0.35", "cases.yaml", Origin.VALIDATION, 3)])


def test_unused_inputs_are_the_ones_a_person_gave() -> None:
    """A `--set` that no unit reads (utilisation, outside the `utilization` allocation) is
    reported; values of the catalog and the data that no unit reads are not."""
    prepared = prepare(ROOT / FLAGSHIP, [parse_set("hardware.utilization=0.5")])
    unused = {u.rule: u.where for u in unused_inputs(prepared)}
    assert unused["hardware.utilization"] == "--set, key 'hardware.utilization'"
    unread_data = {rule for _, ev in prepared.pairs for rule, given in ev.overrides.items()
                   if given.origin in (Origin.CATALOG, Origin.DATA)
                   and rule not in ev.evaluated()}
    assert unread_data  # the DGX H100 entry gives more than a unit reads (e.g. its GPU's memory)
    assert not unread_data & set(unused)


def test_a_codecarbon_file_is_measured(tmp_path: Path) -> None:
    """A unit's CodeCarbon file gives its energy and duration: origin `measured`, at the file's
    column, 10.5 + 4.5 = 15 kWh over 3,600 + 1,800 s = 1.5 h (the two runs of tests/test_measured.py)."""
    from tests.test_measured import write

    path = write(tmp_path, "measured", "measured",
                 "    codecarbon: runs/emissions.csv\n    inputs: {gpu.count: 8}")
    unit = inputs(prepare(path))[0]
    csv = str(tmp_path / "runs" / "emissions.csv")
    energy, duration = unit["energy.measured"], unit["job.duration"]
    assert (energy["origin"], energy["where"]) == ("measured", f"{csv}, key 'energy_consumed'")
    assert energy["value"] == pytest.approx(15, rel=1e-12)  # kWh
    assert (duration["origin"], duration["where"]) == ("measured", f"{csv}, key 'duration'")
    assert duration["value"] == pytest.approx(1.5, rel=1e-12)  # h, the rule's unit: 5,400 s
