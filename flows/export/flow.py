"""The ``export_org`` flow: an organization snapshot to validated Parquet, CSV and Excel.

Steps: read config (CAL_* from the environment / .env), fetch every wanted table
through calapi (independent listings concurrently; one coarse task per table),
validate the tables alone and against each other, then write the snapshot
atomically (`flows.export.snapshot`) and publish a markdown artifact with row and request
counts. Invalid data stops the run before anything is written
(`transforms.snapshot.checks.SnapshotInvalid` carries the report).
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import polars as pl
from prefect import flow, get_run_logger
from prefect.artifacts import acreate_markdown_artifact

from calapi import CalClient, ConfigError, RunStats
from flows.config import load_settings
from flows.export.snapshot import DEFAULT_FORMATS, FORMATS, SnapshotRun, write_snapshot
from flows.export.tasks import (
    fetch_attributes,
    fetch_memberships,
    fetch_ooo,
    fetch_team_tables,
    fetch_users,
    fetch_webhooks,
)
from flows.progress import TableProgress
from transforms.sheets.snapshot_sheets import import_sheets
from transforms.snapshot.checks import SnapshotInvalid, validate_snapshot
from transforms.snapshot.schemas import TABLE_NAMES

DEFAULT_OUT = "data/exports"
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


def parse_choices(value: str | Iterable[str] | None, allowed: Iterable[str], what: str) -> list:
    """``"parquet,csv"`` or ``["parquet", "csv"]`` -> checked list in the given order."""
    if value is None:
        return []
    items = value.split(",") if isinstance(value, str) else list(value)
    chosen = [item.strip() for item in items if item.strip()]
    allowed = tuple(allowed)
    unknown = [item for item in chosen if item not in allowed]
    if unknown:
        raise ConfigError(f"unknown {what} {', '.join(unknown)}; choose from {', '.join(allowed)}")
    return chosen


def requests_per_table(stats: RunStats, wanted: Iterable[str]) -> dict[str, int]:
    """Every request of the run charged to one wanted table (see ENDPOINT_TABLES)."""
    wanted = list(wanted)
    counts = dict.fromkeys(wanted, 0)
    for (_method, path, _status), n in stats.requests.items():
        tables = ENDPOINT_TABLES.get(path.removeprefix(ORG_PREFIX), ())
        payer = next((t for t in tables if t in counts), OTHER_REQUESTS)
        counts[payer] = counts.get(payer, 0) + n
    return counts


def summary_markdown(folder: Path, tables: dict[str, pl.DataFrame], requests: dict) -> str:
    lines = [
        f"# Export of organization snapshot `{folder.name}`",
        "",
        f"Folder: `{folder}`",
        "",
        "| table | rows | requests |",
        "|---|---:|---:|",
    ]
    for name, data in tables.items():
        lines.append(f"| {name} | {data.height} | {requests.get(name, 0)} |")
    if requests.get(OTHER_REQUESTS):
        lines.append(f"| (org lookup, other) | - | {requests[OTHER_REQUESTS]} |")
    lines.append(f"| **total** | {sum(d.height for d in tables.values())} | "
                 f"{sum(requests.values())} |")  # fmt: skip
    return "\n".join(lines)


async def fetch_tables(
    cal: CalClient, wanted: list[str], progress: TableProgress
) -> dict[str, pl.DataFrame]:
    """Run the fetch tasks the wanted tables need, independent listings concurrently."""
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
    fetched: dict[str, pl.DataFrame] = {}
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


@flow(name="export_org", log_prints=False)
async def export_org(
    org_id: int | None = None,
    out: str = DEFAULT_OUT,
    format: str = ",".join(DEFAULT_FORMATS),
    only: str | None = None,
) -> str:
    """Export one organization; returns the published snapshot folder.

    ``format`` and ``only`` are comma-separated (``parquet,csv,xlsx``; ``users,teams``).
    Credentials come from CAL_* in the environment (or ``.env``), never from a flow
    parameter, so they are not stored with the flow run.
    """
    logger = get_run_logger()
    formats = parse_choices(format, FORMATS, "format") or list(DEFAULT_FORMATS)
    wanted = parse_choices(only, TABLE_NAMES, "table") or list(TABLE_NAMES)
    settings = load_settings(org_id)
    started = datetime.now(UTC)
    async with CalClient(settings) as cal:
        org = await cal.resolve_org_id()
        with TableProgress(wanted) as progress:
            tables = await fetch_tables(cal, wanted, progress)
        stats = cal.stats
    requests = requests_per_table(stats, wanted)
    report = validate_snapshot(tables)
    if not report.ok:
        await acreate_markdown_artifact(
            markdown="# Export stopped: snapshot failed validation\n\n" + report.to_markdown(),
            key=f"export-org-{org}-invalid",
        )
        raise SnapshotInvalid(report)
    sheets = import_sheets(tables) if "xlsx" in formats else None
    run = SnapshotRun(org_id=org, api_url=settings.api_url, started_at=started, requests=requests)
    folder = write_snapshot(tables, Path(out), run, formats=formats, import_sheets=sheets)
    await acreate_markdown_artifact(
        markdown=summary_markdown(folder, tables, requests), key=f"export-org-{org}"
    )
    logger.info(
        "exported org %s: %s rows in %s requests to %s",
        org,
        sum(t.height for t in tables.values()),
        stats.total_requests,
        folder,
    )
    return str(folder)


__all__ = ["ENDPOINT_TABLES", "export_org", "parse_choices", "requests_per_table"]
