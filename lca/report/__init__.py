"""Exports and the ISO 14044 report: tables, workbook, figures, HTML, written as one bundle."""
