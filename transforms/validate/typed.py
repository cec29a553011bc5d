"""Canonical typed columns: what each cell means, parsed once, handed to the plan.

Validation reads a team list or an attribute cell exactly once per *distinct* cell text (HR
files repeat the same few values down a column), with the functions of
``transforms.validate.cells``; the meaning is joined back onto every row as a typed column and
the cell's problems onto the rows that carry it. The plan then works on these columns with
joins and never parses a cell again.

Typed columns (``ValidatedImport.typed``):
- users: ``teams`` list of {team_id, role}; one list of {option_id, value} per attribute column
  (``option_id`` null: an option the prelude creates; NUMBER values canonical, ``3.0`` -> ``3``);
  ``time_format`` as an integer.
- ooo: ``start`` and ``end`` as dates.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import polars as pl

from transforms.org_state import Attribute, OrgState
from transforms.problems import Problem
from transforms.validate.cells import CellError, parse_attribute_cell, parse_teams

TEAMS_TYPE = pl.List(pl.Struct({"team_id": pl.Int64, "role": pl.Utf8}))
OPTIONS_TYPE = pl.List(pl.Struct({"option_id": pl.Utf8, "value": pl.Utf8}))
_ERRORS_SCHEMA = {"cell": pl.Utf8, "value": pl.Utf8, "problem": pl.Utf8, "accepted": pl.Utf8}


def parse_distinct(
    column: pl.Series,
    parse: Callable[[str], tuple[Any, list[CellError]]],
    dtype: pl.DataType,
) -> tuple[pl.Series, pl.DataFrame]:
    """``parse`` once per distinct non-null cell: the meaning per row, and each cell's errors.

    Returns the parsed column (null where the cell is null) and a frame ``cell, value, problem,
    accepted`` with one line per error of each distinct cell.
    """
    cells = column.drop_nulls().unique(maintain_order=True).to_list()
    meanings: list[Any] = []
    errors: list[tuple[str, str, str, str]] = []
    for cell in cells:
        meaning, cell_errors = parse(cell)
        meanings.append(meaning)
        errors += [(cell, e.value, e.problem, e.accepted) for e in cell_errors]
    lookup = pl.DataFrame(
        {"cell": cells, "meaning": meanings}, schema={"cell": pl.Utf8, "meaning": dtype}
    )
    parsed = (
        column.rename("cell")
        .to_frame()
        .join(lookup, on="cell", how="left", maintain_order="left")
        .get_column("meaning")
        .rename(column.name)
    )
    return parsed, pl.DataFrame(errors, schema=_ERRORS_SCHEMA, orient="row")


def errors_on_rows(
    frame: pl.DataFrame, column: str, errors: pl.DataFrame, sheet: str, label: str
) -> list[Problem]:
    """Each distinct cell's errors as problems on every row holding that cell (row order)."""
    if not errors.height:
        return []
    hits = (
        frame.select("row", pl.col(column).alias("cell"))
        .join(errors, on="cell", how="inner", maintain_order="left_right")
        .select("row", "value", "problem", "accepted")
    )
    return [Problem(sheet, row, label, *rest) for row, *rest in hits.iter_rows()]


def parse_team_cells(column: pl.Series, state: OrgState) -> tuple[pl.Series, pl.DataFrame]:
    """Team cells -> list of {team_id, role} (valid items only, in the cell's order)."""

    def parse(cell: str) -> tuple[list[dict], list[CellError]]:
        teams, errors = parse_teams(cell, state)
        return [{"team_id": t, "role": r} for t, r in teams.items()], errors

    return parse_distinct(column, parse, TEAMS_TYPE)


def parse_attribute_cells(
    column: pl.Series, attribute: Attribute, state: OrgState, create_missing: bool
) -> tuple[pl.Series, pl.DataFrame]:
    """Attribute cells -> list of {option_id, value} (option_id null: to be created)."""

    def parse(cell: str) -> tuple[list[dict], list[CellError]]:
        wanted, errors = parse_attribute_cell(attribute, cell, state, create_missing)
        return [{"option_id": w.option_id, "value": w.value} for w in wanted], errors

    return parse_distinct(column, parse, OPTIONS_TYPE)


def typed_ooo(frame: pl.DataFrame) -> pl.DataFrame:
    """The OOO sheet with ``start`` and ``end`` as dates (null where not a readable day)."""
    return frame.with_columns(
        pl.col("start").str.to_date("%Y-%m-%d", strict=False),
        pl.col("end").str.to_date("%Y-%m-%d", strict=False),
    )
