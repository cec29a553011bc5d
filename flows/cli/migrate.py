"""`calbulk migrate --from PATH | --from-org M [--to-org N]`: one organization into another.

A thin shell over the migration pipeline (`flows.migrate.pipeline`), or, with PREFECT_API_URL
set, the ``migrate_org`` flow that wraps it. The target is the usual CAL_* org (``--to-org``
beats CAL_ORG_ID); a live source is read with CAL_SOURCE_API_KEY / CAL_SOURCE_API_URL. What
the API cannot carry is printed first; then the import's own end (problems, the dry run's
plan, rows per outcome), the run folder and the id map. Exit codes as for `calbulk import`.
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

import typer

from flows.cli.common import (
    ExitCode,
    Run,
    json_option,
    rate_limit_option,
    rate_window_option,
    run_pipeline,
    verbose_option,
)

DEFAULT_OUT = "data/migrations"  # flows.migrate.pipeline.DEFAULT_OUT (checked by a test)


def migrate_command(
    source: Path | None = typer.Option(
        None, "--from", help="Snapshot folder OUT/<org_id>/<UTC>/ or snapshot.xlsx to migrate."
    ),
    from_org: int | None = typer.Option(
        None, "--from-org", help="Read this org live (CAL_SOURCE_API_KEY, CAL_SOURCE_API_URL)."
    ),
    to_org: int | None = typer.Option(
        None, "--to-org", help="Target organization id (default: CAL_ORG_ID or the key's org)."
    ),
    out: Path = typer.Option(
        Path(DEFAULT_OUT), "--out", help="Runs go to OUT/<source>-to-org<N>/ (receipt, id map)."
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="Write and show the plan; send nothing."),
    rate_limit: int | None = rate_limit_option(),
    rate_window: float | None = rate_window_option(),
    as_json: bool = json_option(),
    verbose: bool = verbose_option(),
) -> None:
    """Migrate an organization (a snapshot or a live org) into another organization."""
    run = Run("migrate", as_json=as_json, verbose=verbose)
    if (source is None) == (from_org is None):
        run.fail("give exactly one source: --from PATH (a snapshot folder or snapshot.xlsx) "
                 "or --from-org M (read live with CAL_SOURCE_API_KEY)")  # fmt: skip
    if source is not None and not source.exists():
        run.fail(f"--from {source}: no such folder or file")
    if out.exists() and not out.is_dir():
        run.fail(f"--out {out} is a file; give a folder (runs go in OUT/<source>-to-org<N>/)")
    settings = run.load_rated_config(to_org, rate_limit, rate_window)
    options = {"source": str(source) if source else None, "from_org": from_org,
               "out": str(out), "dry_run": dry_run}  # fmt: skip

    async def in_process() -> dict:
        from flows.cli.output import CliReporter
        from flows.migrate.pipeline import migrate_org

        outcome = await migrate_org(settings, reporter=CliReporter(settings), **options)
        return outcome.to_dict()

    async def on_prefect() -> dict:
        from flows.migrate.flow import migrate_org_flow

        return await migrate_org_flow(to_org=to_org, rate_limit=rate_limit,
                                      rate_window=rate_window, **options)  # fmt: skip

    outcome = run_pipeline(run, in_process, on_prefect)
    if not as_json:
        show_migration(outcome, settings)
    elif outcome.get("message") and outcome["exit_code"]:
        typer.echo(f"calbulk migrate: {outcome['message']}", err=True)
    run.finish(json_outcome(outcome), ExitCode(outcome["exit_code"]))


def show_migration(outcome: dict, settings) -> None:
    from flows.cli.import_report import show_import
    from flows.cli.output import console, print_table

    out = console()
    gaps = [(i["what"], i["count"] or "", i["why"]) for i in outcome["not_carried"]]
    print_table(out, "Not carried by the API", ["what", "count", "why"], gaps)
    show_import(outcome, settings, apply_command())
    if outcome.get("plan") and not outcome.get("receipt") and outcome.get("message"):
        out.print(outcome["message"])  # a dry run's note (show_import prints a run's)
    for team in outcome.get("creator_removed") or []:
        out.print(f"removed the key's user from team {team} (the API made them its OWNER)")
    out.print(f"run folder: {outcome['folder']}")
    if outcome.get("id_map"):
        out.print(f"id map: {outcome['id_map']}")


def apply_command() -> str:
    """This command without ``--dry-run`` and ``--json``: it applies a dry run's plan, and
    resumes an interrupted run."""
    args = [a for a in sys.argv[1:] if a not in ("--dry-run", "--json")]
    if args[:1] != ["migrate"]:
        return "the same calbulk migrate command without --dry-run"
    return shlex.join(["calbulk", *args])


def json_outcome(outcome: dict) -> dict:
    keys = ("source", "target_org", "folder", "receipt", "plan", "errors", "journal", "id_map",
            "not_carried", "creator_removals", "creator_removed", "counts", "steps",
            "plan_counts", "apply_seconds", "interrupted", "message")  # fmt: skip
    return {key: outcome.get(key) for key in keys}
