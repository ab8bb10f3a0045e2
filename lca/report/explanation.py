"""The text `genai-lca explain` prints: an explanation tree (`lca.core.rules.explain`), one rule
per line with its details below, and the registry entries it cites."""

from __future__ import annotations

from lca.core.references import registry
from lca.core.rules.explain import Explanation


def render(tree: Explanation) -> str:
    """The tree as indented text, one rule per line with its details below, then each
    registry entry the tree cites, once."""
    lines: list[str] = []
    cited: dict[str, None] = {}  # in order of first citation

    def walk(node: Explanation, lead: str, branch: str) -> None:
        lines.append(f"{lead}{branch}{node.name} = {node.value}  ({node.title})")
        inner = lead + ("    " if branch == "└── " else "│   " if branch else "")
        if node.repeated:
            lines.append(f"{inner}  (explained above)")
            return
        pipe = "│ " if node.inputs else "  "
        if node.how == "formula":
            lines.append(f"{inner}{pipe} formula: {node.formula}")
        elif node.how == "override":
            lines.append(f"{inner}{pipe} given by {node.given}")
        else:
            lines.append(f"{inner}{pipe} default value")
        for source in node.sources:
            lines.append(f"{inner}{pipe} source: {source}")
        cited.update((c.ref, None) for c in node.cited)
        for i, child in enumerate(node.inputs):
            walk(child, inner, "└── " if i == len(node.inputs) - 1 else "├── ")

    walk(tree, "", "")
    entries = registry()
    if cited:
        lines += ["", "References:"] + [f"  {ref}: {entries[ref].text()}" for ref in cited]
    return "\n".join(lines)
