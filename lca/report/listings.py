"""The listings for the terminal: the catalogs (`genai-lca catalog`) and the rules (`genai-lca
rules`)."""

from __future__ import annotations

import textwrap

from lca.core.rules.ruleset import RuleSet
from lca.core.units import format_number, parse_quantity, ureg
from lca.data.catalog import DATACENTERS, GPUS, SERVERS, Entry, load_catalog
from lca.report.ruledocs import rule_kind
from lca.report.texttable import WIDTH, aligned


# What `genai-lca catalog` shows of each kind: (column, rule, unit to show it in; None for a
# pure number, "text" for a choice such as the manufacturing profile).
_COLUMNS = {
    GPUS: (("TDP", "gpu.tdp", "W"), ("memory", "gpu.memory", "GB"),
           ("bandwidth", "gpu.memory_bandwidth", "TB/s"),
           ("BF16 dense", "gpu.peak_flops_bf16", "TFLOP/s"), ("die", "gpu.die_area", "mm**2"),
           ("manufacturing", "gpu.manufacturing", "text")),
    SERVERS: (("GPUs", "server.gpus", None), ("CPUs", "cpu.count", None),
              ("RAM", "ram.capacity", "GB"), ("SSD", "ssd.capacity", "GB")),
    DATACENTERS: (("PUE", "datacenter.pue", None), ("WUE", "datacenter.wue", "L/kWh")),
}


def listing() -> str:
    """The three catalogs as text tables of each entry's key figures ('-' where none is given)."""
    def cell(entry: Entry, rule: str, unit: str | None) -> str:
        factor = entry.values.get(rule)
        if factor is None or unit == "text":
            return "-" if factor is None else str(factor.value)
        magnitude = parse_quantity(factor.value, factor.where).to(unit or "").magnitude
        return f"{format_number(magnitude)} {f'{ureg.Unit(unit):~P}' if unit else ''}".strip()

    lines = []
    for kind, columns in _COLUMNS.items():
        extra = ["default GPU"] if kind.fields else []
        rows = [["id", *(title for title, _, _ in columns), *extra]]
        for entry in load_catalog(kind).values():
            rows.append([entry.id, *(cell(entry, rule, unit) for _, rule, unit in columns),
                         *(entry.fields[f].value for f in kind.fields)])
        lines.append(f"{kind.noun}s (inventories/{kind.file})")
        lines += aligned(rows, labels=1)
        lines.append("")
    return "\n".join(lines)


def rules_listing(rules: RuleSet) -> str:
    """One line per rule: name, unit, kind and title; the title wraps under itself, so that the
    listing keeps to the terminal's 100 columns."""
    width = max(len(n) for n in rules.rules)
    lines = []
    for rule in rules.rules.values():
        head = f"{rule.name:<{width}}  {rule.unit_label:<10} {rule_kind(rule):<8} "
        lines += textwrap.wrap(rule.title, WIDTH, initial_indent=head,
                               subsequent_indent=" " * len(head))
    return "\n".join(lines) + "\n"
