"""Sampling rule distributions: moments by hand arithmetic, truncation, seeds, load checks."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pint
import pytest
from scipy.stats import truncnorm

from lca.analysis.sampling import sample
from lca.core.errors import InputError
from lca.core.rules.explain import distribution_text as describe
from lca.core.rules.rule import Rule
from lca.core.rules.ruleset import bound_violation, load_rules
from lca.core.units import Quantity

N = 200_000
SEED = 20240601


def rule_from(tmp_path: Path, text: str) -> Rule:
    """The one rule 'a' of a rule file written from `text`."""
    path = tmp_path / "r.yaml"
    path.write_text(text, encoding="utf-8")
    return load_rules([path])["a"]


def quantity_rule(tmp_path: Path, uncertainty: str, bounds: str = "{min: 0, max: 10}",
                  unit: str = '"1"') -> Rule:
    return rule_from(tmp_path, f"a:\n  title: a\n  unit: {unit}\n  bounds: {bounds}\n"
                               f"  uncertainty: {uncertainty}\n  sources: [method]\n")


def draws(rule: Rule, value: float | None = None, seed: int = SEED) -> np.ndarray:
    given = Quantity(value if value is not None else math.nan, rule.unit)
    return sample(rule, given, N, np.random.default_rng(seed))


def test_uniform_mean_and_range(tmp_path: Path) -> None:
    rule = quantity_rule(tmp_path, "{distribution: uniform, min: 0.2, max: 0.6, source: method}")
    x = draws(rule)
    assert x.shape == (N,) and x.dtype == np.float64
    # Mean (a + b) / 2 = 0.4; its standard error is (b - a) / sqrt(12) / sqrt(N) = 2.6e-4.
    assert x.mean() == pytest.approx(0.4, abs=2e-3)
    # All within [0.2, 0.6], and both ends reached to within 1e-3 (missing an end strip of width
    # 1e-3 in N draws has probability (1 - 0.0025)^N, about 1e-217).
    assert 0.2 <= x.min() < 0.201 and 0.599 < x.max() <= 0.6


def test_triangular_mean(tmp_path: Path) -> None:
    rule = quantity_rule(tmp_path, "{distribution: triangular, min: 1, mode: 2, max: 6, source: method}")
    x = draws(rule)
    # Mean (a + c + b) / 3 = (1 + 2 + 6) / 3 = 3; sd sqrt((1 + 4 + 36 - 2 - 6 - 12) / 18) = 1.08,
    # standard error of the mean 0.0024.
    assert x.mean() == pytest.approx(3.0, abs=0.015)
    assert x.min() >= 1 and x.max() <= 6


def test_normal_truncated_at_bound_follows_the_truncated_law(tmp_path: Path) -> None:
    rule = quantity_rule(tmp_path, "{distribution: normal, mean: 0.1, sd: 0.1, source: method}",
                         bounds="{min: 0}")
    x = draws(rule)
    assert x.min() >= 0
    # Truncated at 0, one sd below the mean: mean = 0.1 + 0.1 * phi(-1) / (1 - Phi(-1))
    # = 0.1 + 0.1 * 0.24197 / 0.84134 = 0.12876; scipy's truncnorm says the same.
    expected = truncnorm.mean(-1, math.inf, loc=0.1, scale=0.1)
    assert expected == pytest.approx(0.12876, abs=1e-5)
    assert x.mean() == pytest.approx(expected, abs=1e-3)
    # Clipping would put Phi(-1) = 15.9 % of the draws exactly on the bound; truncation puts none.
    assert np.count_nonzero(x == 0) == 0


def test_lognormal_relative_median_and_gsd(tmp_path: Path) -> None:
    rule = quantity_rule(tmp_path, "{distribution: lognormal, gsd: 1.2, source: method}",
                         bounds="{min: 0}", unit="kg/kWh")
    assert rule.uncertainty is not None and rule.uncertainty.relative
    x = draws(rule, 0.42)
    # Median = the value given, 0.42; GSD = exp(sd of ln x) = 1.2 (no bound cuts a lognormal at 0).
    assert np.median(x) == pytest.approx(0.42, rel=0.01)
    assert math.exp(np.log(x).std()) == pytest.approx(1.2, rel=0.01)
    # Relative: the same spec around another value scales with it.
    assert np.median(draws(rule, 4.2)) == pytest.approx(4.2, rel=0.01)


def test_lognormal_truncated_in_log_space(tmp_path: Path) -> None:
    rule = quantity_rule(tmp_path, "{distribution: lognormal, median: 1, gsd: 2, source: method}",
                         bounds="{min: 0, max: 1.5}")
    x = draws(rule)
    assert x.max() <= 1.5
    # ln x is a normal (0, ln 2) truncated above at ln 1.5: its mean is scipy's truncnorm mean
    # with b = ln 1.5 / ln 2 = 0.585, about -0.37 * ln 2 = -0.26.
    s = math.log(2)
    expected = truncnorm.mean(-math.inf, math.log(1.5) / s, loc=0, scale=s)
    assert np.log(x).mean() == pytest.approx(expected, abs=3e-3)


def test_relative_lognormal_of_zero_is_zero(tmp_path: Path) -> None:
    rule = quantity_rule(tmp_path, "{distribution: lognormal, gsd: 1.2, source: method}")
    assert not draws(rule, 0.0).any()


def test_same_seed_same_draws_other_seed_others(tmp_path: Path) -> None:
    rule = quantity_rule(tmp_path, "{distribution: normal, mean: 5, sd: 1, source: method}")
    assert np.array_equal(draws(rule, seed=7), draws(rule, seed=7))
    assert not np.array_equal(draws(rule, seed=7), draws(rule, seed=8))


UNIFORM_OUTSIDE = """a:
  title: a
  unit: "1"
  bounds: {min: 0, max: 1}
  uncertainty:
    distribution: uniform
    min: 0.2
    max: 1.5
    source: method
  sources: [method]
"""


def test_loader_rejects_uniform_outside_bounds(tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        rule_from(tmp_path, UNIFORM_OUTSIDE)
    # Line 8 of the file is `max: 1.5`.
    assert str(info.value).endswith("/r.yaml:8, key 'a.uncertainty.max': uniform max 1.5 is above "
                                    "the rule's bounds max 1")


# Line 4 of the file is `bounds:`, line 5 `uncertainty:` (a one-line mapping, so its keys too).
@pytest.mark.parametrize("uncertainty, bounds, message", [
    ("{distribution: triangular, min: -1, mode: 0, max: 1, source: method}", "{min: 0}",
     "r.yaml:5, key 'a.uncertainty.min': triangular min -1 is below the rule's bounds min 0"),
    ("{distribution: normal, mean: 12, sd: 1, source: method}", "{max: 10}",
     "r.yaml:5, key 'a.uncertainty.mean': normal mean 12 is above the rule's bounds max 10"),
    ("{distribution: lognormal, median: 20, gsd: 2, source: method}", "{max: 10}",
     "r.yaml:5, key 'a.uncertainty.median': lognormal median 20 is above the rule's bounds max 10"),
    ("{distribution: lognormal, gsd: 2, source: method}", "{max: -1}",
     "r.yaml:4, key 'a.bounds': a lognormal needs positive values"),
    ("{distribution: lognormal, gsd: 1, source: method}", "{min: 0}",
     "r.yaml:5, key 'a.uncertainty.gsd': lognormal needs gsd > 1"),
    ("{distribution: normal, mean: 1, source: method}", "{min: 0}",
     "r.yaml:5, key 'a.uncertainty': a normal distribution takes mean, sd and a source; "
     "missing: sd"),
])
def test_loader_rejects_specs_against_bounds(tmp_path: Path, uncertainty: str, bounds: str,
                                             message: str) -> None:
    with pytest.raises(InputError) as info:
        quantity_rule(tmp_path, uncertainty, bounds=bounds)
    assert message in str(info.value)


def test_loader_accepts_lognormal_without_median(tmp_path: Path) -> None:
    rule = quantity_rule(tmp_path, "{distribution: lognormal, gsd: 1.5, source: method}")
    assert rule.uncertainty is not None
    assert set(rule.uncertainty.parameters) == {"gsd"}
    assert describe(rule.uncertainty) == "lognormal, median = the value, GSD 1.5"


def typical_value(rule: Rule) -> pint.Quantity:
    """The rule's default, else the centre of its own spec, else 1 in its unit (relative specs)."""
    if isinstance(rule.default, pint.Quantity):
        return rule.default
    assert rule.uncertainty is not None
    p = rule.uncertainty.parameters
    if "min" in p:
        return (p["min"] + p["max"]) / 2
    return p.get("mean", p.get("median", Quantity(1.0, rule.unit)))


def test_every_shipped_spec_samples(model) -> None:
    specs = [rule for rule in model.rules.values() if rule.uncertainty is not None]
    names = {rule.name for rule in specs}
    assert {"gpu.mfu", "datacenter.pue", "hardware.lifetime", "hardware.utilization",
            "gpu.embodied.gwp", "gpu.embodied.pe", "gpu.embodied.adpe", "electricity.gwp",
            "electricity.pe", "electricity.water", "electricity.adpe", "ram.density",
            "ssd.density"} <= names
    for rule in specs:
        value = typical_value(rule)
        assert bound_violation(rule, value) is None, rule.name
        x = sample(rule, value, 1000, np.random.default_rng(SEED))
        assert x.shape == (1000,) and x.dtype == np.float64, rule.name
        assert np.isfinite(x).all() and x.std() > 0, rule.name
        assert bound_violation(rule, Quantity(x, rule.unit)) is None, rule.name


def test_describe_shipped_specs(model) -> None:
    assert describe(model["gpu.mfu"].uncertainty) == "uniform 0.25 to 0.5"
    assert (describe(model["electricity.gwp"].uncertainty)
            == "lognormal, median = the value, GSD 1.29")
