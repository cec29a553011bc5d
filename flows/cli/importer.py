"""`calbulk import FILE`: load an HR spreadsheet (CSV or Excel) into the organization.

A thin shell over the ``import_file`` flow (options named like its parameters). Problems in
the file are shown as a table and written next to the input; nothing is sent and the exit code
is 2 unless ``--skip-invalid``. ``--dry-run`` shows and writes the plan. Exit 1 when any row
failed (see the receipt).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import polars as pl
import typer
from rich.console import Console
from rich.table import Table

from calapi import AuthError, CalApiError, ConfigError, Forbidden
from flows.cli.common import ExitCode
from flows.config import load_settings
from transforms.plan import MODES
from transforms.sheet_columns import KINDS

SHOWN_LINES = 40


def import_command(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="CSV or .xlsx file."),
    org_id: int | None = typer.Option(
        None, "--org-id", help="Organization id (default: CAL_ORG_ID, else the key's org)."
    ),
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
    from flows.importer import import_file

    err = Console(stderr=True)
    if mode not in MODES or (kind is not None and kind not in KINDS):
        err.print(f"calbulk import: --mode is add or sync; --kind is one of {', '.join(KINDS)}")
        raise typer.Exit(ExitCode.BAD_INPUT)
    try:
        limits = {"rate_limit": rate_limit, "rate_window": rate_window}
        load_settings(org_id, **{k: v for k, v in limits.items() if v is not None})
        outcome = asyncio.run(
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
            )
        )
    except (AuthError, Forbidden, ConfigError, ValueError) as error:
        err.print(f"calbulk import: {error}")
        raise typer.Exit(ExitCode.BAD_INPUT) from None
    except CalApiError as error:
        err.print(f"calbulk import: the API failed before any row was sent: {error}")
        raise typer.Exit(ExitCode.FAILED_ROWS) from None
    _report(outcome, Console())
    raise typer.Exit(outcome["exit_code"])


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
        console.print(f"rows: {counts or 'none'}")
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
