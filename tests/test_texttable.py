"""Terminal tables keep to 100 columns: a long name wraps, number columns go in blocks."""

from __future__ import annotations

from lca.report.texttable import aligned, fit

NAME = "Abiotic depletion, minerals and metals (ADPe)"  # 45 characters, the longest indicator


def test_a_narrow_table_is_unchanged() -> None:
    assert aligned([["a", "kg", "1"], ["bb", "m3", "22"]]) == ["  a   kg   1", "  bb  m3  22"]


def test_a_wide_table_wraps_its_names_and_splits_its_numbers() -> None:
    head = ["indicator", "unit", *(f"column {i}" for i in range(8))]
    row = [NAME, "kg Sb-eq", *(f"{12345678.9 * i:,.1f}" for i in range(8))]
    lines = aligned([head, row])
    assert max(len(line) for line in lines) <= 100
    # 2 + 45 + 2 + 8 + 8 x (2 + 12) = 169 columns unwrapped: the name is wrapped to 24 columns
    # (2 + 24 + 2 + 8 = 36, leaving 64: four 14-column numbers per block), so two blocks.
    assert sum(line.lstrip().startswith("indicator") for line in lines) == 2
    assert lines[1].startswith("  Abiotic depletion,") and lines[2] == "    minerals and metals"
    assert "86,419,752.3" in "".join(lines)  # the last column, 12,345,678.9 x 7, is kept
    assert "(ADPe)" in lines[3]


def test_a_long_note_wraps_with_a_hanging_indent() -> None:
    # 2 + 2 + 40 x 5 - 1 = 203 characters: three lines of at most 100.
    lines = fit("short\n  * " + "word " * 40 + "\n").splitlines()
    assert lines[0] == "short" and all(len(line) <= 100 for line in lines) and len(lines) == 4
    assert lines[1].startswith("  * word") and lines[2].startswith("      word")


def test_the_rules_listing_keeps_to_100_columns(capsys) -> None:
    """`genai-lca rules` wraps each title under itself (the longest rule names take 38 columns)."""
    from lca.cli import main

    assert main(["rules"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) > 150 and max(len(line) for line in lines) <= 100
