"""Shared fixtures. Brightway always works in a temporary folder here, never the user's own."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

# bw2data reads BRIGHTWAY2_DIR once, when first imported: set it before any test can import it.
os.environ["BRIGHTWAY2_DIR"] = tempfile.mkdtemp(prefix="genai-lca-tests-")

import pytest  # noqa: E402

from lca.rules.ruleset import RuleSet  # noqa: E402
from lca.situation import load_model  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def model() -> RuleSet:
    return load_model()
