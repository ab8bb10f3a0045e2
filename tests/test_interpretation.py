"""The interpretation phase, computed from a document: hand-made documents with hand-checked
answers, the shipped caveats against the model, and the method note's example."""

from __future__ import annotations

import copy

import pytest

from lca.assess import assess
from lca.core.rules.ruleset import RuleSet
from lca.inventory.datasets import PARTS
from lca.report import interpretation
from lca.scoring.engine import STAGES
from tests.conftest import ROOT


def _unit(name: str, cells: dict[tuple[str, str], float], inputs: list[dict] | None = None
          ) -> dict:
    grid = {s: {p: cells.get((s, p), 0.0) for p in PARTS} for s in STAGES}
    total = sum(cells.values())
    impact = {"total": total,
              "by_stage": {s: sum(grid[s].values()) for s in STAGES},
              "by_component": {p: sum(grid[s][p] for s in STAGES) for p in PARTS},
              "by_stage_and_component": grid}
    return {"name": name, "impacts": {"gwp": impact}, "missing": {"gwp": []},
            "inputs": inputs or []}


def _doc(*units: dict) -> dict:
    return {"allocation": "gpu-count", "indicators": {"gwp": {"name": "GWP", "unit": "kg"}},
            "functional_units": list(units)}


def test_significant_contributors_by_hand() -> None:
    """60 + 25 + 9 + 6 = 100: cells of 10 % or more are the first two, covering 85 %."""
    doc = _doc(_unit("a", {("use", "gpu"): 60, ("manufacturing", "gpu"): 25,
                           ("use", "cpu"): 9, ("manufacturing", "ram"): 6}))
    [row] = interpretation.significant_contributors(doc)
    assert [(c["stage"], c["component"]) for c in row["contributors"]] == [
        ("use", "gpu"), ("manufacturing", "gpu")]
    assert [c["share"] for c in row["contributors"]] == pytest.approx([0.60, 0.25])
    assert row["covered"] == pytest.approx(0.85)


def test_consistency_catches_parts_that_do_not_add_up() -> None:
    doc = _doc(_unit("a", {("use", "gpu"): 3.0, ("manufacturing", "cpu"): 1.0}))
    assert all(c["passed"] for c in interpretation.consistency(doc))
    broken = copy.deepcopy(doc)
    broken["functional_units"][0]["impacts"]["gwp"]["total"] = 4.1  # parts still add to 4
    checks = {c["check"]: c for c in interpretation.consistency(broken)}
    assert not checks["stages add up to each total"]["passed"]
    assert "2.4e-02" in checks["components add up to each total"]["detail"]  # 0.1 / 4.1


def test_inputs_that_differ_between_units() -> None:
    """A study-wide value that differs between units is flagged; a unit's own input is not."""
    def row(rule: str, value: float, origin: str) -> dict:
        return {"rule": rule, "value": value, "unit": "1", "origin": origin}

    doc = _doc(_unit("a", {("use", "gpu"): 1}, [row("gpu.mfu", 0.4, "data"),
                                                row("model.parameters", 8e9, "functional unit")]),
               _unit("b", {("use", "gpu"): 1}, [row("gpu.mfu", 0.35, "default"),
                                                row("model.parameters", 7e10, "functional unit")]))
    assert interpretation.differing_inputs(doc) == [
        {"rule": "gpu.mfu", "values": {"a": (0.4, "1"), "b": (0.35, "1")}}]
    assert not interpretation.consistency(doc)[-1]["passed"]


def test_allocation_sensitivity_by_hand() -> None:
    doc = _doc(_unit("a", {("use", "gpu"): 100}))
    doc["allocation_comparison"] = {"columns": ["gpu-count", "power"], "rows": [
        {"functional_unit": "a", "indicator": "gwp", "indicator_name": "GWP", "unit": "kg",
         "values": {"gpu-count": 100.0, "power": 80.0}, "incomplete": {}}]}
    [row] = interpretation.allocation_sensitivity(doc)
    assert (row["lowest"], row["highest"], row["ratio"]) == ("power", "gpu-count", 1.25)
    del doc["allocation_comparison"]
    assert interpretation.allocation_sensitivity(doc) is None


def test_every_caveat_names_a_rule_and_choice_of_the_model(model: RuleSet) -> None:
    for caveat in interpretation.load_caveats():
        assert caveat["kind"] in ("discrepancy", "limitation")
        assert caveat["text"].strip() and caveat["source"].strip()
        for rule, choice in caveat["when"].items():
            for one in choice if isinstance(choice, list) else [choice]:  # a list: any of them
                assert one in model[rule].choices, (rule, one)


def test_the_note_example_reports_the_notes_double_count() -> None:
    """With the note's server profile, the report names the 10,058 kg discrepancy (method.md 3);
    the default example, on Boavizta's server data, does not."""
    note = assess(ROOT / "examples" / "llama-3.1-405b-note.yaml", project="test-interp-note")
    texts = [c["text"] for c in interpretation.caveats(note)]
    assert any("10,058 kg" in t and "734 t" in t for t in texts)
    assert any("250 kg CO2e per H100" in t for t in texts)
    default = assess(ROOT / "examples" / "llama-3.1-405b.yaml", project="test-interp-default")
    assert not any("10,058 kg" in c["text"] for c in interpretation.caveats(default))
