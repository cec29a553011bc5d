"""Who joined, who left, and whose organization role changed.

A joiner is an e-mail only in the new snapshot's users, a leaver one only in the old; they
appear only there. Organization roles are compared for the people present in both.
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from transforms.diff._compare import compare_on_key
from transforms.diff._keys import common_people, emails, table


def joiners(old: Mapping, new: Mapping) -> pl.DataFrame:
    """E-mails in ``new`` and not in ``old`` (column ``email``, sorted)."""
    return (
        emails(new)
        .select("email")
        .join(emails(old).select("email"), on="email", how="anti")
        .unique()
        .sort("email")
    )


def leavers(old: Mapping, new: Mapping) -> pl.DataFrame:
    """E-mails in ``old`` and not in ``new``."""
    return joiners(new, old)


def _org_roles(tables: Mapping) -> pl.DataFrame:
    roles = table(tables, "memberships").select("user_id", "role")
    return emails(tables).join(roles, on="user_id", how="left").select("email", "role")


def org_role_changes(old: Mapping, new: Mapping) -> pl.DataFrame:
    """``email``, ``from``, ``to``: people in both whose organization role differs."""
    compared = compare_on_key(_org_roles(old), _org_roles(new), ["email"], ["role"])
    return (
        compared.join(common_people(old, new), on="email", how="semi")
        .filter(pl.col("change") == "changed")
        .select("email", pl.col("role").alias("from"), pl.col("role_new").alias("to"))
    )


__all__ = ["joiners", "leavers", "org_role_changes"]
