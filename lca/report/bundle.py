"""`--out DIR`: every file a practitioner takes away from an assessment, written from its
results document: results.json, results.csv (and results.decimal-comma.csv), results.xlsx,
figures/*.png|svg and report.html."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from lca.brightway.handle import Project
from lca.core.errors import InputError, Where
from lca.report import figures, html, tables
from lca.report.workbook import write_workbook


def check_out(out: Path) -> None:
    """Refuse, before anything is computed or written, a --out that cannot be a folder: a file,
    a path under a file, or a place the user may not write to. Nothing is created here."""
    where = Where("command line", key="--out")
    if out.exists() and not out.is_dir():
        raise InputError(f"'{out}' is a file; --out takes a folder (created if missing)", where)
    existing = out.absolute()
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise InputError(f"'{out}' is under '{existing}', which is a file, not a folder", where)
    if not os.access(existing, os.W_OK | os.X_OK):
        raise InputError(f"'{out}' cannot be written: '{existing}' is not writable by you",
                         where)


def write_json(doc: dict[str, Any], out: Path) -> None:
    """results.json, the folder created if needed."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")


def write_bundle(doc: dict[str, Any], out: Path) -> None:
    """Write the bundle of an assessment's document into `out`."""
    write_json(doc, out)
    contributions = tables.contributions(doc)
    contributions.to_csv(out / "results.csv", index=False, float_format="%.17g")
    # The same for Excel where the decimal separator is a comma (and so the list separator a
    # semicolon): it opens by double-click in columns, its numbers as numbers. UTF-8 with a
    # byte-order mark, without which Excel reads the units' non-ASCII characters wrongly.
    contributions.to_csv(out / "results.decimal-comma.csv", index=False, sep=";", decimal=",",
                         float_format="%.17g", encoding="utf-8-sig")
    write_workbook(doc, out / "results.xlsx")
    uris = {}
    drawn = {"contributions": figures.contributions(doc),
             "allocation": figures.allocation_comparison(doc),
             "uncertainty": figures.uncertainty_intervals(doc),
             "tornado": figures.tornado(doc), "sobol": figures.sobol_indices(doc)}
    for name, figure in drawn.items():
        if figure is None:
            continue
        paths = figures.save(figure, out / "figures", name)
        uris[name] = html.data_uri(next(p for p in paths if p.suffix == ".svg"))
    (out / "report.html").write_text(html.render(doc, uris), encoding="utf-8")


def publish(doc: dict[str, Any], out: Path, project: Project) -> None:
    """The bundle of `--out`, the foreground in bw2io's Excel format and the whole study as a
    Brightway package, read back from the project the pipeline's `score` wrote."""
    from lca.brightway.excel import export_foreground
    from lca.brightway.package import export_package

    write_bundle(doc, out)
    databases = doc["brightway"]["databases"]
    export_foreground(databases[-1], project, out / "foreground.xlsx")
    export_package(databases, doc["brightway"]["methods"], project, out / "study.bw2package")
