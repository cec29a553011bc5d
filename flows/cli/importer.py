"""`calbulk importer` (placeholder until its flow lands)."""

from __future__ import annotations

import typer


def import_command() -> None:
    """Not implemented yet."""
    typer.echo("calbulk importer: not implemented yet", err=True)
    raise typer.Exit(2)
