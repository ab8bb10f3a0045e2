"""results.xlsx: one sheet per table of the document, readable as it opens in Excel."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from lca.report import tables

MAX_WIDTH = 60  # characters: long sources wrap in the cell rather than widen the column


def write_workbook(doc: dict[str, Any], path: Path) -> None:
    """Write every sheet of `tables.sheets`."""
    write_sheets(tables.sheets(doc), path)


def write_sheets(sheets: dict[str, pd.DataFrame], path: Path) -> None:
    """One sheet per frame, header frozen, columns sized to their content."""
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            frame.to_excel(writer, sheet_name=name, index=False)
            sheet = writer.sheets[name]
            sheet.freeze_panes = "A2"
            for column, cells in zip(sheet.columns, frame.columns, strict=True):
                longest = max([len(str(cells)), *(len(str(v)) for v in frame[cells])])
                sheet.column_dimensions[column[0].column_letter].width = min(MAX_WIDTH,
                                                                             longest + 2)
