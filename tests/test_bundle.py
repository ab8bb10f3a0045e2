"""`assess --out`: the bundle a practitioner takes away (results.json, .csv, .xlsx, figures,
report.html), checked against the printed document and against hand arithmetic."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pandas as pd
import pytest

from lca.cli import main
from lca.inventory.datasets import PARTS
from tests.conftest import ROOT

SHEETS = ["Goal and scope", "Inputs", "Foreground inventory", "Reference flows", "Results",
          "Contributions", "Allocation comparison", "Data quality", "References"]
# method.md section 4: 6 x 405e9 x 15e12 FLOPs / (989e12 FLOP/s x 0.40 x 3600 s/h)
TRAINING_GPU_HOURS = 6 * 405e9 * 15e12 / (989e12 * 0.40 * 3600)


def unit(doc: dict, name: str) -> dict:
    return next(u for u in doc["functional_units"] if u["name"] == name)


def test_the_bundle_has_every_file(bundle) -> None:
    names = {p.relative_to(bundle.out).as_posix() for p in bundle.out.rglob("*") if p.is_file()}
    assert names == {"results.json", "results.csv", "results.decimal-comma.csv", "results.xlsx",
                     "report.html", "foreground.xlsx", "study.bw2package",
                     "figures/contributions.png", "figures/contributions.svg",
                     "figures/allocation.png", "figures/allocation.svg"}
    assert json.loads((bundle.out / "results.json").read_text()) == bundle.doc


def test_csv_sums_back_to_the_json_totals(bundle) -> None:
    rows = pd.read_csv(bundle.out / "results.csv")
    # units x indicators x stages x components (gpu, cpu, ram, ssd, chassis, server, device,
    # network, included: every component has its row, zero where out of scope)
    assert len(rows) == 2 * 4 * 2 * len(PARTS) == 144
    sums = rows.groupby(["functional_unit", "indicator"])["value"].sum()
    for u in bundle.doc["functional_units"]:
        for indicator, impacts in u["impacts"].items():
            # Parts and total are separate Brightway solves over float32 matrices: 1e-6.
            assert sums[(u["name"], indicator)] == pytest.approx(impacts["total"], rel=1e-6)
    assert set(rows["unit"]) == {"kg CO2-eq", "MJ", "m3", "kg Sb-eq"}


def test_decimal_comma_csv_has_the_same_numbers(bundle) -> None:
    """results.decimal-comma.csv: ';' between fields, ',' before decimals, a UTF-8 BOM; read
    with those settings it is results.csv, to the last digit."""
    raw = (bundle.out / "results.decimal-comma.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    lines = raw.decode("utf-8-sig").splitlines()
    assert lines[0] == ";".join(pd.read_csv(bundle.out / "results.csv", nrows=0).columns)
    # Every number (the last two fields) has a decimal comma and no point, e.g. 335764,76...
    number = re.compile(r"-?\d+(,\d+)?(e[-+]\d+)?")
    assert all(number.fullmatch(field) for line in lines[1:] for field in line.split(";")[-2:])
    # Most non-zero values have decimals (the device, network and included columns are 0 here).
    values = [line.split(";")[-2] for line in lines[1:] if line.split(";")[-2] != "0"]
    assert sum("," in value for value in values) > len(values) / 2
    comma = pd.read_csv(bundle.out / "results.decimal-comma.csv", sep=";", decimal=",",
                        encoding="utf-8-sig")
    pd.testing.assert_frame_equal(comma, pd.read_csv(bundle.out / "results.csv"))


def test_workbook_sheets_open_with_pandas_and_are_not_empty(bundle) -> None:
    book = pd.read_excel(bundle.out / "results.xlsx", sheet_name=None)
    assert list(book) == SHEETS
    for name, frame in book.items():
        assert len(frame) > 0, name


def test_workbook_values_trace_to_rules_and_sources(bundle) -> None:
    book = pd.read_excel(bundle.out / "results.xlsx", sheet_name=None)
    results = book["Results"].set_index(["functional_unit", "indicator"])
    for u in bundle.doc["functional_units"]:
        for indicator, impacts in u["impacts"].items():
            assert results.loc[(u["name"], indicator), "total"] == pytest.approx(
                impacts["total"], rel=1e-12)

    inputs = book["Inputs"]
    mfu = inputs[(inputs.functional_unit == "training") & (inputs.rule == "gpu.mfu")].iloc[0]
    assert (mfu.value, mfu.origin) == (0.4, "catalog")  # the catalog's DGX H100, Llama 3 paper
    assert mfu.source.startswith("dubey2024-llama3: table 4") and "(2024; cited figure)" in mfu.source
    # ... and the registry entry the citation names, in the References sheet, with what used it.
    refs = book["References"]
    dubey = refs[(refs.id == "dubey2024-llama3") & refs.detail.str.startswith("table 4")].iloc[0]
    assert (dubey.title, dubey.year) == ("The Llama 3 Herd of Models", 2024)
    assert dubey.url == "https://arxiv.org/abs/2407.21783" and "gpu.mfu" in dubey.used_by
    grid = inputs[(inputs.functional_unit == "training") & (inputs.rule == "electricity.gwp")]
    assert grid.iloc[0].value == pytest.approx(0.3507, abs=1e-4)  # method.md 5: US 2024, D4B
    assert grid.iloc[0].origin == "data"

    inventory = book["Foreground inventory"]
    hours = inventory[(inventory.activity == "training") & (inventory.rule == "gpu.hours_charged")]
    assert len(hours) == 2  # the GPU process and the server share, per GPU-hour each
    assert hours.amount.tolist() == pytest.approx([TRAINING_GPU_HOURS] * 2, rel=1e-6)
    assert set(hours.unit) == {"hour"}

    quality = book["Data quality"]
    us = quality[(quality.dataset == "electricity, grid mix, United States")
                 & (quality.indicator == "gwp")].iloc[0]
    assert (us.status, str(us.year), us.licence) == ("published", "2024", "ODbL-1.0")
    missing = quality[quality.status == "missing"]
    assert set(missing.indicator) == {"water"}  # no source gives manufacturing water
    assert missing.value.isna().all()  # reported missing, never written as 0


def test_allocation_sheet_matches_separate_runs(bundle, tmp_path) -> None:
    """The comparison sheet's `power` column equals `assess --allocation power` on its own."""
    sheet = pd.read_excel(bundle.out / "results.xlsx", sheet_name="Allocation comparison")
    from lca.assess import assess
    from lca.study.situation import Setting

    alone = assess(ROOT / "examples" / "llama-3.1-405b.yaml",
                   [Setting("allocation", "power", "--allocation")], project="test-bundle-power")
    row = sheet[(sheet.functional_unit == "training") & (sheet.indicator == "gwp")].iloc[0]
    assert row["power"] == pytest.approx(unit(alone, "training")["impacts"]["gwp"]["total"],
                                         rel=1e-9)
    share = sheet[(sheet.functional_unit == "training") & (sheet.indicator == "server_share")]
    # P / (8P + host), method.md 3: host = 2 x 350 W CPUs + 0.392 W/GB x 2048 GB RAM
    # + 0.0012 W/GB x 30720 GB SSD = 1,539.68 W (the note rounds it to 1,540 W)
    host = 2 * 350 + 0.392 * 2048 + 0.0012 * 30720
    assert share.iloc[0]["power"] == pytest.approx(700 / (8 * 700 + host), rel=1e-9)


class _Refs(HTMLParser):
    """Every src and href of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.refs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.refs += [v for k, v in attrs if k in ("src", "href") and v]


def test_report_is_self_contained_and_follows_iso_14044(bundle) -> None:
    text = (bundle.out / "report.html").read_text(encoding="utf-8")
    parser = _Refs()
    parser.feed(text)
    assert parser.refs and all(r.startswith(("data:", "#")) for r in parser.refs)
    headings = re.findall(r"<h2>(.*?)</h2>", text)
    assert [h.split(". ", 1)[-1] for h in headings[:5]] == [
        "Goal of the study", "Scope of the study", "Life-cycle inventory",
        "Life-cycle impact assessment", "Interpretation"]
    assert text.count('src="data:image/svg+xml;base64,') == 2
    training = unit(bundle.doc, "training")["impacts"]["gwp"]["total"]
    assert 1.037e7 <= training < 1.0375e7 and ">10,370,000<" in text  # 4 significant figures
    assert "Sensitivity to the allocation choice" in text and "1.15&times;" in text
    # Annex C: each cited registry entry once, with its locator and what was read there.
    assert "Annex C: references" in text and text.count('id="ref-dubey2024-llama3"') == 1
    assert ("<strong>nvidia-h100-datasheet</strong>: NVIDIA (2023). <em>NVIDIA H100 Tensor Core "
            "GPU datasheet</em>." in text)
    assert "H100 SXM dense BF16/FP16 (1,979 TFLOP/s with sparsity): gpu.peak_flops_bf16" in text
    refs = [r["id"] for r in bundle.doc["references"]]
    assert refs == sorted(set(refs)) and {"d4b-note", "method", "d4b-data"} <= set(refs)


def test_out_that_is_a_file_is_refused_before_anything_runs(tmp_path, capsys) -> None:
    target = tmp_path / "taken"
    target.write_text("mine", encoding="utf-8")
    code = main(["assess", str(ROOT / "examples" / "llama-3.1-405b.yaml"), "--out", str(target),
                 "--project", "test-bundle-file"])
    assert code == 2
    assert "--out takes a folder" in capsys.readouterr().err
    assert target.read_text(encoding="utf-8") == "mine"


def test_bad_input_with_out_writes_nothing(tmp_path, capsys) -> None:
    study = tmp_path / "s.yaml"
    text = (ROOT / "examples" / "llama-3.1-405b.yaml").read_text(encoding="utf-8")
    study.write_text(text.replace("allocation: gpu-count\n",
                                  "allocation: gpu-count\ninputs:\n  gpu.mfu: 1.4\n"),
                     encoding="utf-8")
    out = tmp_path / "out"
    assert main(["assess", str(study), "--out", str(out), "--project", "test-bundle-bad"]) == 2
    assert "gpu.mfu" in capsys.readouterr().err
    assert not out.exists()
