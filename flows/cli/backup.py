"""`calbulk backup`: a snapshot, the change report against the previous one, and retention.

A thin shell over `flows.backup.pipeline.backup_snapshot`, run in-process; with
PREFECT_API_URL set it runs as the ``backup_org`` flow instead, so the run and its artifacts
are recorded on that Prefect server. Options are checked before anything is sent (exit 2).
"""

from __future__ import annotations

import os
from pathlib import Path

import typer

from calapi import ConfigError
from flows.backup.pipeline import DEFAULT_KEEP, backup_formats, backup_snapshot, check_keep
from flows.cli.common import fail, load_config, org_id_option, run_flow
from flows.export.pipeline import DEFAULT_OUT
from flows.export.snapshot import DEFAULT_FORMATS, FORMATS
from flows.reporter import Reporter


class _TerminalReporter(Reporter):
    progress_enabled = None  # progress bars when stderr is a terminal


def backup_command(
    org_id: int | None = org_id_option(),
    out: Path = typer.Option(
        Path(DEFAULT_OUT), "--out", help="Output root; snapshots go to OUT/<org_id>/<UTC>/."
    ),
    format: str = typer.Option(
        ",".join(DEFAULT_FORMATS),
        "--format",
        help=f"Comma list of {', '.join(FORMATS)} (parquet is required).",
    ),
    keep_daily: int = typer.Option(
        DEFAULT_KEEP["keep_daily"], "--keep-daily", help="Most recent days to keep one of."
    ),
    keep_weekly: int = typer.Option(
        DEFAULT_KEEP["keep_weekly"], "--keep-weekly", help="Most recent ISO weeks to keep one of."
    ),
    keep_monthly: int = typer.Option(
        DEFAULT_KEEP["keep_monthly"], "--keep-monthly", help="Most recent months to keep one of."
    ),
) -> None:
    """Back up an organization: snapshot, change report against the last one, retention."""
    settings = load_config("backup", org_id)
    try:
        backup_formats(format)
        check_keep(keep_daily, keep_weekly, keep_monthly)
    except ConfigError as error:
        fail("backup", str(error))
    if out.exists() and not out.is_dir():
        fail("backup", f"--out {out} is a file; give a folder (snapshots go in OUT/<org_id>/)")
    keep = (keep_daily, keep_weekly, keep_monthly)
    if os.environ.get("PREFECT_API_URL"):
        from flows.backup.flow import backup_org

        folder = run_flow("backup", settings, backup_org(org_id, str(out), format, *keep))
        typer.echo(folder)
        return
    result = run_flow(
        "backup",
        settings,
        backup_snapshot(settings, org_id, out, format, *keep, reporter=_TerminalReporter()),
    )
    for line in result.summary_lines():
        typer.echo(line)
