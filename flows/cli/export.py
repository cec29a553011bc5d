"""`calbulk export`: an organization snapshot to validated Parquet, CSV and Excel.

A thin shell over the ``export_org`` flow: options are named like its parameters;
credentials come from CAL_* in the environment or ``.env``. Configuration is
checked before anything is sent (bad config -> exit 2).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import typer

from calapi import AuthError, CalApiError, ConfigError, Forbidden
from flows.cli.common import ExitCode
from flows.config import load_settings
from flows.export import DEFAULT_OUT, export_org, parse_choices
from flows.snapshot import DEFAULT_FORMATS, FORMATS
from transforms.checks import SnapshotInvalid
from transforms.schemas import TABLE_NAMES


def export_command(
    org_id: int | None = typer.Option(
        None, "--org-id", help="Organization id (default: CAL_ORG_ID, else the key's org)."
    ),
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
    try:
        load_settings(org_id)
        parse_choices(format, FORMATS, "format")
        parse_choices(only, TABLE_NAMES, "table")
    except ConfigError as error:
        typer.echo(f"calbulk export: {error}", err=True)
        raise typer.Exit(ExitCode.BAD_INPUT) from None
    try:
        folder = asyncio.run(export_org(org_id=org_id, out=str(out), format=format, only=only))
    except SnapshotInvalid as error:
        typer.echo("calbulk export: snapshot failed validation; nothing published.", err=True)
        typer.echo(error.report.to_markdown(), err=True)
        raise typer.Exit(ExitCode.FAILED_ROWS) from None
    except (AuthError, Forbidden, ConfigError) as error:
        typer.echo(f"calbulk export: {error}", err=True)
        raise typer.Exit(ExitCode.BAD_INPUT) from None
    except CalApiError as error:
        typer.echo(f"calbulk export: the API failed, nothing was published: {error}", err=True)
        raise typer.Exit(ExitCode.FAILED_ROWS) from None
    typer.echo(folder)
