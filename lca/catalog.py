"""The hardware catalog (`inventories/hardware.yaml`): rule values per server type, with provenance."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from lca.errors import InputError, Where, did_you_mean
from lca.inventory.data import Factor
from lca.paths import data_dir
from lca.yamlsource import read_yaml

PROVENANCE = ("value", "source", "year", "licence")


@dataclass(frozen=True)
class Hardware:
    """A server type: its id, name and rule values (raw text or numbers, with provenance)."""

    id: str
    name: str
    description: str
    values: dict[str, Factor]


def load_hardware(path: Path | None = None) -> dict[str, Hardware]:
    """Every entry of the catalog, checked for provenance on every value."""
    path = path or data_dir("inventories") / "hardware.yaml"
    doc = read_yaml(path, f"inventories/{path.name}")
    if not isinstance(doc.data, dict):
        raise InputError("the hardware catalog is a mapping of ids to entries", Where(doc.file, 1))
    catalog = {}
    for hw_id, entry in doc.data.items():
        here = doc.where((hw_id,))
        if not isinstance(entry, dict) or not isinstance(entry.get("values"), dict):
            raise InputError(f"catalog entry '{hw_id}' needs 'name' and 'values'", here)
        values = {}
        for rule, item in entry["values"].items():
            where = doc.where((hw_id, "values", rule))
            if not isinstance(item, dict) or set(item) != set(PROVENANCE):
                raise InputError(f"catalog value '{rule}' needs exactly {', '.join(PROVENANCE)}",
                                 where)
            values[rule] = Factor(item["value"], str(item["source"]), str(item["year"]),
                                  str(item["licence"]), where)
        catalog[str(hw_id)] = Hardware(str(hw_id), str(entry.get("name", hw_id)),
                                       str(entry.get("description", "")), values)
    return catalog


def require_hardware(catalog: dict[str, Hardware], hw_id: str, where: Where) -> Hardware:
    """The entry of that id, or an input error naming the near ids."""
    if hw_id not in catalog:
        raise InputError(f"unknown hardware '{hw_id}'{did_you_mean(hw_id, catalog)}; "
                         f"the catalog has {', '.join(sorted(catalog))}", where)
    return catalog[hw_id]
