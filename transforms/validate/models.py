"""Pandera models of the canonical import sheets, and their failures as row-numbered problems.

The models check what one cell can tell alone (e-mail syntax, enums, zones, locales, dates) on
the normalised text frames; ``transforms.validate.sheet`` adds the checks that need other rows or
the organization. Each column's ``ACCEPTED`` text is what a person is told would be accepted.
"""

from __future__ import annotations

from functools import cache

import pandera.polars as pa
import polars as pl

from transforms.plan.ooo_team import WHO_PATTERN
from transforms.problems import Problem
from transforms.validate.rules import (
    COLOR_PATTERN,
    EMAIL_PATTERN,
    LOCALES,
    MEMBERSHIP_ROLES,
    OOO_REASONS,
    WEEKDAYS,
    accepted_list,
    did_you_mean,
    time_zones,
)

USERNAME_PATTERN = r"^[a-z0-9][a-z0-9._-]*$"
ISO_DAY_PATTERN = r"^\d{4}-\d{2}-\d{2}$"


class UsersSheet(pa.DataFrameModel):
    """A users sheet after normalisation (attribute columns are checked against the org)."""

    row: pl.Int64
    email: pl.Utf8 = pa.Field(str_matches=EMAIL_PATTERN)
    username: pl.Utf8 = pa.Field(nullable=True, str_matches=USERNAME_PATTERN)
    name: pl.Utf8 = pa.Field(nullable=True)
    time_zone: pl.Utf8 = pa.Field(nullable=True, isin=sorted(time_zones()))
    locale: pl.Utf8 = pa.Field(nullable=True, isin=list(LOCALES))
    time_format: pl.Utf8 = pa.Field(nullable=True, isin=["12", "24"])
    week_start: pl.Utf8 = pa.Field(nullable=True, isin=list(WEEKDAYS))
    org_role: pl.Utf8 = pa.Field(nullable=True, isin=list(MEMBERSHIP_ROLES))
    teams: pl.Utf8 = pa.Field(nullable=True)

    class Config:
        strict = False
        coerce = False


class OooSheet(pa.DataFrameModel):
    """An out-of-office sheet after normalisation (dates as ``YYYY-MM-DD`` when readable)."""

    row: pl.Int64
    email: pl.Utf8 = pa.Field(str_matches=f"{EMAIL_PATTERN}|{WHO_PATTERN}")  # or team:X, *
    start: pl.Utf8 = pa.Field(str_matches=ISO_DAY_PATTERN)
    end: pl.Utf8 = pa.Field(str_matches=ISO_DAY_PATTERN)
    reason: pl.Utf8 = pa.Field(nullable=True, isin=list(OOO_REASONS))
    notes: pl.Utf8 = pa.Field(nullable=True)
    covering_email: pl.Utf8 = pa.Field(nullable=True, str_matches=EMAIL_PATTERN)

    class Config:
        strict = False
        coerce = False


class RolesSheet(pa.DataFrameModel):
    """A roles sheet after normalisation (permissions are checked one by one)."""

    row: pl.Int64
    name: pl.Utf8 = pa.Field(str_length={"min_value": 1})
    description: pl.Utf8 = pa.Field(nullable=True)
    color: pl.Utf8 = pa.Field(nullable=True, str_matches=COLOR_PATTERN)
    permissions: pl.Utf8 = pa.Field(nullable=True)
    team: pl.Utf8 = pa.Field(nullable=True)

    class Config:
        strict = False
        coerce = False


class LeaversSheet(pa.DataFrameModel):
    """A leavers sheet after normalisation (teams are checked against the org)."""

    row: pl.Int64
    email: pl.Utf8 = pa.Field(str_matches=EMAIL_PATTERN)
    teams: pl.Utf8 = pa.Field(nullable=True)

    class Config:
        strict = False
        coerce = False


MODELS: dict[str, type[pa.DataFrameModel]] = {
    "users": UsersSheet,
    "ooo": OooSheet,
    "roles": RolesSheet,
    "leavers": LeaversSheet,
}

ACCEPTED: dict[str, str] = {
    "email": "an e-mail address like ana@example.com",
    "username": "lower-case letters, digits, '.', '_' or '-'",
    "time_zone": "an IANA time zone such as Europe/Berlin or America/New_York",
    "locale": f"one of: {accepted_list(LOCALES, limit=50)}",
    "time_format": "12 or 24",
    "week_start": "a weekday: " + ", ".join(WEEKDAYS),
    "org_role": "MEMBER, ADMIN or OWNER",
    "start": "a date like 2026-07-01 (YYYY-MM-DD; Excel dates work too)",
    "end": "a date like 2026-07-14 (YYYY-MM-DD; Excel dates work too)",
    "reason": "one of: " + ", ".join(OOO_REASONS),
    "covering_email": "the e-mail address of the person covering",
    "name": "a role name",
    "color": "a hex colour like #1a73e8",
}


@cache
def _hint(column: str, value: str) -> str:
    """A did-you-mean for enum-like columns, when one is close."""
    choices = {"time_zone": sorted(time_zones()), "locale": LOCALES, "reason": OOO_REASONS}
    return did_you_mean(value, choices[column]) if column in choices else ""


def model_problems(
    kind: str, frame: pl.DataFrame, sheet: str, label: dict[str, str], raw: pl.DataFrame
) -> list[Problem]:
    """Validate ``frame`` with the kind's model; every failing cell as a Problem.

    ``raw`` is the frame as read (same rows), so a problem quotes what the person typed.
    """
    try:
        MODELS[kind].validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        return _failures_to_problems(exc.failure_cases, kind, frame, sheet, label, raw)
    return []


HINTED_VALUES = 500  # distinct wrong values per column that get a did-you-mean (difflib is slow)


def _failures_to_problems(
    failures: pl.DataFrame,
    kind: str,
    frame: pl.DataFrame,
    sheet: str,
    label: dict[str, str],
    raw: pl.DataFrame,
) -> list[Problem]:
    """One problem per failing cell, quoting the cell as typed; computed per column, so a file
    with many bad rows is reported in seconds (hints for the first distinct values)."""
    problems: list[Problem] = []
    layout = failures.filter(pl.col("column").is_null() | pl.col("index").is_null())
    for column, check in layout.select("column", "check").iter_rows():
        problems.append(
            Problem(
                sheet,
                None,
                label.get(column or "", column or ""),
                None,
                f"sheet does not fit the {kind} layout: {check}",
                "the template's columns",
            )
        )
    cells = failures.filter(pl.col("column").is_not_null() & pl.col("index").is_not_null())
    for (column,), cases in cells.group_by("column", maintain_order=True):
        index = cases["index"].cast(pl.Int64)
        typed = (
            raw[column].gather(index)
            if column in raw.columns
            else cases["failure_case"].cast(pl.Utf8)
        )
        rows = frame["row"].gather(index)
        shown = label.get(column, column)
        hints: dict[str, str] = {}
        for value in typed.drop_nulls().unique(maintain_order=True).head(HINTED_VALUES):
            hints[value] = _hint(column, str(value))
        for row, value, check in zip(rows, typed, cases["check"], strict=True):
            if check == "not_nullable":
                problem, accepted = "required value is empty", ACCEPTED.get(column, "a value")
            else:
                problem = f"not a valid {shown}"
                accepted = hints.get(value) or ACCEPTED.get(column, str(check))
            problems.append(Problem(sheet, int(row), shown, value, problem, accepted))
    return problems
