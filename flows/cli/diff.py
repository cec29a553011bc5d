"""`calbulk diff OLD NEW`: what changed between two snapshots, as changes.json/.md/.xlsx.

A thin shell over ``flows.backup.changes.write_change_report``; no API call. Errors (a
folder that is not a snapshot, ...) become one paragraph and exit 2 in `flows.cli.common`.
"""

from __future__ import annotations

from pathlib import Path

import typer

from flows.cli.common import Run, json_option, run_local, verbose_option

CHANGE_FILES = ("changes.json", "changes.md", "changes.xlsx")  # flows.backup.changes' names


def diff_command(
    old: Path = typer.Argument(
        ..., metavar="OLD", help="The older snapshot folder (OUT/<org_id>/<UTC>/)."
    ),
    new: Path = typer.Argument(..., metavar="NEW", help="The newer snapshot folder."),
    out: Path | None = typer.Option(
        None, "--out", help="Folder for changes.json, changes.md, changes.xlsx (default: NEW)."
    ),
    as_json: bool = json_option(),
    verbose: bool = verbose_option(),
) -> None:
    """Compare two snapshots on natural keys: joiners, leavers, role, team, attribute, OOO and
    definition changes."""
    run = Run("diff", as_json=as_json, verbose=verbose)
    from flows.backup.changes import write_change_report

    target = out or new
    document = run_local(run, lambda: write_change_report(old, new, target))
    if not as_json:
        counts = ", ".join(f"{kind} {n}" for kind, n in document["counts"].items())
        typer.echo(f"{counts}\nwrote {target / 'changes.json'}, changes.md, changes.xlsx")
    run.finish({"old": str(old), "new": str(new), "counts": document["counts"],
                "files": [str(target / name) for name in CHANGE_FILES]})  # fmt: skip
