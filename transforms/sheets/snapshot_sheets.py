"""The snapshot as the sheets `calbulk import` reads: ``teams``, ``attributes``, ``webhooks``,
``users`` (wide), ``ooo`` and ``roles``.

A snapshot workbook holding these sheets imports back unchanged: against the org it was
taken from, a dry run plans nothing; against another org it recreates the people, their
out-of-office entries and the custom roles (a migration). Their columns are the import's own
(``transforms.sheets.columns``):

- ``ooo``: email, start, end (whole UTC days, as the API stores them), reason, notes and
  covering_email (the e-mail of the member the entry redirects to).
- ``roles``: name, description, color, permissions (``; ``-joined, sorted) and team (the team's
  name; empty for an organization role). Only custom roles: system roles exist in every org
  and cannot be defined through the API.
- ``teams``: name, slug, bio, the yes/no settings, time zone, week start, time format, logo.
- ``attributes``: name, slug, type, enabled and options (values ``; ``-joined, sorted).
- ``webhooks``: subscriber_url, triggers (``; ``-joined, sorted), active, payload_template.
  Never a secret: the API does not return it (the ``secret`` column stays empty).

A sheet is built only when the tables it needs were exported (``--only`` may leave some out).
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from transforms.sheets.columns import (
    ATTRIBUTES_COLUMNS,
    OOO_COLUMNS,
    ROLES_COLUMNS,
    TEAMS_COLUMNS,
    WEBHOOKS_COLUMNS,
)
from transforms.sheets.wide_users import LIST_SEPARATOR, WIDE_SHEET_NEEDS, wide_users_sheet

OOO_SHEET_NEEDS = frozenset({"users", "ooo_entries"})
ROLES_SHEET_NEEDS = frozenset({"roles", "role_permissions", "teams"})
SELECT_TYPES = ("SINGLE_SELECT", "MULTI_SELECT")
ATTRIBUTES_SHEET_NEEDS = frozenset({"attributes", "attribute_options"})


def teams_sheet(tables: Mapping[str, pl.DataFrame]) -> pl.DataFrame:
    """One row per team with its writable fields."""
    return tables["teams"].select(TEAMS_COLUMNS)


def attributes_sheet(tables: Mapping[str, pl.DataFrame]) -> pl.DataFrame:
    """One row per attribute; a select attribute's option values sorted and ``; ``-joined.

    TEXT and NUMBER attributes hold their values as options too (one per value people have):
    those are people's values, not definitions, and stay out of the sheet."""
    selects = tables["attributes"].filter(pl.col("type").is_in(SELECT_TYPES))
    options = (
        tables["attribute_options"]
        .join(selects.select("attribute_id"), on="attribute_id", how="semi")
        .group_by("attribute_id")
        .agg(pl.col("value").unique().sort().str.join(LIST_SEPARATOR).alias("options"))
    )
    sheet = tables["attributes"].join(options, on="attribute_id", how="left", maintain_order="left")
    return sheet.select(ATTRIBUTES_COLUMNS)


def webhooks_sheet(tables: Mapping[str, pl.DataFrame]) -> pl.DataFrame:
    """One row per webhook, triggers sorted; the secret column is there and always empty."""
    return (
        tables["webhooks"]
        .select(
            "subscriber_url",
            pl.col("triggers").list.sort().list.join(LIST_SEPARATOR),
            "active",
            "payload_template",
            pl.lit(None, dtype=pl.Utf8).alias("secret"),
        )
        .select(WEBHOOKS_COLUMNS)
    )


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
    """kind -> sheet for each import sheet the exported tables allow, users first (the import
    applies the definition sheets first whatever their place)."""
    sheets = {}
    if tables.keys() >= WIDE_SHEET_NEEDS:
        sheets["users"] = wide_users_sheet(dict(tables))
    if tables.keys() >= OOO_SHEET_NEEDS:
        sheets["ooo"] = ooo_sheet(tables)
    if tables.keys() >= ROLES_SHEET_NEEDS:
        sheets["roles"] = roles_sheet(tables)
    if "teams" in tables:
        sheets["teams"] = teams_sheet(tables)
    if tables.keys() >= ATTRIBUTES_SHEET_NEEDS:
        sheets["attributes"] = attributes_sheet(tables)
    if "webhooks" in tables:
        sheets["webhooks"] = webhooks_sheet(tables)
    return sheets


__all__ = ["attributes_sheet", "import_sheets", "ooo_sheet", "roles_sheet", "teams_sheet",
           "webhooks_sheet"]  # fmt: skip
