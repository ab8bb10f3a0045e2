"""Your own background: the foreground linked to a Brightway database you have (ecoinvent or any
LCI database), computed with the LCIA methods registered in your project.

A study names a project, a database and a mapping file (`study.BackgroundLink`). The mapping says
which of your activities stands for each of the tool's background datasets the study uses: grid
electricity per location, the manufacturing datasets of inventories/manufacturing.yaml, and the
indicator flows the foreground emits itself (on-site cooling water):

    electricity:
      USA: {name: "market group for electricity, medium voltage", location: US,
            reference product: "electricity, medium voltage"}
    manufacturing:
      gpu-boavizta-h100-sxm: {code: 6c1d..., amount: 2.1}   # 2.1 kg of the activity per GPU
    flows:
      water: {database: biosphere3, code: 831f249e-53f2-49cf-a93c-7cee105f048e}

Your databases are only read. The linked foreground is a database of its own, `genai-lca linked:
TITLE`, written into your project and marked as the tool's (`brightway.write_owned`): a
same-named database the tool did not create is refused, never replaced. The tool's own results,
in its own project, are unchanged; the linked scores (`lca.scoring.linked`) are an extra block
of the document.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from typing import Any, TypedDict

from lca.brightway import project as bw
from lca.brightway.handle import Project
from lca.core.errors import InputError, Where, did_you_mean, near_names
from lca.core.yamlsource import YamlDocument, read_yaml
from lca.data.opendata import Dataset, Indicator, resolve_location
from lca.inventory.datasets import (BACKGROUND, BIOSPHERE, Foreground, Key, electricity_key,
                                    manufacturing_key)
from lca.study.file import BackgroundLink

LINKED_PREFIX = "genai-lca linked: "
LINKED_ROLE = "linked foreground"
SECTIONS = ("electricity", "manufacturing", "flows")
ACTIVITY_KEYS = ("code", "name", "location", "reference product", "amount")
FLOW_KEYS = ("database", "code")
# Node types of a process (bw2data 4's `labels.lci_node_types`; the legacy line writes "process"
# or nothing): what an electricity or manufacturing entry must find, and a `flows` entry must not.
PROCESS_TYPES = (None, "process", "product", "processwithreferenceproduct", "multifunctional")


@dataclass(frozen=True)
class Entry:
    """One line of the mapping: a dataset (or indicator flow) of the tool and what stands for it
    in your project. `amount` is how much of your activity one unit of the tool's dataset is
    (None: 1, and the units must agree)."""

    source: Key
    label: str  # the mapping's key path, e.g. electricity.USA
    unit: str  # the tool's unit, Brightway's name
    find: dict[str, str]
    amount: float | None
    where: Where


@dataclass(frozen=True)
class Mapping:
    """A mapping file, checked against the tool's data (not yet against Brightway)."""

    link: BackgroundLink
    file: str
    entries: dict[Key, Entry]
    sections: dict[str, Where]  # where each section starts, for what it lacks


class LinkRow(TypedDict):
    """An entry of the mapping as the document lists it: the tool's dataset (`mapped`, per
    `unit`), the activity of yours it was linked to, and the amount of it per `unit`."""

    mapped: str
    unit: str
    database: str
    code: str
    activity: str
    location: str | None
    reference_product: str | None
    amount: float
    activity_unit: str


@dataclass(frozen=True)
class LeftOut:
    """An indicator flow a unit's foreground emits that the mapping does not link: left out of
    the linked foreground, and said."""

    functional_unit: str
    activity: str
    flow: str
    amount: float
    rule: str


@dataclass(frozen=True)
class Resolved:
    """The mapping found in your project: each tool dataset's activity key and amount."""

    mapping: Mapping
    project: Project  # your project, opened once: reads and the linked write go through it
    linked: str  # the name of the linked foreground's database
    owner: bw.Owner  # the study it belongs to, with its functional units
    targets: dict[Key, tuple[Key, float]]
    described: list[LinkRow]  # one row per entry, for the document
    methods: dict[tuple[str, ...], str]  # method -> its unit


def load_mapping(link: BackgroundLink, datasets: dict[str, Dataset],
                 indicators: dict[str, Indicator]) -> Mapping:
    """Read and check a mapping file; errors name the file, the line and the key."""
    doc = read_yaml(link.mapping)
    if not isinstance(doc.data, dict):
        raise InputError(f"a mapping file is a mapping of {', '.join(SECTIONS)}",
                         Where(doc.file, 1))
    entries: dict[Key, Entry] = {}
    for section, items in doc.data.items():
        if section not in SECTIONS:
            raise InputError(f"unknown section '{section}'{did_you_mean(str(section), SECTIONS)}; "
                             f"expected {', '.join(SECTIONS)}", doc.where((section,)))
        if not isinstance(items, dict):
            raise InputError(f"'{section}' maps the tool's names to your activities",
                             doc.where((section,)))
        for name, spec in items.items():
            entry = _entry(doc, section, str(name), spec, datasets, indicators)
            if entry.source in entries:
                raise InputError(f"{entry.label} is mapped twice (also as "
                                 f"{entries[entry.source].label})", entry.where)
            entries[entry.source] = entry
    return Mapping(link, doc.file, entries, {s: doc.where((s,)) for s in doc.data})


def _entry(doc: YamlDocument, section: str, name: str, spec: Any,
           datasets: dict[str, Dataset], indicators: dict[str, Indicator]) -> Entry:
    path = (section, name)
    where = doc.where(path)
    allowed = FLOW_KEYS if section == "flows" else ACTIVITY_KEYS
    if not isinstance(spec, dict):
        raise InputError(f"'{section}.{name}' is a mapping of {', '.join(allowed)}", where)
    for key in spec:
        if key not in allowed:
            raise InputError(f"unknown key '{key}'{did_you_mean(str(key), allowed)}; expected "
                             f"{', '.join(allowed)}", doc.where(path + (key,)))
    if section == "electricity":
        code = resolve_location(name, where).code
        source, unit = electricity_key(code), "kilowatt hour"
    elif section == "manufacturing":
        if name not in datasets:
            raise InputError(f"no manufacturing dataset '{name}' in inventories/manufacturing."
                             f"yaml{did_you_mean(name, datasets)}", where)
        source, unit = manufacturing_key(name), datasets[name].unit
    else:
        if name not in indicators:
            raise InputError(f"no indicator flow '{name}'{did_you_mean(name, indicators)}; "
                             f"expected one of {', '.join(indicators)}", where)
        source, unit = (BIOSPHERE, name), indicators[name].flow_unit
    needed = FLOW_KEYS if section == "flows" else ("code",) if "code" in spec else ("name",)
    for key in needed:
        if not isinstance(spec.get(key), str) or not spec[key].strip():
            raise InputError(f"'{section}.{name}' needs '{key}' (text): "
                             + ("the flow's database and code" if section == "flows" else
                                "your activity's code, or its name (with location and reference "
                                "product where the name alone is ambiguous)"), where)
    amount = spec.get("amount")
    if amount is not None and (isinstance(amount, bool) or not isinstance(amount, (int, float))
                               or amount <= 0):
        raise InputError(f"'{section}.{name}.amount' is a positive number: how much of your "
                         f"activity one {unit} of the tool's dataset is",
                         doc.where(path + ("amount",)))
    find = {k: str(v) for k, v in spec.items() if k != "amount"}
    return Entry(source, f"{section}.{name}", unit, find,
                 float(amount) if amount is not None else None, where)


def check_foregrounds(mapping: Mapping, foregrounds: list[Foreground],
                      background: dict[Key, dict[str, Any]]) -> None:
    """Every background dataset the study uses has a mapping entry; no dataset carries the
    study's own factors (they have no counterpart in another database)."""
    link = mapping.link
    for foreground in foregrounds:
        for activity in foreground.activities.values():
            exchanges = activity["exchanges"]
            if not any(e["type"] == "technosphere" for e in exchanges):
                rules = sorted({e["rule"] for e in exchanges if e["type"] == "biosphere"})
                raise InputError(f"'{activity['name']}' takes the study's own factors "
                                 f"({', '.join(rules) or 'none given'}), which have no "
                                 f"counterpart in database '{link.database.value}': a linked "
                                 f"background needs the published datasets (a location, a "
                                 f"manufacturing profile), each mapped", link.mapping_where)
            for exchange in exchanges:
                source = exchange["input"]
                if source[0] == BACKGROUND and source not in mapping.entries:
                    section, name = source[1].split("|", 1)
                    dataset = background[source]
                    raise InputError(f"no entry for {section}.{name} ('{dataset['name']}', "
                                     f"{dataset['unit']}), which the study uses: add it under "
                                     f"'{section}:'", mapping.sections.get(
                                         section, Where(mapping.file, key=section)))


def session(mapping: Mapping | None) -> contextlib.AbstractContextManager[None]:
    """Hold the practitioner's project's lock from its check to the linked write (see
    `brightway.session`); nothing without a linked background."""
    return bw.session(mapping.link.project.value) if mapping else contextlib.nullcontext()


def resolve(mapping: Mapping, title: str, owner: bw.Owner) -> Resolved:
    """Find every entry and method in your project, and check that the linked foreground's
    database can be written there (`title` and `owner` are the study's); reading only, raising
    InputError for anything missing."""
    bw.import_brightway()
    import bw2data

    link = mapping.link
    projects = sorted(p.name for p in bw2data.projects)
    if link.project.value not in projects:
        folder = os.environ.get("BRIGHTWAY2_DIR", "unset: Brightway's default folder")
        raise InputError(f"no Brightway project '{link.project.value}'"
                         f"{did_you_mean(link.project.value, projects)} (BRIGHTWAY2_DIR: {folder})",
                         link.project.where)
    project = Project(link.project.value)
    project.use()
    if link.database.value not in bw2data.databases:
        raise InputError(f"no database '{link.database.value}' in project '{link.project.value}'"
                         f"{did_you_mean(link.database.value, bw2data.databases)}",
                         link.database.where)
    indexes: dict[str, list[dict[str, Any]]] = {}
    targets: dict[Key, tuple[Key, float]] = {}
    described: list[LinkRow] = []
    for entry in mapping.entries.values():
        database = entry.find.get("database", link.database.value)
        if database not in bw2data.databases:
            raise InputError(f"no database '{database}' in project "
                             f"'{link.project.value}'{did_you_mean(database, bw2data.databases)}",
                             entry.where)
        if database not in indexes:
            indexes[database] = [{"code": a["code"], "name": a.get("name"),
                                  "location": a.get("location"), "unit": a.get("unit"),
                                  "reference product": a.get("reference product"),
                                  "type": a.get("type")}
                                 for a in bw2data.Database(database)]
        found = _find(entry, database, indexes[database])
        flow = entry.source[0] == BIOSPHERE
        if (found["type"] in PROCESS_TYPES) == flow:
            raise InputError(f"'{found['name']}' is {'a process' if flow else 'an elementary flow'}"
                             f" (type {found['type']}); "
                             f"{'a flow' if flow else 'an activity'} is expected here", entry.where)
        if entry.amount is None and found["unit"] != entry.unit:
            raise InputError(f"the tool's dataset is per {entry.unit}, your "
                             f"'{found['name']}' per {found['unit']}: give 'amount', the "
                             f"{found['unit']} of it per {entry.unit}", entry.where)
        amount = 1.0 if entry.amount is None else entry.amount
        targets[entry.source] = ((database, found["code"]), amount)
        described.append({"mapped": entry.label, "unit": entry.unit, "database": database,
                          "code": found["code"], "activity": found["name"],
                          "location": found["location"],
                          "reference_product": found["reference product"],
                          "amount": amount, "activity_unit": found["unit"]})
    methods = {}
    for method, where in link.methods:
        if method not in bw2data.methods:
            close = near_names(" | ".join(method), [" | ".join(m) for m in bw2data.methods])
            hint = f" (did you mean {'; '.join(close)}?)" if close else ""
            raise InputError(f"no method {list(method)} in project '{link.project.value}'{hint}",
                             where)
        methods[method] = bw2data.methods[method].get("unit", "")
    linked = LINKED_PREFIX + title
    owner = bw.Owner(LINKED_ROLE, owner.file, owner.units)
    bw.check_owned(linked, owner)
    return Resolved(mapping, project, linked, owner, targets, described, methods)


def _find(entry: Entry, database: str, index: list[dict[str, Any]]) -> dict[str, Any]:
    """The one activity an entry names, by code, or by name (+ location, reference product)."""
    if "code" in entry.find:
        hits = [a for a in index if a["code"] == entry.find["code"]]
        wanted = f"code '{entry.find['code']}'"
    else:
        hits = [a for a in index if all(a.get(k) == v for k, v in entry.find.items()
                                        if k != "database")]
        wanted = ", ".join(f"{k} '{v}'" for k, v in entry.find.items() if k != "database")
    if len(hits) == 1:
        return hits[0]
    if hits:
        options = "; ".join(f"{a['name']} [{a['location']}] {a['reference product']} "
                            f"({a['code']})" for a in hits[:5])
        raise InputError(f"{len(hits)} activities of '{database}' have {wanted}: "
                         f"{options}; add location and reference product, or give the code",
                         entry.where)
    probe = entry.find.get("name", entry.find.get("code", ""))
    pool = {a["name"] if "name" in entry.find else a["code"] for a in index}
    raise InputError(f"no activity with {wanted} in '{database}'"
                     f"{did_you_mean(probe, pool)}", entry.where)


def linked_foregrounds(foregrounds: list[Foreground], resolved: Resolved, database: str
                       ) -> tuple[list[Foreground], list[LeftOut]]:
    """The foregrounds with each background exchange pointing at your activity (amount scaled)
    and each mapped indicator flow at your elementary flow; an unmapped flow the foreground
    emits itself is left out and listed (with its amount), so that the gap is said."""
    def key(old: Key) -> Key:
        return (database, old[1])

    linked: list[Foreground] = []
    left_out: list[LeftOut] = []
    for fg in foregrounds:
        activities = {}
        for old, activity in fg.activities.items():
            exchanges = []
            for written in activity["exchanges"]:
                # bw2data 4's write adds `output` (the tool's own activity) to each exchange it
                # writes: the copy leaves it out, so that it is this activity's.
                exchange = {k: v for k, v in written.items() if k != "output"}
                source = exchange["input"]
                if source[0] == fg.unit[0]:
                    exchanges.append({**exchange, "input": key(source)})
                elif source in resolved.targets:
                    target, factor = resolved.targets[source]
                    exchanges.append({**exchange, "input": target,
                                      "amount": exchange["amount"] * factor})
                else:  # an indicator flow with no `flows:` entry
                    left_out.append(LeftOut(fg.unit[1], activity["name"], source[1],
                                            exchange["amount"], exchange.get("rule", "")))
            activities[key(old)] = {**activity, "exchanges": exchanges}
        linked.append(Foreground(key(fg.unit), activities,
                                 {p: key(k) for p, k in fg.part_processes.items()}, [],
                                 [(n, key(k), s) for n, k, s in fg.includes]))
    return linked, left_out


def write_linked(resolved: Resolved, foregrounds: list[Foreground]
                 ) -> tuple[list[Foreground], list[LeftOut]]:
    """Write the linked foreground into your project (the tool's own database there): the
    linked foregrounds written, and the flows left out (`linked_foregrounds`). Scoring them is
    `lca.scoring.linked`'s."""
    database = resolved.linked
    linked, left_out = linked_foregrounds(foregrounds, resolved, database)
    resolved.project.use()
    bw.write_owned(database, {k: v for fg in linked for k, v in fg.activities.items()},
                   LINKED_ROLE, resolved.owner, searchable=False)
    return linked, left_out
