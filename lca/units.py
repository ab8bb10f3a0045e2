"""The single pint registry of the project, and parsing of values given as text.

Every quantity in the project comes from this registry: pint refuses to mix quantities of two
registries, so a second one would be a bug waiting to happen.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pint

from lca.errors import InputError, Where

ureg = pint.UnitRegistry()
# Floating-point operations get a dimension of their own, so that FLOP / (FLOP/s) is a time and a
# formula that forgets the peak rate fails the dimension check instead of returning seconds.
ureg.define("FLOP = [computation] = FLOP = flop")

Quantity = ureg.Quantity
Unit = ureg.Unit


def parse_unit(text: str, where: Where) -> pint.Unit:
    """A unit from its text ('kWh', 'FLOP/s', '1' or 'dimensionless' for pure numbers)."""
    spec = str(text).strip()
    if spec in ("1", "dimensionless", ""):
        return ureg.dimensionless
    try:
        return ureg.Unit(spec)
    except (pint.errors.UndefinedUnitError, pint.errors.DefinitionSyntaxError, ValueError,
            AttributeError, TypeError) as exc:
        raise InputError(f"unknown unit '{spec}' ({exc})", where) from None


def parse_quantity(raw: Any, where: Where, default_unit: pint.Unit | None = None) -> pint.Quantity:
    """A quantity from a YAML scalar or command-line text: `0.4`, `405e9`, `"700 W"`, `"40 %"`.

    A bare number takes `default_unit` when one is given (a rule's own definition, where the unit is
    stated next to it) and is dimensionless otherwise. Text is parsed by pint's own tokenizer, which
    evaluates no Python.
    """
    if isinstance(raw, bool):
        raise InputError(f"expected a number with a unit, got the boolean {raw}", where)
    if isinstance(raw, (int, float)):
        return Quantity(float(raw), default_unit or ureg.dimensionless)
    if isinstance(raw, pint.Quantity):
        return raw
    if not isinstance(raw, str):
        raise InputError(f"expected a number with a unit, got {type(raw).__name__} {raw!r}", where)
    text = raw.strip()
    try:
        number = float(text.replace("_", ""))
    except ValueError:
        pass
    else:
        return Quantity(number, default_unit or ureg.dimensionless)
    try:
        value = ureg.parse_expression(text)
    except Exception as exc:  # pint raises many types for garbage; all mean "not a quantity"
        raise InputError(f"'{text}' is not a number with a unit ({type(exc).__name__}: {exc})",
                         where) from None
    if not isinstance(value, pint.Quantity):
        value = Quantity(value)
    if not np.isfinite(value.magnitude):
        raise InputError(f"'{text}' is not a finite number", where)
    return value


_NAMED_DIMENSIONS = ("[power]", "[energy]", "[mass]", "[length]", "[time]", "[area]", "[volume]",
                     "[frequency]", "[computation]", "[information]")


def dimension_text(unit: pint.Unit) -> str:
    """The dimension of a unit for messages: '[power]', '[mass]', 'dimensionless'."""
    dims = Quantity(1, unit).dimensionality
    if not dims:
        return "dimensionless"
    for name in _NAMED_DIMENSIONS:
        if dims == ureg.get_dimensionality(name):
            return name
    return str(dims)


def unit_text(unit: pint.Unit) -> str:
    """A unit as a person writes it: 'kW·h' style abbreviations, '1' for pure numbers."""
    if unit == ureg.dimensionless:
        return "1"
    return f"{unit:~P}"


def format_number(value: float) -> str:
    """A number as people read it: '25,594,034', '0.56875632', '3.645e+25'.

    Whole-number style with thousands separators from 10,000 to 1e12, 8 significant digits below,
    scientific notation for the very large and the very small.
    """
    value = float(value)
    if value != 0 and (abs(value) >= 1e12 or abs(value) < 1e-4):
        return f"{value:.6g}"
    if abs(value) >= 1e4:
        return f"{value:,.0f}"
    return f"{value:,.8g}"


def significant(value: float, digits: int = 4) -> str:
    """A number to `digits` significant figures, as a report shows it: '10,370,000', '0.2305',
    '1.204e-06'. The workbook and results.json keep every digit."""
    value = float(f"{value:.{digits}g}")
    if value != 0 and (abs(value) >= 1e12 or abs(value) < 1e-3):
        return f"{value:.{digits - 1}e}"
    if abs(value) >= 10 ** (digits - 1):
        return f"{value:,.0f}"
    return f"{value:.{digits}g}"
