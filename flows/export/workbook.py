"""The Excel workbook of a snapshot: the import sheets first, then one sheet per table.

The import sheets (``users`` wide, ``ooo``, ``roles``, ``teams``, ``attributes``, ``webhooks``; see
``transforms.sheets.snapshot_sheets``) are what `calbulk import` reads, so the whole workbook
imports back unchanged. A table whose name is an import sheet's gets a ``_table`` suffix
(``users_table``, ``teams_table``): the importer ignores it, instead of reading the raw table
as input.

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

from transforms.sheets.cells import is_formula_like
from transforms.sheets.columns import KINDS

TABLE_SHEET_SUFFIX = "_table"
LIST_SEPARATOR = "; "


def sheet_name_for(table: str) -> str:
    """The sheet a snapshot table goes to: ``roles`` -> ``roles_table``, others as named."""
    return table + TABLE_SHEET_SUFFIX if table in KINDS else table


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
    path: Path,
    tables: Mapping[str, pl.DataFrame],
    import_sheets: Mapping[str, pl.DataFrame] | None = None,
) -> list[str]:
    """Write the import sheets (kind -> sheet), then the tables; returns the sheet names."""
    book = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False})
    formats = {
        "header": book.add_format({"bold": True}),
        "quoted": book.add_format({"quote_prefix": True}),
    }
    sheets = []
    try:
        for kind, data in (import_sheets or {}).items():
            _write_sheet(book, kind, data, formats)
            sheets.append(kind)
        for table, data in tables.items():
            _write_sheet(book, sheet_name_for(table), data, formats)
            sheets.append(sheet_name_for(table))
    finally:
        book.close()
    return sheets


__all__ = ["TABLE_SHEET_SUFFIX", "sheet_name_for", "write_workbook"]
