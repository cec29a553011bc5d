"""Reading the organization: one fetch per table (or per listing that yields two tables).

Each fetch reads one listing through calapi (which bounds concurrency and rate and retries
on its own) and turns the records into snapshot tables with the pure functions in
`transforms`. Per-team and per-attribute calls run concurrently inside a fetch, and
:func:`fetch_tables` runs the independent listings concurrently. Plain async functions, no
Prefect: the export, the import (reading the org's current state) and the template share them.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Collection, Coroutine, Iterable
from typing import Any, TypeVar

import polars as pl

from calapi import CalClient, RunStats
from flows.progress import TableProgress
from transforms.snapshot.listing_tables import first_table, tables_from_listing
from transforms.snapshot.schemas import TABLE_NAMES

Tables = dict[str, pl.DataFrame]
T = TypeVar("T")

# Which table a request is charged to: the endpoint's path under /v2/organizations/{orgId},
# then the tables that listing serves, first wanted one pays (assignments ride on memberships).
ENDPOINT_TABLES: dict[str, tuple[str, ...]] = {
    "/users": ("users",),
    "/memberships": ("memberships", "attribute_assignments"),
    "/attributes": ("attributes", "attribute_options"),
    "/attributes/{attributeId}/options": ("attribute_options",),
    "/ooo": ("ooo_entries",),
    "/teams": ("teams", "team_memberships", "roles", "role_permissions"),
    "/teams/{teamId}/memberships": ("team_memberships",),
    "/roles": ("roles", "role_permissions"),
    "/teams/{teamId}/roles": ("roles", "role_permissions"),
    "/webhooks": ("webhooks",),
}
ORG_PREFIX = "/v2/organizations/{orgId}"
OTHER_REQUESTS = "_other"


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


async def fetch_users(cal: CalClient, progress: TableProgress) -> Tables:
    """``users``: the org's users, 1000 per request."""
    return await _read_listing("users", cal.iter_users(), progress)


async def fetch_memberships(cal: CalClient, progress: TableProgress) -> Tables:
    """``memberships`` and ``attribute_assignments``, both from the one memberships listing."""
    return await _read_listing("memberships", cal.iter_memberships(), progress)


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


async def fetch_ooo(cal: CalClient, progress: TableProgress) -> Tables:
    """``ooo_entries`` from the org-wide out-of-office listing."""
    return await _read_listing("ooo", cal.iter_org_ooo(), progress)


async def fetch_teams(cal: CalClient, progress: TableProgress) -> list[dict]:
    """The org's teams (records: team memberships and team roles need their ids)."""
    return await _collect(cal.iter_teams(), progress, "teams")


async def fetch_team_memberships(
    cal: CalClient, progress: TableProgress, team_ids: Collection[int]
) -> Tables:
    """``team_memberships``: one listing per team, the teams concurrently."""
    lists = await asyncio.gather(*(cal.list_team_memberships(t) for t in team_ids))
    records = [m for members in lists for m in members]
    progress.advance("team_memberships", len(records))
    return tables_from_listing("team_memberships", records)


async def fetch_roles(cal: CalClient, progress: TableProgress, team_ids: Collection[int]) -> Tables:
    """``roles`` and ``role_permissions``: org roles plus every team's roles, concurrently."""
    org_roles, *team_lists = await asyncio.gather(
        cal.list_org_roles(), *(cal.list_team_roles(t) for t in team_ids)
    )
    records = [*org_roles, *(r for roles in team_lists for r in roles)]
    progress.advance("roles", len(records))
    return tables_from_listing("roles", records)


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


def requests_per_table(stats: RunStats, wanted: Iterable[str]) -> dict[str, int]:
    """Every request of the run charged to one wanted table (see ENDPOINT_TABLES)."""
    wanted = list(wanted)
    counts = dict.fromkeys(wanted, 0)
    for (_method, path, _status), n in stats.requests.items():
        tables = ENDPOINT_TABLES.get(path.removeprefix(ORG_PREFIX), ())
        payer = next((t for t in tables if t in counts), OTHER_REQUESTS)
        counts[payer] = counts.get(payer, 0) + n
    return counts


async def fetch_tables(cal: CalClient, wanted: list[str], progress: TableProgress) -> Tables:
    """Run the fetches the wanted tables need, independent listings concurrently."""
    want = set(wanted)
    jobs = []
    if "users" in want:
        jobs.append(fetch_users(cal, progress))
    if want & {"memberships", "attribute_assignments"}:
        jobs.append(fetch_memberships(cal, progress))
    if want & {"attributes", "attribute_options"}:
        jobs.append(fetch_attributes(cal, progress, with_options="attribute_options" in want))
    if "ooo_entries" in want:
        jobs.append(fetch_ooo(cal, progress))
    if want & {"teams", "team_memberships", "roles", "role_permissions"}:
        jobs.append(fetch_team_tables(cal, progress, want))
    if "webhooks" in want:
        jobs.append(fetch_webhooks(cal, progress))
    fetched: Tables = {}
    for result in await gather_or_cancel(jobs):
        fetched.update(result)
    for name in wanted:
        progress.finish(name, fetched[name].height)
    return {name: fetched[name] for name in TABLE_NAMES if name in want}


async def gather_or_cancel(jobs: list[Coroutine[Any, Any, T]]) -> list[T]:
    """Like ``asyncio.gather``, but the first failure cancels the other jobs (and waits for
    them) before it propagates, so none is left sending on a client about to close."""
    tasks = [asyncio.ensure_future(job) for job in jobs]
    try:
        return await asyncio.gather(*tasks)
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise


__all__ = [
    "ENDPOINT_TABLES",
    "OTHER_REQUESTS",
    "fetch_attributes",
    "fetch_memberships",
    "fetch_ooo",
    "fetch_tables",
    "fetch_team_memberships",
    "fetch_team_tables",
    "fetch_teams",
    "fetch_users",
    "fetch_webhooks",
    "gather_or_cancel",
    "requests_per_table",
]
