"""A snapshot taken while another run writes: reconcile what changed between listings.

The export reads its listings one after another (and some concurrently), so a run that
creates users or teams meanwhile (an import on the same key) can make a later listing name
what an earlier one lacks: team memberships of users created after the users listing.
Rather than fail, :func:`reconcile_listings` re-reads every referenced table that some
other table points past (the users, teams, attributes and options, or roles listing, once
more, now that the newer rows exist) and merges in the rows it lacked; rows it already had
stay as first read. What it did (table, rows added, the references that asked for it) goes
into the manifest. Two rounds at most, and none after one that found nothing new: anything
still dangling then is a real fault, and the validation that follows reports it as before.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import polars as pl

from calapi import CalClient
from flows.export.fetch import Tables, fetch_attributes, fetch_roles, fetch_teams, fetch_users
from flows.progress import TableProgress
from transforms.snapshot.checks import FOREIGN_KEYS, ForeignKey
from transforms.snapshot.listing_tables import tables_from_listing

ROUNDS = 2


@dataclass(frozen=True)
class Reconciled:
    """One re-read: ``table`` re-listed because ``because`` (``team_memberships.user_id``, ...)
    named ``missing`` keys it lacked; ``added`` rows merged in (the rest were gone again)."""

    table: str
    missing: int
    added: int
    because: tuple[str, ...]

    def as_manifest(self) -> dict:
        return {
            "table": self.table,
            "how": f"re-listed {self.table}",
            "missing": self.missing,
            "added": self.added,
            "because": list(self.because),
        }


def dangling(tables: Tables, fk: ForeignKey) -> pl.Series:
    """Distinct values of ``fk.table.fk.column`` that no row of the referenced table has."""
    child, parent = tables[fk.table], tables[fk.ref_table]
    if fk.column not in child.columns or fk.ref_column not in parent.columns:
        return pl.Series(fk.column, [])
    values = child.get_column(fk.column).drop_nulls().unique()
    return values.filter(~values.is_in(parent.get_column(fk.ref_column).implode()))


def merge_new_rows(old: pl.DataFrame, new: pl.DataFrame, key: str) -> pl.DataFrame:
    """``old`` plus the rows of ``new`` whose ``key`` it lacks (sorted by key if old was)."""
    fresh = new.filter(~pl.col(key).is_in(old.get_column(key).implode()))
    merged = pl.concat([old, fresh.select(old.columns).cast(old.schema)])
    return merged.sort(key) if old.get_column(key).is_sorted() else merged


async def _reread(cal: CalClient, table: str, tables: Tables) -> Tables:
    """The listing(s) that build ``table``, read again."""
    quiet = TableProgress([], enabled=False)
    readers: dict[str, Callable[[], Awaitable[Tables]]] = {
        "users": lambda: fetch_users(cal, quiet),
        "teams": lambda: _teams(cal, quiet),
        "attributes": lambda: fetch_attributes(cal, quiet, with_options=True),
        "attribute_options": lambda: fetch_attributes(cal, quiet, with_options=True),
        "roles": lambda: fetch_roles(cal, quiet, _team_ids(tables)),
    }
    return await readers[table]() if table in readers else {}


async def _teams(cal: CalClient, quiet: TableProgress) -> Tables:
    return tables_from_listing("teams", await fetch_teams(cal, quiet))


def _team_ids(tables: Tables) -> list[int]:
    return tables["teams"].get_column("team_id").to_list() if "teams" in tables else []


async def reconcile_listings(cal: CalClient, tables: Tables) -> tuple[Tables, list[Reconciled]]:
    """Re-read what later listings name and earlier ones lack; returns the merged tables and
    what was reconciled (empty when the listings agreed)."""
    done: list[Reconciled] = []
    for _ in range(ROUNDS):
        asked: dict[str, tuple[set, list[str]]] = {}
        for fk in FOREIGN_KEYS:
            if fk.table in tables and fk.ref_table in tables:
                missing = dangling(tables, fk)
                if missing.len():
                    keys, why = asked.setdefault(fk.ref_table, (set(), []))
                    keys.update(missing.to_list())
                    why.append(f"{fk.table}.{fk.column}")
        if not asked:
            break
        added = 0
        for table, (keys, why) in asked.items():
            fresh = await _reread(cal, table, tables)
            if table not in fresh:
                continue  # nothing to re-read it from: validation reports it
            key = next(fk.ref_column for fk in FOREIGN_KEYS if fk.ref_table == table)
            before = tables[table].height
            tables[table] = merge_new_rows(tables[table], fresh[table], key)
            done.append(Reconciled(table, len(keys), tables[table].height - before, tuple(why)))
            added += done[-1].added
        if not added:
            break  # a re-read that finds nothing new will not find it the next time either
    return tables, done


__all__ = ["Reconciled", "dangling", "merge_new_rows", "reconcile_listings"]
