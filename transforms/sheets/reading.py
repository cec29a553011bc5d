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
from transforms.sheets.calamine import NeedsOpenpyxl, read_sheet, sheet_layout
from transforms.sheets.columns import KINDS, ColumnMap, detect_kind, map_columns, normalise_header

EXCEL_SUFFIXES = (".xlsx", ".xlsm")
EXCEL_ERRORS = ("#N/A", "#REF!", "#VALUE!", "#DIV/0!", "#NAME?", "#NUM!", "#NULL!")
_INVISIBLE = "\ufeff\u200b\u00a0"
# What str.strip() strips (Unicode white space) plus the invisible characters: one pass in polars.
_STRIPPED = (
    " \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
    "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000" + _INVISIBLE
)
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
    data = path.read_bytes()
    text, encoding = decode_csv_bytes(data)
    head = _head_lines(text)
    delimiter = sniff_delimiter(head[-1] if head else "")
    book = Workbook(path=path, is_excel=False, sheets={}, encoding=encoding)
    if _needs_python_reader(text):
        records = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        rows = ((number, record) for number, record in enumerate(records, start=1))
        sheet = _build_sheet(path.name, rows, kind, book.problems, formulas=None)
    else:
        raw = _polars_csv(data, text, encoding, delimiter, head)
        sheet = _sheet_from_frame(path.name, raw, 1, kind, book.problems)
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
        sheet = _sheet_from_frame(
            source, raw, layout[sheet_name], sheet_kind, book.problems, formulas_are_text=False
        )
        if sheet is not None and sheet.kind not in book.sheets:
            book.sheets[sheet.kind] = sheet
    if not chosen:
        book.problems.append(
            file_problem(
                path.name, "the workbook has no sheets", "sheets named users, ooo or roles"
            )
        )
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


def clean_text(expr: pl.Expr) -> pl.Expr:
    """:func:`cell_text` for a text column: stripped (invisible characters too), blank -> null."""
    text = expr.str.strip_chars(_STRIPPED)
    return pl.when(text.str.len_bytes() > 0).then(text)


def _first_nonblank(raw: pl.DataFrame) -> int | None:
    """Index of the first frame row with a non-blank cell (the header), or None."""
    for chunk_start in (0, 100):
        part = raw.slice(chunk_start, 100) if chunk_start == 0 else raw.slice(100)
        if not part.width:
            return None
        hits = part.select(
            pl.any_horizontal([clean_text(pl.col(c)).is_not_null() for c in part.columns])
        ).to_series()
        found = hits.arg_true()
        if found.len():
            return chunk_start + int(found[0])
    return None


def _sheet_from_frame(
    source: str,
    raw: pl.DataFrame,
    first_row: int,
    kind: str | None,
    problems: list[Problem],
    *,
    formulas_are_text: bool = True,
) -> Sheet | None:
    """:func:`_build_sheet` for a frame of raw text columns (row ``first_row`` at index 0).

    The same header search, column mapping and cell problems, as polars expressions: only the
    rows that carry a problem are looked at one by one.
    """
    index = _first_nonblank(raw)
    if index is None:
        problems.append(
            file_problem(
                source,
                "the file is empty (no header row)",
                "a header row (e.g. email, username, ...) and one row per person",
            )
        )
        return None
    header = list(raw.row(index))
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
    body = raw.slice(index + 1)
    cells = [
        clean_text(pl.col(raw.columns[i])).alias(c)
        if i < raw.width
        else pl.lit(None, dtype=pl.Utf8).alias(c)
        for c, i in columns.positions.items()
    ]
    start = first_row + index + 1
    frame = body.select(
        (pl.int_range(pl.len(), dtype=pl.Int64) + start).alias("row"), *cells
    ).filter(pl.any_horizontal([pl.col(c).is_not_null() for c in columns.positions]))
    frame, cell_problems = _cell_problems(source, frame, columns, formulas_are_text)
    return Sheet(
        kind=kind,
        source=source,
        frame=frame,
        headers=dict(columns.headers),
        attribute_columns=columns.attribute_columns,
        problems=cell_problems,
    )


def _cell_problems(
    source: str, frame: pl.DataFrame, columns: ColumnMap, formulas_are_text: bool
) -> tuple[pl.DataFrame, list[Problem]]:
    """Formulas typed as text (CSV) and Excel error values: a problem each, then blanked."""
    found: list[tuple[int, int, Problem]] = []
    blanked = []
    for order, column in enumerate(columns.positions):
        label = columns.headers[column]
        errors = pl.col(column).is_in(list(EXCEL_ERRORS))
        formula = pl.col(column).str.starts_with("=") if formulas_are_text else pl.lit(False)
        bad = frame.filter(errors | formula).select("row", column)
        if not bad.height:
            continue
        for row, text in bad.iter_rows():
            if formulas_are_text and text.startswith("="):
                what = ("a formula, not a value", "the value itself")
            else:
                what = ("Excel error value", "a value (fix the formula that produced it)")
            found.append((row, order, Problem(source, row, label, text, *what)))
        blanked.append(pl.when(errors | formula).then(None).otherwise(pl.col(column)).alias(column))
    if blanked:
        frame = frame.with_columns(blanked)
    return frame, [p for _r, _o, p in sorted(found, key=lambda f: f[:2])]


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
