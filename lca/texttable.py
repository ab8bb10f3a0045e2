"""Plain-text tables for the terminal: the commands' printed output, within 100 columns."""

from __future__ import annotations

import textwrap

#: The terminal width the printed output keeps to; what does not fit is in the --out files.
WIDTH = 100
#: The narrowest the first (name) column is wrapped to, so that names stay readable.
NAME_MIN = 24


def _line(cells: list[str], widths: list[int], labels: int, indent: str) -> str:
    return indent + "  ".join(cell.ljust(w) if c < labels else cell.rjust(w)
                              for c, (cell, w) in enumerate(zip(cells, widths, strict=True)))


def _span(widths: list[int], indent: str) -> int:
    return len(indent) + sum(widths) + 2 * (len(widths) - 1)


def aligned(rows: list[list[str]], labels: int = 2, indent: str = "  ",
            width: int = WIDTH) -> list[str]:
    """Rows as lines of columns: the first `labels` columns left-aligned (names, units), the
    others right-aligned (numbers, so their digits line up).

    A table wider than `width` has its first column wrapped (down to NAME_MIN characters), then
    its number columns split into blocks, one under the other, each with the label columns."""
    widths = [max(len(r[c]) for r in rows) for c in range(len(rows[0]))]
    if _span(widths, indent) <= width or labels == 0:
        return [_line(r, widths, labels, indent) for r in rows]
    first = max(NAME_MIN, widths[0] - (_span(widths, indent) - width))
    # A wrapped name's continuation lines are indented two more than its first line.
    names = [textwrap.wrap(r[0], first, subsequent_indent=" " * (len(r[0]) - len(r[0].lstrip())
                                                                 + 2)) or [""] for r in rows]
    first = max(len(part) for name in names for part in name)
    room = width - _span([first, *widths[1:labels]], indent)
    blocks: list[list[int]] = [[]]
    used = 0
    for c in range(labels, len(widths)):
        if blocks[-1] and used + widths[c] + 2 > room:
            blocks.append([])
            used = 0
        blocks[-1].append(c)
        used += widths[c] + 2
    lines: list[str] = []
    for block in blocks:
        if lines:
            lines.append("")
        columns = [*range(1, labels), *block]
        block_widths = [first, *(widths[c] for c in columns)]
        for row, name in zip(rows, names, strict=True):
            lines.append(_line([name[0], *(row[c] for c in columns)], block_widths, labels,
                               indent))
            lines += [_line([part, *[""] * len(columns)], block_widths, labels, indent).rstrip()
                      for part in name[1:]]
    return lines


def fit(text: str, width: int = WIDTH) -> str:
    """Printed text with each line longer than `width` (a note, a list of inputs) wrapped, its
    continuation lines indented four more than it; tables (`aligned`) already fit."""
    lines = []
    for line in text.splitlines():
        if len(line) <= width:
            lines.append(line)
            continue
        indent = line[:len(line) - len(line.lstrip())]
        lines += textwrap.wrap(line.lstrip(), width, initial_indent=indent,
                               subsequent_indent=indent + "    ", break_on_hyphens=False)
    return "\n".join(lines) + ("\n" if text.endswith("\n") else "")
