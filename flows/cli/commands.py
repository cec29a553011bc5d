"""The `calbulk` Typer application: every command registered (see `flows.cli`)."""

from __future__ import annotations

import typer

from flows.cli import backup as _backup
from flows.cli import demo as _demo
from flows.cli import deploy as _deploy
from flows.cli import diff as _diff
from flows.cli import export as _export
from flows.cli import importer as _importer
from flows.cli import migrate as _migrate
from flows.cli import prune as _prune
from flows.cli import report as _report
from flows.cli import sandbox as _sandbox
from flows.cli import template as _template

app = typer.Typer(
    name="calbulk",
    help="Bulk import/export for Cal.com organizations (API v2).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(_sandbox.app, name="sandbox")
app.command("export")(_export.export_command)
app.command("import")(_importer.import_command)
app.command("template")(_template.template_command)
app.command("demo")(_demo.demo_command)
app.command("backup")(_backup.backup_command)
app.command("deploy")(_deploy.deploy_command)
app.command("diff")(_diff.diff_command)
app.command("prune")(_prune.prune_command)
app.command("report")(_report.report_command)
app.command("migrate")(_migrate.migrate_command)

__all__ = ["app"]
