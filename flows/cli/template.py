"""`calbulk template`: a users workbook made for your organization.

One column per org attribute (dropdowns from its options), dropdowns for roles, time zones,
locales and your teams, and an instructions sheet. Fill it in, then ``calbulk import``.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import typer

from calapi import AuthError, CalApiError, ConfigError, Forbidden
from flows.cli.common import ExitCode
from flows.config import load_settings


def template_command(
    org_id: int | None = typer.Option(
        None, "--org-id", help="Organization id (default: CAL_ORG_ID, else the key's org)."
    ),
    out: Path = typer.Option(
        Path("users.xlsx"), "--out", help="Where to write it (.xlsx, or .csv for a header only)."
    ),
) -> None:
    """Write a users template with the organization's own attributes, options and teams."""
    from flows.import_template import users_template

    try:
        load_settings(org_id)
        written = asyncio.run(users_template(org_id=org_id, out=str(out)))
    except (AuthError, Forbidden, ConfigError) as error:
        typer.echo(f"calbulk template: {error}", err=True)
        raise typer.Exit(ExitCode.BAD_INPUT) from None
    except CalApiError as error:
        typer.echo(f"calbulk template: the API failed: {error}", err=True)
        raise typer.Exit(ExitCode.FAILED_ROWS) from None
    typer.echo(written)
