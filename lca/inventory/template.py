"""The foreground template (`model/foreground.yaml`): activities and exchanges, read and checked.

Checked twice, both before anything is computed: on its own when read (keys, units, stages,
parts, which activity an exchange reaches, no loop), and against the rules with the rules' own
static checker (every rule an amount, a condition or a name refers to exists; an amount x the
activity's reference unit has the dimension of what it takes), together with the profiles of
inventories/manufacturing.yaml. No evaluation and no Brightway here: datasets.py builds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pint

from lca.core.errors import InputError, Where, did_you_mean
from lca.core.paths import TEMPLATE_FILE, data_dir
from lca.core.references import parse_citation
from lca.core.rules.expression import Node, references
from lca.core.rules.rule import parse_formula
from lca.core.rules.ruleset import RuleSet, raise_all, static_problem
from lca.core.units import Quantity
from lca.core.yamlsource import YamlDocument, read_yaml
from lca.data.opendata import (BW_UNITS, INDICATORS, check_profiles, load_indicators,
                               load_manufacturing)

SERVER_PARTS = ("cpu", "ram", "ssd", "chassis", "server")
DATACENTRE_PARTS = ("gpu", *SERVER_PARTS)
SERVICE_PARTS = ("device", "network")
# `included`: the shares of other functional units (amortised training, development runs), one
# contributor of their own rather than blended into the parts above.
PARTS = (*DATACENTRE_PARTS, *SERVICE_PARTS, "included")
PART_NAMES = {"gpu": "GPU", "cpu": "CPUs", "ram": "RAM", "ssd": "SSDs", "chassis": "chassis",
              "server": "server without GPUs, one published total",
              "device": "end-user device", "network": "network, access and core",
              "included": "shares of other functional units"}
TEMPLATE_STAGES = ("manufacturing", "use")
# The activity that is the functional unit itself: its amounts are per item, times its quantity.
ROOT = "unit"
# Where the factors of a `factors:` activity are published, when the study keeps them.
PUBLISHERS = ("location",)
ACTIVITY_KEYS = ("title", "description", "name", "unit", "part", "when", "exchanges", "factors",
                 "published", "missing", "sources")
EXCHANGE_KINDS = ("to", "profile", "flow")
# A name's {placeholders} other than rules: the unit's name, the dataset its profile reaches.
NAME_FIELDS = ("unit", "dataset")
LABEL = f"model/{TEMPLATE_FILE}"


@dataclass(frozen=True)
class TemplateExchange:
    """One exchange: to an activity, to each dataset of a part's profile, or an elementary flow.

    `kind` is "to", "profile" or "flow"; `target` the activity, the part or the indicator.
    """

    kind: str
    target: str
    amount: Node
    amount_text: str
    stage: str | None
    comment: str
    where: Where


@dataclass(frozen=True)
class Gap:
    """Data an activity lacks: every indicator of `dataset` is reported missing, never zero."""

    dataset: str
    stage: str
    reason: str


@dataclass(frozen=True)
class TemplateActivity:
    """An activity of the template; `factors` ones are a dataset of the rules PREFIX.gwp, ..."""

    code: str
    title: str
    name: str
    unit: str
    part: str | None
    when: Node | None
    when_where: Where
    exchanges: tuple[TemplateExchange, ...]
    factors: str | None
    published: str | None
    missing: tuple[Gap, ...]
    where: Where


@dataclass(frozen=True)
class Template:
    """The activities by code (ROOT is the unit's) and the data-centre electricity's code."""

    activities: dict[str, TemplateActivity]
    electricity: str


def template_path() -> Path:
    return data_dir("model") / TEMPLATE_FILE


@lru_cache(maxsize=1)
def load_template() -> Template:
    """The shipped template, read and checked on its own once per process."""
    return read_template(template_path(), LABEL)


def read_template(path: Path, label: str) -> Template:
    """A template file, checked on its own (not yet against the rules)."""
    doc = read_yaml(path, label)
    if not isinstance(doc.data, dict) or set(doc.data) != {"electricity", "activities"}:
        raise InputError("a foreground template has two keys: `electricity` (an activity) and "
                         "`activities` (a mapping of codes to activities)", Where(label, 1))
    raw = doc.data["activities"]
    if not isinstance(raw, dict) or ROOT not in raw:
        raise InputError(f"`activities` is a mapping of codes to activities, with `{ROOT}`, the "
                         f"functional unit itself", doc.where(("activities",)))
    activities = {str(code): _activity(doc, str(code), body) for code, body in raw.items()}
    problems = [p for a in activities.values() for p in _targets(a, activities)]
    parts = [a.part for a in activities.values() if a.part]
    problems += [InputError(f"part '{p}' has two activities", doc.where(("activities",)))
                 for p in sorted({p for p in parts if parts.count(p) > 1})]
    if doc.data["electricity"] not in activities:
        problems.append(InputError(f"`electricity` names no activity of the template"
                                   f"{did_you_mean(str(doc.data['electricity']), activities)}",
                                   doc.where(("electricity",))))
    raise_all(problems, label)
    _check_loops(activities)
    return Template(activities, str(doc.data["electricity"]))


def _activity(doc: YamlDocument, code: str, body: object) -> TemplateActivity:
    here = doc.where(("activities", code))
    if not isinstance(body, dict):
        raise InputError(f"activity '{code}' is a mapping of {', '.join(ACTIVITY_KEYS)}", here)
    for key in body:
        if key not in ACTIVITY_KEYS:
            raise InputError(f"unknown key '{key}' in activity '{code}'"
                             f"{did_you_mean(str(key), ACTIVITY_KEYS)}",
                             doc.where(("activities", code, key)))
    for key in ("title", "name", "unit"):
        if not isinstance(body.get(key), str) or not body[key].strip():
            raise InputError(f"activity '{code}' needs '{key}', a text", here)
    sources = body.get("sources", [])
    if (not isinstance(body.get("description", ""), str) or not isinstance(sources, list)
            or not all(isinstance(x, str) and x.strip() for x in sources)):
        raise InputError(f"activity '{code}': `description` is a text and `sources` a list of "
                         f"citations", here)
    for i, text in enumerate(sources):
        parse_citation(text, doc.where(("activities", code, "sources", i)))
    if body["unit"] not in BW_UNITS:
        raise InputError(f"unit '{body['unit']}' is not one of {', '.join(BW_UNITS)}",
                         doc.where(("activities", code, "unit")))
    part = body.get("part")
    if part is not None and part not in PARTS[:-1]:
        raise InputError(f"part '{part}' is not one of {', '.join(PARTS[:-1])}",
                         doc.where(("activities", code, "part")))
    factors, published = body.get("factors"), body.get("published")
    if factors is not None and (body.get("exchanges") or published not in (None, *PUBLISHERS)):
        raise InputError("an activity of `factors` has no exchanges (its impacts are the rules "
                         f"FACTORS.gwp, ...); `published` is one of {', '.join(PUBLISHERS)}",
                         here)
    raw = body.get("exchanges") or []
    if not isinstance(raw, list) or (factors is None and not raw):
        raise InputError(f"activity '{code}' needs `exchanges`, a list (or `factors`)", here)
    when, when_where = body.get("when"), doc.where(("activities", code, "when"))
    return TemplateActivity(
        code, body["title"].strip(), body["name"].strip(), body["unit"], part,
        parse_formula(str(when), when_where) if when is not None else None, when_where,
        tuple(_exchange(doc, code, i, item) for i, item in enumerate(raw)), factors, published,
        tuple(_gap(doc, code, i, item) for i, item in enumerate(body.get("missing") or [])), here)


def _exchange(doc: YamlDocument, code: str, index: int, item: object) -> TemplateExchange:
    where = doc.where(("activities", code, "exchanges", index))
    kinds = [k for k in EXCHANGE_KINDS if isinstance(item, dict) and k in item]
    if (len(kinds) != 1 or "amount" not in item
            or not set(item) <= {*kinds, "amount", "stage", "comment"}):
        raise InputError("an exchange is {to: ACTIVITY | profile: PART | flow: INDICATOR, "
                         "amount: RULE, stage: use | manufacturing (optional), comment: TEXT "
                         "(optional)}", where)
    stage = item.get("stage")
    if stage is not None and stage not in TEMPLATE_STAGES:
        raise InputError(f"stage '{stage}' is not one of {', '.join(TEMPLATE_STAGES)}", where)
    (kind,) = kinds
    text = str(item["amount"])
    return TemplateExchange(kind, str(item[kind]), parse_formula(text, where), text, stage,
                            str(item.get("comment", "")), where)


def _gap(doc: YamlDocument, code: str, index: int, item: object) -> Gap:
    where = doc.where(("activities", code, "missing", index))
    if (not isinstance(item, dict) or set(item) != {"dataset", "stage", "reason"}
            or item["stage"] not in TEMPLATE_STAGES):
        raise InputError("a missing dataset is {dataset: NAME, stage: use | manufacturing, "
                         "reason: TEXT}", where)
    return Gap(str(item["dataset"]), item["stage"], str(item["reason"]))


def _targets(activity: TemplateActivity, activities: dict[str, TemplateActivity]
             ) -> list[InputError]:
    """Exchanges to activities, parts and indicators that do not exist."""
    _, profiles = load_manufacturing()
    pools = {"to": activities, "profile": profiles, "flow": INDICATORS}
    what = {"to": "activity of the template", "profile": "part with profiles in "
            "inventories/manufacturing.yaml", "flow": "indicator"}
    return [InputError(f"'{e.target}' is no {what[e.kind]}{did_you_mean(e.target, pools[e.kind])}",
                       e.where)
            for e in activity.exchanges if e.target not in pools[e.kind] or e.target == ROOT]


def _check_loops(activities: dict[str, TemplateActivity]) -> None:
    """No activity reaches itself through `to` exchanges (Brightway would solve a loop, but
    the builder walks the tree once)."""
    done: set[str] = set()

    def visit(code: str, path: list[str]) -> None:
        if code in path:
            loop = path[path.index(code):] + [code]
            raise InputError(f"loop in the template: {' -> '.join(loop)}",
                             activities[code].where)
        if code in done:
            return
        for exchange in activities[code].exchanges:
            if exchange.kind == "to":
                visit(exchange.target, path + [code])
        done.add(code)

    for code in activities:
        visit(code, [])


def check_template(template: Template, rules: RuleSet) -> None:
    """The template and the manufacturing profiles against the rules; all problems together."""
    check_profiles(rules)
    problems: list[InputError] = []
    for activity in template.activities.values():
        if activity.when is not None:
            problems += _formula_problems(activity.when, rules, "condition", None, "condition",
                                          activity.when_where)
        for field in sorted(set(re.findall(r"\{([^}]+)\}", activity.name)) - set(NAME_FIELDS)):
            if field not in rules:
                problems.append(InputError(f"the name of '{activity.code}' shows unknown rule "
                                           f"'{field}'{did_you_mean(field, rules.rules)}",
                                           activity.where))
        if activity.factors:
            problems += [InputError(f"`factors: {activity.factors}` needs the rule "
                                    f"{activity.factors}.{i}", activity.where)
                         for i in INDICATORS if f"{activity.factors}.{i}" not in rules]
        for exchange in activity.exchanges:
            taken = _taken_unit(template, exchange)
            needed = (Quantity(1, BW_UNITS[taken]) / Quantity(1, BW_UNITS[activity.unit])).units
            problems += _formula_problems(exchange.amount, rules, "quantity", needed,
                                          f"amount ({taken} per {activity.unit})", exchange.where)
    raise_all(problems, LABEL)


def _taken_unit(template: Template, exchange: TemplateExchange) -> str:
    """What one exchange takes, as a Brightway unit: the activity's, the indicator flow's, or
    for a profile "unit" (parts per reference unit, the profile's amounts per part)."""
    if exchange.kind == "to":
        return template.activities[exchange.target].unit
    if exchange.kind == "flow":
        return load_indicators()[exchange.target].flow_unit
    return "unit"


def _formula_problems(node: Node, rules: RuleSet, expected: str, unit: pint.Unit | None,
                      what: str, where: Where) -> list[InputError]:
    """A template formula's unknown rules, else what the rules' static check finds in it."""
    unknown = [r for r in references(node) if r not in rules]
    if unknown:
        return [InputError(f"unknown rule '{r}'{did_you_mean(r, rules.rules)}", where)
                for r in unknown]
    problem = static_problem(node, rules.rules, expected, unit, what, "the exchange's unit")
    return [InputError(problem, where)] if problem else []


# Checked templates by rule set: the shipped model is checked once per process. The rule set is
# kept with its template so that its id is not reused while the entry lives.
_CHECKED: dict[int, tuple[RuleSet, Template]] = {}


def checked_template(rules: RuleSet) -> Template:
    """The shipped template, checked against these rules (once per rule set)."""
    entry = _CHECKED.get(id(rules))
    if entry is None or entry[0] is not rules:
        template = load_template()
        check_template(template, rules)
        entry = _CHECKED[id(rules)] = (rules, template)
    return entry[1]
