"""The export pipeline: an organization snapshot to validated Parquet, CSV and Excel.

One plain async function, :func:`export_snapshot`, with no Prefect in it: the CLI runs it
in-process, the ``export_org`` Prefect flow (`flows.export.flow`) wraps it, the backup builds
on it. Steps: fetch every wanted table through calapi (independent listings concurrently),
re-read what later listings name and earlier ones lack (another run may be writing:
`flows.export.reconcile`), validate the tables alone and against each other, write the snapshot
atomically (`flows.export.snapshot`), and hand a markdown summary to the reporter. Invalid data
stops the run before anything is written (`transforms.snapshot.checks.SnapshotInvalid` says why).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from calapi import CalClient, ConfigError, Settings
from flows.budget import with_shared_budget
from flows.export.fetch import OTHER_REQUESTS, fetch_tables, requests_per_table
from flows.export.reconcile import Reconciled, reconcile_listings
from flows.export.snapshot import DEFAULT_FORMATS, FORMATS, SnapshotRun, write_snapshot
from flows.reporter import SILENT, Reporter
from transforms.sheets.snapshot_sheets import import_sheets
from transforms.snapshot.checks import SnapshotInvalid, validate_snapshot
from transforms.snapshot.schemas import TABLE_NAMES

DEFAULT_OUT = "data/exports"


@dataclass(frozen=True)
class ExportResult:
    """What an export produced: the published snapshot folder and its counts."""

    folder: Path
    org_id: int
    rows: dict[str, int] = field(default_factory=dict)  # table -> rows written
    requests: dict[str, int] = field(default_factory=dict)  # table -> requests it cost
    reconciled: tuple[Reconciled, ...] = ()  # tables re-read because later listings named more

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())

    @property
    def total_requests(self) -> int:
        return sum(self.requests.values())


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


async def export_snapshot(
    settings: Settings,
    org_id: int | None = None,
    out: str | Path = DEFAULT_OUT,
    formats: str | Iterable[str] | None = None,
    only: str | Iterable[str] | None = None,
    *,
    reporter: Reporter = SILENT,
) -> ExportResult:
    """Export one organization to ``OUT/<org_id>/<UTC stamp>/``; returns the folder and counts.

    ``org_id`` (if given) beats ``settings.org_id``; ``formats`` and ``only`` are lists or comma
    strings (``parquet,csv,xlsx``; ``users,teams``), default parquet+csv and every table.
    """
    chosen_formats = parse_choices(formats, FORMATS, "format") or list(DEFAULT_FORMATS)
    wanted = parse_choices(only, TABLE_NAMES, "table") or list(TABLE_NAMES)
    if org_id is not None:
        settings = dataclasses.replace(settings, org_id=org_id)
    started = datetime.now(UTC)
    async with CalClient(with_shared_budget(settings)) as cal:
        reporter.watch(cal)
        org = await cal.resolve_org_id()
        with reporter.tables(wanted) as progress:
            tables = await fetch_tables(cal, wanted, progress)
        tables, reconciled = await reconcile_listings(cal, tables)
        stats = cal.stats
    requests = requests_per_table(stats, wanted)
    report = validate_snapshot(tables)
    if not report.ok:
        await reporter.artifact(
            f"export-org-{org}-invalid",
            "# Export stopped: snapshot failed validation\n\n" + report.to_markdown(),
        )
        raise SnapshotInvalid(report)
    sheets = import_sheets(tables) if "xlsx" in chosen_formats else None
    run = SnapshotRun(org_id=org, api_url=settings.api_url, started_at=started, requests=requests,
                      reconciled=tuple(r.as_manifest() for r in reconciled))  # fmt: skip
    folder = write_snapshot(tables, Path(out), run, formats=chosen_formats, import_sheets=sheets)
    await reporter.artifact(f"export-org-{org}", summary_markdown(folder, tables, requests))
    rows = {name: data.height for name, data in tables.items()}
    for r in reconciled:
        reporter.info(
            f"{r.table}: {r.missing} named by {', '.join(r.because)} appeared after the first "
            f"listing (another run writing?); re-listed, {r.added} row(s) added"
        )
    reporter.info(
        f"exported org {org}: {sum(rows.values())} rows in {stats.total_requests} requests "
        f"to {folder}"
    )
    return ExportResult(
        folder=folder, org_id=org, rows=rows, requests=requests, reconciled=tuple(reconciled)
    )


__all__ = ["DEFAULT_OUT", "ExportResult", "export_snapshot", "parse_choices", "summary_markdown"]
