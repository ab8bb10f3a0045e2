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


def _blocks(widths: list[int], room: int, offset: int) -> list[list[int]]:
    """The columns (numbered from `offset`) in as few blocks as fit `room`, as even as can be:
    eight columns in two blocks of four rather than seven and one."""
    count = 1
    used = 0
    for w in widths:  # how many blocks, filling each in turn
        if used and used + w + 2 > room:
            count += 1
            used = 0
        used += w + 2
    while True:
        size = -(-len(widths) // count)
        blocks = [list(range(offset + i, offset + min(i + size, len(widths))))
                  for i in range(0, len(widths), size)]
        if all(sum(widths[c - offset] + 2 for c in b) <= room for b in blocks) or size == 1:
            return blocks
        count += 1


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
    names = [textwrap.wrap(r[0], first, break_on_hyphens=False,
                           subsequent_indent=" " * (len(r[0]) - len(r[0].lstrip()) + 2)) or [""]
             for r in rows]
    first = max(len(part) for name in names for part in name)
    blocks = _blocks(widths[labels:], width - _span([first, *widths[1:labels]], indent), labels)
    lines: list[str] = []
    for block in blocks:
        if lines:
            lines.append("")
        columns = [*range(1, labels), *block]
        block_widths = [first, *(widths[c] for c in columns)]
        for row, name in zip(rows, names, strict=True):
            lines.append(_line([name[0], *(row[c] for c in columns)], block_widths, labels,
                               indent).rstrip())
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
