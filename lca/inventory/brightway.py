"""Writing to Brightway (bw2data): the project, the tool's databases and methods, with ownership.

The tool marks what it writes (metadata key `genai-lca`) and only ever replaces what it marked:
a same-named database or method it did not create is an input error, and is left untouched. The
open-data databases are rewritten only when the shipped data change (a fingerprint), so a second
assessment reuses them.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from typing import Any, Iterator

from lca import __version__
from lca.errors import InputError, Where
from lca.inventory import bwcompat
from lca.inventory.data import Indicator
from lca.inventory.datasets import BACKGROUND, BIOSPHERE, Key, biosphere_datasets

MARK = "genai-lca"
DEFAULT_PROJECT = "genai-lca"


def import_brightway() -> None:
    """Import bw2data and bw2calc, with what they print on import silenced (`bwcompat.chatter`)."""
    folder = os.environ.get("BRIGHTWAY2_DIR")
    if folder and not os.path.isdir(folder):
        # bw2data would raise a bare OSError on import; say what to do instead.
        raise InputError(f"BRIGHTWAY2_DIR is '{folder}', which is not a folder: create it, or "
                         f"unset BRIGHTWAY2_DIR to use Brightway's own data folder",
                         Where("environment", key="BRIGHTWAY2_DIR"))
    with bwcompat.chatter():
        import bw2calc  # noqa: F401
        import bw2data  # noqa: F401


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """Silence the progress bars bw2data prints while writing (they say nothing to our users)."""
    with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink), \
            contextlib.redirect_stderr(sink):
        yield


def open_project(name: str) -> None:
    """Make `name` the current project (created if missing; never deleted or reset, nor one of
    the other Brightway line opened)."""
    import_brightway()
    import bw2data

    bwcompat.check_project_line(name)
    bw2data.projects.set_current(name)


def fingerprint(data: Any) -> str:
    """A short hash of the data a database is written from."""
    if isinstance(data, dict):  # Brightway data are keyed by (database, code) tuples
        data = sorted((repr(k), v) for k, v in data.items())
    text = json.dumps(data, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _mark(database: str) -> dict[str, Any] | None:
    import bw2data

    return bw2data.databases[database].get(MARK) if database in bw2data.databases else None


def check_owned(database: str, owner: str | None = None) -> None:
    """Raise an input error if writing `database` would replace something not the tool's own.

    `owner` is what the database belongs to (a study file for a foreground): a database of the
    tool that belongs to another owner is not replaced either.
    """
    import bw2data

    if database in bw2data.databases:
        mark = _mark(database)
        if mark is None:
            raise InputError(f"the Brightway project '{bw2data.projects.current}' already has a "
                             f"database '{database}' that genai-lca did not create; it is left "
                             f"untouched: rename it, or run in another project (--project)",
                             Where(key=database))
        if owner is not None and mark.get("owner") not in (None, owner):
            raise InputError(f"database '{database}' belongs to another study ({mark['owner']}); "
                             f"give this study another title, or use another project",
                             Where(key=database))


def write_owned(database: str, data: dict, role: str, owner: str | None = None) -> None:
    """Write a database the tool owns, unless it already holds exactly `data`."""
    import bw2data

    check_owned(database, owner)
    stamp = fingerprint(data)
    mark = _mark(database)
    if mark is not None and mark.get("fingerprint") == stamp:
        return
    db = bw2data.Database(database)
    db.register()
    with _quiet():
        db.write(data)
    bw2data.databases[database][MARK] = {"role": role, "owner": owner, "fingerprint": stamp,
                                         "version": __version__}
    bw2data.databases.flush()


def method_name(indicator: Indicator) -> tuple[str, str]:
    return (MARK, indicator.name)


def check_methods(indicators: dict[str, Indicator]) -> None:
    """Raise an input error if a method of the tool's names exists and is not the tool's."""
    import bw2data

    for indicator in indicators.values():
        name = method_name(indicator)
        if name in bw2data.methods and bw2data.methods[name].get(MARK) is None:
            raise InputError(f"the project already has a method {name} that genai-lca did not "
                             f"create; it is left untouched", Where(key=str(name)))


def register_methods(indicators: dict[str, Indicator], biosphere: str) -> None:
    """One method per indicator: factor 1 on its indicator flow. Only the tool's are replaced."""
    import bw2data

    check_methods(indicators)
    for indicator in indicators.values():
        name = method_name(indicator)
        method = bw2data.Method(name)
        stamp = fingerprint([indicator, biosphere])
        if name in bw2data.methods:
            if bw2data.methods[name][MARK].get("fingerprint") == stamp:
                continue
        else:
            method.register()
        bw2data.methods[name].update({"unit": indicator.unit, "description": indicator.description,
                                      "source": indicator.source,
                                      MARK: {"fingerprint": stamp, "indicator": indicator.id}})
        bw2data.methods.flush()
        with _quiet():
            method.write([((biosphere, indicator.id), 1.0)])


def write_open_data(indicators: dict[str, Indicator], background: dict[Key, dict[str, Any]]
                    ) -> None:
    """The databases and methods every study shares: the indicator biosphere, the open-data
    background and one method per indicator; each checked as the tool's own before any is written."""
    for name in (BIOSPHERE, BACKGROUND):
        check_owned(name)
    check_methods(indicators)
    write_owned(BIOSPHERE, biosphere_datasets(indicators), "indicator biosphere")
    write_owned(BACKGROUND, background, "open-data background")
    register_methods(indicators, BIOSPHERE)
