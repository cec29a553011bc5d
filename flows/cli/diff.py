"""`calbulk diff OLD NEW`: what changed between two snapshots, as changes.json/.md/.xlsx.

A thin shell over ``flows.backup.changes.write_change_report``; no API call. Errors (a
folder that is not a snapshot, ...) become one paragraph and exit 2 in `flows.cli.common`.
"""

from __future__ import annotations

from pathlib import Path

import typer

from flows.cli.common import run_offline


def diff_command(
    old: Path = typer.Argument(
        ..., metavar="OLD", help="The older snapshot folder (OUT/<org_id>/<UTC>/)."
    ),
    new: Path = typer.Argument(..., metavar="NEW", help="The newer snapshot folder."),
    out: Path | None = typer.Option(
        None, "--out", help="Folder for changes.json, changes.md, changes.xlsx (default: NEW)."
    ),
) -> None:
    """Compare two snapshots on natural keys: joiners, leavers, role, team, attribute, OOO and
    definition changes."""
    from flows.backup.changes import write_change_report

    target = out or new
    document = run_offline("diff", lambda: write_change_report(old, new, target))
    counts = ", ".join(f"{kind} {n}" for kind, n in document["counts"].items())
    typer.echo(f"{counts}\nwrote {target / 'changes.json'}, changes.md, changes.xlsx")
