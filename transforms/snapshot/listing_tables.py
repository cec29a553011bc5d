"""Which snapshot tables each API listing yields, and the function that builds them.

One listing can carry two tables: the org memberships listing also holds every member's
attribute values (``attribute_assignments``, api-notes §6), and each role record holds its
permissions (``role_permissions``). The export's tasks and the tests build tables through
`tables_from_listing`, so this knowledge lives in one place.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import polars as pl

from transforms.snapshot._records import Record
from transforms.snapshot.attributes import (
    attribute_assignments_table,
    attribute_options_table,
    attributes_table,
)
from transforms.snapshot.teams import (
    role_permissions_table,
    roles_table,
    team_memberships_table,
    teams_table,
    webhooks_table,
)
from transforms.snapshot.users import memberships_table, ooo_table, users_table

TableBuilder = Callable[[Iterable[Record]], pl.DataFrame]

LISTING_TABLES: dict[str, dict[str, TableBuilder]] = {
    "users": {"users": users_table},
    "memberships": {
        "memberships": memberships_table,
        "attribute_assignments": attribute_assignments_table,
    },
    "attributes": {"attributes": attributes_table},
    "attribute_options": {"attribute_options": attribute_options_table},
    "ooo": {"ooo_entries": ooo_table},
    "teams": {"teams": teams_table},
    "team_memberships": {"team_memberships": team_memberships_table},
    "roles": {"roles": roles_table, "role_permissions": role_permissions_table},
    "webhooks": {"webhooks": webhooks_table},
}


def tables_from_listing(listing: str, records: Iterable[Record]) -> dict[str, pl.DataFrame]:
    """``("roles", records)`` -> ``{"roles": ..., "role_permissions": ...}``."""
    records = list(records)
    return {table: build(records) for table, build in LISTING_TABLES[listing].items()}


def first_table(listing: str) -> str:
    """The table a listing is named for (``memberships`` -> ``memberships``, ``ooo`` ->
    ``ooo_entries``): where its records are counted."""
    return next(iter(LISTING_TABLES[listing]))


__all__ = ["LISTING_TABLES", "first_table", "tables_from_listing"]
