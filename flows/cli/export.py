"""`calbulk export`: an organization snapshot to validated Parquet, CSV and Excel.

A thin shell over the ``export_org`` flow: options are named like its parameters;
credentials come from CAL_* in the environment or ``.env``. Configuration and options are
checked before anything is sent (exit 2); `flows.cli.common` turns failures into messages.
"""

from __future__ import annotations

from pathlib import Path

import typer

from calapi import ConfigError
from flows.cli.common import fail, load_config, org_id_option, run_flow
from flows.export.flow import export_org
from flows.export.pipeline import DEFAULT_OUT, parse_choices
from flows.export.snapshot import DEFAULT_FORMATS, FORMATS
from transforms.snapshot.schemas import TABLE_NAMES


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
) -> None:
    """Export an organization to validated Parquet and CSV (and an Excel workbook)."""
    settings = load_config("export", org_id)
    try:
        parse_choices(format, FORMATS, "format")
        parse_choices(only, TABLE_NAMES, "table")
    except ConfigError as error:
        fail("export", f"{error} (--format / --only)")
    if out.exists() and not out.is_dir():
        fail("export", f"--out {out} is a file; give a folder (the snapshot goes in OUT/<org_id>/)")
    folder = run_flow(
        "export", settings, export_org(org_id=org_id, out=str(out), format=format, only=only)
    )
    typer.echo(folder)
