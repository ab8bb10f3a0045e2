"""A plain Brightway script, for comparison with `genai-lca assess` (benchmarks/assessment.py).

Reads the databases genai-lca would write (a pickle made by assessment.py), writes them into a
project the usual way, registers the four methods and computes each functional unit's score per
method with a new LCA object each time, as a notebook typically does. Prints the seconds taken
by one pass, then by a second pass in the same process, and the scores (for checking).
"""

from __future__ import annotations

import pickle
import sys
import time


def run(payload: dict) -> dict:
    import bw2calc
    import bw2data

    bw2data.projects.set_current(payload["project"])
    for name, data in payload["databases"].items():
        bw2data.Database(name).write(data)
    for method, flow in payload["methods"]:
        m = bw2data.Method(tuple(method))
        m.register()
        m.write([(tuple(flow), 1.0)])
    scores = {}
    for unit in payload["units"]:
        for method, _ in payload["methods"]:
            lca = bw2calc.LCA({tuple(unit): 1.0}, method=tuple(method))
            lca.lci()
            lca.lcia()
            scores[(unit[1], method[1])] = lca.score
    return scores


def main() -> None:
    with open(sys.argv[1], "rb") as handle:
        payload = pickle.load(handle)
    start = time.perf_counter()
    scores = run(payload)
    first = time.perf_counter() - start
    start = time.perf_counter()
    run(payload)
    second = time.perf_counter() - start
    print(f"{first:.4f} {second:.4f} {len(scores)}")


if __name__ == "__main__":
    main()
