"""The source snapshot as the sheets a migration imports: the export's own import sheets
(``users``, ``ooo``, ``roles``; `transforms.sheets.snapshot_sheets`) plus the definition sheets
(``teams``, ``attributes``, ``webhooks``) where the export does not build them yet.

Definition sheets use the import's own columns (`transforms.sheets.columns`): a team's
writable fields, an attribute's name, slug, type, enabled flag and, for select types, its
options (``; ``-joined); a webhook's subscriber URL, triggers (``; ``-joined), active flag and
payload template. Never a webhook secret: the API does not return it.
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from transforms.sheets.columns import ATTRIBUTES_COLUMNS, TEAMS_COLUMNS, WEBHOOKS_COLUMNS
from transforms.sheets.snapshot_sheets import import_sheets

SEPARATOR = "; "
SELECT_TYPES = ("SINGLE_SELECT", "MULTI_SELECT")


def teams_sheet(tables: Mapping[str, pl.DataFrame]) -> pl.DataFrame:
    teams = tables["teams"]
    return teams.select([c for c in TEAMS_COLUMNS if c in teams.columns]).sort("name")


def attributes_sheet(tables: Mapping[str, pl.DataFrame]) -> pl.DataFrame:
    """One row per attribute; select types list their distinct option values."""
    options = (
        tables["attribute_options"]
        .unique(["attribute_id", "value"], keep="first", maintain_order=True)
        .group_by("attribute_id", maintain_order=True)
        .agg(pl.col("value").str.join(SEPARATOR).alias("options"))
    )
    sheet = tables["attributes"].join(options, on="attribute_id", how="left", maintain_order="left")
    select = pl.col("type").is_in(SELECT_TYPES)
    sheet = sheet.with_columns(pl.when(select).then(pl.col("options")).alias("options"))
    return sheet.select(ATTRIBUTES_COLUMNS)


def webhooks_sheet(tables: Mapping[str, pl.DataFrame]) -> pl.DataFrame:
    hooks = tables["webhooks"].with_columns(
        pl.col("triggers").list.sort().list.join(SEPARATOR), pl.lit(None, pl.Utf8).alias("secret")
    )
    return hooks.select(WEBHOOKS_COLUMNS).sort("subscriber_url")


BUILDERS = {
    "teams": ({"teams"}, teams_sheet),
    "attributes": ({"attributes", "attribute_options"}, attributes_sheet),
    "webhooks": ({"webhooks"}, webhooks_sheet),
}


def migration_sheets(tables: Mapping[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    """kind -> sheet: definitions first (the import applies them first anyway), then the
    export's import sheets."""
    sheets = import_sheets(tables)
    definitions = {
        kind: build(tables)
        for kind, (needs, build) in BUILDERS.items()
        if kind not in sheets and tables.keys() >= needs
    }
    return {**definitions, **sheets}


__all__ = ["migration_sheets"]
