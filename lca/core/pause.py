"""Python's cyclic garbage collector paused while a study's many small objects are made.

A study of 10,000 functional units holds millions of dicts and lists (each unit's evaluator,
foreground datasets, rows of provenance): each pass of the collector walks them all, and the
passes come more often as they grow. Measured on the 10,000-unit benchmark (benchmarks/scale.py):
16 of 56 s of CPU were the collector's, for no garbage to find, as those objects all live to the
end of the run. The two steps that build them (`assess.prepare`, `assess.score`) pause it: paused
in each phase instead, it walked everything again after each. It resumes where it was (a nested
pause leaves it paused), and then collects what cycles were left behind.
"""

from __future__ import annotations

import gc
from contextlib import contextmanager
from typing import Iterator


@contextmanager
def collection_paused() -> Iterator[None]:
    """No cyclic garbage collection within the block (reference counting frees as ever)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
