"""Open a project genai-lca wrote in Activity Browser 3, calculate it there, compare, screenshot.

Run with the Python of an environment that has Activity Browser 3 and genai-lca, under a display
(Xvfb on a server):

    genai-lca assess examples/llama-3.1-405b.yaml --project genai-lca-ab3 --json > results.json
    xvfb-run -s "-screen 0 1600x1000x24" python scripts/ab3_check.py genai-lca-ab3 results.json \
        docs/ab3.png

It switches AB to the project, makes a calculation setup of the study's functional units and
the tool's four methods, calculates it with AB's own MLCA (the Calculate button's code), prints
AB's scores beside the tool's and saves the window, on the LCA results tab, as a PNG. Exit
status 1 when a score differs from the tool's by more than 1e-6 (relative).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.argv.append("--no-checks")  # AB would ask PyPI whether it is the latest release


def main(project: str, results: str, png: str) -> int:
    from activity_browser.bwutils.pandas_semantics import apply_pandas_3_semantics

    apply_pandas_3_semantics()  # what AB's launcher does before anything else
    import bw2data as bd
    from activity_browser import app
    from activity_browser.app import actions, pages, panes  # noqa: F401 (AB's pages register)
    from activity_browser.bwutils.multilca import MLCA

    doc = json.loads(Path(results).read_text(encoding="utf-8"))
    database = doc["brightway"]["databases"][-1]
    methods = [tuple(m) for m in doc["brightway"]["methods"]]
    app.main_window.show()
    actions.ProjectSwitch.run(project)
    codes = {u["name"]: a["code"] for u in doc["functional_units"]
             for a in bd.Database(database) if a["name"] == u["name"]}
    bd.calculation_setups["genai-lca"] = {
        "inv": [{(database, codes[u["name"]]): 1.0} for u in doc["functional_units"]],
        "ia": methods}
    bd.calculation_setups.flush()
    mlca = MLCA("genai-lca")
    mlca.calculate()
    worst = 0.0
    for i, unit in enumerate(doc["functional_units"]):
        for j, method in enumerate(methods):
            indicator = next(k for k, v in doc["indicators"].items() if v["name"] == method[1])
            ours, ab = unit["impacts"][indicator]["total"], float(mlca.lca_scores[i, j])
            worst = max(worst, abs(ab / ours - 1) if ours else abs(ab))
            print(f"{unit['name']:<18} {method[1]:<46} AB 3: {ab:.9g}  genai-lca: {ours:.9g}")
    print(f"largest relative difference: {worst:.2g}")
    actions.CSCalculate.run("genai-lca")

    def shoot() -> None:
        app.main_window.grab().save(png)
        app.application.quit()

    from qtpy import QtCore

    QtCore.QTimer.singleShot(4000, shoot)
    app.application.exec_()
    return 0 if worst <= 1e-6 else 1


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
