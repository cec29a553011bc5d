"""`calbulk report`: report.xlsx and report.md over an organization's kept snapshots.

A thin shell over ``flows.backup.report.write_org_report``; no API call. Reads and writes
``OUT/<org_id>/`` (org id from ``--org-id`` or ``CAL_ORG_ID``).
"""

from __future__ import annotations

from pathlib import Path

import typer

from flows.cli.common import run_offline
from flows.cli.prune import DEFAULT_OUT, ORG_ID_HELP, org_folder


def report_command(
    org_id: int | None = typer.Option(None, "--org-id", help=ORG_ID_HELP),
    out: Path = typer.Option(DEFAULT_OUT, "--out", help="Output root holding OUT/<org_id>/<UTC>/."),
) -> None:
    """Write report.xlsx and report.md (headcount, teams, options over time; upcoming OOO)."""
    from flows.backup.report import write_org_report

    folder = org_folder("report", out, org_id)
    summary = run_offline("report", lambda: write_org_report(folder, folder))
    typer.echo(f"{len(summary['snapshots'])} snapshot(s); wrote " + ", ".join(summary["files"]))
