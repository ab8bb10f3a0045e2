"""Plain-text tables for the terminal: the commands' printed output."""

from __future__ import annotations


def aligned(rows: list[list[str]], labels: int = 2, indent: str = "  ") -> list[str]:
    """Rows as lines of columns: the first `labels` columns left-aligned (names, units), the
    others right-aligned (numbers, so their digits line up)."""
    widths = [max(len(r[c]) for r in rows) for c in range(len(rows[0]))]
    return [indent + "  ".join(cell.ljust(w) if c < labels else cell.rjust(w)
                               for c, (cell, w) in enumerate(zip(r, widths, strict=True)))
            for r in rows]
