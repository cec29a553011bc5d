"""`calbulk backup`: a snapshot, the change report against the previous one, and retention.

A thin shell over `flows.backup.pipeline.backup_snapshot`, run in-process with progress on a
terminal; with PREFECT_API_URL set it runs as the ``backup_org`` flow instead, so the run and
its artifacts are recorded on that Prefect server. Options are checked before anything is sent
(exit 2); `flows.cli.common` turns failures into messages. The summary (rows and requests per
table, where the snapshot and its changes.* are, what retention kept and deleted) is read back
from the files the run wrote.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer

from flows.cli.choices import DEFAULT_FORMATS, DEFAULT_OUT, FORMATS
from flows.cli.common import Run, json_option, org_id_option, run_pipeline, verbose_option
from flows.cli.diff import CHANGE_FILES
from flows.cli.prune import keep_option


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
    keep_daily: int = keep_option("keep-daily", "days"),
    keep_weekly: int = keep_option("keep-weekly", "ISO weeks"),
    keep_monthly: int = keep_option("keep-monthly", "months"),
    orgs: Path | None = typer.Option(
        None, "--orgs", help="TOML file of [[org]] entries: back up every organization listed."
    ),
    parallel: int = typer.Option(
        4, "--parallel", help="With --orgs and no Prefect server: orgs backed up at once."
    ),
    as_json: bool = json_option(),
    verbose: bool = verbose_option(),
) -> None:
    """Back up an organization: snapshot, change report against the last one, retention."""
    run = Run("backup", as_json=as_json, verbose=verbose)
    if orgs is not None:
        from flows.cli.backup_orgs import backup_orgs_command

        keep = {"keep_daily": keep_daily, "keep_weekly": keep_weekly,
                "keep_monthly": keep_monthly}  # fmt: skip
        backup_orgs_command(run, orgs, org_id, out, format, keep, parallel)
    settings = run.load_config(org_id)
    from calapi import ConfigError
    from flows.backup.pipeline import backup_formats, check_keep

    try:
        backup_formats(format)
        check_keep(keep_daily, keep_weekly, keep_monthly)
    except ConfigError as error:
        run.fail(str(error))
    if out.exists() and not out.is_dir():
        run.fail(f"--out {out} is a file; give a folder (snapshots go in OUT/<org_id>/)")
    keep = {"keep_daily": keep_daily, "keep_weekly": keep_weekly, "keep_monthly": keep_monthly}

    async def in_process() -> dict:
        from flows.backup.pipeline import backup_snapshot
        from flows.cli.output import CliReporter

        reporter = CliReporter(settings)
        result = await backup_snapshot(settings, org_id, out, format, **keep, reporter=reporter)
        return {"folder": str(result.folder), "retention": result.prune.as_dict(),
                "retention_lines": result.prune.lines()}  # fmt: skip

    async def on_prefect() -> dict:
        from flows.backup.flow import backup_org

        folder = await backup_org(org_id=org_id, out=str(out), format=format, **keep)
        return {"folder": folder, "retention": None, "retention_lines": None}

    done = run_pipeline(run, in_process, on_prefect)
    outcome = backup_outcome(Path(done["folder"]), done["retention"])
    if not as_json:
        show_backup(outcome, done["retention_lines"])
    run.finish(outcome)


def backup_outcome(folder: Path, retention: dict | None) -> dict:
    """The snapshot (from its manifest), its change report (from changes.json, None on an
    org's first backup) and retention: what it kept and deleted in-process; on Prefect (the
    flow returns only the folder) the complete snapshots the org's folder now holds."""
    from flows.backup.retention import complete_snapshots
    from flows.cli.export import snapshot_outcome

    outcome = snapshot_outcome(folder)
    changes_json = folder / CHANGE_FILES[0]
    if changes_json.is_file():
        document = json.loads(changes_json.read_text(encoding="utf-8"))
        outcome["changes"] = {"previous": document["old"], "counts": document["counts"],
                              "files": [str(folder / name) for name in CHANGE_FILES]}  # fmt: skip
    else:
        outcome["changes"] = None
    if retention is None:
        kept = [snapshot.path.name for snapshot in complete_snapshots(folder.parent)]
        retention = {"kept": kept, "deleted": None, "applied_by": "the backup_org flow run"}
    outcome["retention"] = retention
    return outcome


def show_backup(outcome: dict, retention_lines: list[str] | None) -> None:
    from flows.cli.export import show_table
    from flows.cli.output import console

    out = console()
    show_table(out, outcome)
    out.print(f"snapshot: {outcome['folder']}")
    changes = outcome["changes"]
    if changes is None:
        out.print("first backup of this organization: nothing to compare with, no changes.*")
    else:
        counts = changes["counts"]
        changed = ", ".join(f"{kind} {n}" for kind, n in counts.items() if n) or "no changes"
        out.print(f"compared with {Path(changes['previous']).name}: {changed}")
        out.print(f"changes: {changes['files'][0]}, {', '.join(CHANGE_FILES[1:])}")
    if retention_lines is None:  # on Prefect: the run's log lists each decision
        kept = outcome["retention"]["kept"]
        out.print(f"retention: applied by the backup_org run (its log says why); "
                  f"{len(kept)} snapshot(s) kept in {Path(outcome['folder']).parent}")  # fmt: skip
        return
    out.print("retention:")
    for line in retention_lines:
        out.print(f"  {line}")
