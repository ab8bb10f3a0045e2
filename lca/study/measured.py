"""Measured energy from a CodeCarbon `emissions.csv`: the inputs of a `measured` functional unit.

CodeCarbon (codecarbon 2.x) appends one row per tracked run: `duration` in seconds, and the
energy it read in kWh, `cpu_energy`, `gpu_energy`, `ram_energy` and their sum
`energy_consumed`, with `country_iso_code` (ISO alpha-3) and `region`. A file's rows are runs of
the same job, so their energies and durations add up. CodeCarbon multiplies every reading by the
PUE it was given (its `pue` column, 1 by default; mlco2/codecarbon, emissions_tracker.py,
`_do_measurements`), so each row is divided by it: the study's own PUE is then applied once. The
GPU count is the study's: CodeCarbon's `gpu_count` is the GPUs it saw on the machine, not those
the job used.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path

from lca.core.errors import InputError, Where
from lca.core.rules.evaluate import Evaluator

REQUIRED = ("duration", "energy_consumed", "country_iso_code")
# Read and checked when present: older CodeCarbon files have no per-part columns.
NUMERIC = ("duration", "cpu_energy", "gpu_energy", "ram_energy", "energy_consumed")


@dataclass(frozen=True)
class Measurement:
    """What a CodeCarbon file says about a job: totals over its rows, and where each came from."""

    file: str
    energy_kwh: float
    duration_s: float
    rows: int
    country: str | None
    country_line: int | None


def read_codecarbon(path: Path, label: str, cited: Where) -> Measurement:
    """Read and check a CodeCarbon emissions.csv; every problem names the file, line and column.

    `label` is the path as shown in messages; `cited` is where the study names the file.
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(f"CodeCarbon file not found: {label} (a path relative to the study "
                         f"file)", cited) from None
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text ({exc.reason})", Where(label)) from None
    reader = csv.DictReader(text.splitlines())
    header = reader.fieldnames or []
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise InputError(f"not a CodeCarbon emissions.csv: no column {', '.join(missing)} (it "
                         f"needs {', '.join(REQUIRED)})", Where(label, 1, missing[0]))
    energy = duration = 0.0
    countries: dict[str, int] = {}
    rows = 0
    for line, row in enumerate(reader, start=2):
        values = {c: _number(row.get(c), label, line, c) for c in NUMERIC if c in header}
        pue = _number(row.get("pue"), label, line, "pue") if "pue" in header else 1.0
        if pue < 1:
            raise InputError(f"pue is {row.get('pue')}: a PUE is 1 or more", Where(label, line,
                                                                                 "pue"))
        energy += values["energy_consumed"] / pue  # back to the IT equipment (module docstring)
        duration += values["duration"]
        country = (row.get("country_iso_code") or "").strip()
        if country:
            countries.setdefault(country, line)
        rows += 1
    if rows == 0:
        raise InputError("the CodeCarbon file has a header but no run", Where(label, 1))
    if len(countries) > 1:
        (first, a), (second, b) = list(countries.items())[:2]
        raise InputError(f"runs in different countries ({first} at line {a}, {second} at line "
                         f"{b}): one functional unit has one grid; split the file", Where(
                             label, b, "country_iso_code"))
    country, country_line = next(iter(countries.items()), (None, None))
    return Measurement(label, energy, duration, rows, country, country_line)


def _number(raw: str | None, label: str, line: int, column: str) -> float:
    """A finite, non-negative number from a cell, or an input error naming the cell."""
    try:
        value = float((raw or "").strip())
    except ValueError:
        raise InputError(f"'{raw}' is not a number (CodeCarbon writes {column} as a decimal "
                         f"number)", Where(label, line, column)) from None
    if not math.isfinite(value) or value < 0:
        raise InputError(f"{column} is {raw}: a measured amount is a finite number of 0 or "
                         f"more", Where(label, line, column))
    return value


def check_landed(unit: str, evaluator: Evaluator, where: Where) -> None:
    """A measured unit's electricity reaches Brightway through the parts' draws (scaled to the
    meter by datacenter.electricity_per_it): with every power at zero it would be lost, so that
    is an input error rather than a silent zero."""
    if evaluator.value("workload") != "measured":
        return
    modelled = float(evaluator.value("energy.it_modelled").to("kWh").magnitude)
    measured = float(evaluator.value("energy.facility").to("kWh").magnitude)
    if modelled <= 0 < measured:
        raise InputError(f"functional unit '{unit}': the measured electricity needs hardware "
                         f"that draws it, but gpu.power and the server's power are zero; give "
                         f"them (the measurement is split between the parts by their powers)",
                         where)
