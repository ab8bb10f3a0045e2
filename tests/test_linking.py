"""Your own background (`background:` in a study): the foreground linked to a practitioner's
database, scored with a method of their project, next to the tool's four indicators.

The practitioner's project is scripts/synthetic_background.py's, written by the tests: a small
"ecoinvent-like" database over real biosphere3 elementary flows (UUIDs and names from bw2io's copy
of the ecoinvent 3.9 elementary-flow list; no licensed data) and EF 3.1 climate change for its two
greenhouse gases (IPCC AR6 WG1, Forster et al. 2021, Chapter 7, Table 7.15: fossil CO2 1, fossil
CH4 29.8; checked against bw2io's copy of the EF v3.1 factors below). The mapping is
examples/background/mapping.yaml. The expected scores are hand arithmetic
over these figures. Runs under either Brightway line.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import json
import zipfile
from pathlib import Path

import pytest
import yaml

from lca.brightway import project as bw
from lca.cli import main
from lca.data.opendata import load_manufacturing
from scripts.synthetic_background import (BIOSPHERE3, CH4_GWP100, COMPONENT, DATABASE, GWP100,
                                          US_GRID, WATER_USE, write_project)
from tests.conftest import ROOT

PROJECT = "test-linking-practitioner"
MAPPING = ROOT / "examples" / "background" / "mapping.yaml"

# Per kWh of the synthetic US grid: 0.4 kg CO2 + 0.001 kg CH4 x 29.8 = 0.4298 kg CO2-eq; 2 L water.
GRID_GWP = US_GRID["co2"] + US_GRID["ch4"] * CH4_GWP100
GRID_WATER = US_GRID["water"]
# Per electronics component: 1 kg CO2 + 0.01 x 29.8 + 0.5 kWh x 0.4298 = 1.5129 kg CO2-eq;
# 0.5 kWh x 2 L = 1 L water.
COMPONENT_GWP = (COMPONENT["co2"] + COMPONENT["ch4"] * CH4_GWP100
                 + COMPONENT["us_grid_kwh"] * GRID_GWP)
COMPONENT_WATER = COMPONENT["us_grid_kwh"] * GRID_WATER


def test_constants_are_the_hand_arithmetic() -> None:
    assert GRID_GWP == pytest.approx(0.4298, rel=1e-12)
    assert COMPONENT_GWP == pytest.approx(1.5129, rel=1e-12)


def test_the_method_has_ef_3_1s_factors() -> None:
    """The synthetic method's two factors are those of EF v3.1 climate change for the same flows
    in the ecoinvent 3.9 LCIA implementation that bw2io ships (read from its file)."""
    path = Path(importlib.util.find_spec("bw2io").origin).parent / "data/lcia/lcia_39_ecoinvent.zip"
    methods = json.loads(zipfile.ZipFile(path).read("data.json"))
    ef = next(m for m in methods
              if m["name"] == ["EF v3.1", "climate change", "global warming potential (GWP100)"])
    factors = {cf["name"]: cf["amount"] for cf in ef["exchanges"]
               if list(cf["categories"]) == ["air"]}
    assert factors["Carbon dioxide, fossil"] == 1
    assert factors["Methane, fossil"] == CH4_GWP100


def test_example_mapping_counts_one_component_per_kg_co2_eq() -> None:
    """The premise of the hand arithmetic: each manufacturing dataset is mapped to as many
    components as its own GWP figure (inventories/manufacturing.yaml)."""
    datasets, _ = load_manufacturing()
    mapping = yaml.safe_load(MAPPING.read_text(encoding="utf-8"))["manufacturing"]
    for ds_id, entry in mapping.items():
        assert entry["amount"] == pytest.approx(datasets[ds_id].impacts["gwp"].value, rel=1e-12)


def practitioner_state() -> dict:
    """What must not change: the data and metadata of each of the practitioner's databases and
    methods (bw2data's `modified` stamp changes on any write)."""
    import bw2data

    bw.make_current(PROJECT)
    state = {db: (bw.fingerprint(bw2data.Database(db).load()), dict(bw2data.databases[db]))
             for db in (BIOSPHERE3, DATABASE)}
    for name in (GWP100, WATER_USE):
        state[name] = (sorted(map(str, bw2data.Method(name).load())), dict(bw2data.methods[name]))
    return state


def write_mapping(folder: Path, electricity: dict | None = None) -> Path:
    """examples/background/mapping.yaml next to the study, its grid entry replaced if given."""
    mapping = yaml.safe_load(MAPPING.read_text(encoding="utf-8"))
    if electricity is not None:
        mapping["electricity"]["USA"] = electricity
    path = folder / "my-background.yaml"
    path.write_text(yaml.safe_dump(mapping, sort_keys=False), encoding="utf-8")
    return path


def write_study(folder: Path, project: str = PROJECT, database: str = DATABASE,
                methods: tuple = (GWP100, WATER_USE)) -> Path:
    text = (ROOT / "examples" / "llama-3.1-405b.yaml").read_text(encoding="utf-8")
    block = yaml.safe_dump({"background": {"project": project, "database": database,
                                           "mapping": "my-background.yaml",
                                           "methods": [list(m) for m in methods]}})
    path = folder / "study.yaml"
    path.write_text(text + block, encoding="utf-8")
    return path


def run(*argv: object) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main([str(a) for a in argv])
    return status, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def linked(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, dict, dict, Path]:
    """The example with the practitioner's background: the document, and the practitioner's
    state before and after."""
    write_project(PROJECT)
    before = practitioner_state()
    folder = tmp_path_factory.mktemp("linked")
    write_mapping(folder)
    status, out, err = run("assess", write_study(folder), "--json", "--project",
                           "test-linking-tool")
    assert status == 0, err
    return json.loads(out), before, practitioner_state(), folder


def test_the_linked_document_fits_the_schema(linked: tuple) -> None:
    from tests.test_schema import assert_valid  # jsonschema: only this test needs it

    assert_valid(linked[0], "results")


def test_linked_scores_are_the_hand_arithmetic(linked: tuple) -> None:
    doc = linked[0]
    block = doc["background"]
    assert block["linked_database"] == "genai-lca linked: " + doc["study"]
    assert [m["name"] for m in block["methods"]] == [list(GWP100), list(WATER_USE)]
    for own, unit in zip(doc["functional_units"], block["functional_units"], strict=True):
        gwp, water = unit["impacts"]
        kwh = own["quantities"]["energy_kwh"]  # the tool's kWh at the meter = grid kWh
        # The tool's manufacturing GWP (kg CO2-eq) is the number of components mapped.
        components = own["impacts"]["gwp"]["by_stage"]["manufacturing"]
        # bw2data 3 stores amounts in float32: 1e-5.
        assert gwp["by_stage"]["use"] == pytest.approx(kwh * GRID_GWP, rel=1e-5)
        assert gwp["by_stage"]["manufacturing"] == pytest.approx(components * COMPONENT_GWP,
                                                                 rel=1e-5)
        assert gwp["total"] == pytest.approx(kwh * GRID_GWP + components * COMPONENT_GWP, rel=1e-5)
        # Water: the grid's 2 L/kWh, the components' 1 L each, and the on-site cooling water
        # mapped to the same flow.
        on_site = own["quantities"]["water_on_site_m3"]
        assert water["total"] == pytest.approx(
            kwh * GRID_WATER + components * COMPONENT_WATER + on_site, rel=1e-5)
        assert unit["not_linked"] == []
    # The tool's own results are unchanged by the link (GPU manufacturing, Boavizta H100: 575 kg
    # per GPU, inventories/manufacturing.yaml, is still in its own GWP).
    assert "gwp" in doc["functional_units"][0]["impacts"]


def test_the_tools_own_results_are_unchanged(linked: tuple, tmp_path: Path) -> None:
    status, out, err = run("assess", ROOT / "examples" / "llama-3.1-405b.yaml", "--json",
                           "--project", "test-linking-plain")
    assert status == 0, err
    plain = json.loads(out)
    for a, b in zip(plain["functional_units"], linked[0]["functional_units"], strict=True):
        for ind in a["impacts"]:
            assert a["impacts"][ind]["total"] == pytest.approx(b["impacts"][ind]["total"],
                                                               rel=1e-9)


def test_the_practitioners_databases_and_methods_are_untouched(linked: tuple) -> None:
    _, before, after, _ = linked
    assert before == after
    import bw2data

    bw.make_current(PROJECT)
    mark = bw2data.databases["genai-lca linked: " + linked[0]["study"]][bw.MARK]
    assert mark["role"] == "linked foreground"


def test_table_shows_the_linked_block(linked: tuple) -> None:
    status, out, err = run("assess", linked[3] / "study.yaml", "--project", "test-linking-tool")
    assert status == 0, err
    assert f"== linked background: database '{DATABASE}' of project '{PROJECT}'" in out
    assert "EF v3.1 (two flows) |" in out and "kg CO2-Eq" in out  # the method, wrapped to fit


def test_missing_activity_is_named_with_near_names(linked: tuple, tmp_path: Path) -> None:
    before = practitioner_state()
    write_mapping(tmp_path, {"name": "market for electricity, medium voltag", "location": "US"})
    status, out, err = run("assess", write_study(tmp_path), "--project", "test-linking-bad")
    assert status == 2
    # The file, the line (2: `USA:` under `electricity:`), the key, the name and the near name.
    assert f"{tmp_path / 'my-background.yaml'}:2, key 'electricity.USA'" in err
    assert "no activity with name 'market for electricity, medium voltag'" in err
    assert "did you mean market for electricity, medium voltage" in err
    assert out == ""
    _nothing_written("test-linking-bad", before)


def test_ambiguous_name_is_refused(linked: tuple, tmp_path: Path) -> None:
    write_mapping(tmp_path, {"name": "market for electricity, medium voltage"})
    status, _, err = run("assess", write_study(tmp_path), "--project", "test-linking-bad")
    assert status == 2
    assert "2 activities of 'synthetic ecoinvent-like' have name" in err


@pytest.mark.parametrize("change, expected", [
    ({"methods": (("EF v3.1 (two flows)", "climate change", "GWP100"),)},
     "no method ['EF v3.1 (two flows)', 'climate change', 'GWP100'] in project "
     "'test-linking-practitioner' (did you mean EF v3.1 (two flows) | climate change | global "
     "warming potential (GWP100)"),
    ({"project": "test-linking-practitionr"},
     "no Brightway project 'test-linking-practitionr' (did you mean test-linking-practitioner"),
    ({"database": "synthetic ecoinvent"},
     "no database 'synthetic ecoinvent' in project 'test-linking-practitioner' (did you mean "
     "synthetic ecoinvent-like"),
])
def test_unknown_method_project_or_database(linked: tuple, tmp_path: Path, change: dict,
                                            expected: str) -> None:
    before = practitioner_state()
    write_mapping(tmp_path)
    status, out, err = run("assess", write_study(tmp_path, **change), "--project",
                           "test-linking-bad")
    assert status == 2
    assert expected in err
    assert str(tmp_path / "study.yaml") in err  # the place: the study's `background:` block
    _nothing_written("test-linking-bad", before)


def test_study_with_its_own_factors_cannot_be_linked(tmp_path: Path) -> None:
    """BLOOM's study gives its grid factors: nothing in another database stands for them."""
    text = (ROOT / "examples" / "bloom-176b.yaml").read_text(encoding="utf-8")
    write_mapping(tmp_path)
    block = yaml.safe_dump({"background": {"project": PROJECT, "database": DATABASE,
                                           "mapping": "my-background.yaml",
                                           "methods": [list(GWP100)]}})
    (tmp_path / "study.yaml").write_text(text + block, encoding="utf-8")
    status, _, err = run("assess", tmp_path / "study.yaml", "--project", "test-linking-bad")
    assert status == 2
    assert "takes the study's own factors (electricity.adpe, electricity.gwp" in err


def _nothing_written(tool_project: str, before: dict) -> None:
    """Neither the tool's project nor anything in the practitioner's was written."""
    import bw2data

    assert tool_project not in [p.name for p in bw2data.projects]
    assert practitioner_state() == before


def test_bundle_has_the_linked_block(linked: tuple, tmp_path: Path) -> None:
    """`--out`: results.json and results.xlsx carry the linked scores, the same as printed."""
    import pandas as pd

    out = tmp_path / "out"
    status, printed, err = run("assess", linked[3] / "study.yaml", "--json", "--out", out,
                               "--project", "test-linking-tool")
    assert status == 0, err
    doc = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert doc["background"] == json.loads(printed)["background"]
    sheet = pd.read_excel(out / "results.xlsx", sheet_name="Linked results")
    unit = doc["background"]["functional_units"][1]
    row = sheet[(sheet.functional_unit == unit["name"])
                & (sheet.method == " | ".join(GWP100))].iloc[0]
    assert row["total"] == pytest.approx(unit["impacts"][0]["total"], rel=1e-12)
    # The stages add up to the total within float32 (bw2data 3 stores amounts so), as calc checks.
    assert row["use"] + row["manufacturing"] == pytest.approx(row["total"], rel=1e-6)
    mapping = pd.read_excel(out / "results.xlsx", sheet_name="Linked mapping")
    grid = mapping[mapping.mapped == "electricity.USA"].iloc[0]
    assert (grid["code"], grid["location"]) == ("grid-us", "US")


def test_a_dataset_left_out_of_the_mapping_is_named(tmp_path: Path) -> None:
    path = write_mapping(tmp_path)
    mapping = yaml.safe_load(path.read_text(encoding="utf-8"))
    del mapping["manufacturing"]["assembly"]
    path.write_text(yaml.safe_dump(mapping, sort_keys=False), encoding="utf-8")
    status, _, err = run("assess", write_study(tmp_path), "--project", "test-linking-bad")
    assert status == 2
    # The section's line in the mapping as written (electricity's entry takes lines 1-5).
    assert f"{path}:6, key 'manufacturing': no entry for manufacturing.assembly ('Server " \
           f"assembly', unit), which the study uses" in err


def test_units_that_differ_need_an_amount(linked: tuple, tmp_path: Path) -> None:
    path = write_mapping(tmp_path)
    mapping = yaml.safe_load(path.read_text(encoding="utf-8"))
    mapping["manufacturing"]["memory-die"] = {"code": "electronics"}
    path.write_text(yaml.safe_dump(mapping, sort_keys=False), encoding="utf-8")
    status, _, err = run("assess", write_study(tmp_path), "--project", "test-linking-bad")
    assert status == 2
    assert ("key 'manufacturing.memory-die': the tool's dataset is per square centimeter, your "
            "'electronics component production, generic' per unit: give 'amount'") in err


def test_a_database_of_the_linked_name_not_the_tools_is_refused(linked: tuple,
                                                                tmp_path: Path) -> None:
    """A database the practitioner named like the tool's linked copy is neither replaced nor
    written around: the run stops before any write."""
    import bw2data

    bw.make_current(PROJECT)
    theirs = "genai-lca linked: " + linked[0]["study"] + " (theirs)"
    bw2data.Database(theirs).register()
    study = write_study(tmp_path)
    study.write_text(study.read_text(encoding="utf-8").replace(
        "study: Llama 3.1 405B, training and inference",
        "study: Llama 3.1 405B, training and inference (theirs)"), encoding="utf-8")
    write_mapping(tmp_path)
    status, _, err = run("assess", study, "--project", "test-linking-bad")
    assert status == 2
    assert f"already has a database '{theirs}' that genai-lca did not create" in err
    assert "test-linking-bad" not in [p.name for p in bw2data.projects]


@pytest.mark.parametrize("block, expected", [
    ({"project": "p", "database": "d", "mapping": "m.yaml"},
     "key 'background': missing 'background.methods'"),
    ({"project": "p", "database": "d", "mapping": "m.yaml", "methods": ["IPCC 2021"]},
     "key 'background.methods.0': a method is a list of names (text)"),
    ({"project": "p", "database": "d", "mapping": "m.yaml", "methods": [["m"]], "projet": "p"},
     "unknown key 'projet' (did you mean project?)"),
])
def test_background_block_is_checked(tmp_path: Path, block: dict, expected: str) -> None:
    """The study's block is checked before Brightway or the mapping file is read."""
    text = (ROOT / "examples" / "llama-3.1-405b.yaml").read_text(encoding="utf-8")
    study = tmp_path / "study.yaml"
    study.write_text(text + yaml.safe_dump({"background": block}), encoding="utf-8")
    status, _, err = run("assess", study, "--project", "test-linking-bad")
    assert status == 2
    assert f"{study}:" in err and expected in err


def test_mapping_names_are_checked(tmp_path: Path) -> None:
    """A location or dataset id the tool does not have is named with the near ones."""
    path = write_mapping(tmp_path)
    mapping = yaml.safe_load(path.read_text(encoding="utf-8"))
    mapping["manufacturing"]["asembly"] = mapping["manufacturing"].pop("assembly")
    path.write_text(yaml.safe_dump(mapping, sort_keys=False), encoding="utf-8")
    status, _, err = run("assess", write_study(tmp_path), "--project", "test-linking-bad")
    assert status == 2
    assert ("key 'manufacturing.asembly': no manufacturing dataset 'asembly' in "
            "inventories/manufacturing.yaml (did you mean assembly?)") in err


def test_a_flow_must_be_an_elementary_flow(linked: tuple, tmp_path: Path) -> None:
    path = write_mapping(tmp_path)
    mapping = yaml.safe_load(path.read_text(encoding="utf-8"))
    mapping["flows"]["water"] = {"database": DATABASE, "code": "grid-us"}
    path.write_text(yaml.safe_dump(mapping, sort_keys=False), encoding="utf-8")
    status, _, err = run("assess", write_study(tmp_path), "--project", "test-linking-bad")
    assert status == 2
    # The type as the line stores it: "process", or Brightway 2.5's "processwithreferenceproduct".
    assert "key 'flows.water': 'market for electricity, medium voltage' is a process (type " in err
    assert "a flow is expected here" in err


def test_shares_of_other_units_are_linked_too(linked: tuple, tmp_path: Path) -> None:
    """Inference carrying a share of training (1e6 of 1e15 tokens): its linked score includes
    1e-9 of training's linked score, reported as such."""
    study = write_study(tmp_path)
    line = ("    inputs: {model.parameters: 405e9, inference.input_tokens: 0, "
            "inference.output_tokens: 1e6}")
    text = study.read_text(encoding="utf-8")
    assert line in text
    study.write_text(text.replace(line, line + "\n    includes: [{unit: training, share: "
                                  "inference.output_tokens / 1e15}]"), encoding="utf-8")
    write_mapping(tmp_path)
    status, out, err = run("assess", study, "--json", "--project", "test-linking-shares")
    assert status == 0, err
    training, inference = json.loads(out)["background"]["functional_units"]
    alone = linked[0]["background"]["functional_units"][1]
    for with_share, trained, own in zip(inference["impacts"], training["impacts"],
                                        alone["impacts"], strict=True):
        share = with_share["includes"]["training"]
        assert share == pytest.approx(1e-9 * trained["total"], rel=1e-5)
        assert with_share["total"] == pytest.approx(own["total"] + share, rel=1e-5)


def test_an_unmapped_flow_is_said_not_counted(linked: tuple, tmp_path: Path) -> None:
    """Without `flows: water`, the on-site cooling water is left out of the linked inventory and
    listed: the linked water score is the mapped one less the tool's on-site water."""
    path = write_mapping(tmp_path)
    mapping = yaml.safe_load(path.read_text(encoding="utf-8"))
    del mapping["flows"]
    path.write_text(yaml.safe_dump(mapping, sort_keys=False), encoding="utf-8")
    status, out, err = run("assess", write_study(tmp_path), "--json", "--project",
                           "test-linking-shares")
    assert status == 0, err
    doc = json.loads(out)
    for own, unit, mapped in zip(doc["functional_units"], doc["background"]["functional_units"],
                                 linked[0]["background"]["functional_units"], strict=True):
        assert [(g["flow"], g["rule"]) for g in unit["not_linked"]] == [
            ("water", "datacenter.water_per_it")]
        assert unit["impacts"][1]["total"] == pytest.approx(
            mapped["impacts"][1]["total"] - own["quantities"]["water_on_site_m3"], rel=1e-5)
