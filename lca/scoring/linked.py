"""The study scored over your own background (`background:` in the study): the foreground linked
to your activities (`lca.brightway.linking`), written into your project, and computed with your
project's LCIA methods by the one scoring engine, Brightway's totals as the cross-check."""

from __future__ import annotations

from typing import Any

from lca.brightway.linking import Resolved, write_linked
from lca.inventory.datasets import PARTS, Foreground
from lca.scoring import crosscheck
from lca.scoring.background import from_brightway
from lca.scoring.engine import STAGES, calculate


def assess_linked(resolved: Resolved, foregrounds: list[Foreground]) -> dict[str, Any]:
    """Write the linked foreground into your project and compute every method: the document's
    `background` block."""
    link = resolved.mapping.link
    linked, left_out = write_linked(resolved, foregrounds)
    methods = list(resolved.methods)
    written = from_brightway(linked[0].unit, methods)
    scores = calculate(linked, written, stored=True)
    crosscheck.check(linked, scores, written)
    units = []
    for name, fg, score in zip(resolved.owner.units, linked, scores, strict=True):
        impacts = []
        for method in methods:
            parts = score.parts[method]
            impacts.append({
                "method": list(method), "unit": resolved.methods[method],
                "total": score.total[method],
                "by_stage": {s: sum(parts[(p, s)] for p in PARTS) for s in STAGES},
                "by_component": {p: sum(parts[(p, s)] for s in STAGES) for p in PARTS},
                "includes": score.includes[method]})
        gaps = [{k: v for k, v in item.items() if k != "functional_unit"}
                for item in left_out if item["functional_unit"] == fg.unit[1]]
        units.append({"name": name, "impacts": impacts, "not_linked": gaps})
    return {"project": link.project.value, "database": link.database.value,
            "mapping": resolved.mapping.file, "linked_database": resolved.linked,
            "methods": [{"name": list(m), "unit": u} for m, u in resolved.methods.items()],
            "links": resolved.described, "functional_units": units}
