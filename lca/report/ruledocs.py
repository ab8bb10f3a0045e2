"""Documentation of the rules (`genai-lca rules --doc DIR`): one Markdown page per rule, and an
index."""

from __future__ import annotations

from pathlib import Path

from lca.core.references import registry
from lca.core.rules.explain import distribution_text, format_value, formula_text
from lca.core.rules.rule import Rule
from lca.core.rules.ruleset import RuleSet
from lca.core.units import format_number


def page_name(rule_name: str) -> str:
    return f"{rule_name}.md"


def _link(name: str) -> str:
    return f"[`{name}`]({page_name(name)})"


def rule_kind(rule: Rule) -> str:
    """'input', 'default' or 'formula'."""
    if rule.formula is not None:
        return "formula"
    return "input" if rule.is_input else "default"


def rule_page(rules: RuleSet, rule: Rule) -> str:
    """The Markdown page of one rule."""
    lines = [f"# {rule.name}", "", f"**{rule.title}**", ""]
    if rule.description:
        lines += [rule.description, ""]
    lines += [f"- Unit: {rule.unit_label}", f"- Kind: {rule_kind(rule)}", f"- Defined in: `{rule.file}` line {rule.line}"]
    if rule.choices:
        lines.append(f"- Choices: {', '.join(f'`{c}`' for c in rule.choices)}")
    if rule.default is not None:
        lines.append(f"- Default value: {format_value(rule.default)}")
    if rule.minimum is not None or rule.maximum is not None:
        low = format_number(rule.minimum.magnitude) if rule.minimum is not None else "-inf"
        high = format_number(rule.maximum.magnitude) if rule.maximum is not None else "+inf"
        lines.append(f"- Bounds: {low} to {high}")
    if rule.applicable_text:
        lines.append(f"- Applies only if: `{rule.applicable_text}`")
    lines.append("")
    if rule.variations:
        lines += ["## Formula", "", "| condition | formula |", "|---|---|"]
        lines += [f"| {f'`{c}`' if c else 'otherwise'} | `{e}` |" for c, e in rule.variations]
        lines.append("")
    elif rule.formula is not None:
        lines += ["## Formula", "", "```", formula_text(rule) or "", "```", ""]
    if rule.uncertainty is not None:
        lines += ["## Uncertainty", "", f"{distribution_text(rule.uncertainty)}. "
                  f"Source: {rule.uncertainty.source}", ""]
    entries = registry()
    lines += ["## Sources", ""] + [f"- {s}  \n  {entries[s.ref].text()}" for s in rule.sources] + [""]
    if rule.notes:
        lines += ["## Notes", "", rule.notes, ""]
    uses, used_by = rules.uses[rule.name], rules.used_by[rule.name]
    lines += ["## Uses", ""] + ([f"- {_link(n)}" for n in uses] or ["Nothing: an input."]) + [""]
    lines += ["## Used by", ""] + ([f"- {_link(n)}" for n in used_by] or ["No other rule."]) + [""]
    return "\n".join(lines)


def index_page(rules: RuleSet) -> str:
    """The index: every rule with its unit and title, grouped by file."""
    lines = ["# Rules of the model", "",
             "One page per rule. Any rule can be overridden in a study's `inputs` or with `--set`.", ""]
    by_file: dict[str, list[Rule]] = {}
    for rule in rules.rules.values():
        by_file.setdefault(rule.file, []).append(rule)
    for file, group in sorted(by_file.items()):
        lines += [f"## {file}", "", "| rule | unit | kind | title |", "|---|---|---|---|"]
        for rule in group:
            lines.append(f"| {_link(rule.name)} | {rule.unit_label} | {rule_kind(rule)} | {rule.title} |")
        lines.append("")
    return "\n".join(lines)


def write_docs(rules: RuleSet, folder: Path) -> list[Path]:
    """Write the index and one page per rule into `folder`; return the files written."""
    folder.mkdir(parents=True, exist_ok=True)
    pages = {"README.md": index_page(rules)}
    pages.update({page_name(r.name): rule_page(rules, r) for r in rules.rules.values()})
    written = []
    for name, text in pages.items():
        path = folder / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
