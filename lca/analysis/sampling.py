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
from scipy.stats import triang, truncnorm

from lca.core.errors import InputError
from lca.core.rules.rule import Rule
from lca.core.units import format_number


def sample(rule: Rule, value: pint.Quantity, size: int, rng: np.random.Generator) -> np.ndarray:
    """`size` draws of the rule's uncertainty, as float64 magnitudes in the rule's unit.

    Drawn by inverse CDF (`quantile` of uniform numbers), so that Monte Carlo and the sensitivity
    designs share one definition of each distribution. The draws depend on nothing but the
    arguments and `rng`.
    """
    return quantile(rule, value, rng.random(size))


def quantile(rule: Rule, value: pint.Quantity, u: np.ndarray | float) -> np.ndarray:
    """The rule's distribution at cumulative probabilities `u`, in the rule's unit.

    `value` is the rule's deterministic value in the situation: the median of a relative
    lognormal (one without `median`).
    """
    spec = rule.uncertainty
    if spec is None:
        raise ValueError(f"rule '{rule.name}' has no uncertainty")
    u = np.asarray(u, dtype=float)
    p = {k: float(q.magnitude) for k, q in spec.parameters.items()}
    low = float(rule.minimum.magnitude) if rule.minimum is not None else -math.inf
    high = float(rule.maximum.magnitude) if rule.maximum is not None else math.inf
    if spec.distribution == "uniform":
        return p["min"] + u * (p["max"] - p["min"])
    if spec.distribution == "triangular":
        width = p["max"] - p["min"]
        return np.asarray(triang.ppf(u, (p["mode"] - p["min"]) / width, loc=p["min"],
                                     scale=width), dtype=float)
    if spec.distribution == "normal":
        return np.clip(_truncated_normal_ppf(p["mean"], p["sd"], low, high, u), low, high)
    median = p["median"] if "median" in p else float(value.to(rule.unit).magnitude)
    if median < 0:
        raise InputError(f"a lognormal around the rule's value needs a positive value, not "
                         f"{format_number(median)}", rule.where("uncertainty"))
    if median == 0:
        # The limit of a lognormal whose median shrinks to 0: a factor set to zero stays zero.
        return np.zeros(u.shape)
    # A lognormal is positive: a bound at or below zero does not cut it.
    log_low = math.log(low) if low > 0 else -math.inf
    log_high = math.log(high) if high < math.inf else math.inf
    values = np.exp(_truncated_normal_ppf(math.log(median), math.log(p["gsd"]), log_low,
                                          log_high, u))
    return np.clip(values, low, high)  # exp(log(bound)) may round to just outside the bound


def _truncated_normal_ppf(mean: float, sd: float, low: float, high: float, u: np.ndarray
                          ) -> np.ndarray:
    """The normal conditioned on [low, high] (either end may be infinite), at probabilities u."""
    a, b = (low - mean) / sd, (high - mean) / sd
    return np.asarray(truncnorm.ppf(u, a, b, loc=mean, scale=sd), dtype=float)
