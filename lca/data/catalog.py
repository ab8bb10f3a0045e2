"""The catalogs of `inventories/`: GPUs, servers and data centres, as rule values with provenance.

One loader reads all three files; each entry has a name, a description and `values` (rule name ->
value, source, year, licence). A server also names its default GPU (`gpu:`). A study picks a
server (`hardware: dgx-h100`), a server and a GPU (`hardware: {server: ID, gpu: ID}`) and a data
centre (`datacenter: ID`); `situation.py` layers those values under the study's own inputs.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from lca.core.errors import InputError, Where, did_you_mean
from lca.core.paths import data_dir
from lca.core.provenance import Given, Origin, given
from lca.core.references import parse_citation
from lca.core.yamlsource import read_yaml

PROVENANCE = ("value", "source", "year", "licence")


@dataclass(frozen=True)
class HardwareChoice:
    """The catalog ids a study's `hardware:` names: a server id (`hardware: dgx-h100`, its
    default GPU with it), or `{server: ID, gpu: ID}` (either may be left out)."""

    server: Given | None
    gpu: Given | None


@dataclass(frozen=True)
class CatalogKind:
    """What one catalog file holds: its file name, what to call an entry, who gives its values
    (the catalog for hardware a study names, a preset for a data centre), its extra fields."""

    file: str
    noun: str
    origin: Origin
    fields: tuple[str, ...] = ()  # required text fields besides name, description and values


GPUS = CatalogKind("gpus.yaml", "GPU", Origin.CATALOG)
SERVERS = CatalogKind("servers.yaml", "server", Origin.CATALOG, ("gpu",))
DATACENTERS = CatalogKind("datacenters.yaml", "data centre", Origin.PRESET)


@dataclass(frozen=True)
class Entry:
    """A catalog entry: its id, name, rule values (raw text or numbers, each given by the
    catalog or the preset with its source, year, licence and place), and its extra fields (a
    server's default `gpu`) with where each stands."""

    id: str
    name: str
    description: str
    values: dict[str, Given]
    fields: dict[str, Given]


def load_catalog(kind: CatalogKind, path: Path | None = None) -> dict[str, Entry]:
    """Every entry of one catalog file, checked for provenance on every value."""
    if path is None:
        return _shipped(kind)
    return _read(kind, path)


@cache
def _shipped(kind: CatalogKind) -> dict[str, Entry]:
    return _read(kind, data_dir("inventories") / kind.file)


def _read(kind: CatalogKind, path: Path) -> dict[str, Entry]:
    doc = read_yaml(path, f"inventories/{path.name}")
    if not isinstance(doc.data, dict):
        raise InputError(f"the {kind.noun} catalog is a mapping of ids to entries",
                         Where(doc.file, 1))
    allowed = ("name", "description", "values") + kind.fields
    catalog = {}
    for entry_id, entry in doc.data.items():
        here = doc.where((entry_id,))
        if not isinstance(entry, dict) or not isinstance(entry.get("values"), dict):
            raise InputError(f"catalog entry '{entry_id}' needs 'name' and 'values'", here)
        for key in entry:
            if key not in allowed:
                raise InputError(f"unknown key '{key}'{did_you_mean(str(key), allowed)} in a "
                                 f"{kind.noun} entry; expected {', '.join(allowed)}",
                                 doc.where((entry_id, key)))
        fields = {}
        for field in kind.fields:
            if not isinstance(entry.get(field), str):
                raise InputError(f"{kind.noun} '{entry_id}' needs '{field}' (a catalog id)", here)
            fields[field] = given(entry[field], doc.where((entry_id, field)), kind.origin)
        values = {}
        for rule, item in entry["values"].items():
            where = doc.where((entry_id, "values", rule))
            if not isinstance(item, dict) or set(item) != set(PROVENANCE):
                raise InputError(f"catalog value '{rule}' needs exactly {', '.join(PROVENANCE)}",
                                 where)
            source = parse_citation(item["source"], doc.where((entry_id, "values", rule, "source")))
            values[str(rule)] = given(item["value"], where, kind.origin, str(source),
                                      str(item["year"]), str(item["licence"]))
        catalog[str(entry_id)] = Entry(str(entry_id), str(entry.get("name", entry_id)),
                                       " ".join(str(entry.get("description", "")).split()),
                                       values, fields)
    return catalog


@dataclass(frozen=True)
class Hardware:
    """The GPUs and servers of the catalog, each server's default GPU checked to exist."""

    gpus: dict[str, Entry]
    servers: dict[str, Entry]


def load_hardware() -> Hardware:
    """The shipped GPU and server catalogs."""
    gpus, servers = load_catalog(GPUS), load_catalog(SERVERS)
    for server in servers.values():
        default = server.fields["gpu"]
        if default.value not in gpus:
            raise InputError(f"server '{server.id}' names an unknown GPU '{default.value}'"
                             f"{did_you_mean(default.value, gpus)}", default.where)
    return Hardware(gpus, servers)


@dataclass(frozen=True)
class Selection:
    """The server and GPU a study chose (either may be absent), and their values: the server's,
    then the GPU's (the chosen one, or the server's default), the GPU's winning."""

    server: Entry | None
    gpu: Entry | None

    @property
    def values(self) -> dict[str, Given]:
        out: dict[str, Given] = {}
        for entry in (self.server, self.gpu):
            if entry is not None:
                out.update(entry.values)
        return out

    @property
    def label(self) -> str:
        """'dgx-h100: NVIDIA DGX H100 (...), GPU h100-sxm: NVIDIA H100 SXM 80 GB'."""
        parts = [f"{e.id}: {e.name}" for e in (self.server, self.gpu) if e is not None]
        return ", GPU ".join(parts) if self.server else f"GPU {parts[0]}"


def select_hardware(choice: HardwareChoice, hardware: Hardware | None = None) -> Selection:
    """The entries a study's `hardware:` names; unknown or misplaced ids are input errors."""
    hardware = hardware or load_hardware()
    server = gpu = None
    if choice.server is not None:
        server = _pick(hardware.servers, SERVERS, choice.server, hardware.gpus, GPUS,
                       "hardware: {server: SERVER, gpu: %s}")
        gpu = hardware.gpus[server.fields["gpu"].value]
    if choice.gpu is not None:
        gpu = _pick(hardware.gpus, GPUS, choice.gpu, hardware.servers, SERVERS,
                    "hardware: {server: %s, gpu: GPU}")
    return Selection(server, gpu)


def select_datacenter(given: Given, datacenters: dict[str, Entry] | None = None) -> Entry:
    """The data-centre preset a study's `datacenter:` names (in the shipped catalog unless
    another is passed)."""
    return _pick(datacenters or load_catalog(DATACENTERS), DATACENTERS, given)


def _pick(catalog: dict[str, Entry], kind: CatalogKind, given: Given,
          other: dict[str, Entry] | None = None, other_kind: CatalogKind | None = None,
          hint: str = "") -> Entry:
    """The entry of that id, or an error naming the near ids (or the catalog it belongs to)."""
    entry_id = given.value
    if entry_id in catalog:
        return catalog[entry_id]
    ids = ", ".join(sorted(catalog))
    if other is not None and other_kind is not None and entry_id in other:
        raise InputError(f"'{entry_id}' is a {other_kind.noun} (inventories/{other_kind.file}), "
                         f"not a {kind.noun}; write {hint % entry_id}. The {kind.noun}s are: "
                         f"{ids}", given.where)
    raise InputError(f"unknown {kind.noun} '{entry_id}'{did_you_mean(entry_id, catalog)}; "
                     f"inventories/{kind.file} has {ids}", given.where)
