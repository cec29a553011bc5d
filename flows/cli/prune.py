"""`calbulk prune`: grandfather-father-son retention of an organization's snapshots.

A thin shell over ``flows.backup.retention.prune_snapshots``; no API call. The org's
folder is ``OUT/<org_id>/`` with the org id from ``--org-id`` or ``CAL_ORG_ID``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from flows.cli.choices import DEFAULT_KEEP, DEFAULT_OUT
from flows.cli.common import Run, json_option, run_local, verbose_option

ORG_ID_HELP = "Organization id: its snapshots are OUT/<org_id>/ (default: CAL_ORG_ID)."


def org_folder(run: Run, out: Path, org_id: int | None) -> Path:
    """``OUT/<org_id>`` with the id from the option or CAL_ORG_ID (and ``.env``); exit 2 if
    there is none or the folder does not exist."""
    from flows.config import read_env

    if org_id is None:
        given = read_env().get("CAL_ORG_ID")
        if not given:
            run.fail("which organization? Give --org-id N or set CAL_ORG_ID")
        if not given.strip().isdigit():
            run.fail(f"CAL_ORG_ID is {given!r}; it must be a whole number (an org id)")
        org_id = int(given)
    folder = out / str(org_id)
    if not folder.is_dir():
        run.fail(f"{folder} does not exist: no snapshots of org {org_id} under --out {out}")
    return folder


def keep_option(name: str, what: str) -> Any:
    """``--keep-daily`` and the like, the same on prune and backup."""
    default = DEFAULT_KEEP[name.replace("-", "_")]
    return typer.Option(default, f"--{name}", help=f"Most recent {what} to keep one of.")


def prune_command(
    org_id: int | None = typer.Option(None, "--org-id", help=ORG_ID_HELP),
    out: Path = typer.Option(
        Path(DEFAULT_OUT), "--out", help="Output root holding OUT/<org_id>/<UTC>/."
    ),
    keep_daily: int = keep_option("keep-daily", "days"),
    keep_weekly: int = keep_option("keep-weekly", "ISO weeks"),
    keep_monthly: int = keep_option("keep-monthly", "months"),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Say what would be deleted; delete nothing."
    ),
    as_json: bool = json_option(),
    verbose: bool = verbose_option(),
) -> None:
    """Delete old snapshots, keeping the newest of each recent day, week and month."""
    run = Run("prune", as_json=as_json, verbose=verbose)
    folder = org_folder(run, out, org_id)
    from flows.backup.retention import prune_snapshots

    result = run_local(
        run, lambda: prune_snapshots(folder, keep_daily, keep_weekly, keep_monthly, dry_run=dry_run)
    )
    gone = len(result.deleted) + len(result.incomplete_removed)
    if not as_json:
        for line in result.lines():
            typer.echo(line)
        verb = "would delete" if dry_run else "deleted"
        typer.echo(f"{folder}: kept {len(result.kept)}, {verb} {gone}")
    run.finish({"folder": str(folder), **result.as_dict(), "kept_count": len(result.kept),
                "deleted_count": gone})  # fmt: skip
