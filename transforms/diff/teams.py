"""Team membership changes (people in both snapshots) and headcount per team.

Keyed on (e-mail, team name): a person ``joined`` or ``left`` a team, or their ``role`` in
it changed. A renamed team is a different team (names are the natural key).
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from transforms.diff._compare import compare_on_key
from transforms.diff._keys import common_people, table, team_names, with_email

CHANGE_NAMES = {"added": "joined", "removed": "left", "changed": "role"}


def team_members(tables: Mapping) -> pl.DataFrame:
    """``email``, ``team``, ``role``: one row per team membership."""
    members = table(tables, "team_memberships").join(team_names(tables), on="team_id", how="inner")
    members = with_email(members, tables, "user_id", "email")
    return members.filter(pl.col("email").is_not_null()).select("email", "team", "role")


def team_membership_changes(old: Mapping, new: Mapping) -> pl.DataFrame:
    """``email``, ``team``, ``change`` (joined/left/role), ``from``, ``to``."""
    compared = compare_on_key(team_members(old), team_members(new), ["email", "team"], ["role"])
    return compared.join(common_people(old, new), on="email", how="semi").select(
        "email",
        "team",
        pl.col("change").replace_strict(CHANGE_NAMES),
        pl.col("role").alias("from"),
        pl.col("role_new").alias("to"),
    )


def team_headcounts(old: Mapping, new: Mapping) -> pl.DataFrame:
    """``team``, ``old``, ``new``: members per team name in each snapshot (0 where absent)."""

    def counts(tables: Mapping, name: str) -> pl.DataFrame:
        return team_members(tables).group_by("team").agg(pl.len().cast(pl.Int64).alias(name))

    both = team_names(old).select("team").vstack(team_names(new).select("team")).unique()
    return (
        both.join(counts(old, "old"), on="team", how="left")
        .join(counts(new, "new"), on="team", how="left")
        .with_columns(pl.col("old", "new").fill_null(0))
        .sort("team")
    )


__all__ = ["team_headcounts", "team_members", "team_membership_changes"]
