"""Every shipped example study is read and computed down to its Brightway datasets (no Brightway
needed): an example that a change of the parsers or rules breaks fails here, not in a user's hands.
Their published figures are checked in test_validation.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from lca.assess import prepare

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
STUDIES = sorted(p for p in EXAMPLES.glob("*.yaml") if p.name != "validation.yaml")


@pytest.mark.parametrize("path", STUDIES, ids=[p.stem for p in STUDIES])
def test_example_prepares(path: Path) -> None:
    prepared = prepare(path)
    assert len(prepared.foregrounds) == len(prepared.study.functional_units) >= 1
