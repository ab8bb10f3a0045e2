"""Writing to Brightway (bw2data): the project, the tool's databases and methods, with ownership.

The tool marks what it writes (metadata key `genai-lca`) and only ever replaces what it marked:
a same-named database or method it did not create is an input error, and is left untouched. The
open-data databases are rewritten only when the shipped data change (a fingerprint), so a second
assessment reuses them.

Writes survive a kill at any moment: a database or method is registered with the mark before any
of its data is written; the mark's fingerprint is cleared before a rewrite and set only once the
data are written and processed, so a write that did not finish is redone by the next run. One
lock per project (an OS file lock, released by the kernel when its process dies) makes concurrent
runs wait for each other.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import os
import pickle
import signal
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Iterator

from lca import __version__
from lca.brightway import bulk, bwcompat, processed
from lca.core.errors import InputError, Where
from lca.data.opendata import Indicator
from lca.defaults import DEFAULT_PROJECT  # noqa: F401 (re-exported: callers say bw.DEFAULT_PROJECT)
from lca.inventory.datasets import BACKGROUND, BIOSPHERE, Key, biosphere_datasets

MARK = "genai-lca"
# A study's foreground is this and its title; an import may replace nothing else.
FOREGROUND_PREFIX = "genai-lca: "
# The fault-injection point of the kill tests (tests/test_writes.py): `STEP:NAME` makes the
# process kill itself (SIGKILL, as `kill -9`) at that step of writing that database or method.
KILL_AT = "GENAI_LCA_KILL_AT"


def _check_folder() -> None:
    """BRIGHTWAY2_DIR, when set, must be a folder: bw2data would raise a bare OSError on import."""
    folder = os.environ.get("BRIGHTWAY2_DIR")
    if folder and not os.path.isdir(folder):
        raise InputError(f"BRIGHTWAY2_DIR is '{folder}', which is not a folder: create it, or "
                         f"unset BRIGHTWAY2_DIR to use Brightway's own data folder",
                         Where("environment", key="BRIGHTWAY2_DIR"))


def import_brightway() -> None:
    """Import bw2data and bw2calc, with what they print on import silenced (`bwcompat.chatter`)."""
    _check_folder()
    with bwcompat.chatter():
        import bw2calc  # noqa: F401
        import bw2data  # noqa: F401


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """Silence the progress bars bw2data prints while writing (they say nothing to our users)."""
    with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink), \
            contextlib.redirect_stderr(sink):
        yield


def _step(step: str, name: str) -> None:
    """A point between two writes: where the kill tests stop the process (see KILL_AT)."""
    if os.environ.get(KILL_AT) == f"{step}:{name}":
        os.kill(os.getpid(), signal.SIGKILL)


# The project locks this process holds, and how many `session` blocks want each kept.
_locks: dict[str, IO[str]] = {}
_sessions: Counter[str] = Counter()


def _lock_file(project: str) -> Path:
    """The lock file of a project, beside the projects in Brightway's data folder.

    With BRIGHTWAY2_DIR it is known before bw2data is imported, so that the lock also covers the
    project's creation by bw2data (two runs creating one project at once collide).
    """
    folder = os.environ.get("BRIGHTWAY2_DIR")
    if not folder:
        import_brightway()
        import bw2data

        folder = str(Path(bw2data.projects.dir).parent)
    digest = hashlib.sha256(project.encode()).hexdigest()[:16]
    return Path(folder) / f"genai-lca-{digest}.lock"


def lock(project: str) -> None:
    """Take the project's lock, waiting (and saying so on stderr) while another run holds it."""
    import fcntl

    if project in _locks:
        return
    handle = _lock_file(project).open("a+", encoding="utf-8")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip() or "unknown"
        print(f"genai-lca: the Brightway project '{project}' is in use by another genai-lca run "
              f"(process {holder}); waiting for it to finish", file=sys.stderr, flush=True)
        fcntl.flock(handle, fcntl.LOCK_EX)
    # A lock left by a killed run needs no cleaning: the kernel released it with the process.
    handle.seek(0)
    handle.truncate()
    handle.write(str(os.getpid()))
    handle.flush()
    _locks[project] = handle


@contextlib.contextmanager
def session(project: str) -> Iterator[None]:
    """Keep the project's lock, once `open_project` takes it, until the block ends.

    A command that writes and then reads the project again (several allocations, the Monte Carlo
    over the written foreground, the export) runs in one session, so that no other run can
    rewrite the project in between. Sessions nest.
    """
    _sessions[project] += 1
    try:
        yield
    finally:
        _sessions[project] -= 1
        if not _sessions[project]:
            del _sessions[project]
            handle = _locks.pop(project, None)
            if handle is not None:
                handle.close()  # closing the file releases the lock


def open_project(name: str) -> None:
    """Lock `name` and make it the current project (created if missing; never deleted or reset,
    nor opened when the other Brightway line wrote it).

    Outside any `session` the lock is kept until the process ends.
    """
    _check_folder()
    lock(name)
    import_brightway()

    bwcompat.check_project_line(name)
    make_current(name)


def make_current(name: str) -> None:
    """bw2data's current project becomes `name`. A switch closes and reopens bw2data's SQLite
    files with two full garbage collections (bw2data.sqlite.change_path), each a walk of every
    live object: 0.16 s of a fresh run's start, more in a large process. Staying is free, and
    the objects alive before the switch are set aside from those collections
    (`gc.freeze`), then handed back: only what the switch itself left behind is collected."""
    import bw2data

    if bw2data.projects.current == name:
        return
    gc.freeze()
    try:
        bw2data.projects.set_current(name)
    finally:
        gc.unfreeze()


def fingerprint(data: Any) -> str:
    """A short hash of the data a database is written from: of its pickle, six times faster
    than of its JSON (0.03 s against 0.19 s for a 1,000-unit foreground), and the same for the
    same data built the same way (a new Python or numpy may change it: one more write)."""
    if isinstance(data, dict):  # Brightway data are keyed by (database, code) tuples
        data = sorted((repr(k), v) for k, v in data.items())
    return hashlib.sha256(pickle.dumps(data, protocol=4)).hexdigest()[:16]


def _mark(database: str) -> dict[str, Any] | None:
    import bw2data

    return bw2data.databases[database].get(MARK) if database in bw2data.databases else None


@dataclass(frozen=True)
class Owner:
    """The study a foreground belongs to. Its identity is its title (the database's name); the
    role (assessed, or imported from a workbook), the file it was last written from and its
    functional units tell another study that has the same title from a copied or moved one."""

    role: str
    file: str
    units: tuple[str, ...] = ()

    def mark(self) -> dict[str, Any]:
        return {"role": self.role, "file": self.file, "units": list(self.units)}

    def same_study(self, mark: dict[str, Any]) -> bool:
        """Whether the study marked on a database is this one: the same file, or (a copy, a
        move) at least one functional unit in common. Marks of earlier versions name no units."""
        units = mark.get("units")
        return (mark.get("file", mark.get("owner")) == self.file or not units or not self.units
                or bool(set(units) & set(self.units)))


def check_owned(database: str, owner: Owner | None = None) -> None:
    """Raise an input error if writing `database` would replace something not the tool's own.

    `owner` is the study a foreground belongs to: the foreground of another study with the same
    title, or one written by another command (assessed, imported), is not replaced either.
    """
    import bw2data

    if database not in bw2data.databases:
        return
    mark = _mark(database)
    if mark is None:
        raise InputError(f"the Brightway project '{bw2data.projects.current}' already has a "
                         f"database '{database}' that genai-lca did not create; it is left "
                         f"untouched: rename it, or run in another project (--project)",
                         Where(key=database))
    if owner is None:
        return
    if mark.get("role") != owner.role:
        raise InputError(f"database '{database}' holds the {mark.get('role')} of this title; "
                         f"an {owner.role} does not replace it (the two are kept apart): use "
                         f"another project (--project NAME)", Where(key=database))
    if not owner.same_study(mark):
        raise InputError(f"database '{database}' belongs to another study with the same title "
                         f"(functional units {', '.join(mark['units'])}; written from "
                         f"{mark.get('file')}), which this one ({', '.join(owner.units)}) would "
                         f"replace: give this study its own title (`study:`), or use another "
                         f"project (--project NAME)", Where(owner.file, key="study"))


def write_owned(database: str, data: dict, role: str, owner: Owner | None = None,
                searchable: bool = True) -> None:
    """Write a database the tool owns, unless it already holds exactly `data`.

    `searchable` False leaves it out of bw2data's search index, whose update queries every
    activity's exchanges one by one (most of the time of writing a large foreground), writes
    its rows with one statement per table (`lca.brightway.bulk`) and builds its processed
    arrays from them (`lca.brightway.processed`) instead of reading them back.

    The steps, each of which a kill may interrupt: register with the mark (no fingerprint) or
    clear the fingerprint of the existing mark; delete the old data; write; process; set the
    fingerprint. A run that finds no fingerprint, or another one, writes the database again.
    """
    import bw2data

    check_owned(database, owner)
    stamp = fingerprint(data)
    mark = _mark(database)
    if mark is not None and mark.get("fingerprint") == stamp:
        return
    pending = {"role": role, **(owner.mark() if owner else {}), "fingerprint": None,
               "version": __version__}
    db = bw2data.Database(database)
    if database in bw2data.databases:
        bw2data.databases[database][MARK] = pending
        bw2data.databases.flush()
    else:
        db.register(**{MARK: pending})
    _step("marked", database)
    with _quiet():
        if len(db):
            # Deleted here, outside the write's transaction: bw2data 3.6's delete() runs VACUUM
            # beyond 500 activities, which SQLite refuses inside a transaction.
            db.delete(keep_params=True, warn=False)
            _step("deleted", database)
        written = None
        if searchable:
            bwcompat.write(db, data, searchable)
        else:  # a foreground: thousands of activities, written with one statement per table
            written = bulk.write(db, data)
        _step("written", database)
        # From the rows just written; by bw2data's own `process()` when there are none.
        processed.process(db, written)
    _step("processed", database)
    bw2data.databases[database][MARK] = {**pending, "fingerprint": stamp}
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
    """One method per indicator: factor 1 on its indicator flow. Only the tool's are replaced.

    As for databases, a method is registered with the mark before its data are written, and its
    fingerprint is set only after.
    """
    import bw2data

    check_methods(indicators)
    for indicator in indicators.values():
        name = method_name(indicator)
        stamp = fingerprint([indicator, biosphere])
        if name in bw2data.methods and bw2data.methods[name][MARK].get("fingerprint") == stamp:
            continue
        fields = {"unit": indicator.unit, "description": indicator.description,
                  "source": indicator.source,
                  MARK: {"fingerprint": None, "indicator": indicator.id}}
        method = bw2data.Method(name)
        if name in bw2data.methods:
            bw2data.methods[name].update(fields)
            bw2data.methods.flush()
        else:
            method.register(**fields)
        _step("marked", indicator.name)
        with _quiet():
            method.write([((biosphere, indicator.id), 1.0)])
        _step("written", indicator.name)
        bw2data.methods[name][MARK]["fingerprint"] = stamp
        bw2data.methods.flush()


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
