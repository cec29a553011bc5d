"""`calbulk report`: report.xlsx and report.md over an organization's kept snapshots.

A thin shell over ``flows.backup.report.write_org_report``; no API call. Reads and writes
``OUT/<org_id>/`` (org id from ``--org-id`` or ``CAL_ORG_ID``).
"""

from __future__ import annotations

from pathlib import Path

import typer

from flows.cli.choices import DEFAULT_OUT
from flows.cli.common import Run, json_option, run_local, verbose_option
from flows.cli.prune import ORG_ID_HELP, org_folder


def report_command(
    org_id: int | None = typer.Option(None, "--org-id", help=ORG_ID_HELP),
    out: Path = typer.Option(
        Path(DEFAULT_OUT), "--out", help="Output root holding OUT/<org_id>/<UTC>/."
    ),
    as_json: bool = json_option(),
    verbose: bool = verbose_option(),
) -> None:
    """Write report.xlsx and report.md (headcount, teams, options over time; upcoming OOO)."""
    run = Run("report", as_json=as_json, verbose=verbose)
    folder = org_folder(run, out, org_id)
    from flows.backup.report import write_org_report

    summary = run_local(run, lambda: write_org_report(folder, folder))
    files = summary["files"]
    if not as_json:
        typer.echo(f"{len(summary['snapshots'])} snapshot(s); wrote " + ", ".join(files))
    run.finish({"folder": str(folder), "snapshots": len(summary["snapshots"]), "files": files})
