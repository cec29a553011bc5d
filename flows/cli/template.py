"""`calbulk template`: a users workbook made for your organization.

One column per org attribute (dropdowns from its options), dropdowns for roles, time zones,
locales and your teams, and an instructions sheet. Fill it in, then ``calbulk import``.
"""

from __future__ import annotations

from pathlib import Path

import typer

from flows.cli.common import fail, load_config, org_id_option, run_flow

SUFFIXES = (".xlsx", ".csv")


def template_command(
    org_id: int | None = org_id_option(),
    out: Path = typer.Option(
        Path("users.xlsx"), "--out", help="Where to write it (.xlsx, or .csv for a header only)."
    ),
) -> None:
    """Write a users template with the organization's own attributes, options and teams."""
    from flows.importer.template import users_template

    settings = load_config("template", org_id)
    if out.suffix.lower() not in SUFFIXES or out.is_dir():
        fail("template", f"--out {out}: give a file name ending in .xlsx or .csv")
    written = run_flow("template", settings, users_template(org_id=org_id, out=str(out)))
    typer.echo(written)
