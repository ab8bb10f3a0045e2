"""The study file (contract.md): goal and scope, choices, situation, functional units."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lca.core.errors import InputError, Where, did_you_mean
from lca.core.provenance import Given, Origin, given
from lca.core.yamlsource import YamlDocument, read_yaml
from lca.data.catalog import HardwareChoice
from lca.study.measured import Measurement, read_codecarbon

STUDY_KEYS = ("study", "goal", "scope", "location", "hardware", "datacenter", "allocation",
              "inputs", "functional_units", "background")
HARDWARE_KEYS = ("server", "gpu")
GOAL_KEYS = ("application", "reasons", "audience", "comparative", "commissioner")
SCOPE_KEYS = ("function", "system_boundary", "cut_off", "assumptions", "limitations",
              "data_quality")
UNIT_KEYS = ("name", "workload", "quantity", "inputs", "description", "includes", "codecarbon",
             "location", "hardware")
INCLUDE_KEYS = ("unit", "share")
COUNT_KEYS = ("amount", "of")
SOURCED_KEYS = ("value", "source")
BACKGROUND_KEYS = ("project", "database", "mapping", "methods")


@dataclass(frozen=True)
class Include:
    """A share of another functional unit carried by this one: training amortised over the
    inferences it serves, or an earlier development run charged to the final one.

    `share` is a formula over the including unit's rules (text, parsed when evaluated).
    """

    unit: str
    share: str
    where: Where


@dataclass(frozen=True)
class BackgroundLink:
    """The practitioner's own background (`background:`): a Brightway project, a database in it,
    the mapping file from the tool's background datasets to its activities (a path relative to
    the study file) and the LCIA methods of that project to compute. Checked against Brightway
    in `lca.brightway.linking`; each field keeps its place for the errors."""

    project: Given
    database: Given
    mapping: Path
    mapping_where: Where
    methods: tuple[tuple[tuple[str, ...], Where], ...]


@dataclass(frozen=True)
class Count:
    """What a functional unit counts: `quantity: 1000 images` is 1,000 of 'images'. The rules
    describe one item; the unit's flows and results are for the whole amount. Without a
    `quantity`, the unit is one of itself (the rules' workload as a whole)."""

    amount: float = 1.0
    of: str = ""

    def text(self) -> str:
        """'1,000 images', or '' for a unit without a stated quantity."""
        if not self.of:
            return ""
        return f"{self.amount:,.15g} {self.of}"


@dataclass(frozen=True)
class FunctionalUnit:
    name: str
    workload: Given
    inputs: dict[str, Given]
    description: str = ""
    includes: tuple[Include, ...] = ()
    quantity: Count = Count()
    # Where this unit runs, when not where the study does (training here, serving there): its
    # electricity comes from its own location, its parts from its own hardware.
    location: Given | None = None
    hardware: HardwareChoice | None = None


@dataclass(frozen=True)
class Study:
    title: str
    file: str
    goal: dict[str, Any]
    scope: dict[str, Any]
    location: Given | None
    hardware: HardwareChoice | None
    allocation: Given | None
    inputs: dict[str, Given]
    functional_units: list[FunctionalUnit] = field(default_factory=list)
    datacenter: Given | None = None
    background: BackgroundLink | None = None


def load_study(path: Path | str) -> Study:
    """Read and validate a study file; every problem names the file, the line and the key."""
    return parse_study(read_yaml(path))


def study_from_dict(data: Any, label: str, base: Path | str = ".") -> Study:
    """Validate a study given as plain data (the mapping a study file holds); problems name
    `label` and the key. Files the study names (`codecarbon:`) are relative to `base`."""
    return parse_study(YamlDocument(label, data), Path(base))


def parse_study(doc: YamlDocument, base: Path | None = None) -> Study:
    """Validate a parsed study; files it names are relative to `base` (the study file's folder
    by default)."""
    base = Path(doc.file).parent if base is None else base
    data = doc.data
    if not isinstance(data, dict):
        raise InputError("a study file is a mapping (study:, functional_units:, ...)",
                         Where(doc.file, 1))
    _known_keys(doc, (), data, STUDY_KEYS)
    title = data.get("study")
    if not isinstance(title, str) or not title.strip():
        raise InputError("missing 'study', the study's title", doc.where(("study",)))
    goal = _mapping(doc, ("goal",), GOAL_KEYS)
    scope = _mapping(doc, ("scope",), SCOPE_KEYS)
    units_raw = data.get("functional_units")
    if not isinstance(units_raw, list) or not units_raw:
        raise InputError("'functional_units' is a list of at least one {name, workload, inputs}",
                         doc.where(("functional_units",)))
    units: list[FunctionalUnit] = []
    names: set[str] = set()  # a set: a list made 10,000 units quadratic
    measurements: list[Measurement] = []
    for i, raw in enumerate(units_raw):
        path_i = ("functional_units", i)
        if not isinstance(raw, dict):
            raise InputError("a functional unit is a mapping {name, workload, inputs}",
                             doc.where(path_i))
        _known_keys(doc, path_i, raw, UNIT_KEYS)
        name = raw.get("name")
        if not isinstance(name, str) or not name.strip():
            raise InputError("a functional unit needs a 'name'", doc.where(path_i))
        if name in names:
            raise InputError(f"two functional units are named '{name}'", doc.where(path_i + ("name",)))
        names.add(name)
        if "workload" not in raw:
            raise InputError(f"functional unit '{name}' needs a 'workload'", doc.where(path_i))
        inputs = _inputs(doc, path_i + ("inputs",))
        if "codecarbon" in raw:
            measurements.append(_codecarbon(doc, path_i, raw, inputs, base))
        count = _count(doc, path_i + ("quantity",), raw.get("quantity"))
        if raw.get("workload") == "provisioned" and count.of and "provisioned.requests" not in inputs:
            # The period's volume is the unit's quantity: the rules describe one request of it.
            inputs["provisioned.requests"] = _at(doc, path_i + ("quantity",), repr(count.amount))
        units.append(FunctionalUnit(name, _at(doc, path_i + ("workload",), raw["workload"]),
                                    inputs,
                                    str(raw.get("description", "")),
                                    _includes(doc, path_i + ("includes",), raw.get("includes")),
                                    count,
                                    _given(doc, path_i + ("location",)),
                                    _hardware(doc, path_i + ("hardware",))))
    _check_includes(units)
    location = _given(doc, ("location",)) or _measured_location(measurements)
    return Study(title.strip(), doc.file, goal, scope, location,
                 _hardware(doc, ("hardware",)), _given(doc, ("allocation",)),
                 _inputs(doc, ("inputs",)), units, _given(doc, ("datacenter",)),
                 _background(doc))


def _codecarbon(doc: YamlDocument, path: tuple, raw: dict, inputs: dict[str, Given], base: Path
                ) -> Measurement:
    """A unit's `codecarbon: FILE` (relative to the study file): its measured energy and duration
    become the unit's energy.measured and job.duration, with the file as where they were given."""
    cited = doc.where(path + ("codecarbon",))
    if raw.get("workload") != "measured" or not isinstance(raw["codecarbon"], str):
        raise InputError("'codecarbon' names a CodeCarbon emissions.csv (relative to the study "
                         "file) for a unit with `workload: measured`", cited)
    for rule in ("energy.measured", "job.duration"):
        if rule in inputs:
            raise InputError(f"{rule} is given twice: by the CodeCarbon file and here",
                             inputs[rule].where)
    label = str(base / raw["codecarbon"])
    m = read_codecarbon(Path(label), label, cited)
    inputs["energy.measured"] = given(f"{m.energy_kwh!r} kWh", Where(label, None, "energy_consumed"),
                                     Origin.MEASURED)
    inputs["job.duration"] = given(f"{m.duration_s!r} s", Where(label, None, "duration"),
                                  Origin.MEASURED)
    return m


def _measured_location(measurements: list[Measurement]) -> Given | None:
    """The country CodeCarbon recorded, when the study names no location; one for all units."""
    found = [m for m in measurements if m.country]
    for m in found[1:]:
        if m.country != found[0].country:
            raise InputError(f"the CodeCarbon files name different countries ({found[0].country} "
                             f"in {found[0].file}, {m.country} here): give the study a `location`",
                             Where(m.file, m.country_line, "country_iso_code"))
    if not found:
        return None
    return given(found[0].country, Where(found[0].file, found[0].country_line, "country_iso_code"),
                 Origin.MEASURED)


def _known_keys(doc: YamlDocument, path: tuple, data: dict, allowed: tuple[str, ...]) -> None:
    for key in data:
        if key not in allowed:
            raise InputError(f"unknown key '{key}'{did_you_mean(str(key), allowed)}; expected one "
                             f"of {', '.join(allowed)}", doc.where(path + (key,)))


def _mapping(doc: YamlDocument, path: tuple, allowed: tuple[str, ...]) -> dict[str, Any]:
    value = doc.data.get(path[0])
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InputError(f"'{path[0]}' is a mapping of {', '.join(allowed)}", doc.where(path))
    _known_keys(doc, path, value, allowed)
    return value


def _node(doc: YamlDocument, path: tuple) -> Any:
    """The value at a path of the study (None where there is none)."""
    node: Any = doc.data
    for part in path:
        node = node[part] if isinstance(node, (dict, list)) and part in _keys(node) else None
    return node


def _at(doc: YamlDocument, path: tuple, value: Any, source: str = "") -> Given:
    """A value of the study file at `path`: given for one functional unit when under
    `functional_units`, else for the whole study."""
    origin = Origin.UNIT if path[0] == "functional_units" else Origin.STUDY
    return given(value, doc.where(path), origin, source)


def _given(doc: YamlDocument, path: tuple) -> Given | None:
    value = _node(doc, path)
    if value is None:
        return None
    if not isinstance(value, str):
        raise InputError(f"'{path[-1]}' is a name (text)", doc.where(path))
    return _at(doc, path, value)


def _hardware(doc: YamlDocument, path: tuple) -> HardwareChoice | None:
    """`hardware: SERVER` or `hardware: {server: SERVER, gpu: GPU}`, of the study or of one
    functional unit; the ids are checked against the catalog later (lca/data/catalog.py), with the
    place each was given."""
    value = _node(doc, path)
    if value is None:
        return None
    if isinstance(value, str):
        return HardwareChoice(_at(doc, path, value), None)
    if not isinstance(value, dict) or not value:
        raise InputError("'hardware' is a server id (e.g. dgx-h100) or a mapping "
                         "{server: ID, gpu: ID} of catalog ids", doc.where(path))
    _known_keys(doc, path, value, HARDWARE_KEYS)
    picked = {}
    for key in HARDWARE_KEYS:
        if key in value:
            if not isinstance(value[key], str):
                raise InputError(f"'hardware.{key}' is a catalog id (text)",
                                 doc.where(path + (key,)))
            picked[key] = _at(doc, path + (key,), value[key])
    return HardwareChoice(picked.get("server"), picked.get("gpu"))


def _keys(node: dict | list) -> Any:
    return node if isinstance(node, dict) else range(len(node))


def _inputs(doc: YamlDocument, path: tuple) -> dict[str, Given]:
    node = _node(doc, path)
    if node is None:
        return {}
    if not isinstance(node, dict):
        raise InputError("'inputs' is a mapping of rule names to values with units", doc.where(path))
    return {str(name): _input(doc, path + (name,), value) for name, value in node.items()}


def _input(doc: YamlDocument, path: tuple, value: Any) -> Given:
    """A rule's value, or `{value: V, source: TEXT}`: a value with the source the study cites."""
    if not isinstance(value, dict):
        return _at(doc, path, value)
    _known_keys(doc, path, value, SOURCED_KEYS)
    source = value.get("source")
    if "value" not in value or not isinstance(source, str) or not source.strip():
        raise InputError("a value with its source is {value: VALUE, source: TEXT}, both given",
                         doc.where(path))
    return _at(doc, path + ("value",), value["value"], source.strip())


def _includes(doc: YamlDocument, path: tuple, raw: Any) -> tuple[Include, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise InputError("'includes' is a list of {unit: NAME, share: FORMULA}", doc.where(path))
    out = []
    for j, item in enumerate(raw):
        here = path + (j,)
        if not isinstance(item, dict) or "unit" not in item:
            raise InputError("an include is {unit: NAME, share: FORMULA} (share defaults to 1)",
                             doc.where(here))
        _known_keys(doc, here, item, INCLUDE_KEYS)
        out.append(Include(str(item["unit"]), str(item.get("share", 1)),
                           doc.where(here + ("share" if "share" in item else "unit",))))
    return tuple(out)


def _count(doc: YamlDocument, path: tuple, raw: Any) -> Count:
    """`quantity: 1000 images` or `quantity: {amount: 1000, of: images}`: a number above 0 and
    what it counts (requests, images, clips, tokens, visits, or a duration such as year)."""
    if raw is None:
        return Count()
    expected = ("'quantity' is an amount and what it counts: '1000 images', '1 year', or "
                "{amount: 1000, of: images}")
    if isinstance(raw, dict):
        _known_keys(doc, path, raw, COUNT_KEYS)
        amount, of = raw.get("amount"), raw.get("of")
    elif isinstance(raw, str) and len(raw.split(maxsplit=1)) == 2:
        amount, of = raw.split(maxsplit=1)
    else:
        raise InputError(f"{expected}; got {raw!r}", doc.where(path))
    try:
        number = float(str(amount).replace(",", "").replace("_", ""))
    except ValueError:
        raise InputError(f"{expected}; the amount {amount!r} is not a number",
                         doc.where(path)) from None
    if not number > 0 or number == float("inf"):
        raise InputError(f"{expected}; the amount must be above 0, got {amount!r}", doc.where(path))
    if not isinstance(of, str) or not of.strip():
        raise InputError(f"{expected}; say what it counts", doc.where(path))
    return Count(number, " ".join(of.split()))


def _check_includes(units: list[FunctionalUnit]) -> None:
    """Every included unit exists, and no unit includes itself, directly or not."""
    names = {u.name: u for u in units}
    for unit in units:
        for inc in unit.includes:
            if inc.unit not in names:
                raise InputError(f"functional unit '{unit.name}' includes unknown unit "
                                 f"'{inc.unit}'{did_you_mean(inc.unit, names)}", inc.where)

    def visit(name: str, path: tuple[str, ...]) -> None:
        for inc in names[name].includes:
            if inc.unit in path:
                cycle = " -> ".join(path[path.index(inc.unit):] + (inc.unit,))
                raise InputError(f"functional units include each other in a cycle: {cycle}",
                                 inc.where)
            visit(inc.unit, path + (inc.unit,))

    for unit in units:
        visit(unit.name, (unit.name,))


def _background(doc: YamlDocument) -> BackgroundLink | None:
    """`background: {project: NAME, database: NAME, mapping: FILE, methods: [[...], ...]}`."""
    if "background" not in doc.data:
        return None
    value = doc.data["background"]
    here = ("background",)
    expected = ("'background' is {project: NAME, database: NAME, mapping: FILE, methods: "
                "[[name, ...], ...]}: a Brightway project and database of yours, the mapping "
                "file, and the project's LCIA methods to compute")
    if not isinstance(value, dict):
        raise InputError(expected, doc.where(here))
    _known_keys(doc, here, value, BACKGROUND_KEYS)
    for key in BACKGROUND_KEYS:
        if key not in value:
            raise InputError(f"missing 'background.{key}'; {expected}", doc.where(here))
    for key in ("project", "database", "mapping"):
        if not isinstance(value[key], str) or not value[key].strip():
            raise InputError(f"'background.{key}' is a name (text)", doc.where(here + (key,)))
    methods = value["methods"]
    if not isinstance(methods, list) or not methods:
        raise InputError("'background.methods' is a list of one or more methods, each a list of "
                         "names as Brightway lists it, e.g. [[IPCC 2021, climate change, GWP100]]",
                         doc.where(here + ("methods",)))
    named = []
    for i, method in enumerate(methods):
        where = doc.where(here + ("methods", i))
        if not isinstance(method, list) or not method or not all(
                isinstance(part, str) for part in method):
            raise InputError("a method is a list of names (text), e.g. [IPCC 2021, climate "
                             "change, GWP100]", where)
        named.append((tuple(method), where))
    return BackgroundLink(_at(doc, here + ("project",), value["project"]),
                          _at(doc, here + ("database",), value["database"]),
                          Path(doc.file).parent / value["mapping"],
                          doc.where(here + ("mapping",)), tuple(named))
