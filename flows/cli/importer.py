"""`calbulk import FILE`: load an HR spreadsheet (CSV or Excel) into the organization.

A thin shell over the ``import_file`` flow (options named like its parameters). Problems in
the file are shown as a table and written next to the input; nothing is sent and the exit code
is 2 unless ``--skip-invalid``. ``--dry-run`` shows and writes the plan. Exit 1 when any row
failed (see the receipt).
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import typer
from rich.console import Console
from rich.table import Table

from flows.cli.common import fail, load_config, org_id_option, run_flow
from transforms.plan.build import MODES
from transforms.sheets.columns import KINDS

SHOWN_LINES = 40
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
    rate_limit: int | None = typer.Option(
        None, "--rate-limit", help="Requests per window (default: CAL_RATE_LIMIT, else the API's)."
    ),
    rate_window: float | None = typer.Option(
        None, "--rate-window", help="Rate-limit window in seconds (default 60; for a sandbox)."
    ),
) -> None:
    """Import users, out-of-office entries or custom roles from a CSV or Excel file."""
    from flows.importer.flow import import_file

    check_choices(mode, kind)
    check_input_file(file)
    check_outputs(receipt, rate_limit, rate_window)
    settings = load_config("import", org_id, rate_limit=rate_limit, rate_window=rate_window)
    outcome = run_flow(
        "import",
        settings,
        import_file(
            file=str(file),
            org_id=org_id,
            dry_run=dry_run,
            mode=mode,
            receipt=str(receipt) if receipt else None,
            kind=kind,
            skip_invalid=skip_invalid,
            create_missing_options=create_missing_options,
            rate_limit=rate_limit,
            rate_window=rate_window,
        ),
    )
    _report(outcome, Console())
    raise typer.Exit(outcome["exit_code"])


def check_choices(mode: str, kind: str | None) -> None:
    """--mode and --kind, named with what they accept."""
    if mode not in MODES:
        fail("import", f"--mode {mode!r} is not known; choose from {', '.join(MODES)}")
    if kind is not None and kind not in KINDS:
        fail("import", f"--kind {kind!r} is not known; choose from {', '.join(KINDS)}")


def check_outputs(receipt: Path | None, rate_limit: int | None, rate_window: float | None) -> None:
    """Options that would otherwise fail late: a receipt path that is a folder fails only
    when the receipt is written, after the rows were sent."""
    if receipt is not None and receipt.is_dir():
        fail("import", f"--receipt {receipt} is a folder; give a file name such as hr.receipt.csv")
    if rate_limit is not None and rate_limit < 1:
        fail("import", "--rate-limit must be at least 1 request per window")
    if rate_window is not None and rate_window <= 0:
        fail("import", "--rate-window must be above 0 seconds")


def check_input_file(file: Path) -> None:
    """A file calbulk can read: exists, is a file, and is CSV or .xlsx (not a legacy format)."""
    if not file.exists():
        fail("import", f"no such file: {file}")
    if file.is_dir():
        fail("import", f"{file} is a folder; give the CSV or .xlsx file to import")
    if file.suffix.lower() in UNREADABLE_SUFFIXES:
        fail("import", f"{file.name}: {UNREADABLE_SUFFIXES[file.suffix.lower()]}")


def _report(outcome: dict, console: Console) -> None:
    if outcome.get("errors"):
        columns = ["sheet", "row", "column", "value", "problem", "accepted", "severity"]
        _show_table(console, Path(outcome["errors"]), "Problems in the file", columns)
        console.print(f"problems written to {outcome['errors']}")
    if outcome.get("plan") and not outcome.get("receipt"):
        _show_table(console, Path(outcome["plan"]), "Plan",
                    ["sheet", "row", "key", "action", "detail"])  # fmt: skip
        console.print(f"plan written to {outcome['plan']}")
    if outcome.get("message"):
        console.print(outcome["message"])
    if outcome.get("receipt"):
        counts = ", ".join(f"{n} {k}" for k, n in outcome["counts"].items() if n)
        console.print(f"rows: {counts or 'none (the file has no data rows under its header)'}")
        console.print(f"plan: {outcome['plan']}")
        console.print(f"receipt: {outcome['receipt']}")


def _show_table(console: Console, path: Path, title: str, columns: list[str]) -> None:
    frame = pl.read_csv(path, infer_schema=False)
    table = Table(title=f"{title} ({frame.height} lines)")
    for column in columns:
        table.add_column(column, overflow="fold")
    for line in frame.head(SHOWN_LINES).select(columns).iter_rows():
        table.add_row(*("" if v is None else str(v) for v in line))
    console.print(table)
    if frame.height > SHOWN_LINES:
        console.print(f"... {frame.height - SHOWN_LINES} more in {path}")
