"""From an import sheet's cells to a canonical Sheet: the header, the column mapping, the cells.

Two ways in, one result: ``sheet_from_frame`` takes a frame of raw text columns (what polars
reads from a CSV and calamine from a workbook) and does the work as polars expressions;
``build_sheet`` takes rows of Python values (the ``csv`` module and openpyxl, for the files
those fast readers cannot take). Both find the header (the first non-blank row), map it, keep
``row`` as Excel numbers it, drop blank rows, and report formulas and Excel error values.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import polars as pl

from transforms.problems import Problem, file_problem
from transforms.sheets.calcom_members import (
    ORIGIN,
    calcom_columns,
    calcom_users_frame,
    is_calcom_members,
)
from transforms.sheets.columns import ColumnMap, detect_kind, map_columns, unknown_kind_reason

EXCEL_ERRORS = ("#N/A", "#REF!", "#VALUE!", "#DIV/0!", "#NAME?", "#NUM!", "#NULL!")
_INVISIBLE = "\ufeff\u200b\u00a0"
# What str.strip() strips (Unicode white space) plus the invisible characters: one pass in polars.
_STRIPPED = (
    " \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
    "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000" + _INVISIBLE
)


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
    origin: str | None = None
    """``calcom_members`` for Cal.com's members CSV (see ``transforms.sheets.calcom_members``)."""

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


def build_sheet(
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
    found = _read_header(source, header, kind, problems)
    if found is None:
        return None
    data, cell_problems = _collect_rows(source, rows, found.columns, formulas)
    frame = pl.DataFrame(
        data, schema={"row": pl.Int64, **dict.fromkeys(found.columns.positions, pl.Utf8)}
    )
    return found.sheet(source, frame, cell_problems)


@dataclass(frozen=True)
class _Header:
    """A mapped header row: the sheet kind, whether it is Cal.com's members CSV, its columns."""

    kind: str
    calcom: bool
    columns: ColumnMap

    def sheet(self, source: str, frame: pl.DataFrame, cell_problems: list[Problem]) -> Sheet:
        """The Sheet of ``frame`` (``row`` plus the mapped columns' cleaned text)."""
        if self.calcom:
            frame = calcom_users_frame(frame)
        return Sheet(
            origin=ORIGIN if self.calcom else None,
            kind=self.kind,
            source=source,
            frame=frame,
            headers=dict(self.columns.headers),
            attribute_columns=self.columns.attribute_columns,
            problems=cell_problems,
        )


def _read_header(
    source: str, header: list[object] | None, kind: str | None, problems: list[Problem]
) -> _Header | None:
    """Map the header row (None: no non-blank row); None, with a problem, when it cannot be."""
    if header is None:
        problems.append(
            file_problem(
                source,
                "the file is empty (no header row)",
                "a header row (e.g. email, username, ...) and one row per person",
            )
        )
        return None
    calcom = kind in (None, "users") and is_calcom_members(header)
    kind = "users" if calcom else kind or detect_kind(header)
    if kind is None:
        problems.append(file_problem(source, *unknown_kind_reason(header)))
        return None
    columns = calcom_columns(header) if calcom else map_columns(kind, header)
    problems.extend(_header_problems(source, columns))
    return _Header(kind, calcom, columns)


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


def sheet_from_frame(
    source: str,
    raw: pl.DataFrame,
    first_row: int,
    kind: str | None,
    problems: list[Problem],
    *,
    formulas_are_text: bool = True,
) -> Sheet | None:
    """:func:`build_sheet` for a frame of raw text columns (row ``first_row`` at index 0).

    The same header search, column mapping and cell problems, as polars expressions: only the
    rows that carry a problem are looked at one by one.
    """
    index = _first_nonblank(raw)
    header = None if index is None else list(raw.row(index))
    found = _read_header(source, header, kind, problems)
    if found is None or index is None:
        return None
    columns = found.columns
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
    return found.sheet(source, frame, cell_problems)


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
