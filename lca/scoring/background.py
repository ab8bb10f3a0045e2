"""The characterised score of one unit of every input outside the foreground, per method.

Brightway computes them once per run: one LCA object over the background databases, then, per
method, one transposed solve `A^T s = B^T c` (A the technosphere, B the biosphere, c the
characterisation factors) gives the score of every background activity at once; a biosphere
flow's score is its characterisation factor. Everything else (results, contributions, variants,
scenarios, samples) contracts the foreground over these numbers (`lca.scoring.engine`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from lca.data.opendata import Indicator
from lca.inventory.datasets import BIOSPHERE, Key

Method = tuple[str, ...]


@dataclass(frozen=True)
class Background:
    """Scores per method (in the order of `methods`) of one unit of each background activity
    and each biosphere flow the foreground may use."""

    methods: tuple[Method, ...]
    scores: dict[Key, np.ndarray]

    def score(self, key: Key) -> np.ndarray:
        """The scores of one unit of `key`; a foreground that names an input Brightway does
        not hold is a bug of the builder, said with the key."""
        try:
            return self.scores[key]
        except KeyError:
            raise AssertionError(f"the foreground uses {key}, which is neither a foreground "
                                 f"activity nor in the background scored") from None


def from_brightway(demand: Key, methods: list[Method]) -> Background:
    """The scores of every activity and flow in the databases `demand` depends on (the current
    project's): one LCA object, one sparse LU factorisation of the transposed technosphere,
    one solve per method."""
    from scipy.sparse.linalg import splu

    from lca.brightway import bwcompat

    with bwcompat.chatter():
        lca = bwcompat.factorised_lca({demand: 1.0}, methods[0], factorize=False)
        activities, flows = bwcompat.matrix_keys(lca)
        transposed = splu(lca.technosphere_matrix.T.tocsc())
        columns = []
        for method in methods:
            lca.switch_method(method)
            factors = np.asarray(lca.characterization_matrix.diagonal()).ravel()
            columns.append((transposed.solve(lca.biosphere_matrix.T @ factors), factors))
    scores = {key: np.array([s[i] for s, _ in columns]) for i, key in enumerate(activities)}
    scores |= {key: np.array([f[i] for _, f in columns]) for i, key in enumerate(flows)}
    return Background(tuple(methods), scores)


def open_data(background: dict[Key, dict[str, Any]], indicators: dict[str, Indicator],
              methods: dict[str, Method]) -> Background:
    """The same scores from the open-data datasets as written to Brightway, without a project.

    The tool's methods put factor 1 on their own indicator flow (`brightway.register_methods`)
    and each open-data dataset is a process with only indicator flows, so a dataset's score is
    its amount of the method's flow. Tests score with it where they need no project.
    """
    order = [indicators[i].id for i in methods]
    scores = {(BIOSPHERE, flow): np.array([float(flow == i) for i in order]) for flow in order}
    for key, dataset in background.items():
        amounts = {e["input"][1]: e["amount"] for e in dataset["exchanges"]
                   if e["type"] == "biosphere"}
        scores[key] = np.array([float(amounts.get(i, 0.0)) for i in order])
    return Background(tuple(methods.values()), scores)
