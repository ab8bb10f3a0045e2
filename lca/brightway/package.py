"""A study as one self-contained Brightway package (`study.bw2package`), for colleagues.

The file is in bw2io's BW2Package format (bz2-compressed JSON, a list of objects with their
metadata, class and data), which `bw2io.BW2Package.import_file` writes into any project, in
both Brightway lines. It holds what the study's scores need and nothing of the practitioner's:
the indicator biosphere, the open-data background, the study's foreground (in that order, so
that every exchange links on import) and the tool's four methods. bw2io's own exporter is not
used: under Brightway 2.5 it writes a method's flows as the author's integer ids, which mean
nothing in another project; here they are (database, code) keys, as the legacy line writes.
"""

from __future__ import annotations

import bz2
from pathlib import Path
from typing import Any

from lca.brightway.handle import Project
from lca.brightway import bwcompat


def _entry(obj: Any, data: Any) -> dict[str, Any]:
    """One object of a BW2Package file."""
    return {"metadata": obj.metadata, "name": obj.name, "data": data,
            "class": {"module": type(obj).__module__, "name": type(obj).__name__}}


def export_package(databases: list[str], methods: list[list[str]], project: Project,
                   path: Path) -> Path:
    """Write `databases` (dependencies first) and `methods` of `project` to `path`."""
    with project.session():
        project.use()
        import bw2data
        from bw2data.serialization import JsonSanitizer, JsonWrapper

        entries = [_entry(db, db.load()) for db in map(bw2data.Database, databases)]
        for name in methods:
            method = bw2data.Method(tuple(name))
            entries.append(_entry(method, bwcompat.method_by_keys(method)))
    with bz2.open(path, "wb") as file:
        file.write(JsonWrapper.dumps(JsonSanitizer.sanitize(entries)).encode("utf-8"))
    return path
