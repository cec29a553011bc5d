"""The export's Prefect tasks: one per table (or per listing that yields two tables).

Each task reads one listing through calapi (which bounds concurrency and rate and
retries on its own, so these tasks have no Prefect retries) and turns the records
into snapshot tables with the pure functions in `transforms`. Per-team and
per-attribute calls run concurrently inside a task with ``asyncio.gather``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Collection
from typing import Any

import polars as pl
from prefect import task
from prefect.cache_policies import NONE

from calapi import CalClient
from flows.progress import TableProgress
from transforms.snapshot.listing_tables import first_table, tables_from_listing

Tables = dict[str, pl.DataFrame]
http_task = task(cache_policy=NONE, retries=0)


async def _collect(records: AsyncIterator[Any], progress: TableProgress, table: str) -> list:
    collected = []
    async for record in records:
        collected.append(record)
        progress.advance(table)
    return collected


async def _read_listing(
    listing: str, records: AsyncIterator[Any], progress: TableProgress
) -> Tables:
    """Page through one listing, counting on its table's bar, and build its tables."""
    return tables_from_listing(listing, await _collect(records, progress, first_table(listing)))


@http_task(name="users")
async def fetch_users(cal: CalClient, progress: TableProgress) -> Tables:
    """``users``: the org's users, 1000 per request."""
    return await _read_listing("users", cal.iter_users(), progress)


@http_task(name="memberships")
async def fetch_memberships(cal: CalClient, progress: TableProgress) -> Tables:
    """``memberships`` and ``attribute_assignments``, both from the one memberships listing."""
    return await _read_listing("memberships", cal.iter_memberships(), progress)


@http_task(name="attributes")
async def fetch_attributes(
    cal: CalClient, progress: TableProgress, with_options: bool = True
) -> Tables:
    """``attributes`` and (one call per attribute, concurrently) ``attribute_options``."""
    attributes = await _collect(cal.iter_attributes(), progress, "attributes")
    tables = tables_from_listing("attributes", attributes)
    if with_options:
        lists = await asyncio.gather(*(cal.list_attribute_options(a["id"]) for a in attributes))
        options = [option for options in lists for option in options]
        progress.advance("attribute_options", len(options))
        tables |= tables_from_listing("attribute_options", options)
    return tables


@http_task(name="ooo_entries")
async def fetch_ooo(cal: CalClient, progress: TableProgress) -> Tables:
    """``ooo_entries`` from the org-wide out-of-office listing."""
    return await _read_listing("ooo", cal.iter_org_ooo(), progress)


@http_task(name="teams")
async def fetch_teams(cal: CalClient, progress: TableProgress) -> list[dict]:
    """The org's teams (records: team memberships and team roles need their ids)."""
    return await _collect(cal.iter_teams(), progress, "teams")


@http_task(name="team_memberships")
async def fetch_team_memberships(
    cal: CalClient, progress: TableProgress, team_ids: Collection[int]
) -> Tables:
    """``team_memberships``: one listing per team, the teams concurrently."""
    lists = await asyncio.gather(*(cal.list_team_memberships(t) for t in team_ids))
    records = [m for members in lists for m in members]
    progress.advance("team_memberships", len(records))
    return tables_from_listing("team_memberships", records)


@http_task(name="roles")
async def fetch_roles(cal: CalClient, progress: TableProgress, team_ids: Collection[int]) -> Tables:
    """``roles`` and ``role_permissions``: org roles plus every team's roles, concurrently."""
    org_roles, *team_lists = await asyncio.gather(
        cal.list_org_roles(), *(cal.list_team_roles(t) for t in team_ids)
    )
    records = [*org_roles, *(r for roles in team_lists for r in roles)]
    progress.advance("roles", len(records))
    return tables_from_listing("roles", records)


@http_task(name="webhooks")
async def fetch_webhooks(cal: CalClient, progress: TableProgress) -> Tables:
    """``webhooks`` (never their secrets)."""
    return await _read_listing("webhooks", cal.iter_webhooks(), progress)


async def fetch_team_tables(cal: CalClient, progress: TableProgress, wanted: set[str]) -> Tables:
    """Teams first, then what hangs off each team (memberships, roles), concurrently."""
    teams = await fetch_teams(cal, progress)
    team_ids = [t["id"] for t in teams]
    tables = tables_from_listing("teams", teams)
    jobs = []
    if "team_memberships" in wanted:
        jobs.append(fetch_team_memberships(cal, progress, team_ids))
    if wanted & {"roles", "role_permissions"}:
        jobs.append(fetch_roles(cal, progress, team_ids))
    for result in await asyncio.gather(*jobs):
        tables.update(result)
    return tables


__all__ = [
    "fetch_attributes",
    "fetch_memberships",
    "fetch_ooo",
    "fetch_team_memberships",
    "fetch_team_tables",
    "fetch_teams",
    "fetch_users",
    "fetch_webhooks",
]
