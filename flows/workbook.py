"""The Excel workbook of a snapshot: the wide ``users`` sheet first, then one sheet per table.

Written cell by cell with xlsxwriter so that text is always a string cell (never a
formula), and text a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``,
tab, CR at the start) carries Excel's quote-prefix flag: the value is kept as is
and Excel shows and edits it as text.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path

import polars as pl
import xlsxwriter

from transforms.cells import is_formula_like

WIDE_USERS_SHEET = "users"
USERS_TABLE_SHEET = "users_table"  # the users table, renamed so the wide sheet owns `users`
LIST_SEPARATOR = "; "


def sheet_name_for(table: str) -> str:
    """The sheet a snapshot table goes to in the workbook."""
    return USERS_TABLE_SHEET if table == WIDE_USERS_SHEET else table


def _cell_text(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return LIST_SEPARATOR.join(str(v) for v in value)
    return str(value)


def _write_sheet(book: xlsxwriter.Workbook, name: str, data: pl.DataFrame, formats: dict) -> None:
    sheet = book.add_worksheet(name)
    for col, header in enumerate(data.columns):
        sheet.write_string(0, col, header, formats["header"])
    for row_number, row in enumerate(data.iter_rows(), start=1):
        for col, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, bool):
                sheet.write_boolean(row_number, col, value)
            elif isinstance(value, int | float):
                sheet.write_number(row_number, col, value)
            else:
                text = _cell_text(value)
                style = formats["quoted"] if is_formula_like(text) else None
                sheet.write_string(row_number, col, text, style)
    sheet.freeze_panes(1, 0)


def write_workbook(
    path: Path, tables: Mapping[str, pl.DataFrame], wide_users: pl.DataFrame | None
) -> list[str]:
    """Write the workbook; returns the sheet names in order."""
    book = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False})
    formats = {
        "header": book.add_format({"bold": True}),
        "quoted": book.add_format({"quote_prefix": True}),
    }
    sheets = []
    try:
        if wide_users is not None:
            _write_sheet(book, WIDE_USERS_SHEET, wide_users, formats)
            sheets.append(WIDE_USERS_SHEET)
        for table, data in tables.items():
            _write_sheet(book, sheet_name_for(table), data, formats)
            sheets.append(sheet_name_for(table))
    finally:
        book.close()
    return sheets


__all__ = ["USERS_TABLE_SHEET", "WIDE_USERS_SHEET", "sheet_name_for", "write_workbook"]
