"""Natural keys for snapshot rows: ids are looked up once, here, and never compared.

A snapshot's ids (user, team, attribute, option, role) differ between organizations and
after a restore, so every comparison keys on what a person recognises: the user's e-mail
(lower-case), the team's name, the attribute's slug, the option's value, the role's name
and team. Missing tables (an export made with ``--only``) read as empty tables.
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

ORG_ROLE_SCOPE = "organization"


def table(tables: Mapping[str, pl.DataFrame], name: str) -> pl.DataFrame:
    """A snapshot table, or the table's empty frame when the snapshot does not have it."""
    data = tables.get(name)
    if data is not None:
        return data
    from transforms.snapshot.schemas import TABLES  # pandera: only for a table a snapshot lacks

    return TABLES[name].empty()


def emails(tables: Mapping[str, pl.DataFrame]) -> pl.DataFrame:
    """``user_id`` -> ``email`` (trimmed, lower-case)."""
    return table(tables, "users").select(
        "user_id", pl.col("email").str.strip_chars().str.to_lowercase().alias("email")
    )


def with_email(data: pl.DataFrame, tables: Mapping, id_column: str, name: str) -> pl.DataFrame:
    """``data`` with the e-mail of the user in ``id_column`` as ``name``."""
    people = emails(tables).rename({"user_id": id_column, "email": name})
    return data.join(people, on=id_column, how="left")


def team_names(tables: Mapping[str, pl.DataFrame]) -> pl.DataFrame:
    return table(tables, "teams").select("team_id", pl.col("name").alias("team"))


def attribute_slugs(tables: Mapping[str, pl.DataFrame]) -> pl.DataFrame:
    return table(tables, "attributes").select("attribute_id", pl.col("slug").alias("attribute"))


def role_keys(tables: Mapping[str, pl.DataFrame]) -> pl.DataFrame:
    """``role_id`` -> ``role`` (``Auditor`` for an org role, ``Lead (team Support)``)."""
    roles = table(tables, "roles").join(team_names(tables), on="team_id", how="left")
    key = (
        pl.when(pl.col("team_id").is_null())
        .then(pl.col("name"))
        .otherwise(pl.format("{} (team {})", pl.col("name"), pl.col("team").fill_null("?")))
    )
    return roles.with_columns(key.alias("role"))


def common_people(old: Mapping, new: Mapping) -> pl.DataFrame:
    """The e-mails present in both snapshots (one column, ``email``)."""
    return emails(old).select("email").join(emails(new).select("email"), on="email", how="semi")


__all__ = [
    "ORG_ROLE_SCOPE",
    "attribute_slugs",
    "common_people",
    "emails",
    "role_keys",
    "table",
    "team_names",
    "with_email",
]
