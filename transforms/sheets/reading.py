"""Reading real-world import spreadsheets into canonical frames.

CSV (UTF-8 with or without BOM, UTF-16 "Unicode text", Windows-1252; comma, semicolon or tab) and
Excel workbooks (sheets ``users``, ``ooo``, ``roles``; other sheets such as instructions are
ignored). Every kept row carries ``row``: its number as Excel shows it, so a message can say
"row 14". Every cell becomes stripped text or null; Excel dates become ISO dates and whole numbers
lose their ``.0``. Blank rows are dropped. Formulas without a value and Excel error cells are
reported as problems rather than read as data.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from transforms.problems import Problem, file_problem
from transforms.sheets.columns import KINDS, ColumnMap, detect_kind, map_columns, normalise_header

EXCEL_SUFFIXES = (".xlsx", ".xlsm")
EXCEL_ERRORS = ("#N/A", "#REF!", "#VALUE!", "#DIV/0!", "#NAME?", "#NUM!", "#NULL!")
_INVISIBLE = "\ufeff\u200b\u00a0"
_SHEET_ALIASES = {"users": "users", "ooo": "ooo", "out of office": "ooo", "roles": "roles"}


@dataclass
class Sheet:
    """One sheet of an import file, canonicalised.

    ``frame`` has ``row`` (Int64) and one Utf8 column per mapped header; ``headers`` maps each
    column to the header text as typed; ``attribute_columns`` are users-sheet columns left for
    the org's attributes.
    """

    kind: str
    source: str
    frame: pl.DataFrame
    headers: dict[str, str]
    attribute_columns: tuple[str, ...] = ()
    problems: list[Problem] = field(default_factory=list)

    def label(self, column: str) -> str:
        """The header text the person typed for ``column``."""
        return self.headers.get(column, column)

    def problem(
        self,
        row: int | None,
        column: str,
        value: str | None,
        problem: str,
        accepted: str,
        severity: str = "error",
    ) -> Problem:
        """A problem on this sheet, naming ``column`` the way the person typed its header."""
        return Problem(self.source, row, self.label(column), value, problem, accepted, severity)


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


def cell_text(value: object) -> str | None:
    """A cell as the text a person means: stripped, ``24.0`` -> ``24``, ISO dates, blank -> None."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.replace(tzinfo=None).isoformat(timespec="seconds")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    text = str(value).strip().strip(_INVISIBLE).strip()
    return text or None


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
    text, encoding = decode_csv_bytes(path.read_bytes())
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = sniff_delimiter(first_line)
    records = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows = ((number, record) for number, record in enumerate(records, start=1))
    book = Workbook(path=path, is_excel=False, sheets={}, encoding=encoding)
    sheet = _build_sheet(path.name, rows, kind, book.problems, formulas=None)
    if sheet is not None:
        book.sheets[sheet.kind] = sheet
    return book


def _read_excel(path: Path, kind: str | None) -> Workbook:
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
            sheet = _build_sheet(source, rows, sheet_kind, book.problems, formulas=formulas)
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
                "sheets named users, ooo or roles",
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


def _build_sheet(
    source: str,
    rows: Iterable[tuple[int, Iterable[object]]],
    kind: str | None,
    problems: list[Problem],
    formulas: dict[tuple[int, int], str] | None,
) -> Sheet | None:
    """Find the header (first non-blank row), map it, and collect the data rows below it."""
    rows = iter(rows)
    header: list[object] | None = None
    for _number, values in rows:
        values = list(values)
        if any(cell_text(v) for v in values):
            header = values
            break
    if header is None:
        problems.append(
            file_problem(
                source,
                "the file is empty (no header row)",
                "a header row (e.g. email, username, ...) and one row per person",
            )
        )
        return None
    kind = kind or detect_kind(header)
    if kind is None:
        problems.append(
            file_problem(
                source,
                "cannot tell what this sheet holds",
                "a header with email (users), email+start+end (ooo) or "
                "name+permissions (roles), or pass --kind",
            )
        )
        return None
    columns = map_columns(kind, header)
    problems.extend(_header_problems(source, columns))
    data, cell_problems = _collect_rows(source, rows, columns, formulas)
    frame = pl.DataFrame(
        data, schema={"row": pl.Int64, **dict.fromkeys(columns.positions, pl.Utf8)}
    )
    return Sheet(
        kind=kind,
        source=source,
        frame=frame,
        headers=dict(columns.headers),
        attribute_columns=columns.attribute_columns,
        problems=cell_problems,
    )


def _header_problems(source: str, columns: ColumnMap) -> list[Problem]:
    found = [
        Problem(
            source,
            None,
            column,
            None,
            f"required column {column!r} is missing",
            f"a column headed {column!r} (aliases like 'E-mail' work too)",
        )
        for column in columns.missing_required
    ]
    found += [
        Problem(
            source,
            1,
            header,
            header,
            "this column appears twice; the second is ignored",
            "each column once",
            severity="warning",
        )
        for header in columns.duplicate_headers
    ]
    return found


def _collect_rows(
    source: str,
    rows: Iterator[tuple[int, Iterable[object]]],
    columns: ColumnMap,
    formulas: dict[tuple[int, int], str] | None,
) -> tuple[dict[str, list], list[Problem]]:
    data: dict[str, list] = {"row": [], **{c: [] for c in columns.positions}}
    problems: list[Problem] = []
    items = list(columns.positions.items())
    for number, values in rows:
        values = list(values)
        cells = [(c, values[i] if i < len(values) else None, i) for c, i in items]
        texts = [cell_text(v) for _c, v, _i in cells]
        if not any(texts):
            continue
        data["row"].append(number)
        for (column, _raw, index), text in zip(cells, texts, strict=True):
            label = columns.headers[column]
            formula = formulas.get((number, index)) if formulas else None
            if formula is not None and text is None:
                problems.append(
                    Problem(
                        source,
                        number,
                        label,
                        formula,
                        "formula with no computed value",
                        "a typed value (open and save the file in Excel)",
                    )
                )
            elif text is not None and formulas is None and text.startswith("="):
                problems.append(
                    Problem(
                        source, number, label, text, "a formula, not a value", "the value itself"
                    )
                )
                text = None
            elif text in EXCEL_ERRORS:
                problems.append(
                    Problem(
                        source,
                        number,
                        label,
                        text,
                        "Excel error value",
                        "a value (fix the formula that produced it)",
                    )
                )
                text = None
            data[column].append(text)
    return data, problems
