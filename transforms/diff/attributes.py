"""Attribute changes per person present in both snapshots: values removed and added.

Keyed on (e-mail, attribute slug, value); the value of a select attribute is its option's
value (as the memberships listing gives it, else looked up by option id), of a TEXT/NUMBER
attribute the text.
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from transforms.diff._compare import compare_on_key
from transforms.diff._keys import attribute_slugs, common_people, table, with_email


def held_values(tables: Mapping) -> pl.DataFrame:
    """``email``, ``attribute`` (slug), ``value``: one row per value a person holds."""
    options = table(tables, "attribute_options").select(
        "option_id", pl.col("value").alias("option_value")
    )
    held = (
        table(tables, "attribute_assignments")
        .join(attribute_slugs(tables), on="attribute_id", how="inner")
        .join(options, on="option_id", how="left")
        .with_columns(pl.coalesce("value", "option_value").alias("value"))
    )
    held = with_email(held, tables, "user_id", "email")
    return held.filter(pl.col("email").is_not_null() & pl.col("value").is_not_null()).select(
        "email", "attribute", "value"
    )


def attribute_changes(old: Mapping, new: Mapping) -> pl.DataFrame:
    """``email``, ``attribute``, ``removed`` (list), ``added`` (list), values sorted."""
    key = ["email", "attribute", "value"]
    compared = compare_on_key(held_values(old), held_values(new), key)
    compared = compared.join(common_people(old, new), on="email", how="semi")
    values = pl.col("value").sort()
    return (
        compared.group_by("email", "attribute")
        .agg(
            values.filter(pl.col("change") == "removed").alias("removed"),
            values.filter(pl.col("change") == "added").alias("added"),
        )
        .sort("email", "attribute")
    )


__all__ = ["attribute_changes", "held_values"]
