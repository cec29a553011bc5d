"""`calbulk template`: a users workbook made for your organization.

One column per org attribute (dropdowns from its options), dropdowns for roles, time zones,
locales and your teams, and an instructions sheet. Fill it in, then ``calbulk import``.
A thin shell over `flows.importer.template` (or the ``users_template`` flow on Prefect).
"""

from __future__ import annotations

from pathlib import Path

import typer

from flows.cli.common import Run, json_option, org_id_option, run_pipeline, verbose_option

SUFFIXES = (".xlsx", ".csv")


def template_command(
    org_id: int | None = org_id_option(),
    out: Path = typer.Option(
        Path("users.xlsx"), "--out", help="Where to write it (.xlsx, or .csv for a header only)."
    ),
    as_json: bool = json_option(),
    verbose: bool = verbose_option(),
) -> None:
    """Write a users template with the organization's own attributes, options and teams."""
    run = Run("template", as_json=as_json, verbose=verbose)
    settings = run.load_config(org_id)
    if out.suffix.lower() not in SUFFIXES or out.is_dir():
        run.fail(f"--out {out}: give a file name ending in .xlsx or .csv")

    async def in_process() -> str:
        from flows.cli.output import CliReporter
        from flows.importer.template import write_users_template

        return str(await write_users_template(settings, out, reporter=CliReporter(settings)))

    async def on_prefect() -> str:
        from flows.importer.flow import users_template

        return await users_template(org_id=org_id, out=str(out))

    written = run_pipeline(run, in_process, on_prefect)
    if not as_json:
        typer.echo(f"template: {written}")
        typer.echo(f"next: fill it in, then: calbulk import {written} --dry-run")
    run.finish({"template": written})
