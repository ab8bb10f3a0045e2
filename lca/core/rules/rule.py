"""One rule: its definition as read from a YAML rule file, validated field by field."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
import pint

from lca.core.errors import InputError, Where, did_you_mean
from lca.core.provenance import Citation
from lca.core.references import parse_citation
from lca.core.rules.expression import Cond, FormulaError, Node, parse
from lca.core.units import (dimension_text, format_number, parse_quantity, parse_unit, unit_text,
                            ureg)
from lca.core.yamlsource import YamlDocument

RULE_KEYS = ("title", "description", "unit", "type", "choices", "value", "formula", "variations",
             "applicable_if", "bounds", "sources", "uncertainty", "notes")
DISTRIBUTIONS = {
    "uniform": ("min", "max"),
    "triangular": ("min", "mode", "max"),
    "normal": ("mean", "sd"),
    "lognormal": ("median", "gsd"),
}


def is_unit(name: str) -> bool:
    """Whether a bare name right after a number in a formula is a unit of the registry."""
    try:
        ureg.Unit(name)
    except Exception:  # pint raises several error types for a name it does not know
        return False
    return True


@dataclass(frozen=True)
class Uncertainty:
    """A distribution for Monte Carlo: its name, parameters (in the rule's unit) and source.

    A lognormal whose parameters lack "median" is relative: centred on the rule's value.
    """

    distribution: str
    parameters: dict[str, pint.Quantity]
    source: Citation

    @property
    def relative(self) -> bool:
        """Whether the centre is the rule's value in the situation rather than a fixed figure."""
        return self.distribution == "lognormal" and "median" not in self.parameters


@dataclass(frozen=True)
class Rule:
    """A named value: an input, a default, or a formula over other rules, with its documentation."""

    name: str
    title: str
    description: str
    kind: str  # "quantity" or "text"
    unit: pint.Unit | None
    choices: tuple[str, ...]
    default: pint.Quantity | str | None
    formula: Node | None
    formula_text: str | None
    variations: tuple[tuple[str | None, str], ...]
    applicable_if: Node | None
    applicable_text: str | None
    minimum: pint.Quantity | None
    maximum: pint.Quantity | None
    sources: tuple[Citation, ...]
    uncertainty: Uncertainty | None
    notes: str
    file: str
    line: int
    key_lines: dict[str, int] = field(default_factory=dict, compare=False)

    @property
    def unit_label(self) -> str:
        """The unit as shown to people, or 'text' for a text rule."""
        return "text" if self.unit is None else unit_text(self.unit)

    @property
    def is_input(self) -> bool:
        """Neither a default nor a formula: the study must give it when it is needed."""
        return self.default is None and self.formula is None

    def where(self, key: str | None = None) -> Where:
        """The place of this rule, or of one of its keys, in its file."""
        return Where(self.file, self.key_lines.get(key, self.line) if key else self.line,
                     f"{self.name}.{key}" if key else self.name)


def rule_from_yaml(name: str, doc: YamlDocument) -> Rule:
    """Build and validate one rule from its mapping in a rule file."""
    body = doc.data[name]
    here = doc.where((name,))
    if not isinstance(body, dict):
        raise InputError(f"rule '{name}' must be a mapping of keys (title, unit, formula, ...)", here)
    for key in body:
        if key not in RULE_KEYS:
            raise InputError(f"unknown key '{key}' in rule '{name}'{did_you_mean(str(key), RULE_KEYS)}",
                             doc.where((name, key)))
    key_lines = {k: doc.where((name, k)).line or here.line or 0 for k in body}

    def at(*path: Any) -> Where:
        return doc.where((name,) + path)

    title = _text(body, "title", at("title"), required=True)
    kind = body.get("type", "quantity")
    if kind not in ("quantity", "text"):
        raise InputError(f"type must be 'quantity' or 'text', not {kind!r}", at("type"))

    unit = None
    choices: tuple[str, ...] = ()
    if kind == "quantity":
        if "unit" not in body:
            raise InputError(f"rule '{name}' needs a unit ('1' for a pure number)", here)
        unit = parse_unit(body["unit"], at("unit"))
        if "choices" in body:
            raise InputError("only text rules have choices", at("choices"))
    else:
        raw = body.get("choices")
        if not isinstance(raw, list) or not raw or not all(isinstance(c, str) for c in raw):
            raise InputError(f"text rule '{name}' needs 'choices', a list of names", at("choices"))
        choices = tuple(raw)

    default = _default(body, kind, unit, choices, at("value"))
    formula, formula_text, variations = _formula(name, body, doc)
    if default is not None and formula is not None:
        raise InputError(f"rule '{name}' has both a value and a formula; keep one", at("value"))

    applicable_text = body.get("applicable_if")
    applicable = (parse_formula(str(applicable_text), at("applicable_if"))
                  if applicable_text is not None else None)
    minimum, maximum = _bounds(body.get("bounds"), kind, unit, at("bounds"))
    sources = body.get("sources")
    if (not isinstance(sources, list) or not sources
            or not all(isinstance(s, str) and s.strip() for s in sources)):
        raise InputError(f"rule '{name}' needs 'sources', a non-empty list of citations",
                         at("sources") if "sources" in body else here)
    citations = tuple(parse_citation(s, at("sources", i)) for i, s in enumerate(sources))
    return Rule(
        name=name, title=title, description=_text(body, "description", at("description")),
        kind=kind, unit=unit, choices=choices, default=default, formula=formula,
        formula_text=formula_text, variations=variations, applicable_if=applicable,
        applicable_text=str(applicable_text) if applicable_text is not None else None,
        minimum=minimum, maximum=maximum, sources=citations,
        uncertainty=_uncertainty(body.get("uncertainty"), kind, unit, (minimum, maximum), at),
        notes=_text(body, "notes", at("notes")), file=doc.file, line=here.line or 0,
        key_lines=key_lines)


def _text(body: dict, key: str, where: Where, required: bool = False) -> str:
    value = body.get(key)
    if value is None:
        if required:
            raise InputError(f"missing '{key}'", where)
        return ""
    if not isinstance(value, str):
        raise InputError(f"'{key}' must be text", where)
    return value.strip()


def parse_formula(text: str, where: Where) -> Node:
    try:
        return parse(text, is_unit)
    except FormulaError as exc:
        raise InputError(f"formula error at column {exc.position + 1} of '{text}': {exc}",
                         where) from None


def _default(body: dict, kind: str, unit: pint.Unit | None, choices: tuple[str, ...],
             where: Where) -> pint.Quantity | str | None:
    if "value" not in body:
        return None
    raw = body["value"]
    if kind == "text":
        if raw not in choices:
            raise InputError(f"value {raw!r} is not one of the choices {', '.join(choices)}", where)
        return str(raw)
    value = parse_quantity(raw, where, default_unit=unit)
    return convert(value, unit, where)


def convert(value: pint.Quantity, unit: pint.Unit | None, where: Where) -> pint.Quantity:
    """A quantity in `unit`, or an input error naming both dimensions."""
    try:
        return value.to(unit)
    except pint.errors.DimensionalityError:
        shown = (f"{format_number(value.magnitude)} {unit_text(value.units)}"
                 if np.ndim(value.magnitude) == 0 else f"{value.units:~P}")
        raise InputError(
            f"'{shown}' has dimension {dimension_text(value.units)}, expected "
            f"{dimension_text(unit)} (unit {unit_text(unit)})", where) from None


def _formula(name: str, body: dict, doc: YamlDocument
             ) -> tuple[Node | None, str | None, tuple[tuple[str | None, str], ...]]:
    if "formula" in body and "variations" in body:
        raise InputError(f"rule '{name}' has both 'formula' and 'variations'; keep one",
                         doc.where((name, "variations")))
    if "formula" in body:
        text = str(body["formula"])
        return parse_formula(text, doc.where((name, "formula"))), text, ()
    if "variations" not in body:
        return None, None, ()
    raw = body["variations"]
    where = doc.where((name, "variations"))
    if not isinstance(raw, list) or not raw:
        raise InputError("'variations' must be a list of {if: ..., then: ...} and a last {else: ...}",
                         where)
    branches: list[tuple[Node | None, Node]] = []
    texts: list[tuple[str | None, str]] = []
    for i, item in enumerate(raw):
        here = doc.where((name, "variations", i))
        last = i == len(raw) - 1
        if isinstance(item, dict) and set(item) == {"if", "then"}:
            branches.append((parse_formula(str(item["if"]), here),
                             parse_formula(str(item["then"]), here)))
            texts.append((str(item["if"]), str(item["then"])))
        elif isinstance(item, dict) and set(item) == {"else"} and last:
            branches.append((None, parse_formula(str(item["else"]), here)))
            texts.append((None, str(item["else"])))
        else:
            raise InputError("each variation is {if: CONDITION, then: FORMULA}; only the last may be "
                             "{else: FORMULA}", here)
    node: Node | None = None
    for test, expr in reversed(branches):
        node = expr if test is None else Cond(test, expr, node, test.pos)
    return node, None, tuple(texts)


def _bounds(raw: Any, kind: str, unit: pint.Unit | None, where: Where
            ) -> tuple[pint.Quantity | None, pint.Quantity | None]:
    if raw is None:
        return None, None
    if kind != "quantity" or not isinstance(raw, dict) or not set(raw) <= {"min", "max"}:
        raise InputError("'bounds' is {min: ..., max: ...} on a quantity rule", where)
    low = convert(parse_quantity(raw["min"], where, unit), unit, where) if "min" in raw else None
    high = convert(parse_quantity(raw["max"], where, unit), unit, where) if "max" in raw else None
    if low is not None and high is not None and low > high:
        raise InputError(f"bounds min {low:~P} is above max {high:~P}", where)
    return low, high


def _uncertainty(raw: Any, kind: str, unit: pint.Unit | None,
                 bounds: tuple[pint.Quantity | None, pint.Quantity | None],
                 at: Callable[..., Where]) -> Uncertainty | None:
    """The rule's distribution, checked against its own bounds; errors name the key at fault.

    A lognormal without `median` is relative: its median is the rule's value in each situation
    (a grid factor per location, a footprint per profile), so its parameters lack "median".
    """
    if raw is None:
        return None
    where = at("uncertainty")
    if kind != "quantity" or not isinstance(raw, dict):
        raise InputError("'uncertainty' is a mapping {distribution: ..., ...} on a quantity rule",
                         where)
    dist = raw.get("distribution")
    if dist not in DISTRIBUTIONS:
        raise InputError(f"distribution {dist!r} is not one of {', '.join(DISTRIBUTIONS)}", where)
    wanted = DISTRIBUTIONS[dist]
    optional = {"median"} if dist == "lognormal" else set()
    extra = set(raw) - set(wanted) - {"distribution", "source"}
    missing = [k for k in wanted if k not in raw and k not in optional]
    if extra or missing:
        raise InputError(f"a {dist} distribution takes {', '.join(wanted)} and a source"
                         + (" (median may be left out: the rule's value)" if optional else "")
                         + (f"; unknown: {', '.join(sorted(extra))}" if extra else "")
                         + (f"; missing: {', '.join(missing)}" if missing else ""), where)
    if not isinstance(raw.get("source"), str) or not raw["source"].strip():
        raise InputError("an uncertainty needs a 'source' saying where its range comes from", where)
    params = {}
    for key in wanted:
        if key not in raw:
            continue
        # The geometric standard deviation is a pure factor; every other parameter is a value.
        own_unit = ureg.dimensionless if key == "gsd" else unit
        here = at("uncertainty", key)
        params[key] = convert(parse_quantity(raw[key], here, own_unit), own_unit, here)
    if dist == "uniform" and not params["min"] < params["max"]:
        raise InputError("uniform needs min < max", where)
    if dist == "triangular" and not (params["min"] <= params["mode"] <= params["max"]
                                     and params["min"] < params["max"]):
        raise InputError("triangular needs min <= mode <= max and min < max", where)
    if dist == "normal" and params["sd"].magnitude <= 0:
        raise InputError("normal needs sd > 0", at("uncertainty", "sd"))
    if dist == "lognormal" and params["gsd"].magnitude <= 1:
        raise InputError("lognormal needs gsd > 1", at("uncertainty", "gsd"))
    if dist == "lognormal" and "median" in params and params["median"].magnitude <= 0:
        raise InputError("lognormal needs median > 0", at("uncertainty", "median"))
    low, high = bounds
    if dist == "lognormal" and high is not None and high.magnitude <= 0:
        raise InputError(f"a lognormal needs positive values, but the bounds' max is {_show(high)}",
                         at("bounds"))
    # Uniform and triangular draws are never truncated, so their whole support must be allowed;
    # for normal and lognormal the sampler truncates at the bounds, and only the centre is checked.
    inside = {"uniform": ("min", "max"), "triangular": ("min", "max"), "normal": ("mean",),
              "lognormal": ("median",)}[dist]
    for key in inside:
        value = params.get(key)
        if value is None:
            continue
        if low is not None and value < low:
            raise InputError(f"{dist} {key} {_show(value)} is below the rule's bounds min "
                             f"{_show(low)}", at("uncertainty", key))
        if high is not None and value > high:
            raise InputError(f"{dist} {key} {_show(value)} is above the rule's bounds max "
                             f"{_show(high)}", at("uncertainty", key))
    return Uncertainty(dist, params, parse_citation(raw["source"], at("uncertainty", "source")))


def _show(value: pint.Quantity) -> str:
    """'1.5' for a pure number, '575 kg' otherwise: as bound messages show values."""
    unit = "" if value.dimensionless else f" {unit_text(value.units)}"
    return f"{format_number(value.magnitude)}{unit}"
