"""What differs between the two Brightway lines the tool runs on, in one place.

The legacy line (brightway2 2.4.7: bw2data 3.6, bw2calc 1.8, bw2io 0.8) addresses an activity by
its `(database, code)` key everywhere; Brightway 2.5 (bw2data 4, bw2calc 2 or 3, bw2io 0.9) keys
the calculation by integer ids and migrates a project one way on first opening. The line is read from the installed bw2data's version, without
importing it (its import prints a banner and takes a second).

Both lines talk: the data-folder banner, bw2io's strategy lines, 2.5's pypardiso warning. What
they say goes nowhere, or with `--verbose` to stderr; never to stdout, which carries results.
"""

from __future__ import annotations

import contextlib
import os
import sys
from functools import cache
from importlib.metadata import version
from typing import Any, Iterator, TextIO

from lca.core.errors import InputError, Where
from lca.inventory.datasets import Key

#: bw2data's major version: 3 for the legacy line, 4 for Brightway 2.5.
BW2DATA_MAJOR = int(version("bw2data").split(".")[0])
BW25 = BW2DATA_MAJOR >= 4
LINE = "Brightway 2.5" if BW25 else "Brightway 2.4"

#: The types of an activity with its own product: Brightway 2.5 writes (and exports) the tool's
#: `process` activities as `processwithreferenceproduct`, a type the legacy line does not know.
PROCESS_TYPES = ("process", "processwithreferenceproduct") if BW25 else ("process",)

#: Set by the command line's --verbose: show what Brightway prints (on stderr).
VERBOSE = False


@cache
def _sink() -> TextIO:
    """The null device, opened once and never closed: Brightway 2.5's logger keeps the stream
    that was stdout when it was first imported, and would fail on a closed one."""
    return open(os.devnull, "w")


@contextlib.contextmanager
def chatter() -> Iterator[None]:
    """Run Brightway code with what it prints dropped, or on stderr with --verbose."""
    target = sys.stderr if VERBOSE else _sink()
    with contextlib.redirect_stdout(target), contextlib.redirect_stderr(target):
        yield


def demand_ids(demand: dict[Key, float]) -> dict[Any, float]:
    """The demand as the installed bw2calc takes it: by key (legacy) or by integer id (2.5)."""
    if not BW25:
        return demand
    from bw2data import get_id

    return {get_id(key): amount for key, amount in demand.items()}


def factorised_lca(demand: dict[Key, float], method: tuple[str, ...], factorize: bool = True
                   ) -> Any:
    """A bw2calc LCA of `demand` for `method`, its technosphere factorised for further demands
    (unless `factorize` is False: then only its matrices are wanted)."""
    from bw2calc import LCA

    lca = LCA(demand_ids(demand), method=method)
    lca.lci(factorize=factorize)
    return lca


def matrix_keys(lca: Any) -> tuple[list[Key], list[Key]]:
    """The (database, code) keys of the LCA's activities and biosphere flows, in matrix order."""
    if not BW25:
        indices = (lca.activity_dict, lca.biosphere_dict)
    else:
        from bw2data.backends import ActivityDataset

        rows = ActivityDataset.select(ActivityDataset.id, ActivityDataset.database,
                                      ActivityDataset.code).tuples()
        keys = {id_: (database, code) for id_, database, code in rows}
        indices = ({keys[i]: index for i, index in lca.dicts.activity.items()},
                   {keys[i]: index for i, index in lca.dicts.biosphere.items()})
    return tuple(sorted(index, key=index.__getitem__) for index in indices)


def write(db: Any, data: dict, searchable: bool) -> None:
    """Write a database's data (not processed), in bw2data's search index or not.

    Brightway 2.5 takes `searchable`; the legacy line's `write` always indexes, by calling the
    database's `make_searchable`, which is turned off here for this database object alone.
    """
    if BW25:
        db.write(data, process=False, searchable=searchable)
        return
    if not searchable:
        db.make_searchable = lambda reset=False: None
    db.write(data, process=False)


def check_project_line(name: str) -> None:
    """Refuse an existing project written by the other Brightway line, before opening it.

    Brightway 2.5 marks its projects (`"25"` in the project's data); opening a legacy project
    with 2.5 migrates it one way, and the legacy line cannot calculate a migrated one. Either way
    the project is left as it is: the error says what to do instead.
    """
    import bw2data
    from bw2data.project import ProjectDataset

    if name not in bw2data.projects:
        return
    twofive = bool(ProjectDataset.get(ProjectDataset.name == name).data.get("25"))
    if twofive == BW25:
        return
    written = "Brightway 2.5" if twofive else "Brightway 2.4"
    raise InputError(f"the Brightway project '{name}' was written by {written}, and this "
                     f"environment has {LINE} (bw2data {version('bw2data')}); it is left "
                     f"untouched: use another project name (--project) or another BRIGHTWAY2_DIR "
                     f"for this line, or run genai-lca where {written} is installed",
                     Where("command line", key="--project"))


def method_by_keys(method: Any) -> list[tuple]:
    """A method's characterisation factors with each flow as its (database, code) key: Brightway
    2.5 loads them by integer id, which is only valid in the project it was read from."""
    if not BW25:
        return [tuple(row) for row in method.load()]
    from bw2data import get_activity

    return [(get_activity(row[0]).key, *row[1:]) for row in method.load()]
