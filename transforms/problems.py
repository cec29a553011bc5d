"""A problem found in an import file, told the way a person fixes it.

Every problem names the sheet, the row number as Excel shows it, the column as the person typed
it, the value found and what would be accepted. Reading, validation and planning all report
problems in this one shape, so the errors file and the table on screen need one writer.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import polars as pl

PROBLEM_SCHEMA = {
    "sheet": pl.Utf8,
    "row": pl.Int64,
    "column": pl.Utf8,
    "value": pl.Utf8,
    "problem": pl.Utf8,
    "accepted": pl.Utf8,
    "severity": pl.Utf8,
}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the file. ``row`` is None for file- or column-level problems."""

    sheet: str
    row: int | None
    column: str
    value: str | None
    problem: str
    accepted: str
    severity: str = "error"

    @property
    def is_error(self) -> bool:
        return self.severity == "error"


def file_problem(sheet: str, problem: str, accepted: str) -> Problem:
    """A problem with the whole file or sheet (empty, unreadable, unknown kind): no row, column
    or value to point at, and nothing in it can be sent."""
    return Problem(sheet, None, "", None, problem, accepted)


def problems_frame(problems: Iterable[Problem]) -> pl.DataFrame:
    """Problems as a table sorted the way a person reads the sheet (sheet, row, column)."""
    rows = [
        (p.sheet, p.row, p.column, p.value, p.problem, p.accepted, p.severity) for p in problems
    ]
    frame = pl.DataFrame(rows, schema=PROBLEM_SCHEMA, orient="row")
    return frame.sort(["sheet", "row", "column"], nulls_last=False, maintain_order=True)


def problems_from_frame(frame: pl.DataFrame) -> list[Problem]:
    """The inverse of :func:`problems_frame` (for problems computed as polars frames)."""
    return [Problem(**row) for row in frame.select(list(PROBLEM_SCHEMA)).iter_rows(named=True)]


def problems_in_rows(
    sheet: str,
    frame: pl.DataFrame,
    bad: pl.Expr,
    column: str,
    problem: str,
    accepted: str,
    label: str | None = None,
) -> list[Problem]:
    """One problem per row of ``frame`` where ``bad`` holds, quoting that row's ``column`` value.

    ``frame`` must carry the sheet's ``row`` column and ``column``; ``label`` is the header text
    the person typed (defaults to ``column``).
    """
    hits = frame.filter(bad).select("row", pl.col(column).cast(pl.Utf8).alias("value"))
    shown = label or column
    return [Problem(sheet, row, shown, value, problem, accepted) for row, value in hits.iter_rows()]


def error_rows(problems: Iterable[Problem]) -> set[int]:
    """Row numbers that carry at least one error (file-level problems carry no row)."""
    return {p.row for p in problems if p.is_error and p.row is not None}


def has_file_errors(problems: Iterable[Problem]) -> bool:
    """True when an error is not tied to a row (missing column, empty file): nothing can run."""
    return any(p.is_error and p.row is None for p in problems)
