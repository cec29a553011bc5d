"""Out-of-office changes of people present in both snapshots.

Keyed on (e-mail, start date, end date) in UTC as ``YYYY-MM-DD``: an entry is ``added``,
``removed``, or ``changed`` when its reason, notes or coverer (by e-mail) differ.
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from transforms.diff._compare import compare_on_key
from transforms.diff._keys import common_people, table, with_email

DATE_FORMAT = "%Y-%m-%d"
FIELDS = ["reason", "notes", "coverer"]


def ooo_rows(tables: Mapping) -> pl.DataFrame:
    """``email``, ``start``, ``end`` (dates as text), ``reason``, ``notes``, ``coverer``."""
    rows = with_email(table(tables, "ooo_entries"), tables, "user_id", "email")
    rows = with_email(rows, tables, "to_user_id", "coverer")
    return rows.filter(pl.col("email").is_not_null()).select(
        "email",
        pl.col("start").dt.convert_time_zone("UTC").dt.strftime(DATE_FORMAT),
        pl.col("end").dt.convert_time_zone("UTC").dt.strftime(DATE_FORMAT),
        *FIELDS,
    )


def ooo_changes(old: Mapping, new: Mapping) -> pl.DataFrame:
    """``email``, ``start``, ``end``, ``change`` (added/removed/changed), ``detail``."""
    compared = compare_on_key(ooo_rows(old), ooo_rows(new), ["email", "start", "end"], FIELDS)
    return compared.join(common_people(old, new), on="email", how="semi").select(
        "email", "start", "end", "change", "detail"
    )


__all__ = ["DATE_FORMAT", "ooo_changes", "ooo_rows"]
