"""Changes to what the organization defines: teams, attributes, options, roles, permissions,
webhooks. One frame ``kind``, ``key``, ``change`` (added/removed/changed), ``detail``.

Keys: team name; attribute slug; ``slug: value`` for an option; role name and team
(``Auditor``, ``Lead (team Support)``); ``role: permission``; webhook subscriber URL.
Options and permissions are compared for attributes and roles present in both snapshots
(an added role's permissions are in its ``detail``), so one new role is one line.
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from transforms.diff._compare import compare_on_key
from transforms.diff._keys import attribute_slugs, role_keys, table

TEAM_FIELDS = ["slug", "bio", "is_private", "hide_book_a_team_member", "hide_branding",
               "time_zone", "week_start", "time_format", "logo_url"]  # fmt: skip
ATTRIBUTE_FIELDS = ["name", "type", "enabled", "users_can_edit_relation"]
ROLE_FIELDS = ["description", "color", "type"]
WEBHOOK_FIELDS = ["triggers", "active", "payload_template"]
COLUMNS = ["kind", "key", "change", "detail"]


def _rows(kind: str, compared: pl.DataFrame, key: pl.Expr) -> pl.DataFrame:
    return compared.select(pl.lit(kind).alias("kind"), key.alias("key"), "change", "detail")


def _children(parents: pl.DataFrame, children: pl.DataFrame, by: str, item: str, label: str):
    """``detail`` of added/removed parents: ``label: a, b`` listing their children."""
    listed = children.group_by(by).agg(pl.col(item).sort().str.join(", ").alias("_items"))
    return (
        parents.join(listed, on=by, how="left")
        .with_columns(
            pl.when(pl.col("change") != "changed")
            .then(pl.format("{}: {}", pl.lit(label), pl.col("_items").fill_null("none")))
            .otherwise(pl.col("detail"))
            .alias("detail")
        )
        .drop("_items")
    )


def team_changes(old: Mapping, new: Mapping) -> pl.DataFrame:
    compared = compare_on_key(table(old, "teams"), table(new, "teams"), ["name"], TEAM_FIELDS)
    return _rows("team", compared, pl.col("name"))


def _options(tables: Mapping) -> pl.DataFrame:
    return (
        table(tables, "attribute_options")
        .join(attribute_slugs(tables), on="attribute_id", how="inner")
        .select("attribute", "value", "slug")
    )


def attribute_changes(old: Mapping, new: Mapping) -> list[pl.DataFrame]:
    """The attribute definitions' rows, then their options' rows."""
    compared = compare_on_key(
        table(old, "attributes"), table(new, "attributes"), ["slug"], ATTRIBUTE_FIELDS
    )
    for_children = pl.concat([_options(old), _options(new)]).unique(["attribute", "value"])
    compared = _children(
        compared.rename({"slug": "attribute"}), for_children, "attribute", "value", "options"
    )
    in_both = attribute_slugs(old).join(attribute_slugs(new), on="attribute", how="semi")
    kept = in_both.select("attribute")
    options = compare_on_key(
        _options(old).join(kept, on="attribute", how="semi"),
        _options(new).join(kept, on="attribute", how="semi"),
        ["attribute", "value"],
        ["slug"],
    )
    return [
        _rows("attribute", compared, pl.col("attribute")),
        _rows("option", options, pl.format("{}: {}", pl.col("attribute"), pl.col("value"))),
    ]


def _permissions(tables: Mapping) -> pl.DataFrame:
    return (
        table(tables, "role_permissions")
        .join(role_keys(tables).select("role_id", "role"), on="role_id", how="inner")
        .select("role", "permission")
    )


def role_changes(old: Mapping, new: Mapping) -> list[pl.DataFrame]:
    """The role definitions' rows, then their permissions' rows."""
    compared = compare_on_key(role_keys(old), role_keys(new), ["role"], ROLE_FIELDS)
    every = pl.concat([_permissions(old), _permissions(new)]).unique()
    compared = _children(compared, every, "role", "permission", "permissions")
    kept = role_keys(old).select("role").join(role_keys(new).select("role"), on="role", how="semi")
    permissions = compare_on_key(
        _permissions(old).join(kept, on="role", how="semi"),
        _permissions(new).join(kept, on="role", how="semi"),
        ["role", "permission"],
    )
    return [
        _rows("role", compared, pl.col("role")),
        _rows("permission", permissions, pl.format("{}: {}", pl.col("role"), pl.col("permission"))),
    ]


def _webhooks(tables: Mapping) -> pl.DataFrame:
    return table(tables, "webhooks").with_columns(pl.col("triggers").list.sort().list.join(", "))


def webhook_changes(old: Mapping, new: Mapping) -> pl.DataFrame:
    compared = compare_on_key(_webhooks(old), _webhooks(new), ["subscriber_url"], WEBHOOK_FIELDS)
    return _rows("webhook", compared, pl.col("subscriber_url"))


def definition_changes(old: Mapping, new: Mapping) -> pl.DataFrame:
    """Every definition change, ordered by kind then key."""
    frames = [
        team_changes(old, new),
        *attribute_changes(old, new),
        *role_changes(old, new),
        webhook_changes(old, new),
    ]
    return pl.concat([f.select(COLUMNS) for f in frames], how="vertical")


__all__ = ["COLUMNS", "definition_changes"]
