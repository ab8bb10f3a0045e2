"""The JSON Schema of the results documents (docs/results.schema.json, shipped with the package)
holds for what the commands print: every shipped example's `assess`, `compare --allocation all`,
`compare --scenario`, `uncertainty` and `validate`; and it refuses a document that lacks a field
(so the check can fail)."""

from __future__ import annotations

import copy
import json
from typing import Any

import jsonschema
import pytest

from lca.analysis.compare import compare_scenarios
from lca.assess import assess
from lca.core.paths import data_dir
from lca.inventory.datasets import PARTS
from lca.results.document import QUANTITIES
from lca.scoring.engine import STAGES
from tests.conftest import ROOT, pipeline

SCHEMA_FILE = data_dir("docs") / "results.schema.json"
SCHEMA = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
EXAMPLES = sorted(p for p in (ROOT / "examples").glob("*.yaml") if p.name != "validation.yaml")


def errors(doc: Any, kind: str | None = None) -> list[str]:
    """What is wrong with `doc` against the whole schema, or against one of its documents
    (`results`, `scenarios`, `validation`): the path and message of each error."""
    schema = SCHEMA if kind is None else {
        **{k: v for k, v in SCHEMA.items() if k != "oneOf"}, "$ref": f"#/$defs/{kind}"}
    validator = jsonschema.Draft202012Validator(schema)
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message[:300]}"
            for e in validator.iter_errors(doc)]


def assert_valid(doc: Any, kind: str) -> None:
    assert errors(doc, kind) == []
    assert errors(doc) == []  # and it is one of the documents, and only one


def test_the_schema_is_draft_2020_12() -> None:
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


def test_the_schema_ships_beside_the_contract() -> None:
    """docs/ travels in the wheel as lca/_data/docs (pyproject.toml), so data_dir finds it in a
    checkout and once installed alike."""
    assert SCHEMA_FILE == ROOT / "docs" / "results.schema.json"
    assert (SCHEMA_FILE.parent / "contract.md").is_file()


def test_stages_components_and_flows_are_the_codes() -> None:
    """The schema names every stage and component cell and every reference flow: the same lists
    as the code's."""
    defs = SCHEMA["$defs"]
    assert defs["quantity_key"]["enum"] == list(QUANTITIES)
    assert list(defs["by_stage"]["properties"]) == list(STAGES)
    assert list(defs["by_component"]["properties"]) == list(PARTS)
    assert defs["missing"]["properties"]["components"]["items"]["enum"] == list(PARTS)


@pytest.fixture(scope="module")
def examples() -> dict[str, dict]:
    """Every shipped example assessed once (about 0.5 s each after the first)."""
    return {p.stem: json.loads(json.dumps(assess(p, project="test-schema"))) for p in EXAMPLES}


@pytest.mark.parametrize("stem", [p.stem for p in EXAMPLES])
def test_every_example_fits(examples: dict[str, dict], stem: str) -> None:
    assert_valid(examples[stem], "results")


def test_a_missing_required_field_fails(examples: dict[str, dict]) -> None:
    """Taking out one impact's total, or one functional unit's inventory, is an error that names
    the place; an unknown field too (a change of the public document is a change of the schema)."""
    doc = copy.deepcopy(examples["llama-3.1-405b"])
    del doc["functional_units"][1]["impacts"]["gwp"]["total"]
    assert errors(doc, "results") == [
        "functional_units/1/impacts/gwp: 'total' is a required property"]
    assert errors(doc)  # neither a results, a scenarios nor a validation document
    doc = copy.deepcopy(examples["llama-3.1-405b"])
    del doc["functional_units"][0]["inventory"]
    assert errors(doc, "results") == ["functional_units/0: 'inventory' is a required property"]
    doc = copy.deepcopy(examples["llama-3.1-405b"])
    doc["functional_units"][0]["impacts"]["gwp"]["by_stage"]["end_of_life"] = 0.0
    assert len(errors(doc, "results")) == 1


def test_a_wrong_type_fails(examples: dict[str, dict]) -> None:
    doc = copy.deepcopy(examples["flux.1-dev"])
    doc["functional_units"][0]["quantities"]["gpu_hours"] = "12 h"
    assert errors(doc, "results") == ["functional_units/0/quantities/gpu_hours: '12 h' is not "
                                      "of type 'number', 'null'"]


def test_compare_allocations_and_the_bundle_fit(bundle) -> None:
    """`assess --out` prints the study's document with its `allocation_comparison`."""
    assert "allocation_comparison" in bundle.doc
    assert_valid(bundle.doc, "results")
    written = json.loads((bundle.out / "results.json").read_text(encoding="utf-8"))
    assert_valid(written, "results")


def test_uncertainty_fits(uncertainty_bundle) -> None:
    assert "uncertainty" in uncertainty_bundle.doc
    assert_valid(uncertainty_bundle.doc, "results")


def test_compare_scenarios_fits() -> None:
    paths = [ROOT / "examples" / f"{stem}.yaml" for stem in ("llama-3.1-405b",
                                                             "llama-3.1-405b-note")]
    doc = json.loads(json.dumps(compare_scenarios(pipeline("test-schema"), paths)))
    assert_valid(doc, "scenarios")
    assert doc["scenario_comparison"]["differences"]  # the two differ: a real comparison


def test_validate_fits(validated) -> None:
    from lca.analysis.validate import as_json

    doc = json.loads(json.dumps(as_json(validated.outcomes)))
    assert_valid(doc, "validation")
    doc[0].pop("ours")
    assert errors(doc, "validation") == ["0: 'ours' is a required property"]
