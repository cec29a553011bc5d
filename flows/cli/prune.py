"""`calbulk prune`: grandfather-father-son retention of an organization's snapshots.

A thin shell over ``flows.backup.retention.prune_snapshots``; no API call. The org's
folder is ``OUT/<org_id>/`` with the org id from ``--org-id`` or ``CAL_ORG_ID``.
"""

from __future__ import annotations

from pathlib import Path

import typer

from flows.cli.common import fail, run_offline

DEFAULT_OUT = Path("data/exports")  # the export's default output root
ORG_ID_HELP = "Organization id: its snapshots are OUT/<org_id>/ (default: CAL_ORG_ID)."


def org_folder(command: str, out: Path, org_id: int | None) -> Path:
    """``OUT/<org_id>`` with the id from the option or CAL_ORG_ID (and ``.env``); exit 2 if
    there is none or the folder does not exist."""
    from flows.config import read_env

    if org_id is None:
        given = read_env().get("CAL_ORG_ID")
        if not given:
            fail(command, "which organization? Give --org-id N or set CAL_ORG_ID")
        if not given.strip().isdigit():
            fail(command, f"CAL_ORG_ID is {given!r}; it must be a whole number (an org id)")
        org_id = int(given)
    folder = out / str(org_id)
    if not folder.is_dir():
        fail(command, f"{folder} does not exist: no snapshots of org {org_id} under --out {out}")
    return folder


def prune_command(
    org_id: int | None = typer.Option(None, "--org-id", help=ORG_ID_HELP),
    out: Path = typer.Option(DEFAULT_OUT, "--out", help="Output root holding OUT/<org_id>/<UTC>/."),
    keep_daily: int = typer.Option(7, "--keep-daily", help="Most recent days to keep one of."),
    keep_weekly: int = typer.Option(
        4, "--keep-weekly", help="Most recent ISO weeks to keep one of."
    ),
    keep_monthly: int = typer.Option(
        12, "--keep-monthly", help="Most recent months to keep one of."
    ),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Say what would be deleted; delete nothing."
    ),
) -> None:
    """Delete old snapshots, keeping the newest of each recent day, week and month."""
    from flows.backup.retention import prune_snapshots

    folder = org_folder("prune", out, org_id)
    result = run_offline(
        "prune",
        lambda: prune_snapshots(folder, keep_daily, keep_weekly, keep_monthly, dry_run=dry_run),
    )
    for line in result.lines():
        typer.echo(line)
    verb = "would delete" if dry_run else "deleted"
    gone = len(result.deleted) + len(result.incomplete_removed)
    typer.echo(f"{folder}: kept {len(result.kept)}, {verb} {gone}")
