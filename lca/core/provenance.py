"""Where a value comes from, stored with the value where it is set rather than guessed later.

Every value the rules engine is given (a study's input, a catalog's figure, a location's factor,
a `--set`) is a `Given`: the value and one `Provenance`, made at the place that reads it (the study
loader, the `--set` parser, the catalog and location lookups). `explain`, the inputs table, the
data-quality table, Monte Carlo and the unused-inputs check read `provenance.origin`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any

from lca.core.errors import Where


class Origin(str, Enum):
    """Who set a value. The text is what the inputs table and `explain` print."""

    DEFAULT = "default"  # the rule's own default value (model/*.yaml)
    COMPUTED = "computed"  # the rule's formula, from other values
    DATA = "data"  # the open data: a location's electricity factors, a manufacturing profile
    CATALOG = "catalog"  # the hardware catalog entry the study names (inventories/gpus, servers)
    PRESET = "preset"  # the data-centre preset the study names (inventories/datacenters.yaml)
    MEASURED = "measured"  # a measurement file a functional unit names (CodeCarbon)
    STUDY = "study"  # the study file, for every functional unit
    UNIT = "functional unit"  # the study file, for one functional unit
    COMMAND_LINE = "command line"  # --set, --allocation, or the Python API's set()
    VALIDATION = "validation case"  # a figure's settings in the validation cases file


# The values a person chose for this assessment, as against data and defaults: Monte Carlo holds
# them fixed, and the unused-inputs check reports those no unit read.
CHOSEN = (Origin.STUDY, Origin.UNIT, Origin.COMMAND_LINE, Origin.VALIDATION)
# Values that published data carry, with source, year and licence.
PUBLISHED = (Origin.DATA, Origin.CATALOG, Origin.PRESET)


@dataclass(frozen=True)
class Citation:
    """An entry of the source registry (model/references.yaml, `lca.core.references`) by its id,
    and what was read there (a table, a page, the figure), maybe empty."""

    ref: str
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.ref}: {self.detail}" if self.detail else self.ref


@dataclass(frozen=True)
class Provenance:
    """Who set a value (`origin`), the source it cites, and where it was set: file, line, key."""

    origin: Origin
    where: Where
    source: Citation | str = ""
    year: str = ""
    licence: str = ""

    @property
    def citation(self) -> str:
        """'source (year; licence)', or the source alone when it has no year or licence."""
        source = str(self.source)
        extra = "; ".join(x for x in (self.year, self.licence) if x)
        return f"{source} ({extra})" if extra else source

    def __str__(self) -> str:
        """'catalog: inventories/gpus.yaml:24, key ...': the origin, then the place."""
        place = str(self.where)
        return f"{self.origin.value}: {place}" if place else self.origin.value


@dataclass(frozen=True)
class Given:
    """A value and its provenance: raw as read (a study's text, a catalog's number), or checked
    against its rule (the rules engine's overrides, `lca.core.rules.evaluate.make_override`)."""

    value: Any
    provenance: Provenance

    @property
    def origin(self) -> Origin:
        return self.provenance.origin

    @property
    def where(self) -> Where:
        return self.provenance.where

    @property
    def source(self) -> Citation | str:
        return self.provenance.source

    @property
    def year(self) -> str:
        return self.provenance.year

    @property
    def licence(self) -> str:
        return self.provenance.licence

    @property
    def citation(self) -> str:
        return self.provenance.citation


def given(value: Any, where: Where, origin: Origin, source: Citation | str = "", year: str = "",
          licence: str = "") -> Given:
    """A `Given` in one call, the way the loaders make them."""
    return Given(value, Provenance(origin, where, source, year, licence))
