"""The id map of a migration: every source entity's id next to its target twin's, found by
natural key (never by id: the two orgs number everything independently).

Keys: users by e-mail (case-insensitive), teams by name, attributes by slug, options by
attribute slug + value (case-insensitive), roles by name + team name, OOO entries by the
person's e-mail + start + end, webhooks by subscriber URL. One polars join per kind; an entity
the target lacks has an empty ``target_id``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import polars as pl

Tables = Mapping[str, pl.DataFrame]
COLUMNS = ("kind", "key", "source_id", "target_id")


def _emails(tables: Tables) -> pl.DataFrame:
    return tables["users"].select("user_id", pl.col("email").str.to_lowercase().alias("email"))


def _users(t: Tables) -> pl.DataFrame:
    return _emails(t).select(pl.col("email").alias("key"), pl.col("user_id").alias("id"))


def _teams(t: Tables) -> pl.DataFrame:
    return t["teams"].select(pl.col("name").alias("key"), pl.col("team_id").alias("id"))


def _attributes(t: Tables) -> pl.DataFrame:
    return t["attributes"].select(pl.col("slug").alias("key"), pl.col("attribute_id").alias("id"))


def _options(t: Tables) -> pl.DataFrame:
    slugs = t["attributes"].select("attribute_id", pl.col("slug").alias("attribute"))
    options = t["attribute_options"].join(slugs, on="attribute_id", how="left")
    key = pl.concat_str(pl.col("attribute"), pl.col("value").str.to_lowercase(), separator=": ")
    return options.select(key.alias("key"), pl.col("option_id").alias("id"))


def _roles(t: Tables) -> pl.DataFrame:
    teams = t["teams"].select("team_id", pl.col("name").alias("team"))
    roles = t["roles"].join(teams, on="team_id", how="left")
    key = pl.concat_str(pl.col("name"), pl.col("team").fill_null(""), separator=" @ ")
    return roles.select(key.str.strip_suffix(" @ ").alias("key"), pl.col("role_id").alias("id"))


def _ooo(t: Tables) -> pl.DataFrame:
    entries = t["ooo_entries"].join(_emails(t), on="user_id", how="left")
    key = pl.concat_str(
        pl.col("email"), pl.col("start").dt.date().cast(pl.Utf8),
        pl.col("end").dt.date().cast(pl.Utf8), separator=" ",
    )  # fmt: skip
    return entries.select(key.alias("key"), pl.col("ooo_id").alias("id"))


def _webhooks(t: Tables) -> pl.DataFrame:
    return t["webhooks"].select(pl.col("subscriber_url").alias("key"),
                                pl.col("webhook_id").alias("id"))  # fmt: skip


KINDS: dict[str, tuple[tuple[str, ...], Callable[[Tables], pl.DataFrame]]] = {
    "user": (("users",), _users),
    "team": (("teams",), _teams),
    "attribute": (("attributes",), _attributes),
    "option": (("attributes", "attribute_options"), _options),
    "role": (("roles", "teams"), _roles),
    "ooo": (("ooo_entries", "users"), _ooo),
    "webhook": (("webhooks",), _webhooks),
}


def id_map(source: Tables, target: Tables) -> pl.DataFrame:
    """``kind, key, source_id, target_id`` for every source entity (ids as text)."""
    frames = []
    for kind, (needs, keyed) in KINDS.items():
        if not (source.keys() >= set(needs) and target.keys() >= set(needs)):
            continue
        left = keyed(source).with_columns(pl.col("id").cast(pl.Utf8).alias("source_id"))
        right = keyed(target).select("key", pl.col("id").cast(pl.Utf8).alias("target_id"))
        right = right.unique("key", keep="first", maintain_order=True)
        joined = left.join(right, on="key", how="left", maintain_order="left")
        frames.append(joined.select(pl.lit(kind).alias("kind"), "key", "source_id", "target_id"))
    if not frames:
        return pl.DataFrame(schema={name: pl.Utf8 for name in COLUMNS})
    return pl.concat(frames)


__all__ = ["COLUMNS", "id_map"]
