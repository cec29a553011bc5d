"""The snapshot as the sheets `calbulk import` reads: ``users`` (wide), ``ooo`` and ``roles``.

A snapshot workbook holding these three sheets imports back unchanged: against the org it was
taken from, a dry run plans nothing; against another org it recreates the people, their
out-of-office entries and the custom roles (a migration). Their columns are the import's own
(``transforms.sheets.columns``):

- ``ooo``: email, start, end (whole UTC days, as the API stores them), reason, notes and
  covering_email (the e-mail of the member the entry redirects to).
- ``roles``: name, description, color, permissions (``; ``-joined, sorted) and team (the team's
  name; empty for an organization role). Only custom roles: system roles exist in every org
  and cannot be defined through the API.

A sheet is built only when the tables it needs were exported (``--only`` may leave some out).
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from transforms.sheets.columns import OOO_COLUMNS, ROLES_COLUMNS
from transforms.sheets.wide_users import LIST_SEPARATOR, WIDE_SHEET_NEEDS, wide_users_sheet

OOO_SHEET_NEEDS = frozenset({"users", "ooo_entries"})
ROLES_SHEET_NEEDS = frozenset({"roles", "role_permissions", "teams"})


def ooo_sheet(tables: Mapping[str, pl.DataFrame]) -> pl.DataFrame:
    """One row per out-of-office entry, people and coverers named by e-mail."""
    emails = tables["users"].select("user_id", "email")
    entries = tables["ooo_entries"]
    sheet = entries.join(emails, on="user_id", how="left", maintain_order="left").join(
        emails.rename({"user_id": "to_user_id", "email": "covering_email"}),
        on="to_user_id",
        how="left",
        maintain_order="left",
    )
    return sheet.select(
        "email",
        pl.col("start").dt.date(),
        pl.col("end").dt.date(),
        "reason",
        "notes",
        "covering_email",
    ).select(OOO_COLUMNS)


def roles_sheet(tables: Mapping[str, pl.DataFrame]) -> pl.DataFrame:
    """One row per custom role with its permissions and, for a team role, the team's name."""
    roles = tables["roles"].filter(pl.col("type") == "CUSTOM")
    permissions = (
        tables["role_permissions"]
        .group_by("role_id")
        .agg(pl.col("permission").sort().str.join(LIST_SEPARATOR).alias("permissions"))
    )
    teams = tables["teams"].select("team_id", pl.col("name").alias("team"))
    sheet = roles.join(permissions, on="role_id", how="left", maintain_order="left").join(
        teams, on="team_id", how="left", maintain_order="left"
    )
    return sheet.select(ROLES_COLUMNS)


def import_sheets(tables: Mapping[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    """kind -> sheet for each import sheet the exported tables allow, users first."""
    sheets = {}
    if tables.keys() >= WIDE_SHEET_NEEDS:
        sheets["users"] = wide_users_sheet(dict(tables))
    if tables.keys() >= OOO_SHEET_NEEDS:
        sheets["ooo"] = ooo_sheet(tables)
    if tables.keys() >= ROLES_SHEET_NEEDS:
        sheets["roles"] = roles_sheet(tables)
    return sheets


__all__ = ["import_sheets", "ooo_sheet", "roles_sheet"]
