"""The single pint registry of the project, and parsing of values given as text.

Every quantity in the project comes from this registry: pint refuses to mix quantities of two
registries, so a second one would be a bug waiting to happen.

The registry is pint's own definitions with three changes, made as the file is read:
- information is a dimension of its own (pint makes the bit dimensionless), so `80` can never
  silently mean 80 bits of GPU memory and `7B` can never become 56 parameters;
- `k` is not Boltzmann's constant and `G` not the gauss: people write them for thousands and
  billions, and pint would read `100k` as a quantity of J/K.
"""

from __future__ import annotations

import math
import re
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pint

from lca.core.errors import InputError, Where

# The lines of pint's definitions we change, each found exactly once (checked), so that a pint
# release that renames them fails loudly at import instead of changing what values mean.
_CHANGED_DEFINITIONS = {
    "bit = []": "bit = [information]",
    "boltzmann_constant = 1.380649e-23 J K^-1 = k = k_B":
        "boltzmann_constant = 1.380649e-23 J K^-1 = k_B",
    "gauss = dyne / franklin = G": "gauss = dyne / franklin = Gs",
}
# pint's other constants use Boltzmann's `k` by that name: they get `k_B` instead (`k-`, the
# kilo prefix, is left alone).
_BOLTZMANN_K = re.compile(r"(?<![\w.])k(?![\w-])")


def _definitions() -> list[str]:
    """pint's default definitions (with its constants inlined), changed as said above."""
    folder = Path(pint.__file__).parent
    text = (folder / "default_en.txt").read_text(encoding="utf-8")
    text = text.replace("@import constants_en.txt",
                        (folder / "constants_en.txt").read_text(encoding="utf-8"))
    lines = text.splitlines()
    for old, new in _CHANGED_DEFINITIONS.items():
        found = [i for i, line in enumerate(lines) if line.split("#")[0].strip() == old]
        if len(found) != 1:
            raise RuntimeError(f"pint's definitions changed: {old!r} found {len(found)} times")
        lines[found[0]] = lines[found[0]].replace(old, new)
    return [_BOLTZMANN_K.sub("k_B", line.split("#")[0]) for line in lines]


ureg = pint.UnitRegistry(None)
ureg.load_definitions(_definitions())
# Floating-point operations get a dimension of their own, so that FLOP / (FLOP/s) is a time and a
# formula that forgets the peak rate fails the dimension check instead of returning seconds.
ureg.define("FLOP = [computation] = FLOP = flop")

Quantity = ureg.Quantity
Unit = ureg.Unit


# Multipliers people write after a count: `7B` parameters, `15T` tokens, `100M`, `1.5k`, and the
# words. `B` is a billion here (the model-card habit), never a byte: counts are pure numbers.
COUNT_MULTIPLIERS = {"k": 1e3, "K": 1e3, "thousand": 1e3, "M": 1e6, "million": 1e6,
                     "B": 1e9, "G": 1e9, "billion": 1e9, "T": 1e12, "trillion": 1e12,
                     "P": 1e15, "quadrillion": 1e15}
MAX_VALUE_LENGTH = 200  # characters of one value given as text
MAX_UNIT_POWER = 12  # `m^3`, `s^-2`: no unit of this project needs more

_NUMBER = r"[-+]?(?:\d[\d_]*(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?"
_NOT_FINITE = re.compile(r"\s*[-+]?(?:nan|inf|infinity)\b.*", re.IGNORECASE | re.DOTALL)
_VALUE = re.compile(rf"\s*(?P<number>{_NUMBER})\s*(?P<unit>.*?)\s*", re.DOTALL)
# A unit's text: names (a digit right after one is its power: `m3`), `%`, `*`, `/`, `·`,
# parentheses, small integer powers and the 1 of `1/s`. Nothing else reaches pint, so no text
# can make it compute.
_UNIT_TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<name>[^\W\d]+)(?P<digits>\d+)?
  | (?P<power>(?:\*\*|\^)\s*(?P<exponent>[-+]?\s*\d+))
  | (?P<super>[²³])
  | (?P<op>[*/·()%]|1(?=\s*/))
""", re.VERBOSE)


def _unit_expression(spec: str) -> str:
    """The unit text in pint's syntax, or ValueError saying what is wrong with it."""
    parts: list[str] = []
    pos, last = 0, ""
    while pos < len(spec):
        match = _UNIT_TOKEN.match(spec, pos)
        if not match:
            raise ValueError(f"unexpected character {spec[pos]!r}")
        kind = match.lastgroup if match.lastgroup != "digits" else "name"
        pos = match.end()
        if kind == "space":
            continue
        if kind in ("power", "super") or (kind == "name" and match.group("digits")):
            text = match.group("exponent") or match.group("digits") or (
                "2" if match.group() == "²" else "3")
            power = int(text.replace(" ", ""))
            if kind != "name" and last not in ("name", ")"):
                raise ValueError("a power must follow a unit")
            if power == 0 or abs(power) > MAX_UNIT_POWER:
                raise ValueError(f"a unit's power is a whole number from 1 to {MAX_UNIT_POWER} "
                                 f"in size, not {power}")
            base = match.group("name") if kind == "name" else ""
            parts.append(f"{base}**{power}" if kind != "name" else f" {base}**{power}")
            last = "name" if kind == "name" else "power"
            continue
        parts.append(f" {match.group()}" if kind == "name" else match.group())
        last = ")" if match.group() == ")" else kind
    return "".join(parts).replace("·", "*").strip()


def parse_unit(text: str, where: Where) -> pint.Unit:
    """A unit from its text ('kWh', 'FLOP/s', 'm3/kWh', '1' or 'dimensionless' for pure numbers)."""
    spec = str(text).strip()
    if spec in ("1", "dimensionless", ""):
        return ureg.dimensionless
    try:
        if len(spec) > MAX_VALUE_LENGTH:
            raise ValueError(f"longer than {MAX_VALUE_LENGTH} characters")
        return ureg.parse_units(_unit_expression(spec))
    except Exception as exc:  # pint raises many types for garbage; all mean "not a unit"
        raise InputError(f"unknown unit '{_clip(spec)}' ({type(exc).__name__}: {exc})",
                         where) from None


def _clip(text: str) -> str:
    """Text for a message: printable, and short."""
    shown = text.encode("unicode_escape").decode("ascii") if not text.isprintable() else text
    return shown if len(shown) <= 60 else shown[:57] + "..."


def finite(value: float, text: str, where: Where) -> float:
    """`value`, or an input error: NaN, infinities and numbers beyond floating point are refused."""
    if not math.isfinite(value):
        raise InputError(f"'{_clip(text)}' is not a finite number (NaN, infinity or beyond "
                         f"1.8e308)", where)
    return value


def parse_quantity(raw: Any, where: Where, default_unit: pint.Unit | None = None,
                   expected: pint.Unit | None = None) -> pint.Quantity:
    """A quantity from a YAML scalar or command-line text: `0.4`, `405e9`, `7B`, `"700 W"`,
    `"80 GB"`, `"40 %"`.

    A bare number takes `default_unit` when one is given (a rule's own definition, where the unit is
    stated next to it) and is dimensionless otherwise. `expected` (default: `default_unit`) is the
    unit the value is for: a count multiplier (`k`, `M`, `B`, `T`, the words) is read only for
    pure numbers, and is refused before a unit of anything else (`8 G` of memory). Text is a
    number and a unit, parsed by our own code: no expression is evaluated.
    """
    expected = expected if expected is not None else default_unit
    if isinstance(raw, bool):
        raise InputError(f"expected a number with a unit, got the boolean {raw}", where)
    if isinstance(raw, (int, float)):
        try:
            number = float(raw)
        except OverflowError:
            number = math.inf
        return Quantity(finite(number, str(raw), where), default_unit or ureg.dimensionless)
    if isinstance(raw, pint.Quantity):
        if not np.all(np.isfinite(raw.magnitude)):
            raise InputError(f"'{raw}' is not a finite number", where)
        return raw
    if not isinstance(raw, str):
        raise InputError(f"expected a number with a unit, got {type(raw).__name__}", where)
    if _NOT_FINITE.fullmatch(raw):
        finite(math.nan, raw.strip(), where)
    match = _VALUE.fullmatch(raw) if len(raw) <= MAX_VALUE_LENGTH else None
    if match is None:
        why = (f"longer than {MAX_VALUE_LENGTH} characters" if len(raw) > MAX_VALUE_LENGTH
               else "a value is a number, then its unit")
        raise InputError(f"'{_clip(raw.strip())}' is not a number with a unit ({why}: "
                         f"e.g. 700 W, 80 GB, 0.4, 7B)", where)
    number = finite(float(match["number"].replace("_", "")), raw.strip(), where)
    unit_text_ = match["unit"]
    if unit_text_[:1] == "/" and unit_text_[1:].lstrip()[:1].isalpha():
        unit_text_ = "1" + unit_text_  # `24 /s`, `3 /h`: a rate, as people write it
    if unit_text_[:1] in ("*", "/", "^", "+", "-"):
        raise InputError(f"'{_clip(raw.strip())}' is a calculation; a value is a number, then "
                         f"its unit (e.g. 1e10, 700 W): put formulas in rules", where)
    if not unit_text_:
        return Quantity(number, default_unit or ureg.dimensionless)
    if unit_text_ in COUNT_MULTIPLIERS:
        if expected is None or expected.dimensionless:
            return Quantity(finite(number * COUNT_MULTIPLIERS[unit_text_], raw.strip(), where))
        try:  # `80 B` of memory is 80 bytes
            return Quantity(number, parse_unit(unit_text_, where))
        except InputError:
            raise InputError(f"'{raw.strip()}': '{unit_text_}' multiplies a count; this value "
                             f"needs a unit of {dimension_text(expected)}, e.g. "
                             f"'{match['number']} {unit_text(expected)}'", where) from None
    return Quantity(number, parse_unit(unit_text_, where))


_NAMED_DIMENSIONS = ("[power]", "[energy]", "[mass]", "[length]", "[time]", "[area]", "[volume]",
                     "[frequency]", "[computation]", "[information]")


def dimension_text(unit: pint.Unit) -> str:
    """The dimension of a unit for messages: '[power]', '[mass]/[energy]', 'dimensionless'."""
    dims = Quantity(1, unit).dimensionality
    if not dims:
        return "dimensionless"
    named = {name: ureg.get_dimensionality(name) for name in _NAMED_DIMENSIONS}
    for name, value in named.items():
        if dims == value:
            return name
    for top, over in ((a, b) for a in named for b in named if a != b):
        if dims == named[top] / named[over]:
            return f"{top}/{over}"
    return str(dims)


@cache
def unit_named(text: str) -> pint.Unit:
    """The unit a (trusted, written in the code) unit text names, parsed once."""
    return ureg.Unit(text)


def conversion_factor(source: pint.Unit, target: pint.Unit) -> float:
    """What a magnitude in `source` is multiplied by to be in `target`: the factor pint's own
    `Quantity.to` multiplies by. A ValueError for offset units (degrees Celsius), whose
    conversion is not a factor; pint's DimensionalityError for units of other dimensions."""
    # Evaluation asks for the factors between the same unit objects (a compiled formula's, a
    # rule's) hundreds of thousands of times: found by identity, without comparing units.
    key = (id(source), id(target))
    hit = _FACTORS.get(key)
    if hit is not None and hit[0] is source and hit[1] is target:
        return hit[2]
    if len(_FACTORS) >= _MAX_FACTORS:
        _FACTORS.clear()
    factor = _conversion_factor(source, target)
    _FACTORS[key] = (source, target, factor)  # the units kept, so their identities stay theirs
    return factor


_FACTORS: dict[tuple[int, int], tuple[pint.Unit, pint.Unit, float]] = {}
_MAX_FACTORS = 10_000


@cache
def _conversion_factor(source: pint.Unit, target: pint.Unit) -> float:
    if any(Quantity(0.0, unit).to_base_units().magnitude != 0 for unit in (source, target)):
        raise ValueError(f"{unit_text(source)} to {unit_text(target)} is not a factor")
    return float(Quantity(1.0, source).to(target).magnitude)


@cache  # pint formats a unit in about 0.1 ms, and a study of 1,000 units asks 100,000 times
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
