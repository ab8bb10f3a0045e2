"""The Brightway project a run works in, as one typed handle passed to every step that touches it.

bw2data keeps one global "current project"; a step that relied on it would score whichever
project ran last (a linked background's, a test's, a notebook's). A `Project` names its project and
data folder, is opened once (created if missing, its Brightway line checked, its lock taken), and
every step that reads or writes Brightway calls `use()` first, which makes it current again.
Brightway itself is imported on first use: the command line makes a handle of `--project` before
it knows whether the command will need Brightway.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from lca.core.errors import InputError, Where
from lca.defaults import DEFAULT_PROJECT


@dataclass
class Project:
    """A Brightway project by name; `folder`, Brightway's data folder, is known once it is opened
    (BRIGHTWAY2_DIR when set, else Brightway's own)."""

    name: str = DEFAULT_PROJECT
    folder: Path | None = field(default=None, compare=False)

    def use(self) -> None:
        """Make this bw2data's current project, locked for this process; the first call opens
        it (`brightway.project.open_project`: created if missing, never reset). Refuses a data
        folder other than the one it was opened in: bw2data reads BRIGHTWAY2_DIR once, on
        import, so a later change would otherwise be ignored without a word."""
        from lca.brightway import project as bw

        if self.folder is None:
            bw.open_project(self.name)
            self.folder = _brightway_folder()
            return
        folder = os.environ.get("BRIGHTWAY2_DIR")
        if folder and Path(folder).resolve() != self.folder.resolve():
            raise InputError(f"BRIGHTWAY2_DIR is now '{folder}', but the project '{self.name}' was "
                             f"opened in '{self.folder}' (Brightway reads the variable once): "
                             f"set it before the first assessment of the process",
                             Where("environment", key="BRIGHTWAY2_DIR"))
        bw.lock(self.name)
        bw.make_current(self.name)

    @contextlib.contextmanager
    def session(self) -> Iterator[Project]:
        """Keep the project's lock, once `use` takes it, until the block ends (a run that writes,
        then reads back what it wrote: the Monte Carlo, the exports)."""
        from lca.brightway import project as bw

        with bw.session(self.name):
            yield self


def _brightway_folder() -> Path:
    """The data folder bw2data works in: the parent of the current project's directory."""
    import bw2data

    return Path(bw2data.projects.dir).parent
