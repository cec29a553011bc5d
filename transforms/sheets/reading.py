"""Reading real-world import spreadsheets into canonical frames.

CSV (UTF-8 with or without BOM, UTF-16 "Unicode text", Windows-1252; comma, semicolon or tab) and
Excel workbooks (sheets ``users``, ``ooo``, ``roles``, ``leavers``; other sheets such as
instructions are ignored). A sheet named like a kind is read as that kind; a workbook without one
has its first sheet recognised from its header as a CSV is, and a header that fits more than one
kind (a lone ``email`` fits users and leavers) is refused: calbulk never guesses into a write.
Every kept row carries ``row``: its number as Excel shows it, so a message can say
"row 14". Every cell becomes stripped text or null; Excel dates become ISO dates and whole numbers
lose their ``.0``. Blank rows are dropped. Formulas without a value and Excel error cells are
reported as problems rather than read as data.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from transforms.problems import Problem, file_problem
from transforms.sheets.building import (
    EXCEL_ERRORS,
    Sheet,
    build_sheet,
    cell_text,
    clean_text,
    sheet_from_frame,
)
from transforms.sheets.calamine import NeedsOpenpyxl, read_sheet, sheet_layout
from transforms.sheets.columns import KINDS, normalise_header

EXCEL_SUFFIXES = (".xlsx", ".xlsm")
_SHEET_ALIASES = {
    "users": "users",
    "ooo": "ooo",
    "out of office": "ooo",
    "roles": "roles",
    "leavers": "leavers",
    "teams": "teams",
    "attributes": "attributes",
    "webhooks": "webhooks",
}
_NAMED_SHEETS = f"sheets named {', '.join(KINDS[:-1])} or {KINDS[-1]}"


@dataclass
class Workbook:
    """Everything read from one input file: its sheets by kind and file-level problems."""

    path: Path
    is_excel: bool
    sheets: dict[str, Sheet]
    problems: list[Problem] = field(default_factory=list)
    encoding: str | None = None

    def all_problems(self) -> list[Problem]:
        found = list(self.problems)
        for sheet in self.sheets.values():
            found.extend(sheet.problems)
        return found


def read_workbook(path: Path | str, kind: str | None = None) -> Workbook:
    """Read a CSV or Excel import file. ``kind`` forces the kind of a CSV or single-sheet file."""
    path = Path(path)
    if kind is not None and kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
    if path.suffix.lower() in EXCEL_SUFFIXES:
        return _read_excel(path, kind)
    return _read_csv(path, kind)


def decode_csv_bytes(data: bytes) -> tuple[str, str]:
    """Decode a CSV file: BOM first, then strict UTF-8, then Windows-1252 (then Latin-1)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


def sniff_delimiter(first_line: str) -> str:
    """The delimiter used by a header line: whichever of , ; tab appears most (comma on ties)."""
    counts = {d: first_line.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: (counts[d], d == ","))
    return best if counts[best] else ","


def _read_csv(path: Path, kind: str | None) -> Workbook:
    data = path.read_bytes()
    text, encoding = decode_csv_bytes(data)
    head = _head_lines(text)
    delimiter = sniff_delimiter(head[-1] if head else "")
    book = Workbook(path=path, is_excel=False, sheets={}, encoding=encoding)
    if _needs_python_reader(text):
        records = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        rows = ((number, record) for number, record in enumerate(records, start=1))
        sheet = build_sheet(path.name, rows, kind, book.problems, formulas=None)
    else:
        raw = _polars_csv(data, text, encoding, delimiter, head)
        sheet = sheet_from_frame(path.name, raw, 1, kind, book.problems)
    if sheet is not None:
        book.sheets[sheet.kind] = sheet
    return book


def _head_lines(text: str) -> list[str]:
    """The lines up to the first non-blank one (the header), without splitting the whole text."""
    lines: list[str] = []
    start = 0
    while start < len(text) and len(lines) < 1000:
        end = text.find("\n", start)
        end = len(text) if end < 0 else end
        line = text[start:end].rstrip("\r")
        if line.strip():
            return [*lines, line]
        lines.append(line)
        start = end + 1
    return []


def _needs_python_reader(text: str) -> bool:
    """Line endings polars numbers differently from Excel (bare CR): read those with ``csv``."""
    return "\n" not in text and "\r" in text


def _polars_csv(
    data: bytes, text: str, encoding: str, delimiter: str, head: list[str]
) -> pl.DataFrame:
    """Every record of the file as text columns ``c0, c1, ...``: one frame row per record.

    As wide as the widest line up to the header, so a title line above the header cuts nothing.
    """
    if encoding == "utf-8":
        payload = data
    elif encoding == "utf-8-sig":
        payload = data[3:]
    else:
        payload = text.encode("utf-8")
    width = max(line.count(delimiter) for line in head) + 1 if head else 1
    if not payload.strip():
        return pl.DataFrame(schema={f"c{i}": pl.Utf8 for i in range(width)})
    return pl.read_csv(
        io.BytesIO(payload),
        has_header=False,
        separator=delimiter,
        schema={f"c{i}": pl.Utf8 for i in range(width)},
        truncate_ragged_lines=True,
        raise_if_empty=False,
        encoding="utf8-lossy",
    )


def _read_excel(path: Path, kind: str | None) -> Workbook:
    """calamine for the values; openpyxl when the workbook has formulas, error cells or is not
    a workbook at all (it names what is wrong, cell by cell)."""
    import fastexcel

    try:
        layout = sheet_layout(path)
        reader = fastexcel.read_excel(path)
    except (NeedsOpenpyxl, zipfile.BadZipFile, KeyError, OSError, fastexcel.FastExcelError):
        return _read_excel_openpyxl(path, kind)
    chosen = _choose_sheets(reader.sheet_names, kind)
    if any(name not in layout for name, _kind in chosen):
        return _read_excel_openpyxl(path, kind)
    book = Workbook(path=path, is_excel=True, sheets={})
    for sheet_name, sheet_kind in chosen:
        source = f"{path.name}[{sheet_name}]"
        raw = read_sheet(reader, sheet_name)
        sheet = sheet_from_frame(
            source, raw, layout[sheet_name], sheet_kind, book.problems, formulas_are_text=False
        )
        if sheet is not None and sheet.kind not in book.sheets:
            book.sheets[sheet.kind] = sheet
    if not chosen:
        book.problems.append(file_problem(path.name, "the workbook has no sheets", _NAMED_SHEETS))
    return book


def _read_excel_openpyxl(path: Path, kind: str | None) -> Workbook:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    book = Workbook(path=path, is_excel=True, sheets={})
    try:
        values_wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        formulas_wb = openpyxl.load_workbook(path, read_only=True, data_only=False)
    except (InvalidFileException, zipfile.BadZipFile, OSError, KeyError, ValueError) as exc:
        book.problems.append(
            file_problem(
                path.name,
                f"not a readable Excel file ({exc.__class__.__name__})",
                "an .xlsx workbook saved by Excel, LibreOffice or Google Sheets, or a CSV",
            )
        )
        return book
    try:
        chosen = _choose_sheets(values_wb.sheetnames, kind)
        for sheet_name, sheet_kind in chosen:
            source = f"{path.name}[{sheet_name}]"
            rows = _excel_rows(values_wb[sheet_name])
            formulas = _excel_formulas(formulas_wb[sheet_name])
            sheet = build_sheet(source, rows, sheet_kind, book.problems, formulas=formulas)
            if sheet is not None and sheet.kind not in book.sheets:
                book.sheets[sheet.kind] = sheet
    finally:
        values_wb.close()
        formulas_wb.close()
    if not chosen:
        book.problems.append(
            file_problem(
                path.name,
                "the workbook has no sheets",
                _NAMED_SHEETS,
            )
        )
    return book


def _choose_sheets(names: list[str], kind: str | None) -> list[tuple[str, str | None]]:
    """Sheets named like a kind; else the first sheet, with ``kind`` or its header deciding."""
    named = [
        (n, _SHEET_ALIASES[normalise_header(n)])
        for n in names
        if normalise_header(n) in _SHEET_ALIASES
    ]
    if kind is not None:
        matching = [(n, k) for n, k in named if k == kind]
        if matching or not names:
            return matching
        return [(names[0], kind)]
    if named:
        return named
    return [(names[0], None)] if names else []


def _excel_rows(worksheet) -> Iterator[tuple[int, tuple]]:
    worksheet.reset_dimensions()
    yield from enumerate(worksheet.iter_rows(values_only=True), start=1)


def _excel_formulas(worksheet) -> dict[tuple[int, int], str]:
    """(row, column index) -> formula text, for every formula cell of the sheet."""
    worksheet.reset_dimensions()
    found: dict[tuple[int, int], str] = {}
    for number, values in enumerate(worksheet.iter_rows(values_only=True), start=1):
        for index, value in enumerate(values):
            if isinstance(value, str) and value.startswith("="):
                found[(number, index)] = value
    return found


__all__ = [
    "EXCEL_ERRORS",
    "Sheet",
    "Workbook",
    "cell_text",
    "clean_text",
    "decode_csv_bytes",
    "read_workbook",
    "sniff_delimiter",
]
