"""Shared fixtures: the shipped model is loaded once per session (loading is pure and cached)."""

from __future__ import annotations

from pathlib import Path

import pytest

from lca.rules.ruleset import RuleSet
from lca.situation import load_model

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def model() -> RuleSet:
    return load_model()
