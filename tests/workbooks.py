"""Real .xlsx files for tests: one sheet per entry, rows as given (the first is the header)."""

from __future__ import annotations

from pathlib import Path

import openpyxl


def write_book(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path
