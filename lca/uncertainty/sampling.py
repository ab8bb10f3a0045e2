"""Draws from a rule's uncertainty distribution, all at once and truncated at the rule's bounds.

Uniform and triangular distributions lie within the bounds (the rule loader checks it). Normal and
lognormal ones reach beyond any bound, so they are drawn from the distribution truncated there
(scipy's truncnorm, in log space for the lognormal): clipping would pile the tail's probability
onto the bound instead.
"""

from __future__ import annotations

import math

import numpy as np
import pint
from scipy.stats import truncnorm

from lca.errors import InputError
from lca.rules.rule import Rule, Uncertainty
from lca.units import format_number


def sample(rule: Rule, value: pint.Quantity, size: int, rng: np.random.Generator) -> np.ndarray:
    """`size` draws of the rule's uncertainty, as float64 magnitudes in the rule's unit.

    `value` is the rule's deterministic value in the situation: the median of a relative
    lognormal (one without `median`). The draws depend on nothing but the arguments and `rng`.
    """
    spec = rule.uncertainty
    if spec is None:
        raise ValueError(f"rule '{rule.name}' has no uncertainty to sample")
    p = {k: float(q.magnitude) for k, q in spec.parameters.items()}
    low = float(rule.minimum.magnitude) if rule.minimum is not None else -math.inf
    high = float(rule.maximum.magnitude) if rule.maximum is not None else math.inf
    if spec.distribution == "uniform":
        return rng.uniform(p["min"], p["max"], size)
    if spec.distribution == "triangular":
        return rng.triangular(p["min"], p["mode"], p["max"], size)
    if spec.distribution == "normal":
        return _truncated_normal(p["mean"], p["sd"], low, high, size, rng)
    median = p["median"] if "median" in p else float(value.to(rule.unit).magnitude)
    if median < 0:
        raise InputError(f"a lognormal around the rule's value needs a positive value, not "
                         f"{format_number(median)}", rule.where("uncertainty"))
    if median == 0:
        # The limit of a lognormal whose median shrinks to 0: a factor set to zero stays zero.
        return np.zeros(size)
    # A lognormal is positive: a bound at or below zero does not cut it.
    log_low = math.log(low) if low > 0 else -math.inf
    log_high = math.log(high) if high < math.inf else math.inf
    return np.exp(_truncated_normal(math.log(median), math.log(p["gsd"]), log_low, log_high,
                                    size, rng))


def _truncated_normal(mean: float, sd: float, low: float, high: float, size: int,
                      rng: np.random.Generator) -> np.ndarray:
    """Normal draws conditioned on lying in [low, high] (either end may be infinite)."""
    a, b = (low - mean) / sd, (high - mean) / sd
    return np.asarray(truncnorm.rvs(a, b, loc=mean, scale=sd, size=size, random_state=rng),
                      dtype=np.float64)


def describe(uncertainty: Uncertainty) -> str:
    """A short text for tables: 'uniform 0.25 to 0.5', 'lognormal, median = the value, GSD 1.2'."""
    p = {k: format_number(q.magnitude) for k, q in uncertainty.parameters.items()}
    if uncertainty.distribution == "uniform":
        return f"uniform {p['min']} to {p['max']}"
    if uncertainty.distribution == "triangular":
        return f"triangular {p['min']} to {p['max']}, mode {p['mode']}"
    if uncertainty.distribution == "normal":
        return f"normal, mean {p['mean']}, sd {p['sd']}"
    median = "the value" if uncertainty.relative else p["median"]
    return f"lognormal, median = {median}, GSD {p['gsd']}"
