"""The error a person can act on: bad input, reported with where it is and what was expected."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Where:
    """A place in an input: a file (or `--set`), a line, a key."""

    file: str | None = None
    line: int | None = None
    key: str | None = None

    def __str__(self) -> str:
        parts = []
        if self.file:
            parts.append(self.file if self.line is None else f"{self.file}:{self.line}")
        if self.key:
            parts.append(f"key '{self.key}'")
        return ", ".join(parts)


class InputError(Exception):
    """Bad input: the CLI exits with status 2 and prints the message with its place."""

    def __init__(self, message: str, where: Where | None = None):
        super().__init__(message)
        self.message = message
        self.where = where or Where()

    def __str__(self) -> str:
        place = str(self.where)
        return f"{place}: {self.message}" if place else self.message


def near_names(name: str, candidates: object, limit: int = 3) -> list[str]:
    """The candidates closest to a mistyped name, best first."""
    import difflib

    pool = list(candidates)  # type: ignore[call-overload]
    close = difflib.get_close_matches(name, pool, n=limit, cutoff=0.6)
    if not close:
        # A shared last segment catches `power` for `gpu.power` and `gpu.tdp` style slips.
        tail = name.rsplit(".", 1)[-1]
        close = [c for c in pool if c.rsplit(".", 1)[-1] == tail][:limit]
    return close


def did_you_mean(name: str, candidates: object) -> str:
    """' (did you mean a, b?)' or '' when nothing is close."""
    close = near_names(name, candidates)
    return f" (did you mean {', '.join(close)}?)" if close else ""
