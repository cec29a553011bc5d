"""`calbulk export`: an organization snapshot to validated Parquet, CSV and Excel.

A thin shell over the export pipeline (`flows.export.pipeline`), or, with PREFECT_API_URL set,
the ``export_org`` flow that wraps it: options are named like its parameters; credentials come
from CAL_* in the environment or ``.env``. Configuration and options are checked before
anything is sent (exit 2); `flows.cli.common` turns failures into messages. The summary
(rows and requests per table, where the snapshot is) is read back from the manifest.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from flows.cli.choices import DEFAULT_FORMATS, DEFAULT_OUT, FORMATS, TABLE_NAMES
from flows.cli.common import (
    Run,
    json_option,
    org_id_option,
    rate_limit_option,
    rate_window_option,
    run_pipeline,
    verbose_option,
)

if TYPE_CHECKING:
    from rich.console import Console


def export_command(
    org_id: int | None = org_id_option(),
    out: Path = typer.Option(
        Path(DEFAULT_OUT), "--out", help="Output root; the snapshot goes to OUT/<org_id>/<UTC>/."
    ),
    format: str = typer.Option(
        ",".join(DEFAULT_FORMATS), "--format", help=f"Comma list of {', '.join(FORMATS)}."
    ),
    only: str | None = typer.Option(
        None, "--only", help=f"Comma list of tables (default all): {', '.join(TABLE_NAMES)}."
    ),
    rate_limit: int | None = rate_limit_option(),
    rate_window: float | None = rate_window_option(),
    as_json: bool = json_option(),
    verbose: bool = verbose_option(),
) -> None:
    """Export an organization to validated Parquet and CSV (and an Excel workbook)."""
    run = Run("export", as_json=as_json, verbose=verbose)
    settings = run.load_rated_config(org_id, rate_limit, rate_window)
    from calapi import ConfigError
    from flows.export.pipeline import parse_choices

    try:
        parse_choices(format, FORMATS, "format")
        parse_choices(only, TABLE_NAMES, "table")
    except ConfigError as error:
        run.fail(f"{error} (--format / --only)")
    if out.exists() and not out.is_dir():
        run.fail(f"--out {out} is a file; give a folder (the snapshot goes in OUT/<org_id>/)")

    async def in_process() -> str:
        from flows.cli.output import CliReporter
        from flows.export.pipeline import export_snapshot

        reporter = CliReporter(settings)
        result = await export_snapshot(settings, org_id, out, format, only, reporter=reporter)
        return str(result.folder)

    async def on_prefect() -> str:
        from flows.export.flow import export_org

        return await export_org(org_id=org_id, out=str(out), format=format, only=only,
                                rate_limit=rate_limit, rate_window=rate_window)  # fmt: skip

    folder = Path(run_pipeline(run, in_process, on_prefect))
    outcome = snapshot_outcome(folder)
    if not as_json:
        show_export(outcome)
    run.finish(outcome)


def snapshot_outcome(folder: Path) -> dict:
    """The snapshot's folder, files and counts, from its manifest."""
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    tables = manifest["tables"]
    return {
        "folder": str(folder),
        "manifest": str(folder / "manifest.json"),
        "org_id": manifest["org_id"],
        "rows": {name: entry["rows"] for name, entry in tables.items()},
        "requests": {name: entry["requests"] for name, entry in tables.items()},
        "requests_total": manifest["requests_total"],
        "files": sorted(p.name for p in folder.iterdir()),
    }


def show_export(outcome: dict) -> None:
    from flows.cli.output import console

    out = console()
    show_table(out, outcome)
    out.print(f"snapshot: {outcome['folder']}")
    out.print("next: open the CSV files or the workbook, or load the Parquet files in polars")


def show_table(out: Console, outcome: dict) -> None:
    """Rows and requests per table of a snapshot (export and backup summaries)."""
    from flows.cli.output import print_table

    rows = [(t, n, outcome["requests"].get(t, 0)) for t, n in outcome["rows"].items()]
    rows.append(("total", sum(outcome["rows"].values()), outcome["requests_total"]))
    print_table(out, f"Snapshot of organization {outcome['org_id']}",
                ["table", "rows", "requests"], rows)  # fmt: skip
