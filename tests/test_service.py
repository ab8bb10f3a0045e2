"""A generative-AI service: quantities on functional units, end-user devices and networks as
components, the shares of other units as their own contributor, factor tolerances."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from lca.analysis.validate import Outcome, load_cases
from lca.assess import assess, prepare
from lca.cli import main
from lca.report import tables
from lca.report.interpretation import caveats
from lca.report.text import service_lines, service_parts
from tests.conftest import ROOT
from tests.test_allocation import write
from tests.test_assessment import unit

# One GPU job per item, on the note's server parts; the served unit adds a laptop for 300 s and
# 5 MB over a fixed network per request, two requests per item, and carries training.
SERVICE = """\
study: A small service
location: FRA
hardware: dgx-h100
inputs: {server.manufacturing: note, gpu.manufacturing: note-250}
functional_units:
  - name: training
    workload: gpu_hours
    inputs: {gpu.hours: 1000 h}
  - name: one job
    workload: gpu_hours
    inputs: {gpu.hours: 0.01 h}
  - name: jobs
    workload: gpu_hours
    quantity: 1000 images
    inputs:
      gpu.hours: 0.01 h
      service.requests: 2
      device.kind: laptop
      device.time: 300 s
      network.access: fixed
      network.data: 5 MB
    includes:
      - unit: training
        share: 1 / 1e6
"""


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, dict[str, float]]:
    """The study assessed, and the French grid's factors the rules read (per kWh)."""
    path = write(tmp_path_factory.mktemp("service"), "service.yaml", SERVICE)
    grid = {i: float(prepare(path).pairs[2][1].value(f"electricity.{i}").magnitude)
            for i in ("gwp", "pe", "water", "adpe")}
    return assess(path, project="test-service"), grid


def test_a_quantity_scales_every_flow_and_keeps_the_item_alongside(service) -> None:
    doc, _ = service
    one, many = unit(doc, "one job"), unit(doc, "jobs")
    assert many["quantity"] == {"amount": 1000, "of": "images"}
    # 1,000 items of 0.01 GPU-hour each: 10 GPU-hours, and per item the one-job unit's 0.01 h.
    assert many["quantities"]["gpu_hours"] == pytest.approx(10.0)
    assert many["per_item"]["quantities"]["gpu_hours"] == pytest.approx(0.01)
    assert many["quantities"]["energy_kwh"] == pytest.approx(1000 * one["quantities"]["energy_kwh"])
    for ind in ("gwp", "pe", "adpe"):
        gpu = many["impacts"][ind]["by_component"]["gpu"]
        assert gpu == pytest.approx(1000 * one["impacts"][ind]["by_component"]["gpu"], rel=1e-6)
        assert many["per_item"]["impacts"][ind] == pytest.approx(
            many["impacts"][ind]["total"] / 1000)
    assert "quantity" not in one and "per_item" not in one  # a unit without a stated quantity
    # the workbook's sheets carry the item alongside the unit's total
    sheet = tables.results(doc).set_index(["functional_unit", "indicator"])
    assert sheet.loc[("jobs", "gwp"), "per_item"] == pytest.approx(
        many["per_item"]["impacts"]["gwp"])
    assert sheet.loc[("one job", "gwp"), "per_item"] == sheet.loc[("one job", "gwp"), "total"]
    flows = tables.reference_flows(doc).set_index(["functional_unit", "quantity"])
    assert flows.loc[("jobs", "gpu_hours"), "per_item"] == pytest.approx(0.01)
    assert flows.loc[("jobs", "gpu_hours"), "counts"] == "images"


def test_the_laptop_by_hand(service) -> None:
    doc, grid = service
    device = unit(doc, "jobs")["impacts"]["gwp"]["by_stage_and_component"]
    # 1,000 items x 2 requests x 300 s = 166.67 h of a laptop (Boavizta: 75 W, 43,800 h x 0.3 in use)
    hours = 1000 * 2 * 300 / 3600
    assert device["use"]["device"] == pytest.approx(hours * 0.075 * grid["gwp"], rel=1e-6)
    # ADEME Base Empreinte via Boavizta: 175 kg CO2e per laptop, over 13,140 hours of use
    assert device["manufacturing"]["device"] == pytest.approx(hours * 175 / 13140, rel=1e-6)
    adpe = unit(doc, "jobs")["impacts"]["adpe"]["by_stage_and_component"]["manufacturing"]
    assert adpe["device"] == pytest.approx(hours * 8.0e-3 / 13140, rel=1e-6)


def test_the_network_by_hand(service) -> None:
    doc, grid = service
    jobs = unit(doc, "jobs")
    # 1,000 x 2 x 5 MB = 10 GB at Aslan et al.'s 0.06 kWh/GB (2015) halved 2.5 times to 2020
    kwh = 10 * 0.06 * 0.5 ** 2.5
    assert jobs["quantities"]["network_kwh"] == pytest.approx(kwh, rel=1e-9)
    assert jobs["impacts"]["pe"]["by_stage_and_component"]["use"]["network"] == pytest.approx(
        kwh * grid["pe"], rel=1e-6)
    # The network equipment's manufacturing has no data: every indicator says so, none is zero.
    for ind in ("gwp", "pe", "water", "adpe"):
        assert any(m["dataset"] == "network equipment manufacturing" for m in jobs["missing"][ind])


def test_training_is_its_own_contributor(service) -> None:
    doc, _ = service
    training, jobs, one = unit(doc, "training"), unit(doc, "jobs"), unit(doc, "one job")
    for ind in ("gwp", "pe"):
        # 1,000 items x 1e-6 of the training
        carried = jobs["impacts"][ind]["by_component"]["included"]
        assert carried == pytest.approx(training["impacts"][ind]["total"] * 1e-3, rel=1e-6)
        assert carried == pytest.approx(jobs["impacts"][ind]["includes"]["training"], rel=1e-6)
        # and the GPU column is the unit's own GPU-hours only
        assert jobs["impacts"][ind]["by_component"]["gpu"] == pytest.approx(
            1000 * one["impacts"][ind]["by_component"]["gpu"], rel=1e-6)
        parts = jobs["impacts"][ind]["by_component"]
        assert sum(parts.values()) == pytest.approx(jobs["impacts"][ind]["total"], rel=1e-6)
        # the table's line by part of the service: the same four parts, adding up
        service = service_parts(jobs["impacts"][ind])
        assert service["training and other shares"] == carried
        assert sum(service.values()) == pytest.approx(jobs["impacts"][ind]["total"], rel=1e-6)
    assert any(line.startswith("  Climate change, GWP100: data centre ") for line in
               service_lines(jobs, doc["indicators"]))
    assert service_lines(one, doc["indicators"]) == []  # the data centre alone: no such line


def test_the_boundary_names_each_part(service) -> None:
    doc, _ = service
    units = {u["name"]: u for u in doc["goal_and_scope"]["functional_units"]}
    jobs, one = units["jobs"], units["one job"]
    assert jobs["quantity"] == "1,000 images"
    assert any(line.startswith("end-user device: laptop, 300 s per request") for line in
               jobs["boundary"])
    assert any(line.startswith("networks: fixed access and core, 5 MB") for line in jobs["boundary"])
    assert "end-user device: outside the boundary (device.kind none)" in one["boundary"]


def test_the_report_says_what_devices_and_networks_leave_out(service) -> None:
    doc, _ = service
    concerned = {c["text"][:40]: c for c in caveats(doc) if c["kind"] == "limitation"}
    device = next(c for t, c in concerned.items() if t.startswith("The user's device is charged"))
    network = next(c for t, c in concerned.items() if t.startswith("Networks are charged"))
    for caveat in (device, network):
        assert caveat["functional_units"] == ["jobs"]  # the only unit with a device and a network


@pytest.mark.parametrize("old, new, message, where", [
    ("quantity: 1000 images", "quantity: 1000",
     "and what it counts: .1000 images., .1 year., or {amount: 1000, of: images}; got 1000",
     "a.yaml:14"),
    ("quantity: 1000 images", "quantity: many images", "is not a number", "a.yaml:14"),
    ("quantity: 1000 images", "quantity: {amount: 0, of: images}", "must be above 0", "a.yaml:14"),
    ("quantity: 1000 images", "quantity: {amount: 5, counts: images}", "unknown key 'counts'",
     "a.yaml:14"),
    ("quantity: 1000 images", "quantity: {amount: 5}", "say what it counts", "a.yaml:14"),
    # a device in the scope needs its time of use: the missing rule and the rule that needs it
    ("      device.time: 300 s\n", "", r"device.time=VALUE \(needed by device.hours\)",
     "model/service.yaml"),
    ("device.kind: laptop", "device.kind: phone", "phone", "a.yaml:18"),
])
def test_bad_service_input(tmp_path, capsys, old, new, message, where) -> None:
    path = write(tmp_path, "a.yaml", SERVICE.replace(old, new))
    code = main(["assess", str(path), "--project", "test-bad-service"])
    err = capsys.readouterr().err
    assert code == 2
    assert re.search(message, err) and where in err


def _cases(tmp_path: Path, tolerance: str) -> Path:
    study = ROOT / "examples" / "flux.1-dev.yaml"
    return write(tmp_path, "cases.yaml", f"""\
cases:
  - case: factor
    study: {study}
    source: berthelot2024
    tolerance: {tolerance}
    figures:
      - {{figure: energy, functional_unit: one image, read: {{rule: energy.gpu}}, published: 1 kJ}}
""")


def test_a_factor_tolerance(tmp_path) -> None:
    (figure,) = load_cases(_cases(tmp_path, "factor 2"))
    assert figure.by_factor and figure.tolerance == 2 and figure.tolerance_text() == "factor 2"
    # within half and twice the published 1,000 J, either side
    assert Outcome(figure, 1.999).passed and Outcome(figure, 0.501).passed  # in kJ, as published
    assert not Outcome(figure, 2.001).passed and not Outcome(figure, 0.499).passed


def test_a_factor_below_one_is_refused(tmp_path, capsys) -> None:
    from lca.core.errors import InputError
    with pytest.raises(InputError, match="factor F"):
        load_cases(_cases(tmp_path, "factor 0.5"))


# A service run elsewhere than its training, on both bases: training in France, the service in
# Virginia with its users' laptops and networks, 1,000 requests. As in test_electricity: measured
# 500 W per GPU, no host power, PUE 1.0, so the kWh are plain arithmetic.
ELSEWHERE = """\
study: A service in its own location
location: FR
hardware: dgx-h100
inputs: {gpu.power: 500 W, server.power: 0 W, datacenter.pue: 1.0}
functional_units:
  - name: training
    workload: gpu_hours
    inputs:
      gpu.hours: 1000 h
      electricity.market.gwp: {value: 0.02 kg/kWh, source: "supplier contract, test"}
  - name: requests
    workload: gpu_hours
    location: US-VA
    quantity: 1000 requests
    includes: [{unit: training, share: 1 / 1e6}]
    inputs:
      gpu.hours: 0.01 h
      device.kind: laptop
      device.time: 360 s
      network.access: fixed
      network.data: 5 MB
      electricity.market.gwp: {value: 0.05 kg/kWh, source: "supplier contract, test"}
"""


def test_a_service_in_its_own_location_on_both_bases(tmp_path) -> None:
    from lca.inventory.datasets import electricity_key
    from lca.report.text import results_table as table
    from tests.test_electricity import grid

    path = write(tmp_path, "elsewhere.yaml", ELSEWHERE)
    prepared = prepare(path)
    served = prepared.foregrounds[1]
    # The users' laptops and the network draw the grid of the unit's own location (Virginia).
    for part in ("device", "network"):
        (use,) = [e for e in served.activities[served.part_processes[part]]["exchanges"]
                  if e.get("stage") == "use"]
        assert use["input"] == electricity_key("US-VA")
    doc = assess(path, project="test-service-elsewhere")
    requests = unit(doc, "requests")
    gwp, market = requests["impacts"]["gwp"], requests["market_based"]
    # 1,000 x 0.01 GPU-h x 0.5 kW = 5 kWh in Virginia; the laptop 1,000 x 360 s = 100 h x 75 W
    # (Boavizta) = 7.5 kWh on Virginia's grid.
    assert requests["quantities"]["it_energy_kwh"] == pytest.approx(5.0, rel=1e-9)
    assert gwp["by_stage_and_component"]["use"]["device"] == pytest.approx(
        7.5 * grid("US-VA"), rel=1e-6)
    # Market-based: the data centre's 5 kWh at 0.05 instead of Virginia's factor, the training's
    # share (500 kWh x 1e-6 x 1,000 = 0.5 kWh) at 0.02 instead of France's; the users' devices
    # and the network stay location-based, their electricity bought under no contract of ours.
    own, carried = 5 * (0.05 - grid("US-VA")), 0.5 * (0.02 - grid("FRA"))
    assert market["total"] - gwp["total"] == pytest.approx(own + carried, rel=1e-5)
    assert market["by_component"]["included"] - gwp["by_component"]["included"] == pytest.approx(
        carried, rel=1e-5)
    for part in ("device", "network"):
        assert market["by_component"][part] == gwp["by_component"][part]
    assert sum(market["by_component"].values()) == pytest.approx(market["total"], rel=1e-6)
    assert requests["per_item"]["impacts"]["gwp"] == pytest.approx(gwp["total"] / 1000)
    assert requests["location"]["code"] == "US-VA"
    text = table(doc)
    assert "== requests (gpu_hours, 1,000 requests):" in text and "location Virginia" in text
    assert "  Climate change, GWP100, market-based: data centre " in text
