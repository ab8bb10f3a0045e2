"""Why a value is what it is: a tree of value, unit, formula, inputs and sources.

The tree is data (`Explanation`); `lca.report.explanation` renders it as the text `genai-lca
explain` prints."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pint

from lca.core.provenance import Citation, Provenance
from lca.core.references import citation_or_none
from lca.core.rules.evaluate import Evaluator
from lca.core.rules.expression import Cond
from lca.core.rules.rule import Rule, Uncertainty
from lca.core.units import format_number, unit_text


@dataclass
class Explanation:
    """One node of the tree: a rule's value and how it was obtained."""

    name: str
    title: str
    value: str  # formatted, with unit
    how: str  # 'formula', 'default', 'override'
    formula: str | None
    given: Provenance | None  # who gave an override, and where
    sources: list[str]
    cited: list[Citation]  # the registry entries behind the sources (none for a study's own text)
    inputs: list["Explanation"] = field(default_factory=list)
    repeated: bool = False  # already shown in full higher up the tree


def format_value(value: object) -> str:
    """A value with its unit; an array shows its mean and 95 % range."""
    if isinstance(value, pint.Quantity):
        return format_magnitude(value.magnitude, value.units)
    return repr(value) if isinstance(value, str) else str(value)


def format_magnitude(magnitude: Any, unit: pint.Unit) -> str:
    """A magnitude in `unit` as `format_value` shows the quantity."""
    suffix = "" if unit_text(unit) == "1" else f" {unit_text(unit)}"
    if np.ndim(magnitude):
        low, high = np.percentile(magnitude, [2.5, 97.5])
        return (f"mean {format_number(np.mean(magnitude))}{suffix} "
                f"(95 % in {format_number(low)} to {format_number(high)}, "
                f"{np.size(magnitude)} samples)")
    return f"{format_number(magnitude)}{suffix}"


def formula_text(rule: Rule) -> str | None:
    """The formula as written, variations as 'if A: X; else: Y'."""
    if rule.formula_text is not None:
        return rule.formula_text
    if rule.variations:
        return "; ".join(f"if {cond}: {expr}" if cond else f"else: {expr}"
                         for cond, expr in rule.variations)
    return None


def applied_variation(rule: Rule, evaluator: Evaluator) -> str | None:
    """The formula of the variation that gave the value (None for vectorised conditions)."""
    node = rule.formula
    for condition, expression in rule.variations:
        if condition is None:
            return f"{expression}   [the variation that applies otherwise]"
        assert isinstance(node, Cond)
        test = evaluator.evaluate(node.test)[0]
        if isinstance(test, np.ndarray):
            return None
        if test:
            return f"{expression}   [the variation for {condition}]"
        node = node.otherwise
    return None


def applied_formula(evaluator: Evaluator, name: str) -> str | None:
    """The formula that gave an evaluated rule's value (its applied variation), or None for a
    value given or a default."""
    if evaluator.how(name) != "formula":
        return None
    rule = evaluator.rules[name]
    return applied_variation(rule, evaluator) or formula_text(rule)


def value_text(evaluator: Evaluator, name: str) -> str:
    """An evaluated rule's value as `format_value` shows it."""
    magnitude, unit = evaluator.measure(name)
    return format_value(magnitude) if unit is None else format_magnitude(magnitude, unit)


def sources(evaluator: Evaluator, name: str) -> tuple[list[str], list[Citation]]:
    """The sources of an evaluated rule's value as text, and the registry entries behind them
    (none for a study's own text): the override's, else the rule's."""
    override = evaluator.overrides.get(name)
    if override is not None and override.source:
        return [override.citation], _cited(evaluator, name)
    return _rule_sources(evaluator.rules[name])


def _rule_sources(rule: Rule) -> tuple[list[str], list[Citation]]:
    """A rule's own sources, as text and citations, formatted once per rule (the caller
    copies nothing: the lists are not changed)."""
    entry = _RULE_SOURCES.get(id(rule))
    if entry is None or entry[0] is not rule:
        entry = _RULE_SOURCES[id(rule)] = (rule, [str(c) for c in rule.sources],
                                           list(rule.sources))
    return entry[1], entry[2]


# Sources by rule identity, with the rule kept so that an identity is not reused.
_RULE_SOURCES: dict[int, tuple[Rule, list[str], list[Citation]]] = {}


def describe(evaluator: Evaluator, name: str, repeated: bool = False) -> Explanation:
    """One evaluated rule's value and how it was obtained, without its inputs."""
    rule = evaluator.rules[name]
    how = evaluator.how(name)
    override = evaluator.overrides.get(name)
    texts, cited = sources(evaluator, name)
    return Explanation(
        name=name, title=rule.title, value=value_text(evaluator, name), how=how,
        formula=applied_formula(evaluator, name),
        given=override.provenance if override is not None else None, sources=list(texts),
        cited=list(cited), repeated=repeated)


def citations(evaluators: Iterable[Evaluator]) -> list[tuple[Citation, str]]:
    """(citation, rule) for every registry entry behind a value the evaluators read, each pair
    once, in the order first read. A rule's entries depend on the source it was given with
    only (its own sources otherwise): a study's 10,000 units are looked up a few times each."""
    seen: set[tuple[str, Citation | str]] = set()
    out = []
    for evaluator in evaluators:
        overrides = evaluator.overrides
        for name in evaluator.evaluated():
            override = overrides.get(name)
            key = (name, override.source if override is not None else "")
            if key not in seen:
                seen.add(key)
                out += [(c, name) for c in _cited(evaluator, name)]
    return out


def _cited(evaluator: Evaluator, name: str) -> list[Citation]:
    """The registry entries behind an evaluated rule's value, without formatting its sources:
    the override's, else the rule's."""
    override = evaluator.overrides.get(name)
    if override is not None and override.source:
        return _override_citations(override.source)
    return _rule_sources(evaluator.rules[name])[1]


def _override_citations(source: Citation | str) -> list[Citation]:
    """The registry entry an override's source is, if any: read once per source (a study's
    10,000 units give the same few)."""
    hit = _OVERRIDE_CITATIONS.get(source)
    if hit is None:
        citation = source if isinstance(source, Citation) else citation_or_none(source)
        if len(_OVERRIDE_CITATIONS) >= 10_000:
            _OVERRIDE_CITATIONS.clear()
        hit = _OVERRIDE_CITATIONS[source] = [citation] if citation is not None else []
    return hit


_OVERRIDE_CITATIONS: dict[Citation | str, list[Citation]] = {}


def explain(evaluator: Evaluator, name: str) -> Explanation:
    """The explanation tree of a rule's value (evaluating it if needed)."""
    evaluator.value(name)
    shown: set[str] = set()

    def node(rule_name: str) -> Explanation:
        out = describe(evaluator, rule_name, repeated=rule_name in shown)
        if not out.repeated:
            shown.add(rule_name)
            out.inputs = [node(dep) for dep in evaluator.used(rule_name)]
        return out

    return node(name)


def distribution_text(uncertainty: Uncertainty) -> str:
    """A rule's distribution in words, the same in the rule pages and Monte Carlo's tables:
    'uniform 0.25 to 0.5', 'lognormal, median = the value, GSD 1.2'."""
    p = {k: format_number(q.magnitude) for k, q in uncertainty.parameters.items()}
    if uncertainty.distribution == "uniform":
        return f"uniform {p['min']} to {p['max']}"
    if uncertainty.distribution == "triangular":
        return f"triangular {p['min']} to {p['max']}, mode {p['mode']}"
    if uncertainty.distribution == "normal":
        return f"normal, mean {p['mean']}, sd {p['sd']}"
    median = "the value" if uncertainty.relative else p["median"]
    return f"lognormal, median = {median}, GSD {p['gsd']}"
