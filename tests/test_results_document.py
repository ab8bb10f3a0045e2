"""The typed results (lca.results.document: `UnitResult`, `Results` and their sections) and their one
writer, `to_json`: the sums of a unit's impact by hand, the optional parts written only when
present, and the typed path giving the same document as the one `assess` prints."""

from __future__ import annotations

import pytest

from lca.analysis.compare import allocation_results
from lca.assess import assess
from lca.inventory.datasets import PARTS
from lca.results.document import LocationEntry, Stated, impact
from lca.results.writer import to_json
from lca.scoring.engine import STAGES
from tests.conftest import ROOT, pipeline

EXAMPLE = ROOT / "examples" / "llama-3.1-405b.yaml"


def test_an_impact_sums_its_cells() -> None:
    """gpu 1 (manufacturing) + 2 (use), cpu 3 (use), every other cell 0: by stage 1 and 5, by
    component gpu 3 and cpu 3 (hand arithmetic); no `includes` when there is no share."""
    parts = {(p, s): 0.0 for p in PARTS for s in STAGES}
    parts |= {("gpu", "manufacturing"): 1.0, ("gpu", "use"): 2.0, ("cpu", "use"): 3.0}
    out = impact(6.0, parts, {})
    assert out.by_stage == {"manufacturing": 1.0, "use": 5.0}
    assert out.by_component["gpu"] == 3.0 and out.by_component["cpu"] == 3.0
    assert sum(out.by_component.values()) == out.total
    assert out.by_stage_and_component["use"]["cpu"] == 3.0
    assert "includes" not in out.to_json()
    assert impact(6.0, parts, {"training": 0.5}).to_json()["includes"] == {"training": 0.5}


def test_the_writer_writes_sections_in_field_order() -> None:
    """A section is a mapping of its fields in their order, nested sections and lists of them
    written the same way; a tuple is a JSON list."""
    assert to_json({"a": [LocationEntry("FR", "France")], "b": (Stated(4.0, "images"),)}) == {
        "a": [{"code": "FR", "name": "France"}], "b": [{"amount": 4.0, "of": "images"}]}


@pytest.fixture(scope="module")
def typed():
    return pipeline("test-results-document").assess(EXAMPLE)


def test_the_writer_gives_the_contracts_order(typed) -> None:
    """The keys in the order of contract.md, the optional sections left out when absent."""
    doc = typed.to_json()
    assert list(doc) == ["study", "allocation", "location", "indicators", "quantities",
                         "functional_units", "brightway", "unused_inputs", "plausibility",
                         "goal_and_scope", "data_quality", "references"]
    assert list(doc["functional_units"][0]) == [
        "name", "workload", "quantities", "impacts", "missing", "location", "market_based",
        "hardware", "inputs", "inventory"]
    assert doc == assess(EXAMPLE, project="test-results-document")


def test_a_stated_quantity_adds_the_per_item_figures(typed) -> None:
    """A unit that states no quantity writes no `quantity` nor `per_item`; one that states 4
    images (the service example's visit) gives each image a quarter of the total."""
    assert typed.functional_units[1].quantity is None
    assert "per_item" not in typed.functional_units[1].to_json()
    service = pipeline("test-results-document").assess(
        ROOT / "examples" / "stable-diffusion-service.yaml")
    visit = next(u for u in service.functional_units if u.name == "one visit (4 images)")
    assert visit.quantity == Stated(4.0, "images")
    for ind, total in visit.per_item.impacts.items():
        assert total == pytest.approx(visit.impacts[ind].total / 4, rel=1e-12)
    assert visit.per_item.quantities["server_share"] is None  # a ratio, not per item
    assert list(visit.to_json())[5:7] == ["quantity", "per_item"]


def test_allocation_results_add_their_section(typed) -> None:
    """The study's own allocation is last and carries the comparison: its gwp value is the
    study's own result, and each row gives the server share of each rule."""
    both = allocation_results(pipeline("test-results-document"), EXAMPLE).results
    doc = both.to_json()
    assert list(doc)[-1] == "allocation_comparison"
    row = doc["allocation_comparison"]["rows"][0]
    assert row["values"][doc["allocation"]] == pytest.approx(
        typed.functional_units[0].impacts["gwp"].total, rel=1e-9)
    # gpu-count: one GPU of an 8-GPU server carries 1/8 of the server (the example's dgx-h100).
    assert row["server_share"]["gpu-count"] == pytest.approx(0.125)
