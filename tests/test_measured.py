"""Measured energy as a route: `workload: measured` with kWh or a CodeCarbon emissions.csv."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import pytest

from lca.cli import main
from lca.core.errors import Where
from lca.study.measured import read_codecarbon

# CodeCarbon 2.x's header (as in the emissions.csv files published with models on Hugging Face,
# e.g. nicholasKluge/Aux-RewardModelPT, codecarbon 2.4.2).
HEADER = ("timestamp,project_name,run_id,duration,emissions,emissions_rate,cpu_power,gpu_power,"
          "ram_power,cpu_energy,gpu_energy,ram_energy,energy_consumed,country_name,"
          "country_iso_code,region,cloud_provider,cloud_region,os,python_version,"
          "codecarbon_version,cpu_count,cpu_model,gpu_count,gpu_model,longitude,latitude,"
          "ram_total_size,tracking_mode,on_cloud,pue")
# Two runs of one job on a DGX H100 in France: 1 h and 0.5 h; 10.5 and 4.5 kWh (cpu + gpu + ram).
ROWS = [
    "2025-01-01T10:00:00,ft,a,3600,0.3,8e-05,350,5000,400,1.0,9.0,0.5,10.5,France,FRA,"
    "ile-de-france,,,Linux,3.11,2.4.2,224,Xeon,8,8 x H100,2.3,48.8,2048,machine,N,1.0",
    "2025-01-01T11:00:00,ft,b,1800,0.1,6e-05,350,5000,400,0.5,3.75,0.25,4.5,France,FRA,"
    "ile-de-france,,,Linux,3.11,2.4.2,224,Xeon,8,8 x H100,2.3,48.8,2048,machine,N,1.0",
]

STUDY = """\
study: {title}
hardware: dgx-h100
{head}
functional_units:
  - name: run
    workload: {workload}
{extra}
"""


def write(tmp_path: Path, title: str, workload: str, extra: str, rows: list[str] = ROWS,
          header: str = HEADER, head: str = "") -> Path:
    (tmp_path / "runs").mkdir(exist_ok=True)
    (tmp_path / "runs" / "emissions.csv").write_text("\n".join([header, *rows]) + "\n",
                                                     encoding="utf-8")
    path = tmp_path / f"{title}.yaml"
    path.write_text(STUDY.format(title=title, workload=workload, extra=extra, head=head), encoding="utf-8")
    return path


# Brightway's scores carry single-precision matrix entries: 1e-6 relative for them.
def assess(path: Path, *options: str) -> dict:
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        assert main(["assess", str(path), "--json", "--project", "test-measured", *options]) == 0
    return json.loads(printed.getvalue())


def impacts(doc: dict) -> dict:
    return doc["functional_units"][0]["impacts"]["gwp"]


def read(doc: dict, rule: str) -> float:
    return next(i["value"] for i in doc["functional_units"][0]["inputs"] if i["rule"] == rule)


def test_codecarbon_file_charges_measurement_and_hardware_time(tmp_path: Path) -> None:
    measured = assess(write(tmp_path, "measured", "measured",
                            "    codecarbon: runs/emissions.csv\n    inputs: {gpu.count: 8}"))
    unit = measured["functional_units"][0]
    # 3,600 + 1,800 s = 1.5 h on 8 GPUs = 12 GPU-h; 10.5 + 4.5 = 15 kWh at the IT equipment,
    # x PUE 1.2 (the default) = 18 kWh at the meter; the location is CodeCarbon's FRA.
    assert unit["quantities"]["gpu_hours"] == pytest.approx(12, rel=1e-12)
    assert unit["quantities"]["energy_kwh"] == pytest.approx(18, rel=1e-12)
    assert measured["location"]["code"] == "FRA"
    grid = read(measured, "electricity.gwp")
    assert impacts(measured)["by_stage"]["use"] == pytest.approx(18 * grid, rel=1e-6)
    # Manufacturing and the server share follow the 12 GPU-hours: the same as a known-GPU-time
    # study of 8 GPUs for 1.5 h (which draws 12 x (0.700 + 1.53968 / 8) kW x 1.2 instead).
    known = assess(write(tmp_path, "known", "gpu_hours",
                         "    inputs: {gpu.count: 8, job.duration: 1.5 h}", head="location: FRA"))
    assert impacts(measured)["by_stage"]["manufacturing"] == pytest.approx(
        impacts(known)["by_stage"]["manufacturing"], rel=1e-6)
    assert known["functional_units"][0]["quantities"]["energy_kwh"] == pytest.approx(
        12 * (0.700 + 1.53968 / 8) * 1.2, rel=1e-9)


def test_facility_reading_is_not_multiplied_by_the_pue(tmp_path: Path) -> None:
    doc = assess(write(tmp_path, "facility", "measured",
                       "    inputs: {gpu.count: 8, job.duration: 2 h, energy.measured: 914 kWh,\n"
                       "             energy.measured_at: facility, datacenter.pue: 1.25}",
                       head="location: FRA"))
    unit = doc["functional_units"][0]
    # A bill of 914 kWh at the meter stays 914 kWh; its IT share is 914 / 1.25 = 731.2 kWh,
    # whose on-site water is 731.2 kWh x 1.8 L/kWh (the default WUE) = 1.31616 m3.
    assert unit["quantities"]["energy_kwh"] == pytest.approx(914, rel=1e-12)
    assert unit["quantities"]["it_energy_kwh"] == pytest.approx(731.2, rel=1e-12)
    assert unit["quantities"]["water_on_site_m3"] == pytest.approx(1.31616, rel=1e-9)
    assert impacts(doc)["by_stage"]["use"] == pytest.approx(914 * read(doc, "electricity.gwp"),
                                                            rel=1e-6)


@pytest.mark.parametrize(("header", "row", "line", "column", "text"), [
    (HEADER.replace("energy_consumed", "energy"), ROWS[0], 1, "energy_consumed", "no column"),
    (HEADER, ROWS[1].replace(",FRA,", ",DEU,"), 3, "country_iso_code", "different countries"),
    (HEADER, ROWS[1].replace(",4.5,France", ",4,5,France"), 3, "pue", "not a number"),  # shifted
    (HEADER, ROWS[1].replace(",N,1.0", ",N,0.9"), 3, "pue", "a PUE is 1 or more"),
    (HEADER, ROWS[1].replace(",1800,", ",half an hour,"), 3, "duration", "not a number"),
    (HEADER, ROWS[1].replace(",4.5,France", ",-4.5,France"), 3, "energy_consumed", "0 or more"),
])
def test_malformed_codecarbon_file_exits_2_naming_file_row_column(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], header: str, row: str, line: int,
        column: str, text: str) -> None:
    path = write(tmp_path, "bad", "measured",
                 "    codecarbon: runs/emissions.csv\n    inputs: {gpu.count: 8}",
                 rows=[ROWS[0], row], header=header)
    assert main(["assess", str(path), "--project", "test-measured-bad"]) == 2
    err = capsys.readouterr().err
    assert f"{tmp_path / 'runs' / 'emissions.csv'}:{line}" in err
    assert f"key '{column}'" in err and text in err


def test_codecarbon_needs_the_measured_workload(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "wrong", "gpu_hours",
                 "    codecarbon: runs/emissions.csv\n    inputs: {gpu.count: 8}")
    assert main(["assess", str(path), "--project", "test-measured-bad"]) == 2
    err = capsys.readouterr().err
    assert f"{path}:7, key 'functional_units.0.codecarbon'" in err and "workload: measured" in err


def test_codecarbon_pue_is_taken_out(tmp_path: Path) -> None:
    # CodeCarbon multiplies each reading by its `pue` (mlco2/codecarbon, emissions_tracker.py):
    # a run recorded with pue 1.2 and 4.5 kWh drew 4.5 / 1.2 = 3.75 kWh at the IT equipment.
    path = tmp_path / "emissions.csv"
    path.write_text("\n".join([HEADER, ROWS[0], ROWS[1].replace(",N,1.0", ",N,1.2")]) + "\n",
                    encoding="utf-8")
    measurement = read_codecarbon(path, str(path), Where("study.yaml"))
    assert measurement.energy_kwh == pytest.approx(10.5 + 3.75, rel=1e-12)
    assert measurement.duration_s == pytest.approx(5400, rel=1e-12)
    assert (measurement.rows, measurement.country, measurement.country_line) == (2, "FRA", 2)


def test_measurement_without_drawing_hardware_is_an_input_error(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # With every power at zero, the foreground would draw no electricity: not a silent zero.
    path = write(tmp_path, "zero", "measured",
                 "    inputs: {gpu.count: 8, job.duration: 1 h, energy.measured: 5 kWh,\n"
                 "             gpu.power: 0 W, server.power: 0 W}", head="location: FRA")
    assert main(["assess", str(path), "--project", "test-measured-bad"]) == 2
    err = capsys.readouterr().err
    assert f"{path}:6, key 'functional_units.0.workload'" in err and "are zero" in err


def test_a_published_codecarbon_file(tmp_path: Path) -> None:
    # The emissions.csv published with huggingface.co/nicholasKluge/Aux-RewardModel (commit
    # 72aa516, codecarbon 2.4.2, one A100-SXM4-40GB in Singapore), its header and one row.
    row = ("2024-05-27T10:49:55,codecarbon,2392f828-03ad-49cb-b6b3-9993a7a1ca3f,"
           "4251.8744423389435,0.22799894330652132,5.3623159949450384e-05,42.5,"
           "163.0812527545463,31.303894042968754,0.05019565398444728,0.379311540115656,"
           "0.03696294718478423,0.46647014128488834,Singapore,SGP,,,,"
           "Linux-6.1.85+-x86_64-with-glibc2.35,3.10.12,2.4.2,12,Intel(R) Xeon(R) CPU @ 2.20GHz,"
           "1,1 x NVIDIA A100-SXM4-40GB,103.8503,1.2868,83.47705078125,machine,N,1.0")
    path = tmp_path / "emissions.csv"
    path.write_text(f"{HEADER}\n{row}\n", encoding="utf-8")
    measurement = read_codecarbon(path, str(path), Where("study.yaml"))
    # energy_consumed is CodeCarbon's sum of its CPU, GPU and RAM energies:
    # 0.0501957 + 0.3793115 + 0.0369629 = 0.4664701 kWh; 4,251.87 s = 1.1810762 h on one GPU.
    assert measurement.energy_kwh == pytest.approx(
        0.05019565398444728 + 0.379311540115656 + 0.03696294718478423, rel=1e-12)
    assert measurement.duration_s / 3600 == pytest.approx(1.1810762, rel=1e-7)
    assert measurement.country == "SGP"
