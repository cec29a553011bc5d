"""The one comparison every kind of change uses: two frames joined on a natural key.

``compare_on_key(old, new, key, fields)`` full-joins ``old`` and ``new`` on ``key`` (never on
ids) and says, per key, whether it was ``added`` (only new), ``removed`` (only old) or
``changed`` (a field differs; ``detail`` names each field as ``field: old -> new``). Keys in
both with equal fields are dropped. Fields keep both sides as ``<field>`` and ``<field>_new``.
"""

from __future__ import annotations

import polars as pl

NONE_TEXT = "(none)"
_IN_OLD = "_in_old"
_IN_NEW = "_in_new"


def _shown(expr: pl.Expr) -> pl.Expr:
    return expr.cast(pl.Utf8).fill_null(NONE_TEXT)


def compare_on_key(
    old: pl.DataFrame, new: pl.DataFrame, key: list[str], fields: list[str] = ()
) -> pl.DataFrame:
    """Rows of ``key``, ``change`` (added/removed/changed), ``detail``, then the fields."""
    fields = list(fields)

    def side(data: pl.DataFrame, marker: str) -> pl.DataFrame:
        return (
            data.select(*key, *fields)
            .unique(subset=key, keep="first", maintain_order=True)
            .with_columns(pl.lit(True).alias(marker))
        )

    joined = side(old, _IN_OLD).join(
        side(new, _IN_NEW), on=key, how="full", coalesce=True, suffix="_new", nulls_equal=True
    )
    differs = [pl.col(f).ne_missing(pl.col(f"{f}_new")) for f in fields]
    pieces = [
        pl.when(d).then(
            pl.format("{}: {} -> {}", pl.lit(f), _shown(pl.col(f)), _shown(pl.col(f"{f}_new")))
        )
        for f, d in zip(fields, differs, strict=True)
    ]
    change = (
        pl.when(pl.col(_IN_OLD).is_null())
        .then(pl.lit("added"))
        .when(pl.col(_IN_NEW).is_null())
        .then(pl.lit("removed"))
        .when(pl.any_horizontal(differs) if differs else pl.lit(False))
        .then(pl.lit("changed"))
    )
    detail = (
        pl.concat_list(pieces).list.drop_nulls().list.join("; ")
        if pieces
        else pl.lit("", dtype=pl.Utf8)
    )
    return (
        joined.with_columns(change.alias("change"), detail.alias("detail"))
        .filter(pl.col("change").is_not_null())
        .with_columns(
            pl.when(pl.col("change") == "changed").then(pl.col("detail")).otherwise(pl.lit(""))
        )
        .select(*key, "change", "detail", *fields, *(f"{f}_new" for f in fields))
        .sort(key, nulls_last=True)
    )


__all__ = ["NONE_TEXT", "compare_on_key"]
