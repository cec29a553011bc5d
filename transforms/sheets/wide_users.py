"""The wide ``users`` sheet: one row per user, the shape HR fills in and `calbulk import` reads.

Columns: email, username, name, time_zone, locale, time_format, week_start,
org_role, teams (``Sales; Support:ADMIN``, ``:ROLE`` left out for MEMBER), then one
column per org attribute headed by the attribute's name (several values, as a
MULTI_SELECT has, joined with ``; `` in option-value order).
"""

from __future__ import annotations

from collections import Counter

import polars as pl

from transforms.snapshot.schemas import TABLES

USER_COLUMNS = ("email", "username", "name", "time_zone", "locale", "time_format", "week_start")
WIDE_BASE_COLUMNS = (*USER_COLUMNS, "org_role", "teams")
LIST_SEPARATOR = "; "
WIDE_SHEET_NEEDS = frozenset(
    {"users", "memberships", "teams", "team_memberships", "attributes", "attribute_assignments"}
)


def attribute_headers(attributes: pl.DataFrame) -> dict[str, str]:
    """attribute_id -> column header: the attribute's name, or ``name [slug]`` if it clashes."""
    names = Counter(attributes.get_column("name").to_list())
    headers = {}
    for attribute_id, name, slug in attributes.select("attribute_id", "name", "slug").iter_rows():
        clash = names[name] > 1 or name in WIDE_BASE_COLUMNS
        headers[attribute_id] = f"{name} [{slug}]" if clash else name
    return headers


def _team_labels(team_memberships: pl.DataFrame, teams: pl.DataFrame) -> pl.DataFrame:
    """user_id -> ``Sales; Support:ADMIN`` (teams sorted by name)."""
    labelled = team_memberships.join(
        teams.select("team_id", pl.col("name").alias("team_name")), on="team_id", how="inner"
    ).with_columns(
        pl.when(pl.col("role") == "MEMBER")
        .then(pl.col("team_name"))
        .otherwise(pl.col("team_name") + ":" + pl.col("role"))
        .alias("label")
    )
    return labelled.group_by("user_id").agg(
        pl.col("label").sort().str.join(LIST_SEPARATOR).alias("teams")
    )


def _attribute_values(
    assignments: pl.DataFrame, headers: dict[str, str]
) -> dict[str, pl.DataFrame]:
    """header -> frame (user_id, header) with that attribute's values joined per user."""
    joined = assignments.group_by("user_id", "attribute_id").agg(
        pl.col("value").drop_nulls().sort().str.join(LIST_SEPARATOR)
    )
    columns = {}
    for attribute_id, header in headers.items():
        part = joined.filter(pl.col("attribute_id") == attribute_id)
        columns[header] = part.select("user_id", pl.col("value").alias(header))
    return columns


def wide_users_sheet(tables: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """The snapshot tables -> the wide users sheet (rows in the users table's order)."""
    users = tables["users"]
    empty = {name: TABLES[name].empty() for name in TABLES}
    memberships = tables.get("memberships", empty["memberships"])
    teams = tables.get("teams", empty["teams"])
    team_memberships = tables.get("team_memberships", empty["team_memberships"])
    attributes = tables.get("attributes", empty["attributes"])
    assignments = tables.get("attribute_assignments", empty["attribute_assignments"])

    sheet = users.select("user_id", *USER_COLUMNS)
    sheet = sheet.join(
        memberships.select("user_id", pl.col("role").alias("org_role")),
        on="user_id",
        how="left",
        maintain_order="left",
    )
    sheet = sheet.join(
        _team_labels(team_memberships, teams), on="user_id", how="left", maintain_order="left"
    )
    headers = attribute_headers(attributes)
    for values in _attribute_values(assignments, headers).values():
        sheet = sheet.join(values, on="user_id", how="left", maintain_order="left")
    return sheet.select(*WIDE_BASE_COLUMNS, *headers.values())


__all__ = [
    "LIST_SEPARATOR",
    "WIDE_BASE_COLUMNS",
    "WIDE_SHEET_NEEDS",
    "attribute_headers",
    "wide_users_sheet",
]
