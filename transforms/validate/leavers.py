"""The leavers sheet's checks: the teams they leave must exist; a non-member is a warning.

A leavers row names a member by e-mail and, optionally, the teams to leave (``Sales; Support``);
without teams the person leaves the organization. Leaving is only ever explicit: a person also
on the users sheet of the same file is refused (the file would both keep and remove them).
"""

from __future__ import annotations

import polars as pl

from transforms.org_state import OrgState
from transforms.problems import Problem
from transforms.sheets.reading import Sheet
from transforms.validate.typed import errors_on_rows, parse_team_cells

NOT_A_MEMBER = "not a member of the organization (never was, or already left); nothing to remove"


def leavers_problems(
    sheet: Sheet, frame: pl.DataFrame, state: OrgState, users: pl.DataFrame | None
) -> tuple[pl.DataFrame, list[Problem]]:
    """(typed frame with ``teams`` as a list of {team_id, role}, problems), as joins."""
    teams, errors = parse_team_cells(frame["teams"], state)
    problems = errors_on_rows(frame, "teams", errors, sheet.source, sheet.label("teams"))
    known = state.frame("users").select("email", known=pl.lit(True))
    checked = frame.select("row", "email").join(
        known, on="email", how="left", maintain_order="left"
    )
    strangers = checked.filter(pl.col("email").is_not_null() & pl.col("known").is_null())
    problems += [
        sheet.problem(
            row,
            "email",
            email,
            NOT_A_MEMBER,
            "the e-mail of a current member (a rerun after they left plans nothing)",
            "warning",
        )
        for row, email in strangers.select("row", "email").iter_rows()
    ]
    if users is not None:
        both = frame.select("row", "email").join(
            users.select("email").drop_nulls().unique(), on="email", how="semi"
        )
        problems += [
            sheet.problem(
                row,
                "email",
                email,
                "this person is also on the users sheet of the same file",
                "each person on the users sheet or the leavers sheet, not both",
            )
            for row, email in both.iter_rows()
        ]
    keyed = frame.select("row", "email").drop_nulls()
    repeats = keyed.with_columns(first=pl.col("row").min().over("email")).filter(
        pl.col("row") != pl.col("first")
    )
    problems += [
        sheet.problem(
            row, "email", email, f"duplicate e-mail: already on row {first}", "each e-mail once"
        )
        for row, email, first in repeats.iter_rows()
    ]
    return frame.with_columns(teams), problems
