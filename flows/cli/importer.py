"""`calbulk import FILE`: load an HR spreadsheet (CSV or Excel) into the organization.

A thin shell over the import pipeline (`flows.importer.pipeline`), or, with PREFECT_API_URL
set, the ``import_file`` flow that wraps it (options named like its parameters). Problems in
the file are shown as a table and written next to the receipt; nothing is sent and the exit
code is 2 unless ``--skip-invalid``. ``--dry-run`` shows the steps per action and sheet, the
first steps, where the plan is, how long applying it takes at the key's limit, and the command
that applies it. Exit 1 when any row failed (see the receipt); 130 when interrupted (the
receipt lists what was done; the same command resumes).
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

import typer

from flows.cli.choices import MODES
from flows.cli.common import (
    ExitCode,
    Run,
    json_option,
    org_id_option,
    rate_limit_option,
    rate_window_option,
    run_pipeline,
    verbose_option,
)

KINDS = ("users", "ooo", "roles", "leavers", "teams", "attributes", "webhooks")  # columns.KINDS
SAVE_AS = "open it in Excel, LibreOffice or Google Sheets and save it as .xlsx (or export CSV)"
UNREADABLE_SUFFIXES = {
    ".xls": f"the Excel 97-2003 format cannot be read; {SAVE_AS}",
    ".xlsb": f"the Excel binary format cannot be read; {SAVE_AS}",
    ".ods": f"OpenDocument spreadsheets cannot be read; {SAVE_AS}",
    ".numbers": f"Numbers files cannot be read; {SAVE_AS}",
}


def import_command(
    file: Path = typer.Argument(..., help="CSV or .xlsx file."),
    org_id: int | None = org_id_option(),
    dry_run: bool = typer.Option(False, "--dry-run", help="Write and show the plan; send nothing."),
    mode: str = typer.Option(
        "add", "--mode", help="add: never remove; sync: also remove what the file no longer lists."
    ),
    receipt: Path | None = typer.Option(
        None, "--receipt", help="Receipt CSV path (default: FILE.receipt.csv next to the input)."
    ),
    kind: str | None = typer.Option(
        None, "--kind", help=f"What a CSV holds when its header does not say: {', '.join(KINDS)}."
    ),
    skip_invalid: bool = typer.Option(
        False, "--skip-invalid", help="Send the valid rows; report the invalid ones as skipped."
    ),
    create_missing_options: bool = typer.Option(
        False, "--create-missing-options", help="Create select options the org does not have."
    ),
    prune_definitions: bool = typer.Option(
        False,
        "--prune-definitions",
        help="With --mode sync: delete the teams, attributes, options and webhooks that the "
        "file's teams/attributes/webhooks sheet no longer lists.",
    ),
    rows: str | None = typer.Option(
        None,
        "--rows",
        help="Run only these spreadsheet rows (e.g. 2-6,15); the receipt marks the rest not run.",
    ),
    rate_limit: int | None = rate_limit_option(),
    rate_window: float | None = rate_window_option(),
    as_json: bool = json_option(),
    verbose: bool = verbose_option(),
) -> None:
    """Import users, out-of-office entries or custom roles from a CSV or Excel file."""
    run = Run("import", as_json=as_json, verbose=verbose)
    check_choices(run, mode, kind)
    check_rows(run, rows)
    if prune_definitions and mode != "sync":
        run.fail("--prune-definitions deletes only with --mode sync; add --mode sync")
    check_input_file(run, file)
    check_outputs(run, receipt)
    settings = run.load_rated_config(org_id, rate_limit, rate_window)
    options = {"dry_run": dry_run, "mode": mode, "receipt": str(receipt) if receipt else None,
               "kind": kind, "skip_invalid": skip_invalid,
               "create_missing_options": create_missing_options,
               "prune_definitions": prune_definitions, "rows": rows}  # fmt: skip

    async def in_process() -> dict:
        from flows.cli.output import CliReporter
        from flows.importer.pipeline import import_spreadsheet

        reporter = CliReporter(settings)
        outcome = await import_spreadsheet(settings, file, reporter=reporter, **options)
        return outcome.to_dict()

    async def on_prefect() -> dict:
        from flows.importer.flow import import_file

        return await import_file(file=str(file), org_id=org_id, rate_limit=rate_limit,
                                 rate_window=rate_window, **options)  # fmt: skip

    outcome = run_pipeline(run, in_process, on_prefect)
    if not as_json:
        from flows.cli.import_report import show_import

        show_import(outcome, settings, apply_command())
    elif outcome.get("message") and outcome["exit_code"]:
        typer.echo(f"calbulk import: {outcome['message']}", err=True)
    run.finish(json_outcome(outcome), ExitCode(outcome["exit_code"]))


def apply_command() -> str:
    """The command that applies a dry run (or resumes an interrupted run): this one, without
    ``--dry-run`` and ``--json``."""
    args = [a for a in sys.argv[1:] if a not in ("--dry-run", "--json")]
    if args[:1] != ["import"]:  # not started as `calbulk import ...` (e.g. from Python)
        return "the same calbulk import command without --dry-run"
    return shlex.join(["calbulk", *args])


def json_outcome(outcome: dict) -> dict:
    keys = ("receipt", "plan", "errors", "journal", "counts", "steps", "plan_counts",
            "apply_seconds", "interrupted", "message", "team_owner")  # fmt: skip
    return {key: outcome.get(key) for key in keys}


def check_choices(run: Run, mode: str, kind: str | None) -> None:
    """--mode and --kind, named with what they accept."""
    if mode not in MODES:
        run.fail(f"--mode {mode!r} is not known; choose from {', '.join(MODES)}")
    if kind is not None and kind not in KINDS:
        run.fail(f"--kind {kind!r} is not known; choose from {', '.join(KINDS)}")


def check_rows(run: Run, rows: str | None) -> None:
    """--rows as row numbers and ranges, before anything is read or sent."""
    if rows is None:
        return
    from transforms.plan.rows import parse_rows

    try:
        parse_rows(rows)
    except ValueError as exc:
        run.fail(str(exc))


def check_outputs(run: Run, receipt: Path | None) -> None:
    """Options that would otherwise fail late: a receipt path that is a folder fails only
    when the receipt is written, after the rows were sent."""
    if receipt is not None and receipt.is_dir():
        run.fail(f"--receipt {receipt} is a folder; give a file name such as hr.receipt.csv")


def check_input_file(run: Run, file: Path) -> None:
    """A file calbulk can read: exists, is a file, and is CSV or .xlsx (not a legacy format)."""
    if not file.exists():
        run.fail(f"no such file: {file}")
    if file.is_dir():
        run.fail(f"{file} is a folder; give the CSV or .xlsx file to import")
    if file.suffix.lower() in UNREADABLE_SUFFIXES:
        run.fail(f"{file.name}: {UNREADABLE_SUFFIXES[file.suffix.lower()]}")
