"""What differs between the two Brightway lines the tool runs on, in one place.

The legacy line (brightway2 2.4.7: bw2data 3.6, bw2calc 1.8, bw2io 0.8) addresses an activity by
its `(database, code)` key everywhere; Brightway 2.5 (bw2data 4, bw2calc 2 or 3, bw2io 0.9) keys
the calculation by integer ids, replaces `redo_lci` by `lci(demand=...)` and migrates a project
one way on first opening. The line is read from the installed bw2data's version, without
importing it (its import prints a banner and takes a second).
"""

from __future__ import annotations

from importlib.metadata import version
from typing import Any

from lca.inventory.datasets import Key

#: bw2data's major version: 3 for the legacy line, 4 for Brightway 2.5.
BW2DATA_MAJOR = int(version("bw2data").split(".")[0])
BW25 = BW2DATA_MAJOR >= 4
LINE = "Brightway 2.5" if BW25 else "Brightway 2.4 (legacy)"


def _ids(demand: dict[Key, float]) -> dict[Any, float]:
    """The demand as the installed bw2calc takes it: by key (legacy) or by integer id (2.5)."""
    if not BW25:
        return demand
    from bw2data import get_id

    return {get_id(key): amount for key, amount in demand.items()}


def factorised_lca(demand: dict[Key, float], method: tuple[str, ...]) -> Any:
    """A bw2calc LCA of `demand` for `method`, its technosphere factorised for further demands."""
    from bw2calc import LCA

    lca = LCA(_ids(demand), method=method)
    lca.lci(factorize=True)
    return lca


def redo_lci(lca: Any, demand: dict[Key, float]) -> None:
    """The inventory of another demand, on the same (factorised) technosphere."""
    if BW25:
        lca.lci(demand=_ids(demand))
    else:
        lca.redo_lci(demand)


def supply(lca: Any, key: Key) -> float:
    """The supply of the activity `key` in the last inventory calculated."""
    if BW25:
        from bw2data import get_id

        return float(lca.supply_array[lca.dicts.activity[get_id(key)]])
    return float(lca.supply_array[lca.activity_dict[key]])
